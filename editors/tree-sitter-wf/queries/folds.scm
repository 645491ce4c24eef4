; Folds: workflows, steps, blocks, multi-line strings.
[
  (workflow)
  (step)
  (block)
  (map_block)
  (outputs)
  (defaults)
  (executor)
  (resources)
  (artifacts)
  (trigger)
  (triple_string)
] @fold
