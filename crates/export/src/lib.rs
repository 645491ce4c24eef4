//! Exports of a compiled plan to other workflow engines. Each engine is a
//! module of its own; all of them start from [`wfc_plan::Plan`], so what an
//! export holds is what `wfc plan` shows and `wfc run` would run. `wfc export
//! ENGINE` (src/cli/export.rs) calls them.

pub mod argo;
pub mod github;
mod script_template;
