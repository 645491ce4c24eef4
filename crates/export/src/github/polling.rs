//! `until` and a retry's `when` on GitHub: the shared shell loops
//! ([`crate::shell_loops`]), each round or attempt under `set -e` as GitHub
//! runs a `sh` step, values through `env:`, and GitHub's refusals: E0738
//! for an `until` the shell tests cannot say, E0770 for such a `when`.

use super::values::Values;
use crate::shell_loops::{self, Outputs, Test};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, OutputDecl, StepId};
use wfc_plan::PlannedUntil;

/// `script` polled until `until` holds; values of the condition go to `env`.
/// A step that declares outputs writes them to the job's outputs file,
/// which the condition may read.
pub fn poll(
    script: &str,
    until: &PlannedUntil,
    step: StepId,
    declared: &[OutputDecl],
    values: &Values,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let mut value = |e: &Expr| values.text(e);
    let mut test = Test {
        step,
        prefix: "WF_UNTIL_",
        value: &mut value,
        refuse: &until_refused,
        http: false,
        outputs: (!declared.is_empty()).then_some(Outputs {
            file: super::script::OUTPUTS_FILE,
            declared,
        }),
        reads_outputs: false,
    };
    shell_loops::poll(script, until, &mut test, env, true)
}

/// An http step's `request` polled until `until` holds over its
/// `status_code` and `body` ([`shell_loops::poll_http`]).
pub fn poll_http(
    request: &str,
    until: &PlannedUntil,
    step: StepId,
    values: &Values,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let mut value = |e: &Expr| values.text(e);
    let mut test = Test {
        step,
        prefix: "WF_UNTIL_",
        value: &mut value,
        refuse: &until_refused,
        http: true,
        outputs: None,
        reads_outputs: false,
    };
    shell_loops::poll_http(request, "$RUNNER_TEMP", until, &mut test, env)
}

/// A retry's `when` as a shell test of the failed attempt's exit status.
pub fn when(
    cond: &Expr,
    step: StepId,
    values: &Values,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let mut value = |e: &Expr| values.text(e);
    let mut test = Test {
        step,
        prefix: "WF_WHEN_",
        value: &mut value,
        refuse: &when_refused,
        http: false,
        outputs: None,
        reads_outputs: false,
    };
    test.shell(cond, env)
}

fn until_refused(e: &Expr) -> Diagnostic {
    Diagnostic::error(
        "E0738",
        "GitHub Actions export cannot test this `until` condition in the shell",
    )
    .primary(e.span, "not a comparison of the step's `stdout`, a `string`/`int`/`bool` output it declares (an http step's `status_code`, `body`)")
    .help("compare `trim(STEP.stdout)`, `STEP.stdout` or `STEP.outputs.NAME` (a declared `string`, `int` or `bool` output; a float or JSON one cannot be compared in the shell as wfc compares it) with values, with `==`, `!=`, `<`, `contains`, `&&`, `||`, `!`; an http step's `status_code` and `body`")
}

fn when_refused(e: &Expr) -> Diagnostic {
    Diagnostic::error(
        "E0770",
        "GitHub Actions export cannot test this retry `when` in the shell",
    )
    .primary(e.span, "not a comparison of the attempt's `exit_code`")
    .help("compare `exit_code` with numbers (`==`, `<`, `in [6, 7]`, `&&`, `||`, `!`) or test `error is exit_code` / `error is signal` (the export has no per-attempt timeout, nor wfc's error text), or drop `when`")
}
