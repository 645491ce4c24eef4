//! Constructors for checker diagnostics (codes `E0100`–`E0999`, warnings `W0100`–`W0999`).
//!
//! One function per code; all of the checker's wording lives here.
//! `docs/diagnostics.md` explains every code with an example and the fix, and
//! `tests/check/` has one fixture per code.

use super::Diagnostic;
use crate::span::Span;

mod alerts;
mod any_deps;
mod artifacts;
mod calls;
mod collections;
mod exprs;
mod gates;
mod habits;
mod imports;
mod lets;
mod module;
mod order;
mod resources;
mod scripts;
mod shell;
mod sources;
mod sql;
mod status;
mod timing;
mod trigger_config;
mod triggers;
pub use alerts::*;
pub use any_deps::*;
pub use artifacts::*;
pub use calls::*;
pub use collections::*;
pub use exprs::*;
pub use gates::*;
pub use habits::*;
pub use imports::*;
pub use lets::*;
pub use module::*;
pub use order::*;
pub use resources::*;
pub use scripts::*;
pub use shell::*;
pub use sources::*;
pub use sql::*;
pub use status::*;
pub use timing::*;
pub use trigger_config::*;
pub use triggers::*;

/// Adds "did you mean" help and a fix when there is a suggestion, else `fallback` help.
fn suggest(d: Diagnostic, span: Span, suggestion: Option<&str>, fallback: String) -> Diagnostic {
    match suggestion {
        Some(s) => {
            d.help(format!("did you mean `{s}`?"))
                .fix(span, s, format!("replace with `{s}`"))
        }
        None => d.help(fallback),
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---- workflow items and settings -------------------------------------------------

/// E0100: a workflow-level setting that does not exist.
pub fn unknown_setting(
    span: Span,
    name: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0100", format!("unknown workflow setting `{name}`"))
        .primary(span, "not a workflow setting");
    suggest(
        d,
        span,
        suggestion,
        format!("workflow settings are {}", list(known)),
    )
}

/// E0119: a workflow handler (`on failure`, …) given twice.
pub fn duplicate_handler(span: Span, first: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error("E0119", format!("`{keyword}` is given twice"))
        .primary(span, "second handler")
        .secondary(first, "first given here")
        .help(format!(
            "merge the steps into one `{keyword} {{ … }}` block"
        ))
}

// ---- step kinds and fields -------------------------------------------------------

/// E0101: `step x: KIND` with an unknown kind.
pub fn unknown_kind(
    span: Span,
    name: &str,
    suggestion: Option<&str>,
    kinds: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0101", format!("unknown step kind `{name}`"))
        .primary(span, "not a step kind");
    suggest(
        d,
        span,
        suggestion,
        format!("step kinds are {}", list(kinds)),
    )
}

/// E0102: a field the step's kind does not have.
pub fn unknown_field(
    span: Span,
    field: &str,
    kind: &str,
    suggestion: Option<&str>,
    fields: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0102", format!("`{kind}` steps have no field `{field}`"))
        .primary(span, format!("unknown field for `{kind}`"));
    suggest(
        d,
        span,
        suggestion,
        format!("`{kind}` fields are {}", list(fields)),
    )
}

/// E0103: required fields missing (labels the step name).
pub fn missing_fields(
    name_span: Span,
    step: &str,
    kind: &str,
    missing: &[(&str, &str)],
    one_of: bool,
) -> Diagnostic {
    let names: Vec<&str> = missing.iter().map(|(n, _)| *n).collect();
    let (message, help) = if one_of {
        (
            format!("`{kind}` step `{step}` needs one of {}", list(&names)),
            format!("add one, e.g. `{} {}`", missing[0].0, missing[0].1),
        )
    } else {
        let plural = if missing.len() == 1 { "" } else { "s" };
        let adds: Vec<String> = missing
            .iter()
            .map(|(n, ex)| format!("`{n} {ex}`"))
            .collect();
        (
            format!(
                "`{kind}` step `{step}` is missing required field{plural} {}",
                list(&names)
            ),
            format!("add {}", adds.join(" and ")),
        )
    };
    Diagnostic::error("E0103", message)
        .primary(name_span, format!("missing {}", names.join(", ")))
        .help(help)
}

/// E0104: a field (or setting, or map value) given a value of the wrong type.
pub fn wrong_field_type(
    span: Span,
    field: &str,
    expected: &str,
    found: &str,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic::error(
        "E0104",
        format!("`{field}` expects {expected}, found {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help(help.unwrap_or_else(|| format!("`{field}` takes {expected}")))
}

/// E0105: a field given twice (labels both).
pub fn duplicate_field(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0105", format!("`{name}` is given more than once"))
        .primary(span, "given again here")
        .secondary(first, "first given here")
        .help(format!("keep one `{name}`"))
}

/// E0106: an `expect` status code outside 100..599.
pub fn status_out_of_range(span: Span, code: i64) -> Diagnostic {
    Diagnostic::error("E0106", format!("`{code}` is not an HTTP status code"))
        .primary(span, "outside 100..599")
        .help("HTTP status codes are between 100 and 599, e.g. `expect 200` or `expect [200, 204]`")
}

/// E0107: a field `defaults {}` does not take.
pub fn not_in_defaults(
    span: Span,
    name: &str,
    allowed: &[&str],
    suggestion: Option<&str>,
) -> Diagnostic {
    let d = Diagnostic::error("E0107", format!("`{name}` cannot be set in `defaults`"))
        .primary(span, "not a default");
    suggest(
        d,
        span,
        suggestion,
        format!(
            "`defaults` accepts only {}; set `{name}` on each step",
            list(allowed)
        ),
    )
}

fn bad_keyword(
    code: &'static str,
    what: &str,
    span: Span,
    found: &str,
    suggestion: Option<&str>,
    allowed: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error(code, format!("invalid {what} `{found}`"))
        .primary(span, format!("expected {}", allowed.join(", ")));
    suggest(
        d,
        span,
        suggestion,
        format!("{what} is one of {}", list(allowed)),
    )
}

/// E0100: `fail` at workflow level followed by something other than `fast`.
pub fn fail_not_fast(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0100",
        "unknown workflow setting: `fail` must be followed by `fast`",
    )
    .primary(span, "expected `fast`")
    .help("`fail fast` cancels the running steps once the run has failed")
    .fix(span, "fast", "replace with `fast`")
}

/// E0108: `pull` with something other than always/missing/never.
pub fn invalid_pull(
    span: Span,
    found: &str,
    suggestion: Option<&str>,
    allowed: &[&str],
) -> Diagnostic {
    bad_keyword("E0108", "`pull` mode", span, found, suggestion, allowed)
}

/// E0109: `on fail` with something other than abort/pause/continue.
pub fn invalid_on_fail(
    span: Span,
    found: &str,
    suggestion: Option<&str>,
    allowed: &[&str],
) -> Diagnostic {
    bad_keyword("E0109", "`on fail` mode", span, found, suggestion, allowed)
}

/// E0110: a retry strategy other than exponential/linear.
pub fn invalid_strategy(
    span: Span,
    found: &str,
    suggestion: Option<&str>,
    allowed: &[&str],
) -> Diagnostic {
    bad_keyword("E0110", "retry strategy", span, found, suggestion, allowed)
}

/// E0110: a backoff rate out of range (`x0.5`, `x20`).
pub fn bad_backoff_rate(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0110",
        format!("backoff rate `{found}`: a rate multiplies each wait, from `x1` (the same wait each time) to `x10`"),
    )
    .primary(span, "out of range")
    .help("`backoff 1s x1.5` waits 1s, 1.5s, 2.25s, …; `exponential` is `x2`")
}

/// E0111: a `wait` mode other than all/any.
pub fn invalid_wait(
    span: Span,
    found: &str,
    suggestion: Option<&str>,
    allowed: &[&str],
) -> Diagnostic {
    bad_keyword("E0111", "`wait` mode", span, found, suggestion, allowed)
}

/// E0112: a gate with neither `check` nor `approval`.
pub fn gate_needs_check(name_span: Span, step: &str) -> Diagnostic {
    Diagnostic::error(
        "E0112",
        format!("gate `{step}` has neither `check` nor `approval`"),
    )
    .primary(name_span, "this gate decides nothing")
    .help("add `check CONDITION` (a bool expression) or `approval \"who approves\"`")
}

/// E0113: two fields that exclude each other (gate `check` + `approval`, two HTTP methods).
pub fn conflicting_fields(
    span: Span,
    other: Span,
    field: &str,
    other_field: &str,
    kind: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E0113",
        format!("`{kind}` steps take `{other_field}` or `{field}`, not both"),
    )
    .primary(span, format!("`{field}` here"))
    .secondary(other, format!("`{other_field}` here"))
    .help(format!(
        "remove `{field}` or `{other_field}` (or split this into two steps)"
    ))
}

/// E0114: `outputs {}` on a kind that has no declared outputs.
pub fn outputs_not_supported(span: Span, kind: &str, builtin: &[&str]) -> Diagnostic {
    Diagnostic::error("E0114", format!("`{kind}` steps cannot declare outputs"))
        .primary(span, "`outputs` is only for `shell` and `docker` steps")
        .help(format!(
            "`{kind}` steps have fixed outputs: {}",
            list(builtin)
        ))
}

/// E0115: a number outside its allowed range (`concurrency 0`, `retry -1`, `parallel 0`).
pub fn out_of_range(span: Span, what: &str, value: i64, min: i64) -> Diagnostic {
    Diagnostic::error(
        "E0115",
        format!("{what} must be at least {min}, found {value}"),
    )
    .primary(span, format!("must be >= {min}"))
    .help(format!("use {min} or more"))
}

/// E0115: a loop's `max failures P%` above 100.
pub fn percent_above_100(span: Span, value: i64) -> Diagnostic {
    Diagnostic::error(
        "E0115",
        format!("`max failures` must be at most 100%, found {value}%"),
    )
    .primary(span, "must be <= 100")
    .help("`max failures 100%` lets every iteration fail; a count (`max failures 3`) has no upper bound")
}

/// E0116: a field that needs a literal value was given a computed one.
pub fn not_constant(span: Span, field: &str, example: &str) -> Diagnostic {
    Diagnostic::error("E0116", format!("`{field}` must be a literal value"))
        .primary(span, "computed values are not allowed here")
        .help(format!(
            "write the value directly, e.g. `{field} {example}`"
        ))
}

/// E0117: an output declared twice in `outputs {}`.
pub fn duplicate_output(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0117", format!("output `{name}` is declared twice"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
        .help(format!("keep one declaration of `{name}`"))
}

// ---- names and types -------------------------------------------------------------

/// E0120: two steps (or named blocks) with the same name.
pub fn duplicate_step(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0120",
        format!("the name `{name}` is used by two steps or blocks"),
    )
    .primary(span, "defined again here")
    .secondary(first, "first defined here")
    .help(format!(
        "rename one of them; step and block names are unique in a workflow (e.g. `{name}_2`)"
    ))
}

