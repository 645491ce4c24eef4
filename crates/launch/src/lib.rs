//! Starting and owning a recorded run: what plugs a run of the interpreter
//! into the run store.
//!
//! - [`session`] — one start (or resumption) of a recorded run: its
//!   recorder, step logs, approvals, decisions and the store's watch;
//! - [`approvals`] — gates that wait for `wfc approve` through the store.

pub mod approvals;
pub mod session;
