//! What bash makes of a `run` command's words beyond their quoting:
//! arithmetic and variable names (E0168), a second shell (W0106); and a
//! list that cannot become words of their own (E0169).

use crate::diag::Diagnostic;
use crate::span::Span;

/// How bash reads the place a value or variable lands in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BashReads {
    Arithmetic,
    Name,
    Prompt,
}

impl BashReads {
    fn what(self) -> &'static str {
        match self {
            BashReads::Arithmetic => "which bash evaluates as arithmetic",
            BashReads::Name => "which bash reads as a variable's name",
            BashReads::Prompt => "which bash expands as a prompt string",
        }
    }

    fn runs(self) -> &'static str {
        match self {
            BashReads::Arithmetic => "a text value here runs commands: `a[$(cmd)]` runs `cmd`",
            BashReads::Name => {
                "a text value here runs commands: the subscript of `a[$(cmd)]` runs `cmd`"
            }
            BashReads::Prompt => "a `$(cmd)` in the value runs `cmd`",
        }
    }
}

/// E0168: a value that is not an `int` where bash evaluates arithmetic or
/// reads a variable's name (`[[ ${x} -eq 1 ]]`, `let`, `printf -v ${x}`).
pub fn bash_evaluates_value(span: Span, place: &str, reads: BashReads) -> Diagnostic {
    let help = match reads {
        BashReads::Name => {
            "write the variable's name in the command; pass the value as data (`printf -v name '%s' ${x}`)"
        }
        _ => "interpolate an `int` here: declare the param `int`, or convert the value with `${int(…)}`",
    };
    Diagnostic::error("E0168", format!("`${{…}}` is {place}, {}", reads.what()))
        .primary(span, reads.runs())
        .help(help)
}

/// E0168: an `env` variable set from outside the file, not an `int`, read
/// where bash evaluates it (`env { N = n }` and `$(( N + 1 ))`).
pub fn bash_evaluates_variable(
    span: Span,
    var: &str,
    place: &str,
    reads: BashReads,
    binding: Span,
    source: &str,
) -> Diagnostic {
    let message = match reads {
        BashReads::Arithmetic if place == "shell arithmetic" => format!(
            "`{var}` is read in shell arithmetic, where bash evaluates its value as arithmetic"
        ),
        BashReads::Prompt => {
            format!("`${{{var}@P}}` expands the value of `{var}` as a prompt string")
        }
        _ => format!("the value of `{var}` is {place}, {}", reads.what()),
    };
    let help = match reads {
        BashReads::Arithmetic => format!(
            "make the value an `int`: `env {{ {var} = int(…) }}`, or declare the param `int`"
        ),
        BashReads::Name => "write the variable's name in the command itself".to_string(),
        BashReads::Prompt => format!("drop `@P`: write `\"${var}\"`"),
    };
    Diagnostic::error("E0168", message)
        .primary(span, reads.runs())
        .secondary(
            binding,
            format!("`{var}` is set here from {source}, not an `int`"),
        )
        .help(help)
}

/// E0168: a value the command assigns to a shell variable of its own
/// (`n=${x}`, `for n in ${x}`) whose value bash then evaluates.
pub fn bash_evaluates_through(
    span: Span,
    var: &str,
    place: &str,
    reads: BashReads,
    read_at: Span,
) -> Diagnostic {
    let shown = match var.starts_with(|c: char| c.is_ascii_digit()) {
        true => format!("${var}"),
        false => var.to_string(),
    };
    let message = match reads {
        BashReads::Arithmetic if place == "shell arithmetic" => format!(
            "`${{…}}` is assigned to `{shown}`, which is read in shell arithmetic, where bash evaluates its value as arithmetic"
        ),
        BashReads::Prompt => format!(
            "`${{…}}` is assigned to `{shown}`, whose value `${{{var}@P}}` expands as a prompt string"
        ),
        _ => format!(
            "`${{…}}` is assigned to `{shown}`, whose value is {place}, {}",
            reads.what()
        ),
    };
    let help = match reads {
        BashReads::Name => "write the variable's name in the command itself",
        _ => "interpolate an `int` here: declare the param `int`, or convert the value with `${int(…)}`",
    };
    Diagnostic::error("E0168", message)
        .primary(span, reads.runs())
        .secondary(read_at, format!("bash reads `{shown}` here"))
        .help(help)
}

/// What to write instead of a value a second shell parses.
fn reparse_help(place: &str, value: &str) -> String {
    if place.contains("`eval`") {
        "run the command without `eval`, or validate the value (an `in [...]` constraint, an `int`)"
            .to_string()
    } else if place.contains("`ssh`") {
        "the remote shell parses the command again: validate the value (an `in [...]` constraint, an `int`), or send it on stdin".to_string()
    } else {
        format!("pass the value as an argument of the inner shell: `sh -c 'echo \"$1\"' _ {value}`")
    }
}

/// W0106: a value from outside the file in text a second shell parses
/// (`eval`, `sh -c`, `ssh`, `su -c`).
pub fn reparsed_value(span: Span, place: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0106",
        format!("`${{…}}` is in {place}, which a second shell parses as code"),
    )
    .primary(span, "escaped for this shell, then read as a command again")
    .help(reparse_help(place, "${x}"))
}

/// W0106: an `env` variable set from outside the file, expanded into text
/// a second shell parses.
pub fn reparsed_variable(
    span: Span,
    var: &str,
    place: &str,
    binding: Span,
    source: &str,
) -> Diagnostic {
    Diagnostic::warning(
        "W0106",
        format!("`${var}` is expanded into {place}, which a second shell parses as code"),
    )
    .primary(span, "its value is read as a command")
    .secondary(binding, format!("`{var}` is set here from {source}"))
    .help(reparse_help(place, &format!("\"${var}\"")))
}

/// E0169: a list interpolated inside quotes (or a comment) of a `run`
/// command, where its items cannot be words of their own.
pub fn list_in_quotes(span: Span, context: &str) -> Diagnostic {
    Diagnostic::error(
        "E0169",
        format!("a list's items cannot be words of their own inside {context}"),
    )
    .primary(span, "a list: one word per item, where a bare word stands")
    .help(
        "write the `${…}` alone, outside quotes (`upload ${files}` gives each item as its own quoted \
         argument), or make one text of the list with `${join(files, \" \")}`",
    )
}

/// E0169: a list glued to text or to another value in a `run` command
/// (`--file=${files}`): only its first or last item would be glued.
pub fn list_glued(span: Span) -> Diagnostic {
    Diagnostic::error("E0169", "a list's items must stand as words of their own")
        .primary(span, "glued to the text beside it")
        .help(
            "put blanks around the `${…}` (`upload ${files}`), one item a word; for `--file=a \
             --file=b`, use a comprehension: `${[\"--file=${f}\" for f in files]}`",
        )
}