/// E0121: two params with the same name.
pub fn duplicate_param(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0121", format!("param `{name}` is declared twice"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
        .help("remove one of the declarations, or rename it")
}

/// E0122: a step (or block) with the same name as a param.
pub fn name_clash(span: Span, param: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0122",
        format!("step `{name}` has the same name as a param"),
    )
    .primary(span, "step named here")
    .secondary(param, "param declared here")
    .help(format!(
        "rename the step or the param; `{name}` in an expression must mean one thing"
    ))
}

/// E0123: a type name that does not exist.
pub fn unknown_type(
    span: Span,
    name: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d =
        Diagnostic::error("E0123", format!("unknown type `{name}`")).primary(span, "not a type");
    suggest(d, span, suggestion, format!("types are {}", list(known)))
}

/// E0124: type arguments missing or given where none are taken.
pub fn wrong_type_args(span: Span, name: &str, expected: usize, found: usize) -> Diagnostic {
    let (message, label, help) = match expected {
        0 => (
            format!("`{name}` takes no type arguments, found {found}"),
            "takes no type arguments".to_string(),
            format!("write `{name}`"),
        ),
        _ => (
            format!("`{name}` takes one type argument, found {found}"),
            "needs one type argument".to_string(),
            format!("write `{name}<T>`, e.g. `{name}<string>`"),
        ),
    };
    Diagnostic::error("E0124", message)
        .primary(span, label)
        .help(help)
}

