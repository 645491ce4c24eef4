//! Constructors for the file level: several workflows in a file and a
//! workflow's own `outputs { … }` (codes `E0200`–`E0209`, `W0130`–`W0134`).

use super::super::Diagnostic;
use crate::span::Span;

/// E0200: two workflows of one name in a file.
pub fn duplicate_workflow(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0200",
        format!("workflow `{name}` is defined twice in this file"),
    )
    .primary(span, "defined again here")
    .secondary(first, "first defined here")
    .help(format!(
        "rename one of them: `wfc run FILE {name}` must pick one workflow (e.g. `{name}_2`)"
    ))
}

/// E0201: a workflow output declared twice.
pub fn duplicate_workflow_output(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0201",
        format!("workflow output `{name}` is declared twice"),
    )
    .primary(span, "declared again here")
    .secondary(first, "first declared here")
    .help(format!("keep one declaration of `{name}`"))
}

/// E0202: a workflow output whose value does not fit its declared type.
pub fn workflow_output_type(
    span: Span,
    name: &str,
    want: &str,
    found: &str,
    ty_span: Span,
) -> Diagnostic {
    Diagnostic::error(
        "E0202",
        format!("workflow output `{name}` is declared `{want}` but its value is `{found}`"),
    )
    .primary(span, format!("this is `{found}`"))
    .secondary(ty_span, "declared type")
    .help(format!(
        "declare `{name}: {found}`, or convert the value (e.g. `string(…)`, `int(…)`)"
    ))
}

/// E0203: a workflow output of a type `T` whose value may not exist (`T?`).
pub fn workflow_output_optional(span: Span, name: &str, want: &str, ty_span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0203",
        format!("workflow output `{name}` is declared `{want}` but its value may not exist"),
    )
    .primary(
        span,
        format!("this is `{want}?`: a step it reads may not run or may fail"),
    )
    .secondary(ty_span, "declared type")
    .help(format!(
        "declare `{name}: {want}?`, or give a fallback with `default(x, fallback)`"
    ))
}
