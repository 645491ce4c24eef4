//! `runs-on` from the `runner` settings: a step's own, else the
//! `--runs-on` flag, else the workflow's, else `ubuntu-latest`. A label over
//! params is an input's expression, one over a matrix loop's item
//! `${{ matrix.VAR }}` (a matrix of runners), as every value (`Values`).

use super::values::Values;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Step, Workflow};

/// GitHub's usual runner, when nothing names one.
pub const DEFAULT: &str = "ubuntu-latest";

/// The label of every job without a `runner` of its own.
pub fn workflow(wf: &Workflow, values: &Values, flag: Option<&str>) -> Result<String, Diagnostic> {
    match (flag, &wf.runner) {
        (Some(label), _) => Ok(label.to_string()),
        (None, Some(e)) => values.text(e),
        (None, None) => Ok(DEFAULT.to_string()),
    }
}

/// The label of `step`'s job: its own `runner`, else `default`.
pub fn step(step: &Step, values: &Values, default: &str) -> Result<String, Diagnostic> {
    let own = step.fields.iter().find(|f| f.name == "runner");
    match own.map(|f| &f.value) {
        Some(FieldValue::Expr(e)) => values.runtime(e),
        _ => Ok(default.to_string()),
    }
}
