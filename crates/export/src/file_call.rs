//! `call file(EXPR)`: `wfc run` reads, checks and runs a workflow file an
//! earlier step wrote. An exported workflow is fixed when it is written:
//! neither engine can turn a `.wf` file into its own jobs or templates
//! mid-run, so the export refuses such a step — even with
//! `--approximate`, since leaving it out would report success for work
//! that never ran.

use wfc_language::ir::Workflow;
use wfc_language::span::Span;

/// The file calls of `wf`: (span, what).
pub fn unmapped(wf: &Workflow) -> Vec<(Span, String)> {
    wf.steps
        .iter()
        .filter_map(|s| {
            let c = s.call.as_ref().filter(|c| c.file)?;
            Some((
                c.target_span,
                format!("`call file(…)` of step `{}`", s.name),
            ))
        })
        .collect()
}

/// Why neither engine can, and what to do instead.
pub const WHY: &str = "the file is known only once the run reaches the step, and an exported workflow is fixed before it starts: export the generated file itself (`wfc export … FILE`) and start it as a workflow of its own, or run this one with `wfc run`";
