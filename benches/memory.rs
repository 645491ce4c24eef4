//! Memory benchmark: live and peak heap of each compile phase of `wfc run`.
//!
//! `cargo bench --bench memory` generates the shapes of `scripts/bench-run`
//! (chain, fan-out, layers of 20; 1,000 and 5,000 steps) and prints, after
//! each phase (parse, check, plan, and what stays for the run), the heap
//! still live and the highest it reached during the phase, counted by a
//! global allocator. The process's peak RSS adds the binary and the runtime
//! (see `scripts/bench-run`). Under `cargo test` it runs once on 200 steps.

// A counting allocator needs `unsafe impl GlobalAlloc`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts a phase: the peak restarts from what is live now.
fn start() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

/// (live, peak) in MiB since [`start`].
fn end() -> (f64, f64) {
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    (mib(LIVE.load(Relaxed)), mib(PEAK.load(Relaxed)))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full { &[1_000, 5_000] } else { &[200] };
    println!(
        "{:<14} {:>14} {:>14} {:>14} {:>14}",
        "case", "parse", "check", "plan", "run keeps"
    );
    println!(
        "{:<14} {:>14} {:>14} {:>14} {:>14}",
        "", "live/peak MiB", "", "", "live"
    );
    for shape in ["chain", "fanout", "layers"] {
        for &n in sizes {
            let text = wfc_testkit::shell_dag(shape, n);
            let base = LIVE.load(Relaxed);
            let phases = measure(text);
            let cell = |(l, p): (f64, f64)| format!("{l:.1}/{p:.1}");
            println!(
                "{:<14} {:>14} {:>14} {:>14} {:>14.1}",
                format!("{shape} {n}"),
                cell(phases[0]),
                cell(phases[1]),
                cell(phases[2]),
                phases[3].0,
            );
            assert!(LIVE.load(Relaxed) <= base + 4096, "everything is freed");
        }
    }
}

/// The phases as `wfc run` goes through them.
fn measure(text: String) -> [(f64, f64); 4] {
    start();
    let source = wfc_language::span::SourceFile::new("bench.wf", text);
    let parsed = wfc_language::syntax::parse(&source.text);
    let parse = end();
    start();
    let checked = wfc_language::check::check_lean(parsed.file.as_ref().expect("parses").first());
    assert!(!checked.has_errors());
    let check = end();
    // As `wfc run` does: the tree goes before planning.
    drop(parsed);
    start();
    let p = plan::plan(
        &checked.ir,
        &ParamInput::default(),
        Options { jobs: Some(2) },
        &DefaultEstimator,
    )
    .expect("plans");
    let plan = end();
    let kept = end();
    drop((p, checked, source));
    [parse, check, plan, kept]
}