/// E0125: a key given twice in a map (`env {}`, `headers {}`, `{ … }`).
pub fn duplicate_key(span: Span, first: Span, key: &str) -> Diagnostic {
    Diagnostic::error("E0125", format!("key `{key}` is given twice"))
        .primary(span, "given again here")
        .secondary(first, "first given here")
        .help(format!("keep one `{key}`"))
}

/// E0167: an `env { }` key that is not an environment variable name.
pub fn bad_env_name(span: Span, key: &str) -> Diagnostic {
    let mut fixed: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if fixed.starts_with(|c: char| c.is_ascii_digit()) {
        fixed.insert(0, '_');
    }
    let shown = if key.is_empty() {
        "an empty name".to_owned()
    } else {
        format!("`{key}`")
    };
    let help = if fixed.trim_matches('_').is_empty() {
        "name it with letters, digits and `_`, not starting with a digit: `MY_VAR`".to_owned()
    } else {
        format!("name it with letters, digits and `_`, not starting with a digit: `{fixed}`")
    };
    Diagnostic::error(
        "E0167",
        format!("{shown} is not an environment variable name"),
    )
    .primary(span, "not of the form [A-Za-z_][A-Za-z0-9_]*")
    .help(help)
}

// ---- dependencies ----------------------------------------------------------------

