//! The `.wf` language: everything about a workflow file that needs no run.
//!
//! Data flows one way: [`syntax`] (pest parser → tree with spans) →
//! [`check`] (names, types, graph; lowers to [`ir`]). [`diag`] holds the one
//! diagnostic value every phase reports; [`fmt`] prints a tree back in
//! canonical layout; [`analysis`] runs the front end on a file, and [`ide`]
//! answers an editor's questions about one analysed document.
//! [`shell_syntax`] knows the quoting contexts of `run` commands, for the
//! checker and the interpreter alike; [`script_syntax`] knows where values
//! land in `python` and `node` scripts; [`sql_syntax`] finds the `:name`
//! parameters and statements of `sql` queries.
//!
//! No async runtime, network or database here: the plan, the interpreter
//! and the run store are crates above this one.

// pest is built without its `std` feature (see Cargo.toml): its generated
// parser then names `::alloc`.
extern crate alloc;

pub mod analysis;
pub mod check;
pub mod diag;
pub mod fmt;
pub mod ide;
pub mod ir;
pub mod json_form;
pub mod program;
pub mod script_syntax;
pub mod shell_syntax;
pub mod span;
pub mod sql_syntax;
pub mod syntax;
pub mod time_value;
pub mod words;
