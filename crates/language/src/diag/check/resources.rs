//! Constructors for `executor` and `resources` (codes `E0260`–`E0263`,
//! `E0705`, `W0140`): where a step runs and what it asks for.

use super::super::Diagnostic;
use super::list;
use crate::span::Span;

/// E0260: an executor wfc does not have.
pub fn unknown_executor(span: Span, name: &str, sugg: Option<&str>, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::error("E0260", format!("unknown executor `{name}`"))
        .primary(span, "not an executor");
    match sugg {
        Some(s) => d
            .help(format!("did you mean `{s}`?"))
            .fix(span, s, format!("use `{s}`")),
        None => d.help(format!("the executors are {}", list(known))),
    }
}

/// E0261: a field an `executor …` or `resources` block does not take.
pub fn unknown_block_field(
    span: Span,
    name: &str,
    block: &str,
    sugg: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0261", format!("`{block}` has no field `{name}`"))
        .primary(span, "unknown field");
    match (sugg, known) {
        (Some(s), _) => d.help(format!("did you mean `{s}`?")),
        (None, []) => d.help(format!("`{block}` takes no fields: remove the braces")),
        (None, known) => d.help(format!("`{block}` takes {}", list(known))),
    }
}

/// E0262: `memory` given a number without a size unit.
pub fn memory_without_unit(span: Span, n: i64) -> Diagnostic {
    Diagnostic::error("E0262", "`memory` needs a size unit")
        .primary(span, "a bare number")
        .help(format!(
            "write a size: `{n}MB` or `{n}GB` (KB, MB, GB, TB; 1024-based)"
        ))
        .fix(span, format!("{n}MB"), format!("use `{n}MB`"))
}

/// E0263: a resource of zero (`cpus 0`, `memory 0MB`, `time 0s`).
pub fn resource_not_positive(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error("E0263", format!("`{name}` must be more than zero"))
        .primary(span, "zero")
        .help(format!(
            "leave `{name}` out to ask for the executor's default"
        ))
}

/// E0705: `partition` or `account` computed from a secret: it would be on
/// sbatch's command line.
pub fn secret_in_executor(span: Span, field: &str) -> Diagnostic {
    Diagnostic::error("E0705", format!("`{field}` must not come from a secret"))
        .primary(span, "reads a secret")
        .help(format!(
            "`{field}` is passed to `sbatch` on its command line, visible in `ps` and kept in Slurm's records: build it from plain params"
        ))
}

/// W0140: resources the local executor cannot enforce.
pub fn resources_not_enforced(span: Span, names: &[&str]) -> Diagnostic {
    let what = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::warning(
        "W0140",
        format!("{what} cannot be enforced for steps that run on this machine"),
    )
    .primary(span, "asked for here")
    .help("the local executor only counts `cpus` (as concurrency slots), and gives a `docker` step's container its `memory` and `cpus` as limits; with `executor slurm` (in the file, or `wfc run --executor slurm`) Slurm enforces them all")
}
