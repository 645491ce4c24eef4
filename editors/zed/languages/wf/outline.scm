; The outline panel (Zed): workflows, params, steps and named blocks.
(workflow "workflow" @context name: (identifier) @name) @item
(param name: (identifier) @name) @item
(step "step" @context name: (identifier) @name) @item
(parallel "parallel" @context name: (identifier) @name) @item
(sequence "sequence" @context name: (identifier) @name) @item
