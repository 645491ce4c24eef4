//! Constructors for a step's `sources [GLOB, …]` (codes `E0362`–`E0364`).

use super::super::Diagnostic;
use crate::span::Span;

/// E0362: an absolute `sources` glob (globs are relative to the workflow file).
pub fn absolute_source(span: Span, glob: &str) -> Diagnostic {
    Diagnostic::error(
        "E0362",
        format!("the sources glob `{glob}` is an absolute path"),
    )
    .primary(span, "absolute")
    .help(
        "`sources` globs are relative to the workflow file, so the workflow means the same \
         on every machine: write it from the file's folder (`src/**/*.rs`, `../shared/*.h`)",
    )
}

/// E0363: a `sources` entry that is not a glob.
pub fn invalid_source_glob(span: Span, glob: &str, why: &str) -> Diagnostic {
    Diagnostic::error("E0363", format!("`{glob}` is not a valid glob"))
        .primary(span, why.to_owned())
        .help("`*` matches within a folder, `**` across folders, `?` one character, `{a,b}` either")
}

/// E0364: `sources` built from a secret.
pub fn secret_source(span: Span) -> Diagnostic {
    Diagnostic::error("E0364", "the step's `sources` read a secret")
        .primary(span, "derived from a secret")
        .help(
            "the files `sources` match are named in `wfc plan` and `wfc explain`: build the \
             globs from literals and params that are not secret",
        )
}
