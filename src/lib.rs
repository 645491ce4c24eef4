//! `wfc` — a typed workflow language and its toolchain.
//!
//! Data flows one way: [`syntax`] (pest parser → tree with spans) →
//! [`check`] (names, types, graph; lowers to [`ir`]) → `plan` → `run`.
//! [`diag`] holds the one diagnostic value every phase reports; [`fmt`] prints
//! a tree back in canonical layout.

// pest is built without its `std` feature (see Cargo.toml): its generated
// parser then names `::alloc`.
extern crate alloc;

pub mod analysis;
pub mod check;
pub mod cli;
pub mod diag;
pub mod fmt;
pub mod ide;
pub mod ir;
pub mod plan;
pub mod run;
pub mod shell;
pub mod span;
pub mod store;
pub mod syntax;
pub mod testing;
pub mod timings;
pub mod words;
