//! Plan benchmark: parse + check + plan of generated workflows.
//!
//! `cargo bench --bench plan` prints, for 1,000 to 10,000 steps, the planned
//! instances and edges, the median / min time of the front end (parse+check)
//! and of the whole `wfc plan` pipeline (front end + binding, compilation,
//! reduction, scheduling), and the time per instance+edge (a flat figure
//! means linear growth). Under `cargo test` (no `--bench` flag) it runs once
//! on a small workflow, as a smoke test.

use wfc::analysis::analyze;
use wfc::plan::{self, DefaultEstimator, Options, ParamInput};
use wfc::testing::{large_workflow, time_runs as time};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full {
        &[1_000, 2_500, 5_000, 10_000]
    } else {
        &[200]
    };
    let runs = if full { 7 } else { 1 };
    println!(
        "{:>7} {:>9} {:>7} {:>13} {:>12} {:>12} {:>16}",
        "steps", "instances", "edges", "frontend(med)", "plan(med)", "plan(min)", "µs/(inst+edge)"
    );
    for &n in sizes {
        let text = large_workflow(n);
        let (front_med, _) = time(runs, || {
            let a = analyze("generated.wf", text.as_str());
            assert!(!a.has_errors());
        });
        let mut shape = (0, 0);
        let (plan_med, plan_min) = time(runs, || {
            let a = analyze("generated.wf", text.as_str());
            let wf = &a.checked.as_ref().unwrap().ir;
            let p = plan::plan(
                wf,
                &ParamInput::default(),
                Options { jobs: Some(4) },
                &DefaultEstimator,
            )
            .expect("plans");
            shape = (p.main.len(), p.main.edge_count());
        });
        println!(
            "{:>7} {:>9} {:>7} {:>11.1}ms {:>10.1}ms {:>10.1}ms {:>16.2}",
            n,
            shape.0,
            shape.1,
            front_med.as_secs_f64() * 1e3,
            plan_med.as_secs_f64() * 1e3,
            plan_min.as_secs_f64() * 1e3,
            plan_med.as_secs_f64() * 1e6 / (shape.0 + shape.1) as f64
        );
    }
}
