//! `require_env("NAME")`: a run refuses to start — before anything runs,
//! whoever starts it — while a variable it requires is unset or empty
//! (E0802, one per variable, at its first `require_env`).

use wfc_language::diag::Diagnostic;
use wfc_language::ir::Workflow;
use wfc_language::span::Span;

/// The code of a required variable that is unset or empty.
pub const REQUIRED_ENV: &str = "E0802";

/// E0802 for every variable `wf` requires that this process's environment
/// does not give.
pub fn check(wf: &Workflow) -> Result<(), Vec<Diagnostic>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut diags = Vec::new();
    for (var, span) in &wf.required_env {
        if seen.contains(&var.as_str()) {
            continue;
        }
        seen.push(var);
        let given = std::env::var_os(var);
        if given.as_ref().is_none_or(|v| v.is_empty()) {
            diags.push(missing(var, *span, given.is_some()));
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

/// E0802: `var` is unset (or set but empty).
pub fn missing(var: &str, span: Span, empty: bool) -> Diagnostic {
    let state = if empty { "empty" } else { "not set" };
    Diagnostic::error(
        REQUIRED_ENV,
        format!("the environment variable `{var}` is {state}; nothing ran"),
    )
    .primary(span, format!("the workflow requires `{var}`"))
    .help(format!(
        "set it where wfc runs, e.g. `{var}=… wfc run …` (for `wfc serve`, in the server's environment)"
    ))
}
