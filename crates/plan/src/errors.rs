//! The plan compiler's diagnostics, one constructor per code (`E04xx`).
//!
//! Parameter problems point at the param's declaration, so the message shows
//! what the workflow allows right next to what was given.

mod calls;
pub use calls::*;

use wfc_language::diag::Diagnostic;
use wfc_language::ir::Param;

/// E0401: `--param NAME=…` names no param of the workflow.
pub fn unknown_param(
    name: &str,
    origin: &str,
    suggestion: Option<&str>,
    all: &[String],
) -> Diagnostic {
    let mut help = match suggestion {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    if all.is_empty() {
        help.push_str("this workflow declares no params");
    } else {
        help.push_str(&format!("the params are: {}", all.join(", ")));
    }
    Diagnostic::error("E0401", format!("unknown param `{name}` (given {origin})")).help(help)
}

/// E0402: a required param (no default) was not given.
pub fn missing_param(p: &Param) -> Diagnostic {
    Diagnostic::error(
        "E0402",
        format!("missing required param `{}` ({})", p.name, p.ty),
    )
    .primary(p.span, "declared here, without a default")
    .help(format!(
        "pass it with `--param {}={}` or in a `--params-file`",
        p.name,
        example(&p.ty)
    ))
}

/// E0403: a value that does not parse as the param's type.
pub fn bad_value(p: &Param, origin: &str, given: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0403",
        format!(
            "invalid value for param `{}` (given {origin}): {why}",
            p.name
        ),
    )
    .primary(p.span, format!("`{}` is declared as {}", p.name, p.ty))
    .help(format!(
        "got `{}`; write {}, e.g. `--param {}={}`",
        shorten(given),
        what(&p.ty),
        p.name,
        example(&p.ty)
    ))
}

/// E0404: a value outside the param's `in` set or range.
pub fn not_allowed(p: &Param, origin: &str, given: &str, allowed: &str) -> Diagnostic {
    Diagnostic::error(
        "E0404",
        format!("param `{}` does not allow {given} (given {origin})", p.name),
    )
    .primary(p.span, format!("allowed: {allowed}"))
    .help(format!("`{}` must be {allowed}", p.name))
}

/// E0405: the params file is not a JSON object.
pub fn bad_params_file(file: &str, why: &str) -> Diagnostic {
    Diagnostic::error("E0405", format!("cannot use params file {file}: {why}"))
        .help("a params file is a JSON object: { \"version\": \"1.2.3\", \"replicas\": 5 }")
}

/// E0406: `--param` without `=`.
pub fn bad_assignment(arg: &str) -> Diagnostic {
    Diagnostic::error(
        "E0406",
        format!("`--param {arg}` is not of the form NAME=VALUE"),
    )
    .help("write `--param name=value`, e.g. `--param version=1.2.3`")
}

/// The code of [`eval_failed`]: an error of the workflow, not of its params.
pub const EVAL_FAILED: &str = "E0407";

/// E0407: an expression decided at plan time fails (index out of range, …).
pub fn eval_failed(span: wfc_language::span::Span, what_: &str, why: &str) -> Diagnostic {
    Diagnostic::error(EVAL_FAILED, format!("cannot plan: {what_} fails: {why}"))
        .primary(span, why.to_string())
        .help(
            "this expression depends only on params, so it is evaluated when planning; nothing ran",
        )
}

/// E0410: `--approve NAME` names no gate of the workflow.
pub fn unknown_gate(name: &str, suggestion: Option<&str>, gates: &[String]) -> Diagnostic {
    let mut help = match suggestion {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    if gates.is_empty() {
        help.push_str("this workflow has no gates to approve");
    } else {
        help.push_str(&format!(
            "its gates: {} (or `--approve all`)",
            gates.join(", ")
        ));
    }
    Diagnostic::error(
        "E0410",
        format!("`--approve {name}` names no gate of the workflow; nothing ran"),
    )
    .help(help)
}

/// E0411: a key given twice in a params file (JSON keeps only the last).
pub fn duplicate_params_key(file: &str, key: &str) -> Diagnostic {
    Diagnostic::error(
        "E0411",
        format!("params file {file} gives `{key}` more than once"),
    )
    .help(format!(
        "keep one `\"{key}\": …` in the file (JSON would silently keep only the last)"
    ))
}

/// E0412: the `--output` report cannot be written where asked.
pub fn report_not_writable(path: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "E0412",
        format!("cannot write the report to {path}: {why}; nothing ran"),
    )
    .help("give `--output` a file in a directory that exists and that you can write")
}

/// E0413: a plan of more than `max` steps (loops unrolled, calls inlined).
/// `total` is the count, when counted to the end; `span` is the loop that
/// took it over (`items` long, `steps` in all, `each` per iteration when
/// every iteration has as many), else the workflow (`items` 0).
pub fn plan_too_big(
    span: wfc_language::span::Span,
    total: Option<usize>,
    items: usize,
    each: Option<usize>,
    steps: Option<usize>,
    max: usize,
) -> Diagnostic {
    let count = |n: usize| match n {
        usize::MAX => "more steps than can be counted".to_string(),
        1 => "1 step".to_string(),
        n => format!("{n} steps"),
    };
    let message = match total {
        Some(n) => format!("the plan would hold {}, more than {max}", count(n)),
        None => format!("the plan would hold more than {max} steps"),
    };
    let label = match (items, each, steps) {
        (0, ..) => "its steps, one by one, are too many".to_string(),
        (_, Some(e), Some(s)) => format!("{items} items × {} each: {}", count(e), count(s)),
        (_, _, Some(s)) => format!("unrolls {} over {items} items", count(s)),
        (_, _, None) => format!("unrolls more than {max} steps over {items} items"),
    };
    Diagnostic::error("E0413", message)
        .primary(span, label)
        .help(format!(
            "a plan holds at most {max} steps (loops unrolled, calls inlined, steps an `if` \
             leaves out counted too); nothing ran. Pass fewer items (split the list over \
             several runs), or go over the items inside one step (a shell `for` loop, a script)"
        ))
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

fn what(ty: &wfc_language::ir::Type) -> &'static str {
    use wfc_language::ir::Type::*;
    match ty {
        String => "text",
        Int => "a whole number",
        Float => "a number",
        Bool => "`true` or `false`",
        Duration => "a duration such as 30s, 5m or 1h30m",
        Time => "a time in RFC 3339, with its zone or `Z`",
        List(_) => "a JSON list or comma-separated values",
        Map(_) => "a JSON object",
        _ => "a JSON value",
    }
}

fn example(ty: &wfc_language::ir::Type) -> String {
    use wfc_language::ir::Type::*;
    match ty {
        String => "VALUE".into(),
        Int => "3".into(),
        Float => "2.5".into(),
        Bool => "true".into(),
        Duration => "30s".into(),
        Time => "2026-05-01T09:30:00Z".into(),
        List(t) => match &**t {
            Int => "1,2,3".into(),
            _ => "a,b".into(),
        },
        Map(_) => "'{\"key\": \"value\"}'".into(),
        _ => "'{\"key\": 1}'".into(),
    }
}

/// E0195: a step setting folded at plan time is out of range (a negative
/// retry count, a zero `within`, …); `from` names the params it came from.
pub fn setting_out_of_range(span: wfc_language::span::Span, what_: &str, from: &str) -> Diagnostic {
    Diagnostic::error("E0195", format!("cannot plan: {what_} ({from})"))
        .primary(span, what_.to_string())
        .help("give the param a value in range (`--param NAME=VALUE`); nothing ran")
}
