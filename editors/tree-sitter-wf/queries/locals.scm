; Scopes and definitions, for editors that resolve names from the tree
; (the language server does this properly: go to definition, references).
(workflow) @local.scope
(block) @local.scope
(list_comprehension) @local.scope

(param name: (identifier) @local.definition)
(let name: (identifier) @local.definition)
(for_each variable: (identifier) @local.definition)
(list_comprehension variable: (identifier) @local.definition)
(step name: (identifier) @local.definition)

(identifier) @local.reference
