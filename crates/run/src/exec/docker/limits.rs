//! A `docker` step's `resources { memory …  cpus … }` as its container's
//! limits, and a container killed for going over its memory said so.
//!
//! `memory` is a hard limit: `Memory` and `MemorySwap` alike, so the
//! container cannot page past it, and the kernel kills a process of it that
//! would go over (exit code 137). `cpus N` (which also takes N of the run's
//! slots, as for any local step) caps the container at N CPUs' worth of
//! time (`NanoCpus`), at most the engine's CPU count (asked once per run,
//! only of a run with such a step): as the slots are capped at `--jobs`, a
//! step asking for more CPUs than the machine has still runs.
//!
//! Docker sets `OOMKilled` in the container's state when the kernel's OOM
//! killer ended it; Podman 4.3 on cgroup v1 (this project's test engine)
//! does not, though the kernel logs the kill. So a container of a step with
//! a memory limit that was killed (137) without wfc stopping it is said to
//! have gone over its limit, and whether the engine confirmed it.

use super::super::bytes;
use bollard::models::HostConfig;
use bollard::Docker;
use wfc_plan::settings::Placement;

/// The exit code of a process killed with SIGKILL (128 + 9).
pub(super) const KILLED: i64 = 137;

/// Sets the container's limits from the step's resources; `engine_cpus`
/// gives the engine's CPU count when asked.
pub(super) async fn apply(
    host: &mut HostConfig,
    placement: Option<&Placement>,
    engine_cpus: impl std::future::Future<Output = Option<u32>>,
) {
    let Some(p) = placement else { return };
    if let Some(m) = p.memory {
        let bytes = i64::try_from(m).unwrap_or(i64::MAX);
        host.memory = Some(bytes);
        host.memory_swap = Some(bytes);
    }
    if let Some(n) = p.cpus {
        let n = engine_cpus.await.map_or(n, |all| n.min(all.max(1)));
        host.nano_cpus = Some(i64::from(n) * 1_000_000_000);
    }
}

/// The engine's CPU count (`NCPU` of its info), `None` if it does not say.
pub(super) async fn engine_cpus(docker: &Docker) -> Option<u32> {
    let info = docker.info().await.ok()?;
    info.ncpu.and_then(|n| u32::try_from(n).ok())
}

/// Whether the engine says the kernel's OOM killer ended the container
/// (`None`: it says nothing, or cannot be asked).
pub(super) async fn oom_killed(docker: &Docker, id: &str) -> Option<bool> {
    let state = docker.inspect_container(id, None).await.ok()?.state?;
    state.oom_killed
}

/// The error of a container of a step limited to `limit` bytes that was
/// killed (exit code 137) with no stop from wfc: out of memory, confirmed
/// by the engine or not.
pub(super) fn out_of_memory(limit: u64, confirmed: Option<bool>, stderr_last: &str) -> String {
    let limit = bytes(limit);
    let mut msg = match confirmed {
        Some(true) => format!(
            "out of memory: the container went over its memory limit of {limit} and was killed (exit code {KILLED})"
        ),
        _ => format!(
            "killed (exit code {KILLED}, SIGKILL): most likely out of memory, over its memory limit of {limit} (the engine did not say)"
        ),
    };
    msg.push_str("; raise `resources { memory … }` or make the step use less");
    if !stderr_last.is_empty() {
        msg.push_str(": ");
        msg.push_str(&super::excerpt(stderr_last, 200));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(cpus: Option<u32>, memory: Option<u64>) -> Placement {
        Placement {
            cpus,
            memory,
            ..Placement::default()
        }
    }

    #[tokio::test]
    async fn memory_is_a_hard_limit_and_cpus_are_capped_at_the_engines() {
        let mut host = HostConfig::default();
        let p = placement(Some(8), Some(512 << 20));
        apply(&mut host, Some(&p), async { Some(2) }).await;
        assert_eq!(host.memory, Some(512 << 20));
        assert_eq!(host.memory_swap, Some(512 << 20));
        assert_eq!(host.nano_cpus, Some(2_000_000_000));
        let mut host = HostConfig::default();
        apply(&mut host, Some(&placement(Some(1), None)), async { None }).await;
        assert_eq!((host.memory, host.nano_cpus), (None, Some(1_000_000_000)));
        let mut host = HostConfig::default();
        apply(&mut host, None, async { unreachable!("no cpus asked") }).await;
        assert_eq!(host, HostConfig::default());
    }

    #[test]
    fn out_of_memory_says_the_limit_and_whether_the_engine_confirmed_it() {
        let sure = out_of_memory(32 << 20, Some(true), "");
        assert!(
            sure.starts_with("out of memory: the container went over its memory limit of 32 MiB"),
            "{sure}"
        );
        let likely = out_of_memory(32 << 20, None, "Killed\n");
        assert!(likely.contains("most likely out of memory, over its memory limit of 32 MiB (the engine did not say)"), "{likely}");
        assert!(
            likely.ends_with("make the step use less: Killed"),
            "{likely}"
        );
    }
}
