//! `up to date when shell|sql`: in `wfc run` a step whose check says what it
//! makes is there already does not run, and its last recorded outputs are
//! restored from the run store. Neither engine keeps a step's outputs from
//! an earlier workflow run to restore (GitHub's cache and Argo's memoize
//! key on inputs, not on a check of the world), and running the step
//! anyway may do its work twice (a second insert, a second deploy), so
//! such a step is refused, or with `--approximate` written to run every
//! time, with a warning.

use wfc_language::check::kinds::{UP_TO_DATE_SHELL, UP_TO_DATE_SQL};
use wfc_language::ir::Workflow;
use wfc_language::span::Span;

/// The steps of `wf` with an `up to date when` check: (span, what).
pub fn unmapped(wf: &Workflow) -> Vec<(Span, String)> {
    wf.steps
        .iter()
        .filter_map(|s| {
            let f = s
                .field(UP_TO_DATE_SHELL)
                .or_else(|| s.field(UP_TO_DATE_SQL))?;
            Some((f.span, format!("`{}` of step `{}`", f.name, s.name)))
        })
        .collect()
}

/// What differs when it is approximated.
pub const DIFFERS: &str =
    "the step runs every time: `wfc run` skips it while its check says what it makes is there, restoring its last outputs";

/// Why the engines cannot.
pub const WHY: &str = "no earlier run's outputs can be restored there when the check holds, and running the step anyway may do its work twice: make the step's command check and skip itself, or pass --approximate to run it every time";
