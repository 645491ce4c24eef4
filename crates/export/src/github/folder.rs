//! Where a step's script runs. `wfc run` resolves a relative `workdir`,
//! and runs a step without one, in the workflow file's folder; a job runs
//! in the workspace, the checked-out repository. So the export joins the
//! workflow's folder in the repository (`Options::home`) to a relative
//! `workdir` (an absolute one stays), makes the folder first as `wfc run`
//! does, and runs a step without one in that folder. A `docker` step's
//! `workdir` is a folder of its container, and stays as written.

use super::values::Values;
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{FieldValue, Step, StepKind};

/// The folder `step`'s script runs in, relative to the workspace (or
/// absolute), and whether the step names it (`workdir`); `None`: the
/// workspace itself.
pub fn of(values: &Values, step: &Step) -> Result<Option<(String, bool)>, Diagnostic> {
    let written = match step.field("workdir").map(|f| &f.value) {
        Some(FieldValue::Expr(e)) => Some((e, values.text(e)?)),
        _ => None,
    };
    let home = values.home.as_str();
    Ok(match written {
        Some((_, dir)) if step.kind == StepKind::Docker => Some((dir, true)),
        Some((_, dir)) if dir.starts_with('/') || home == "." => Some((dir, true)),
        // Known only when the job runs (an input): GitHub decides.
        Some((e, dir)) if dir.starts_with("${{") => match whole(&dir) {
            Some(x) => Some((
                format!(
                    "${{{{ startsWith({x}, '/') && {x} || format('{{0}}/{{1}}', '{}', {x}) }}}}",
                    home.replace('\'', "''")
                ),
                true,
            )),
            None => {
                return Err(super::values::unsupported(
                    e,
                    "a `workdir` that starts with a value known only while the workflow runs, in a workflow outside the repository's root folder: write it as one value, or start it with a folder",
                ))
            }
        },
        Some((_, dir)) => Some((join(home, &dir), true)),
        // Only a script the author wrote reads the folder it runs in.
        None if home == "." => None,
        None if matches!(step.kind, StepKind::Shell | StepKind::Python | StepKind::Node) => {
            Some((home.to_owned(), false))
        }
        None => None,
    })
}

/// The expression of text that is one `${{ … }}` and nothing else,
/// parenthesised.
fn whole(text: &str) -> Option<String> {
    let inner = text.strip_prefix("${{")?.strip_suffix("}}")?;
    (!inner.contains("${{") && !inner.contains("}}")).then(|| format!("({})", inner.trim()))
}

/// `home/dir`, without `.` parts.
fn join(home: &str, dir: &str) -> String {
    let parts: Vec<&str> = home
        .split('/')
        .chain(dir.split('/'))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The step that makes a `workdir` before the script runs in it, as `wfc
/// run` makes it (the path reaches `mkdir` through `env`, as data).
pub fn make(dir: &str) -> Json {
    json!({
        "env": { "WF_WORKDIR": dir },
        "run": "mkdir -p -- \"$WF_WORKDIR\"",
        "shell": "sh",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_relative_workdir_joins_the_workflows_folder() {
        assert_eq!(super::join("ci/flows", "build/out"), "ci/flows/build/out");
        assert_eq!(super::join("ci", "./out"), "ci/out");
        assert_eq!(super::join("ci", "."), "ci");
    }
}
