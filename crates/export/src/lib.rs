//! Exports of a compiled [`wfc_plan::Plan`] to other workflow engines.
//! Each engine is a module; `wfc export ENGINE` (src/cli/export.rs) calls it.

pub mod github;
