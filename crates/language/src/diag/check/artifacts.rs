//! Constructors for a step's `artifacts { … }` and reads of
//! `STEP.artifacts.NAME` (codes `E0380`–`E0386`, `E0389`–`E0399`).

use super::super::Diagnostic;
use super::{list, suggest};
use crate::span::Span;

/// E0380: `artifacts` on a step that runs nothing that could make files.
pub fn artifacts_not_supported(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(
        "E0380",
        format!("a step of kind `{kind}` cannot have `artifacts`"),
    )
    .primary(span, "no files to keep here")
    .help(
        "artifacts are files a `shell`, `python`, `node` or `docker` step makes; \
         write them in such a step",
    )
}

/// E0381: an artifact name given twice in one step.
pub fn duplicate_artifact(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0381", format!("artifact `{name}` is declared twice"))
        .primary(span, "declared again here")
        .secondary(first, "first declared here")
        .help("give each artifact a name of its own, or put both globs under one name")
}

/// E0382: a glob that reads a secret (the paths it matches are recorded and shown).
pub fn secret_glob(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0382",
        format!("the glob of artifact `{name}` reads a secret"),
    )
    .primary(span, "derived from a secret")
    .help(
        "the files' paths are recorded in the run store and shown by `wfc status`: \
         build the glob from params and outputs that are not secret",
    )
}

/// E0383: a docker step's artifacts with no mounted `workdir` to find them in.
pub fn docker_artifacts_unmounted(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0383",
        "a `docker` step's artifacts need a `workdir` inside a `mount`",
    )
    .primary(span, "wfc cannot see files the container keeps to itself")
    .help(
        "mount a host folder and work in it: `mount \".\" at \"/src\"` and `workdir \"/src\"`; \
         the globs are read in the host folder mounted at the workdir",
    )
}

/// E0384: `STEP.artifacts.NAME` for a name the step does not declare.
pub fn unknown_artifact(
    span: Span,
    step: &str,
    name: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0384", format!("step `{step}` has no artifact `{name}`"))
        .primary(span, "not declared in its `artifacts { … }`");
    let fallback = if known.is_empty() {
        format!("`{step}` declares no artifacts: add `artifacts {{ {name} = \"GLOB\" }}` to it")
    } else {
        format!("`{step}` declares {}", list(known))
    };
    suggest(d, span, suggestion, fallback)
}

/// E0385: `STEP.artifacts` read whole, without an artifact's name.
pub fn bare_artifacts(span: Span, step: &str, known: &[&str]) -> Diagnostic {
    let example = known.first().copied().unwrap_or("NAME");
    Diagnostic::error(
        "E0385",
        format!("`{step}.artifacts` is not a value: read one artifact"),
    )
    .primary(span, "which artifact?")
    .help(format!(
        "write `{step}.artifacts.{example}` (the list of that artifact's file paths)"
    ))
}

/// E0386: a written glob that leaves the step's folder.
pub fn glob_leaves_folder(span: Span, glob: &str) -> Diagnostic {
    Diagnostic::error(
        "E0386",
        format!("the glob `{glob}` leaves the step's folder"),
    )
    .primary(span, "absolute, or climbing with `..`")
    .help(
        "artifacts are files under the folder the step runs in: set the step's `workdir` \
         to a folder above them and write the glob relative to it",
    )
}
