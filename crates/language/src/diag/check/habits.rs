//! Diagnostics for the newcomer's first day (`E0300`–`E0319`,
//! `W0300`–`W0319`): settings the environment must give, paths that mean
//! something else since they became relative to the workflow's file, and
//! habits from other tools (GitHub Actions, Jinja, shells) written where a
//! `.wf` construct was meant — and the words of other languages
//! ([`crate::diag::foreign`]) where other codes are reported (an unknown
//! name, type or function: `True`, `str`).

use crate::diag::foreign::Foreign;
use crate::diag::Diagnostic;
use crate::span::Span;

/// E0300: `require_env(x)` whose name is not written out: it could not be
/// checked before the run starts.
pub fn require_env_not_literal(span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0300",
        "`require_env` needs the variable's name written out",
    )
    .primary(span, "not a string literal")
    .help("write the name: `require_env(\"AWS_REGION\")`; the run checks it before anything runs (use `env(…)` for a name computed from params)")
}

/// E0301: `${env.NAME}` (GitHub Actions' `env` context).
pub fn env_context(span: Span, var: &str) -> Diagnostic {
    Diagnostic::error("E0301", format!("`env.{var}` is not how a `.wf` file reads the environment"))
        .primary(span, "there is no `env` context")
        .help(format!(
            "write `env(\"{var}\")` (wfc's environment, when the run starts), or `$${var}` in the command (the step's environment, when it runs)"
        ))
        .fix(span, format!("env(\"{var}\")"), format!("Use `env(\"{var}\")`"))
}

/// E0302: `${n-1}`: `-` is part of a name, and `n-1` is none.
pub fn minus_in_name(span: Span, written: &str, left: &str, right: &str) -> Diagnostic {
    let fixed = format!("{left} - {right}");
    Diagnostic::error(
        "E0302",
        format!("unknown name `{written}`: `-` is part of a name"),
    )
    .primary(span, format!("`{left}` exists, `{written}` does not"))
    .help(format!(
        "names may hold `-`, so subtract with spaces around it: `{fixed}`"
    ))
    .fix(span, fixed.clone(), format!("Write `{fixed}`"))
}

/// W0300: a relative path of the file that resolves elsewhere now that
/// paths are relative to the workflow's file, not to where `wfc` runs.
pub fn path_moved(span: Span, what: &str, dir: &str, more: usize) -> Diagnostic {
    let more = match more {
        0 => String::new(),
        1 => " (and 1 more place)".to_owned(),
        n => format!(" (and {n} more places)"),
    };
    Diagnostic::warning(
        "W0300",
        format!("{what} now resolves in `{dir}`, not in the current folder{more}"),
    )
    .primary(span, "resolved in the workflow's folder")
    .help("relative paths are relative to the workflow's file, so a run does the same from anywhere; to run from the current folder as before, use `wfc run --workdir . FILE`")
}

/// W0301: `$version` in a command where `version` is a param.
pub fn shell_var_is_param(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0301",
        format!("`${name}` is the shell's variable, not the param `{name}`"),
    )
    .primary(span, format!("the shell reads its environment's `{name}`, usually empty"))
    .help(format!("did you mean `${{{name}}}`? Only `${{…}}` substitutes a param; `${name}` is whatever the step's environment holds"))
    .fix(span, format!("${{{name}}}"), format!("Use the param: `${{{name}}}`"))
}

/// W0302: `{{ x }}` (Jinja) in a string, where `x` is a name in scope.
pub fn jinja(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0302",
        format!("`{{{{ {name} }}}}` is Jinja; this string keeps it as text"),
    )
    .primary(span, "not substituted")
    .help(format!("a `.wf` string substitutes `${{{name}}}`"))
    .fix(span, format!("${{{name}}}"), format!("Use `${{{name}}}`"))
}

/// E0303: `needs build` (GitHub Actions, GitLab CI), or another tool's
/// word for what a step waits for (`word`); `names` are what it names, when
/// plain, and `fix` the text that `depends on` replaces.
pub fn needs(span: Span, word: &str, names: Option<&str>, fix: Span) -> Diagnostic {
    let names = names.unwrap_or("build");
    Diagnostic::error("E0303", format!("`{word}` is written `depends on` here"))
        .primary(span, "not a field")
        .help(format!("write `depends on {names}` (several: `depends on build, test`); a step that reads another's output depends on it already"))
        .fix(fix, "depends on", "Write `depends on`")
}

/// The help of a word from another language, with its replacement as the
/// fix when one word replaces it and `fix` says the result is complete.
fn foreign(d: Diagnostic, span: Span, f: Foreign, fix: bool) -> Diagnostic {
    let d = d.help(f.help);
    match f.write {
        Some(w) if fix => d.fix(span, w, format!("replace with `{w}`")),
        _ => d,
    }
}

/// E0140 for a word from another language (`True`, `None`, `and`): its
/// `.wf` form, never a param to declare.
pub fn foreign_name(span: Span, name: &str, f: Foreign) -> Diagnostic {
    let d = Diagnostic::error("E0140", format!("unknown name `{name}`"))
        .primary(span, "not a param, loop variable or step");
    foreign(d, span, f, true)
}

/// E0123 for a type name from another language (`str`, `dict`); `fix`:
/// whether the replacement is the whole fix (it takes the type arguments
/// written).
pub fn foreign_type(span: Span, name: &str, f: Foreign, fix: bool) -> Diagnostic {
    let d =
        Diagnostic::error("E0123", format!("unknown type `{name}`")).primary(span, "not a type");
    foreign(d, span, f, fix)
}

/// E0146 for a function from another language (`str(x)`, `length(xs)`).
pub fn foreign_function(span: Span, name: &str, f: Foreign) -> Diagnostic {
    let d = Diagnostic::error("E0146", format!("unknown function `{name}`"))
        .primary(span, "not a function");
    foreign(d, span, f, true)
}

/// E0102 for `and` or `or` read as a field (`check ready and n > 0`: the
/// field `check ready`, then `and n > 0`): the operator `op` was meant.
pub fn operator_as_field(span: Span, field: &str, kind: &str, op: &str) -> Diagnostic {
    Diagnostic::error("E0102", format!("`{kind}` steps have no field `{field}`"))
        .primary(span, format!("`{field}` is read as a new field"))
        .help(format!(
            "`.wf` writes `{field}` as `{op}`, which keeps the line one value: `check a {op} b`"
        ))
        .fix(span, op, format!("Write `{op}`"))
}

/// E0100 for `and` or `or` read as a workflow setting (`param ok: bool =
/// a and b`: the param, then a setting `and b`): the operator `op` was meant.
pub fn operator_as_setting(span: Span, word: &str, op: &str) -> Diagnostic {
    Diagnostic::error("E0100", format!("unknown workflow setting `{word}`"))
        .primary(span, format!("`{word}` is read as a new setting"))
        .help(format!(
            "`.wf` writes `{word}` as `{op}`, which keeps the line one value: `param ok: bool = a {op} b`"
        ))
        .fix(span, op, format!("Write `{op}`"))
}
