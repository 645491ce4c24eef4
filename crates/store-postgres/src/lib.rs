//! The run store on PostgreSQL (issue 71): a [`wfc_store_db::Remote`] over
//! `tokio-postgres`, for `--store postgres://…` and `WFC_STORE`.
//!
//! Each connection is a thread of its own, which owns a current-thread
//! Tokio runtime and the client; the store's (sync) calls hand it a job
//! and wait for the answer. So the store never blocks on a runtime of its
//! caller's (the sync `postgres` crate's `block_on` panics inside a
//! server's async task), and stays free of async code.
//!
//! The store's statements arrive in SQLite's `?N` form and are prepared
//! once per text ([`wfc_store_db::sql_text::to_dollars`]); parameters are
//! bound as the statement's inferred types ask, and columns are read
//! back as the five kinds the store knows (every integer column is
//! `BIGINT`, JSON is `TEXT`, bytes are `BYTEA`).

mod conn;
mod listen;
mod values;

pub use conn::connect;
pub use listen::listen;
