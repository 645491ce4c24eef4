//! Exports of a compiled plan to other workflow engines. Each engine is a
//! module of its own; all of them start from [`wfc_plan::Plan`], so what an
//! export holds is what `wfc plan` shows and `wfc run` would run. `wfc export
//! ENGINE` (src/cli/export.rs) calls them.

pub mod argo;
mod batches;
mod curl;
mod detach;
mod exit_error;
mod fail_fast;
mod file_call;
pub mod github;
pub mod jq;
mod mail;
mod max_failures;
pub mod race;
mod script_template;
mod secret_decided;
mod shell_loops;
mod sql;
mod stdout_reads;
mod strict_shell;
mod up_to_date;
mod yaml;

/// The type a declared output is checked as once its step ran (`text`:
/// taken as it is): what both engines' conditions may compare as numbers
/// or booleans.
pub(crate) fn output_kind(ty: &wfc_language::ir::Type) -> &'static str {
    use wfc_language::ir::Type;
    match ty {
        Type::Int => "int",
        Type::Float => "float",
        Type::Bool => "bool",
        Type::Optional(t) => output_kind(t),
        _ => "text",
    }
}

/// The constructs neither engine can carry, refused alike by both exports
/// (or, approximated, written without them): each place with what it is,
/// what differs when approximated, and why the engine cannot.
pub(crate) fn alike_refusals(
    plan: &wfc_plan::Plan,
    wf: &wfc_language::ir::Workflow,
) -> Vec<(wfc_language::span::Span, String, &'static str, &'static str)> {
    let alike = [
        (batches::unmapped(plan), batches::DIFFERS, batches::WHY),
        (
            max_failures::unmapped(wf),
            max_failures::DIFFERS,
            max_failures::WHY,
        ),
        (
            up_to_date::unmapped(wf),
            up_to_date::DIFFERS,
            up_to_date::WHY,
        ),
    ];
    alike
        .into_iter()
        .flat_map(|(places, differs, why)| {
            places
                .into_iter()
                .map(move |(span, what)| (span, what, differs, why))
        })
        .collect()
}
