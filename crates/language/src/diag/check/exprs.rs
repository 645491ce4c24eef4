//! Checker diagnostics about expressions (codes `E0140`–`E0165`): names,
//! outputs, functions, operators and types. Re-exported from [`super`].

use super::{list, suggest};
use crate::diag::Diagnostic;
use crate::span::Span;

/// E0140: an unknown name in an expression or `${}` interpolation.
pub fn unknown_name(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0140", format!("unknown name `{name}`"))
        .primary(span, "not a param, loop variable or step");
    suggest(
        d,
        span,
        suggestion,
        format!("declare it: `param {name}: string`"),
    )
}

/// E0141: a loop variable used outside its `for each`.
pub fn loop_var_out_of_scope(span: Span, name: &str, declared: Span) -> Diagnostic {
    Diagnostic::error("E0141", format!("loop variable `{name}` is used outside its `for each` loop"))
        .primary(span, "not in scope here")
        .secondary(declared, format!("`{name}` exists only inside this loop"))
        .help("move this use inside the loop, or read the loop's step outputs, which are lists outside it")
}

/// E0142: an unknown output of a step (`test.stdot`), or unknown `failed.x`.
pub fn unknown_output(
    span: Span,
    owner: &str,
    field: &str,
    suggestion: Option<&str>,
    fields: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0142", format!("`{owner}` has no output `{field}`"))
        .primary(span, "unknown output");
    suggest(
        d,
        span,
        suggestion,
        format!("`{owner}` has {}", list(fields)),
    )
}

/// E0143: `step.outputs.NAME` where NAME is not declared.
pub fn undeclared_output(
    span: Span,
    step: &str,
    name: &str,
    suggestion: Option<&str>,
    decl: Option<Span>,
) -> Diagnostic {
    let mut d = Diagnostic::error(
        "E0143",
        format!("step `{step}` declares no output `{name}`"),
    )
    .primary(span, "not in the step's `outputs { … }`");
    if let Some(decl) = decl {
        d = d.secondary(decl, "declared outputs");
    }
    suggest(
        d,
        span,
        suggestion,
        format!("declare it in `{step}`: `outputs {{ {name}: string }}`"),
    )
}

/// E0144: `failed.step` / `failed.error` outside workflow `on failure`.
pub fn failed_outside_handler(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0144",
        "`failed` is only available in the workflow's `on failure` handler",
    )
    .primary(span, "not inside `on failure { … }`")
    .help("move this step into `on failure { … }` to report which step failed")
}

/// E0145: a step read where steps are not in scope (param defaults, workflow `env`),
/// or a param read in an earlier param's default.
pub fn not_available_here(span: Span, name: &str, what: &str, place: &str) -> Diagnostic {
    Diagnostic::error("E0145", format!("{what} `{name}` cannot be used in {place}"))
        .primary(span, format!("not available in {place}"))
        .help(format!("{place} are computed before any step runs; use params declared above, literals or `env(\"NAME\")`"))
}

/// E0146: an unknown function.
pub fn unknown_function(
    span: Span,
    name: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0146", format!("unknown function `{name}`"))
        .primary(span, "not a function");
    suggest(
        d,
        span,
        suggestion,
        format!("functions are {}", list(known)),
    )
}

/// E0147: a function called with the wrong number of arguments.
pub fn wrong_arg_count(
    span: Span,
    name: &str,
    signature: &str,
    expected: usize,
    found: usize,
) -> Diagnostic {
    let s = if expected == 1 { "" } else { "s" };
    Diagnostic::error(
        "E0147",
        format!("`{name}` takes {expected} argument{s}, found {found}"),
    )
    .primary(span, format!("expected {expected} argument{s}"))
    .help(format!("the signature is `{signature}`"))
}

/// E0148: a function argument of the wrong type.
pub fn wrong_arg_type(
    span: Span,
    name: &str,
    signature: &str,
    expected: &str,
    found: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E0148",
        format!("`{name}` expects {expected} here, found {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help(format!("the signature is `{signature}`"))
}

/// E0149: a condition (`if`, gate `check`) that is not a bool.
pub fn condition_not_bool(span: Span, what: &str, found: &str) -> Diagnostic {
    Diagnostic::error("E0149", format!("{what} must be a bool, found {found}"))
        .primary(span, format!("this is {found}"))
        .help("compare it to something, e.g. `x == \"value\"` or `n > 0`")
}

/// E0150: a binary operator applied to types it does not take.
pub fn binary_mismatch(span: Span, op: &str, lhs: &str, rhs: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        "E0150",
        format!("`{op}` cannot be applied to {lhs} and {rhs}"),
    )
    .primary(span, format!("this is {lhs} {op} {rhs}"))
    .help(help.to_string())
}

/// E0151: a unary operator applied to a type it does not take.
pub fn unary_mismatch(span: Span, op: &str, found: &str, expected: &str) -> Diagnostic {
    Diagnostic::error("E0151", format!("`{op}` cannot be applied to {found}"))
        .primary(span, format!("this is {found}"))
        .help(format!("`{op}` takes {expected}"))
}

/// E0152: `for each` over something that is not a list.
pub fn not_a_list(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("E0152", format!("`for each` needs a list, found {found}"))
        .primary(span, format!("this is {found}"))
        .help("loop over a list, e.g. a `list<string>` param or `[\"a\", \"b\"]`")
}

/// E0153: an optional value (`T?`) used where a `T` is needed.
pub fn optional_used(span: Span, found: &str, expected: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0153",
        format!("expected {expected}, found {found} (a value that may not exist)"),
    )
    .primary(span, format!("this may not exist: {why}"))
    .help("give a fallback with `default(x, fallback)`, or read it inside the same block")
}

