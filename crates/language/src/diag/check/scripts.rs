//! Constructors for `${…}` in `python` and `node` scripts (codes
//! `E0270`–`E0271`): where a value cannot go, and secrets inside strings.

use super::super::Diagnostic;
use crate::span::Span;

/// E0270: `${…}` where a script cannot take a value safely (a comment, a
/// raw string, a regex, …); `fix` says what to write instead.
pub fn unsafe_script_interpolation(span: Span, lang: &str, place: &str, fix: &str) -> Diagnostic {
    Diagnostic::error(
        "E0270",
        format!("`${{…}}` inside {place} of a {lang} script cannot be escaped safely"),
    )
    .primary(span, format!("this value would land inside {place}"))
    .help(fix.to_string())
}

/// E0271: a secret (or a value derived from one) inside a string literal
/// of a script, where it would be written into the script's source.
pub fn secret_in_script_string(
    span: Span,
    secret: &str,
    place: &str,
    declared: Span,
) -> Diagnostic {
    Diagnostic::error(
        "E0271",
        format!("secret `{secret}` is written inside {place}"),
    )
    .primary(span, "a secret here would be written into the script")
    .secondary(declared, "declared secret here")
    .help(format!(
        "secrets are passed through the environment and read in code: move the `${{…}}` out of \
         the string and join in code, e.g. `\"Bearer \" + ${{{secret}}}`"
    ))
}

/// W0156: a step's `file` that is not beside the workflow file (yet).
pub fn step_file_not_found(span: Span, path: &str, kind: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0156",
        format!("`{path}` is not there: the {kind} step reads it when it runs"),
    )
    .primary(span, "no such file beside this workflow file")
    .help("a relative path is read in this file's directory; fix the path, or ignore this if an earlier step writes the file")
}

/// E0272: a Python script with values declares an encoding (PEP 263) under
/// which their escaped text would not read as written (`+ACI-` is `"` in
/// UTF-7).
pub fn script_encoding(span: Span, encoding: &str) -> Diagnostic {
    Diagnostic::error(
        "E0272",
        format!("the script declares the encoding `{encoding}`, and its `${{…}}` values are written for UTF-8"),
    )
    .primary(span, format!("Python decodes the whole script as `{encoding}`: a value could end its string"))
    .help("remove the declaration, or declare `utf-8` (Python's default)")
}
