//! A `shell` step's `strict` (see `wfc_language::shell_syntax::strict`) as
//! an export writes it: the value folded at plan time, and the shell's
//! command line in GitHub Actions' terms.

use wfc_language::ir::{ExprKind, FieldValue, Workflow};
use wfc_language::shell_syntax::strict::strict_flags;
use wfc_plan::PlannedStep;

/// Whether shell step `s` runs strict: `Ok(true)` when it says nothing,
/// `Err(span)` when its `strict` is not a literal (a param's value is
/// given when the exported workflow starts, after its shell was chosen).
pub fn of(wf: &Workflow, s: &PlannedStep) -> Result<bool, wfc_language::span::Span> {
    let fields = &wf.steps[s.step].fields;
    let Some(f) = fields.iter().find(|f| f.name == "strict") else {
        return Ok(true);
    };
    match &f.value {
        FieldValue::Expr(e) => match e.kind {
            ExprKind::Bool(b) => Ok(b),
            _ => Err(e.span),
        },
        _ => Err(f.span),
    }
}

/// The `shell:` of a GitHub Actions step running `shell` as wfc would:
/// GitHub's `bash` is `bash --noprofile --norc -eo pipefail {0}` and its
/// `sh` is `sh -e {0}`, wfc's strict shells; any other shell, or one
/// run bare, is written as a command line.
pub fn github(shell: &str, strict: bool) -> String {
    match (shell, strict) {
        ("sh" | "bash", true) => shell.to_owned(),
        ("bash", false) => "bash --noprofile --norc {0}".to_owned(),
        (_, true) => {
            let flags = strict_flags(shell);
            let mut line = shell.to_owned();
            for f in flags {
                line.push(' ');
                line.push_str(f);
            }
            line + " {0}"
        }
        (_, false) => format!("{shell} {{0}}"),
    }
}

/// The line a `strict false` step's script starts with in a GitHub export:
/// the wrappers around a script (retries, a kept stdout, the capture of a
/// failure) run it under `set -e`, as GitHub's own shells do.
pub const BARE: &str = "set +e  # wfc: strict false\n";

/// `run` as a script that sets its shell's strict options itself (`set -e
/// -o pipefail` for bash), for an export that starts the shell as `SHELL -c
/// SCRIPT` (Argo's containers).
pub fn prefixed(shell: &str, strict: bool, run: String) -> String {
    let flags = strict_flags(shell);
    match strict && !flags.is_empty() {
        true => format!("set {}\n{run}", flags.join(" ")),
        false => run,
    }
}

/// Whether a GitHub `shell:` value runs `sh` or `bash` (strict or not): a
/// retry loop or a wrapper written in `sh` may go around its script.
pub fn github_is_posix(line: &str) -> bool {
    matches!(
        line,
        "sh" | "bash" | "sh {0}" | "bash --noprofile --norc {0}"
    )
}

#[cfg(test)]
mod tests {
    use super::github;

    #[test]
    fn github_shells_keep_what_wfc_runs() {
        assert_eq!(github("bash", true), "bash");
        assert_eq!(github("sh", true), "sh");
        assert_eq!(github("bash", false), "bash --noprofile --norc {0}");
        assert_eq!(github("sh", false), "sh {0}");
        assert_eq!(github("zsh", true), "zsh -e -o pipefail {0}");
        assert_eq!(github("fish", true), "fish {0}");
    }
}