/// E0130: `depends on` a name that is no step or block.
pub fn unknown_dependency(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error("E0130", format!("`depends on` names unknown step `{name}`"))
        .primary(span, "no step or block has this name");
    suggest(
        d,
        span,
        suggestion,
        "`depends on` takes names of steps and named `parallel` blocks".into(),
    )
}

/// How a step came to depend on itself.
#[derive(Clone, Copy, Debug)]
pub enum SelfDep<'a> {
    /// `depends on` its own name.
    Explicit,
    /// Reads its own output.
    Output,
    /// Depends on a block that contains it.
    Enclosing(&'a str),
    /// The header of a block (an `if` condition, a loop list) reads a step inside the block.
    Header(&'a str),
}

/// E0131: a step (or block) that depends on itself.
pub fn self_dependency(span: Span, name: &str, how: SelfDep) -> Diagnostic {
    let (message, label, help) = match how {
        SelfDep::Explicit => (
            format!("`{name}` depends on itself"),
            "a step cannot wait for itself".to_string(),
            "remove this name from `depends on`".to_string(),
        ),
        SelfDep::Output => (
            format!("step `{name}` reads its own output"),
            "the output does not exist until the step has finished".to_string(),
            "read the value in a later step instead".to_string(),
        ),
        SelfDep::Enclosing(block) => (
            format!("`{name}` depends on `{block}`, which contains it"),
            format!("`{name}` is inside `{block}`"),
            format!("a block finishes only when its members do; depend on steps before `{block}` instead"),
        ),
        SelfDep::Header(block) => (
            format!("`{block}` reads an output of `{name}`, which runs inside it"),
            format!("`{name}` cannot run before `{block}` is decided"),
            format!("read a step that runs before the `{block}` block"),
        ),
    };
    Diagnostic::error("E0131", message)
        .primary(span, label)
        .help(help)
}

/// One edge of a dependency cycle, for [`dependency_cycle`].
#[derive(Clone, Debug)]
pub struct CycleEdge {
    pub from: String,
    pub to: String,
    pub span: Span,
    /// The edge comes from reading `to`'s output rather than `depends on`.
    pub implied: bool,
}

/// E0132: a dependency cycle; labels every edge.
pub fn dependency_cycle(edges: &[CycleEdge]) -> Diagnostic {
    let labelled = edges.iter().map(|e| {
        let label = if e.implied {
            format!("`{}` reads an output of `{}`", e.from, e.to)
        } else {
            format!("`{}` depends on `{}`", e.from, e.to)
        };
        (e.from.as_str(), e.span, label)
    });
    labelled_cycle(
        "E0132",
        "dependency cycle",
        labelled,
        "steps in a cycle can never start; remove one of these dependencies",
    )
}

/// A cycle `a → b → … → a` from its edges (`from`, where, label): the
/// first edge is the primary label, the others secondary.
pub(crate) fn labelled_cycle<'e>(
    code: &'static str,
    what: &str,
    edges: impl Iterator<Item = (&'e str, Span, String)>,
    help: &str,
) -> Diagnostic {
    let edges: Vec<_> = edges.collect();
    let mut names: Vec<&str> = edges.iter().map(|e| e.0).collect();
    names.push(edges[0].0);
    let path = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut d = Diagnostic::error(code, format!("{what}: {path}"));
    for (i, (_, span, label)) in edges.into_iter().enumerate() {
        d = if i == 0 {
            d.primary(span, label)
        } else {
            d.secondary(span, label)
        };
    }
    d.help(help)
}

/// E0133: two members of one `parallel` block depend on each other.
pub fn parallel_member_dependency(
    span: Span,
    from: &str,
    to: &str,
    block: Span,
    implied: bool,
) -> Diagnostic {
    let how = if implied {
        "reads an output of"
    } else {
        "depends on"
    };
    Diagnostic::error(
        "E0133",
        format!("`{from}` {how} `{to}`, but both are members of the same `parallel` block"),
    )
    .primary(span, format!("`{from}` would wait for `{to}`"))
    .secondary(block, "members of this block run at the same time")
    .help(format!(
        "move `{to}` before the `parallel` block, or move `{from}` after it"
    ))
}

/// E0134: a dependency on (or an output read of) a step in another rollback or handler.
pub fn cross_region(span: Span, target: &str, region: &str, via_output: bool) -> Diagnostic {
    let what = if via_output {
        "its outputs cannot be read from here"
    } else {
        "a step here cannot depend on it"
    };
    Diagnostic::error("E0134", format!("step `{target}` runs in {region}; {what}"))
        .primary(span, format!("`{target}` is in {region}"))
        .help("steps in rollbacks and handlers run after the main graph; only steps in the same body can depend on each other")
}

// ---- warnings --------------------------------------------------------------------

/// W0100: a param nothing reads.
pub fn unused_param(span: Span, name: &str, secret: bool) -> Diagnostic {
    let what = if secret { "secret" } else { "param" };
    Diagnostic::warning("W0100", format!("{what} `{name}` is never used"))
        .primary(span, "declared here, never read")
        .help(format!(
            "remove it, or use it in a step (e.g. `${{{name}}}`)"
        ))
}

/// W0101: `raw()` given a value from outside the file.
pub fn raw_external(span: Span, source: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0101",
        format!("`raw()` splices {source} into the command unescaped"),
    )
    .primary(span, "could change the command's structure")
    .help(
        "drop `raw()` so the value is shell-escaped, or validate it with an `in [...]` constraint",
    )
}

