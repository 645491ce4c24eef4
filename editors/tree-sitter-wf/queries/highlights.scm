; Highlighting of .wf files (tree-sitter-wf). Capture names are the common
; ones of Neovim, Helix and Zed (@keyword, @function, @type, @variable.*…).

(comment) @comment
((comment) @comment.documentation
  (#match? @comment.documentation "^##"))

[
  "workflow"
  "param"
  "secret"
  "let"
  "step"
  "env"
  "defaults"
  "outputs"
  "executor"
  "resources"
  "artifacts"
  "inputs"
] @keyword

[
  "if"
  "else"
] @keyword.conditional

[
  "for"
  "each"
] @keyword.repeat

[
  "import"
  "as"
] @keyword.import

"call" @keyword.function

[
  "parallel"
  "batch"
  "failures"
  "sequence"
  "wait"
  "depends"
  "on"
  "after"
  "any"
  "failure"
  "success"
  "finally"
  "fail"
  "fast"
  "rollback"
  "retry"
  "backoff"
  "max"
  "within"
  "when"
  "until"
  "every"
  "mount"
  "at"
  "schedule"
  "webhook"
  "change"
  "catch"
  "up"
  "to"
  "date"
  "lock"
  "busy"
  "alert"
  "notify"
  "last"
] @keyword

"in" @keyword.operator
"is" @keyword.operator
(percent) @number

; Declarations
(workflow name: (identifier) @type)
(step name: (identifier) @function)
(step kind: (identifier) @type.builtin)
(call_target module: (identifier) @module)
(call_target workflow: (identifier) @function.call)
(call_target "file" @keyword.function)
(import alias: (identifier) @module)
(import path: (string) @string.special.path)
(param name: (identifier) @variable.parameter)
(let name: (identifier) @constant)
(for_each variable: (identifier) @variable)
(list_comprehension variable: (identifier) @variable)
(parallel name: (identifier) @label)
(sequence name: (identifier) @label)
(output name: (identifier) @property)
(type (identifier) @type.builtin)

; Names of other steps
(depends_on (identifier) @function)
(after (identifier) @function)

; Fields and settings
(field name: (identifier) @property)
(setting name: (identifier) @property)
(assignment key: (identifier) @property)
(map_entry key: (identifier) @property)
(on_fail mode: (identifier) @constant.builtin)
(on_busy mode: (identifier) @constant.builtin)
(alert name: (identifier) @label)
(alert_when metric: (identifier) @function.builtin)
(alert_when window: (identifier) @variable)
(alert_when value: (identifier) @variable.builtin)
(notify kind: (identifier) @type.builtin)
(trigger (field name: (identifier) @keyword.conditional
  (#eq? @keyword.conditional "when")))
(parallel mode: (identifier) @constant.builtin)
(strategy) @constant.builtin

; Expressions
(call function: (identifier) @function.builtin)
(member_expression member: (identifier) @property)
(member_expression
  object: (identifier) @variable.builtin
  (#any-of? @variable.builtin "run" "failed" "request"))
(member_expression
  object: (identifier) @variable
  (#not-any-of? @variable "run" "failed" "request"))
; Names read in an expression: params, lets, loop variables, steps. (Each
; pattern names its place, so no two patterns capture one node, whatever
; order an editor applies them in.)
(binary_expression left: (identifier) @variable)
(binary_expression right: (identifier) @variable)
(unary_expression operand: (identifier) @variable)
(ternary_expression (identifier) @variable)
(index_expression (identifier) @variable)
(parenthesized_expression (identifier) @variable)
(interpolation (identifier) @variable)
(list (identifier) @variable)
(map_entry value: (identifier) @variable)
(assignment value: (identifier) @variable)
(call (_) (identifier) @variable)
(field value: (identifier) @variable)
(setting value: (identifier) @variable)
(let value: (identifier) @variable)
(param default: (identifier) @variable)
(if condition: (identifier) @variable)
(else_if condition: (identifier) @variable)
(for_each list: (identifier) @variable)
(list_comprehension element: (identifier) @variable)
(list_comprehension list: (identifier) @variable)
(list_comprehension condition: (identifier) @variable)

; Literals
[
  (string)
  (triple_string)
] @string
(escape_sequence) @string.escape
(interpolation
  "${" @punctuation.special
  "}" @punctuation.special)
(duration) @number
(size) @number
(integer) @number
(float) @number.float
(boolean) @boolean

[
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "&&"
  "||"
  "!"
  "+"
  "-"
  "*"
  "/"
  "%"
  "="
  "?"
  ".."
] @operator

[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket

[
  ","
  ":"
  "."
] @punctuation.delimiter

; `optional` after an artifact's glob.
(artifact "optional" @keyword)
(artifact name: (identifier) @property)

; `up to date when shell|sql`: the check's language.
(up_to_date_when how: _ @keyword)