/// E0153, for an optional value that is not a step's output (a `T?` param).
pub fn optional_value_used(span: Span, found: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        "E0153",
        format!("expected {expected}, found {found} (a value that may not exist)"),
    )
    .primary(span, "this may not exist: it is optional")
    .help("give a fallback with `default(x, fallback)`")
}

/// E0153, for an output of a step that may fail without failing the run
/// (`optional`, or depending on such a step): the fix may also wait for it.
pub fn quiet_output_used(
    span: Span,
    found: &str,
    expected: &str,
    why: &str,
    step: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E0153",
        format!("expected {expected}, found {found} (a value that may not exist)"),
    )
    .primary(span, format!("this may not exist: {why}"))
    .help(format!(
        "give a fallback with `default(x, fallback)` (this then runs however `{step}` ended), or add `depends on {step}` (this then runs only if `{step}` succeeded)"
    ))
}

/// E0154: a loop step's output (a list outside its loop) used as a single value.
pub fn loop_output_used(
    span: Span,
    step: &str,
    found: &str,
    expected: &str,
    loop_span: Span,
) -> Diagnostic {
    Diagnostic::error("E0154", format!("expected {expected}, found {found}: `{step}` runs once per loop iteration"))
        .primary(span, format!("outside the loop this is {found}, one value per iteration"))
        .secondary(loop_span, format!("`{step}` is inside this loop"))
        .help("index one iteration (`x[0]`), combine them (`join(x, \",\")`, `len(x)`), or use the value inside the loop")
}

/// E0155: a step or block name used as a value.
pub fn not_a_value(span: Span, name: &str, kind: &str, example: &str) -> Diagnostic {
    Diagnostic::error("E0155", format!("{kind} `{name}` is not a value"))
        .primary(span, "read one of its outputs instead")
        .help(format!("e.g. `{name}.{example}`"))
}

/// E0156: `.field` on a value that has no fields.
pub fn no_fields(span: Span, ty: &str, field: &str) -> Diagnostic {
    Diagnostic::error("E0156", format!("{ty} has no field `{field}`"))
        .primary(span, format!("`.{field}` on {ty}"))
        .help("only maps, json values and steps have fields")
}

/// E0157: indexing a value that is not a list, map or json, or with the wrong index type.
pub fn bad_index(span: Span, ty: &str, index_ty: &str, expected: Option<&str>) -> Diagnostic {
    match expected {
        None => Diagnostic::error("E0157", format!("{ty} cannot be indexed"))
            .primary(span, format!("this is {ty}"))
            .help("only lists (`xs[0]`), maps (`m[\"key\"]`) and json values can be indexed"),
        Some(exp) => Diagnostic::error(
            "E0157",
            format!("{ty} is indexed by {exp}, found {index_ty}"),
        )
        .primary(span, format!("this is {index_ty}"))
        .help(format!("use {exp} as the index")),
    }
}

/// E0159: `step.outputs` without an output name.
pub fn bare_outputs(span: Span, step: &str) -> Diagnostic {
    Diagnostic::error("E0159", format!("`{step}.outputs` needs an output name"))
        .primary(span, "which output?")
        .help(format!("write `{step}.outputs.NAME`"))
}

/// E0160: a param default that does not match the param's type.
pub fn default_type(
    span: Span,
    param: &str,
    expected: &str,
    found: &str,
    ty_span: Span,
) -> Diagnostic {
    Diagnostic::error(
        "E0160",
        format!("default of `{param}` is {found}, but the param is {expected}"),
    )
    .primary(span, format!("this is {found}"))
    .secondary(ty_span, format!("declared {expected} here"))
    .help(format!(
        "give a default of type {expected}, or change the param's type"
    ))
}

/// E0161: a param default outside its `in` constraint.
pub fn default_violates_constraint(span: Span, param: &str, constraint: Span) -> Diagnostic {
    Diagnostic::error(
        "E0161",
        format!("default of `{param}` is not allowed by its constraint"),
    )
    .primary(span, "not in the allowed values")
    .secondary(constraint, "allowed values")
    .help("pick a default that satisfies the constraint, or widen the constraint")
}

/// E0162: a constraint value of the wrong type (or a range on a non-number).
pub fn constraint_type(span: Span, param_ty: &str, found: &str, range: bool) -> Diagnostic {
    let help = if range {
        "ranges `in lo..hi` are for int, float and duration params; use `in [\"a\", \"b\"]` for a set".to_string()
    } else {
        format!("every allowed value must be {param_ty}")
    };
    Diagnostic::error(
        "E0162",
        format!("constraint value is {found}, but the param is {param_ty}"),
    )
    .primary(span, format!("this is {found}"))
    .help(help)
}

/// E0163: a list literal whose elements have different types.
pub fn mixed_list(span: Span, found: &str, expected: &str, first: Span) -> Diagnostic {
    Diagnostic::error(
        "E0163",
        format!("list elements must have one type: found {found} after {expected}"),
    )
    .primary(span, format!("this is {found}"))
    .secondary(first, format!("this is {expected}"))
    .help("make every element the same type")
}

/// E0164: a list or map interpolated into text.
pub fn cannot_interpolate(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error("E0164", format!("{found} cannot be interpolated into text"))
        .primary(span, format!("this is {found}"))
.help("interpolate a single value: `${join(xs, \", \")}` makes one text of a list; to give a command each item as an argument of its own, write `${xs}` as a word of the `run` command itself (`upload ${files}`)")
}

/// E0165: a param default that reads a param declared later (or itself).
pub fn param_order(span: Span, name: &str, declared: Span) -> Diagnostic {
    Diagnostic::error(
        "E0165",
        format!("param `{name}` is used before it is declared"),
    )
    .primary(span, "not declared yet")
    .secondary(declared, "declared here")
    .help("a default may read only params declared above it; move this param below it")
}