/// E0166: `${…}` where a shell command cannot take a value safely;
/// `instead`: how the command reads the value from the environment there.
pub fn unquotable_interpolation(
    span: Span,
    context: &str,
    instead: &str,
    arithmetic: bool,
) -> Diagnostic {
    let mut help = format!(
        "pass the value through the step's `env {{ NAME = … }}` and write {instead} in the command"
    );
    if arithmetic {
        // bash evaluates the variable's text as an expression: `a[$(cmd)]` runs `cmd`.
        help.push_str(", with an `int` value (`env { N = int(…) }`)");
    }
    Diagnostic::error(
        "E0166",
        format!("`${{…}}` inside {context} cannot be escaped safely"),
    )
    .primary(span, format!("this value would land inside {context}"))
    .help(help)
}

/// W0105: a whole `run` command taken from outside the file.
pub fn command_from_outside(span: Span, source: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0105",
        format!("the whole command is {source}, run as shell code"),
    )
    .primary(span, "whoever sets this value chooses the command")
    .help(
        "write the command in the file and interpolate only its arguments: `run \"tool ${value}\"`",
    )
}

/// W0102: an `if` branch that can never run.
pub fn dead_branch(span: Span, after_true: Option<Span>) -> Diagnostic {
    let d = Diagnostic::warning("W0102", "this branch can never run");
    match after_true {
        None => d
            .primary(span, "the condition is always false")
            .help("remove the branch, or make its condition depend on a param or step output"),
        Some(t) => d
            .primary(span, "an earlier branch always runs")
            .secondary(t, "this condition is always true")
            .help("remove the later branches, or the constant condition"),
    }
}

/// W0103: a secret (or a value derived from one) in a `run` command line.
pub fn secret_in_command(span: Span, secret: &str, declared: Span) -> Diagnostic {
    Diagnostic::warning(
        "W0103",
        format!("secret `{secret}` is passed on the command line"),
    )
    .primary(span, "visible to every user of the machine through `ps`")
    .secondary(declared, "declared secret here")
    .help(format!(
        "pass it through `env {{ {} = {secret} }}` and read the variable in the command",
        secret.to_uppercase()
    ))
}

/// W0104: a secret (or a value derived from one) in a notification's text.
pub fn secret_in_notification(span: Span, secret: &str, field: &str, declared: Span) -> Diagnostic {
    Diagnostic::warning("W0104", format!("secret `{secret}` is sent in `{field}`"))
        .primary(span, "the recipients will see the secret")
        .secondary(declared, "declared secret here")
        .help("leave secrets out of notification text")
}
