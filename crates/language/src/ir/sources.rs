//! A step's `sources [GLOB, …]` in the IR: an ordinary [`super::StepField`]
//! named [`FIELD`] holding a string or a list of strings, so inlining,
//! unrolling and fingerprints treat it as any field. A step with `sources`
//! is one wfc may skip as up to date (docs/language.md, "Incremental runs").

/// The field's name.
pub const FIELD: &str = "sources";
