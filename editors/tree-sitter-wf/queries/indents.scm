; Indentation (Helix): one level inside every brace pair.
[
  (workflow)
  (step)
  (block)
  (map_block)
  (map)
  (outputs)
  (defaults)
  (executor)
  (resources)
  (artifacts)
  (trigger)
] @indent

"}" @outdent
