//! Constructors for `let`, `cond ? a : b`, the run context and shell text
//! inside `run` (codes `E0180`–`E0189`, `W0115`–`W0119`).

use super::super::Diagnostic;
use super::suggest;
use crate::span::Span;

/// E0180: two lets of one name in one block.
pub fn duplicate_let(span: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0180",
        format!("`let {name}` is defined twice in this block"),
    )
    .primary(span, "defined again here")
    .secondary(first, "first defined here")
    .help("rename one of them, or remove the second")
}

/// E0181: a let named like a param, a step or block, a loop variable or a
/// let of an enclosing block.
pub fn let_shadows(span: Span, name: &str, what: &str, other: Span) -> Diagnostic {
    Diagnostic::error("E0181", format!("`let {name}` has the name of a {what}"))
        .primary(span, format!("hides the {what} of this name"))
        .secondary(other, format!("the {what} `{name}`, defined here"))
        .help("give the let a name of its own: one name means one thing in a workflow")
}

/// E0182: a let below a step or block of its block.
pub fn let_not_at_top(span: Span, name: &str, first_member: Span) -> Diagnostic {
    Diagnostic::error("E0182", format!("`let {name}` comes after a step or block"))
        .primary(span, "not at the top of its block")
        .secondary(first_member, "the block's first step or block")
        .help("move the `let` above the block's steps and blocks (right after `depends on`)")
}

/// E0183: a let that reads itself, directly or through other lets.
pub fn let_cycle(span: Span, name: &str, through: &[String]) -> Diagnostic {
    let path = if through.is_empty() {
        format!("`{name}` reads itself")
    } else {
        format!("`{name}` reads itself through `{}`", through.join("` → `"))
    };
    Diagnostic::error("E0183", format!("`let {name}` depends on its own value"))
        .primary(span, path)
        .help("a let is computed once from params, other lets and step outputs; break the cycle")
}

/// E0183: a let whose expression, the lets it reads expanded, is too large.
pub fn let_too_large(span: Span, name: &str, size: usize, max: usize) -> Diagnostic {
    Diagnostic::error("E0183", format!("`let {name}` expands to more than {max} parts"))
        .primary(span, format!("{size} parts, with the lets it reads written out"))
        .help("a use of a let stands for its expression: lets that each read another twice double at every step; read a step output instead")
}

/// E0184: the arms of `cond ? a : b` have different types.
pub fn cond_arms(span: Span, then_ty: &str, else_ty: &str, then_span: Span) -> Diagnostic {
    Diagnostic::error(
        "E0184",
        format!("the arms of `? :` have different types: {then_ty} and {else_ty}"),
    )
    .primary(span, format!("this is {else_ty}"))
    .secondary(then_span, format!("this is {then_ty}"))
    .help("both arms must have one type (or `T` and `T?`, giving `T?`); convert one with `string(…)`, `int(…)` or `float(…)`")
}

/// E0185: a literal regular expression that does not compile.
pub fn bad_regex(span: Span, why: &str) -> Diagnostic {
    Diagnostic::error("E0185", "invalid regular expression")
        .primary(span, why.to_string())
        .help("`matches(s, re)` takes Rust `regex` syntax, e.g. `\"^v[0-9]+\\\\.[0-9]+$\"`")
}

/// E0186: a field of `run` that does not exist, or one known only in handlers
/// used elsewhere.
pub fn run_field(span: Span, field: &str, suggestion: Option<&str>, known: &str) -> Diagnostic {
    let d = Diagnostic::error("E0186", format!("the run has no field `{field}`"))
        .primary(span, "unknown field of `run`");
    suggest(d, span, suggestion, format!("`run` has {known}"))
}

/// E0186: `run.status`, `run.duration` or `run.failures` outside a handler.
pub fn run_field_outside_handler(span: Span, field: &str) -> Diagnostic {
    Diagnostic::error(
        "E0186",
        format!("`run.{field}` is known only in the workflow's handlers"),
    )
    .primary(span, "not inside `on failure`, `on success` or `finally`")
    .help(format!(
        "the run's `{field}` exists once the main graph has ended: read it in `on failure {{ … }}`, `on success {{ … }}` or `finally {{ … }}`"
    ))
}

/// E0187: a step, block, param, let or loop variable named `run`.
pub fn run_reserved(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0187", format!("a {what} cannot be named `run`"))
        .primary(span, "`run` names the run itself")
        .help("`run.id`, `run.status`, … read the run context: give this another name")
}

/// E0188: a shell parameter expansion (`${NAME:-x}`) in a string; `whole`:
/// the span covers it from `$` to `}` (so a fix can escape it).
pub fn shell_expansion(span: Span, text: &str, whole: bool) -> Diagnostic {
    let d = Diagnostic::error(
        "E0188",
        format!("`{text}` is a shell parameter expansion, not a `.wf` interpolation"),
    )
    .primary(span, "`${…}` in a `.wf` string holds an expression")
    .help(format!(
        "to pass it to the shell, escape the `$`: `\\{text}`"
    ));
    if whole {
        d.fix(span, format!("\\{text}"), "escape the `$`")
    } else {
        d
    }
}

/// E0189: an unknown upper-case name in a `run` command: most likely an
/// environment variable for the shell (else a param spelt in capitals).
pub fn env_var_in_command(span: Span, name: &str, param: Option<&str>) -> Diagnostic {
    let mut help = format!("for the shell's environment variable, escape the `$`: `\\${{{name}}}`");
    if let Some(p) = param {
        help.push_str(&format!("; or did you mean the param `{p}`?"));
    }
    Diagnostic::error("E0189", format!("unknown name `{name}` in a command"))
        .primary(span, "not a param, let, loop variable or step")
        .help(help)
}

/// W0115: a let nothing reads.
pub fn unused_let(span: Span, name: &str) -> Diagnostic {
    Diagnostic::warning("W0115", format!("`let {name}` is never used"))
        .primary(span, "not read anywhere")
        .help("remove it, or use it")
}
