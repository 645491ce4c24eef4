//! The front end and the plan compiler in-process: parsing, checking
//! (fixtures in `tests/syntax/` and `tests/check/`), formatting (`tests/fmt/`),
//! the editor features and the language server's protocol, plan compilation
//! (`tests/plan/`), and robustness against any input. One test binary, so
//! the workspace is linked once for all of them.
//!
//! Run one area with `cargo test --test frontend fmt::` (or `plan::`, `ide::`…);
//! update snapshots with `INSTA_UPDATE=always` in front of that.

mod check_fixtures;
mod deps_any;
mod fmt;
mod ide;
mod ide_alerts;
mod ide_artifacts;
mod ide_file_calls;
mod ide_gates;
mod ide_imports;
mod ide_lets;
mod ide_loops;
mod ide_modules;
mod ide_placement;
mod ide_protocol;
mod ide_retry_when;
mod ide_sql;
mod ide_status;
mod ide_triggers;
mod ide_up_to_date;
mod json_form;
mod parse;
mod plan;
mod plan_calls;
mod plan_graphs;
mod plan_props;
mod plan_size;
mod recovery;
mod recovery_corpus;
mod recovery_fixtures;
mod robustness;
mod schedule_env;
mod slips;
mod syntax_fixtures;
