//! The executors in-process, against real processes and servers: `shell`
//! (and simple commands run without a shell), `docker` (and its limits),
//! `email`, `http`;
//! and what they rely on, quoting and masking.

mod direct;
mod docker;
mod docker_limits;
mod email;
mod http;
mod mask;
mod quote;
mod shell;
mod slurm;
mod slurm_docker;
mod slurm_runtime;
mod slurm_serve;
mod slurm_syntax;
