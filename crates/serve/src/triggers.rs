//! What starts a served workflow besides the API: the workflow's `on
//! schedule|webhook|change` triggers, which [`of`] names for the listing. A
//! trigger source starts runs through [`wfc_launch::Launcher`] with its
//! own trigger name (as the API's runs record `api`).

use wfc_language::ir::Workflow;

/// The trigger a run started through the REST API records.
pub const API: &str = "api";

/// The origin an [`API`] run started through MCP records (`wfc mcp`, `/mcp`).
pub const MCP: &str = "mcp";

/// The origin an [`API`] run started from the dashboard's form records.
pub const DASHBOARD: &str = "dashboard";

/// The triggers `wf` declares, as `wfc plan` describes them.
pub fn of(wf: &Workflow) -> Vec<String> {
    wf.triggers
        .iter()
        .map(|t| wfc_plan::render::triggers::describe(wf, t))
        .collect()
}
