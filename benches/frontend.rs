//! Front-end benchmark: parse + check of generated workflows.
//!
//! `cargo bench --bench frontend` prints, for 1,000 to 10,000 steps, the lines
//! of the file and the median / min time of parse and of parse+check, and the
//! time per step (linear growth shows as a flat per-step figure). Under
//! `cargo test` (no `--bench` flag) it runs once on a small workflow, as a smoke test.

use wfc_language::analysis::analyze;
use wfc_language::syntax::parse;
use wfc_testkit::{large_workflow, time_runs as time};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full {
        &[1_000, 2_500, 5_000, 10_000]
    } else {
        &[200]
    };
    let runs = if full { 7 } else { 1 };
    println!(
        "{:>7} {:>7} {:>12} {:>12} {:>12} {:>14}",
        "steps", "lines", "parse(med)", "check(med)", "check(min)", "µs/step(med)"
    );
    for &n in sizes {
        let text = large_workflow(n);
        let lines = text.lines().count();
        let (parse_med, _) = time(runs, || {
            let p = parse(&text);
            assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics.first());
        });
        let (check_med, check_min) = time(runs, || {
            let a = analyze("generated.wf", text.as_str());
            assert!(!a.has_errors(), "{:?}", a.diagnostics().first());
        });
        println!(
            "{:>7} {:>7} {:>10.1}ms {:>10.1}ms {:>10.1}ms {:>14.1}",
            n,
            lines,
            parse_med.as_secs_f64() * 1e3,
            check_med.as_secs_f64() * 1e3,
            check_min.as_secs_f64() * 1e3,
            check_med.as_secs_f64() * 1e6 / n as f64
        );
    }
}
