//! What starts a served workflow besides the API. The trigger syntax
//! (`on schedule|webhook|change`, `lock`) belongs to the language; once
//! the IR carries a workflow's triggers, [`of`] names them for the listing
//! and a trigger source starts runs through [`crate::launch::Launcher`]
//! with its own trigger name (as the API's runs record `api`).

use wfc_language::ir::Workflow;

/// The trigger a run started through the REST API records.
pub const API: &str = "api";

/// The triggers `wf` declares, as the listing shows them: none while the
/// IR has no trigger syntax.
pub fn of(_wf: &Workflow) -> Vec<String> {
    Vec::new()
}
