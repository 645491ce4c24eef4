//! The interpreter's execution layer: everything below the scheduler.
//!
//! - [`quote`] renders `run` commands with injection-safe `${…}` interpolation.
//! - [`mask`] replaces secret values by `***` in text wfc writes, streamed or not.
//! - [`exec`] runs one evaluated step (shell, docker, http, slack, webhook,
//!   email) under a cancellation token and a timeout, and reports its outcome.
//!
//! The scheduler (walking a compiled plan, retries, dependencies, handlers)
//! sits on top: it evaluates each step's fields to an [`exec::StepSpec`] and
//! calls an [`exec::Execute`] implementation.

pub mod exec;
pub mod mask;
pub mod quote;
