//! What the `pre_exec` hook behind `PR_SET_PDEATHSIG` costs per spawn.
//!
//! Without a hook Rust's std spawns with `posix_spawn` (vfork-like); with one
//! it must `fork`, whose cost grows with the parent's address space.
//! `cargo bench --bench spawn` times spawn + wait of `/bin/true` both ways,
//! 300 times each, with a small heap and with 64 MiB and 1 GiB of touched
//! heap, and prints the medians (quoted in `crates/run/src/exec/process.rs`). Under
//! `cargo test` it spawns 3 times each with a small heap.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};
use wfc_run::exec::process::die_with_parent;

fn median_spawn(n: usize, hook: bool) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let mut cmd = Command::new("/bin/true");
        cmd.process_group(0);
        if hook {
            die_with_parent(&mut cmd);
        }
        let t = Instant::now();
        let status = cmd.status().expect("/bin/true runs");
        times.push(t.elapsed());
        assert!(status.success());
    }
    times.sort();
    times[n / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, heaps): (usize, &[(&str, usize)]) = if full {
        (
            300,
            &[
                ("small parent", 0),
                ("64 MiB touched heap", 64),
                ("1 GiB touched heap", 1024),
            ],
        )
    } else {
        (3, &[("small parent", 0)])
    };
    for &(label, heap_mib) in heaps {
        let heap: Vec<u8> = vec![1u8; heap_mib << 20];
        let plain = median_spawn(n, false);
        let hooked = median_spawn(n, true);
        println!(
            "{label}: posix_spawn {:.3} ms, fork + pre_exec {:.3} ms (median of {n})",
            plain.as_secs_f64() * 1e3,
            hooked.as_secs_f64() * 1e3,
        );
        drop(heap);
    }
}
