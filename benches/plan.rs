//! Plan benchmark: parse + check + plan of generated workflows.
//!
//! `cargo bench --bench plan` prints, for 1,000 to 10,000 steps, the planned
//! instances and edges, the median / min time of the front end (parse+check)
//! and of the whole `wfc plan` pipeline (front end + binding, compilation,
//! reduction, scheduling), and the time per instance+edge (a flat figure
//! means linear growth). A second table does the same for nested sequential
//! loops (2^levels iterations of two steps), the shape whose compilation was
//! once quadratic. Under `cargo test` (no `--bench` flag) it runs once on a
//! small workflow of each shape, as a smoke test.

use wfc_language::analysis::analyze;
use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput};
use wfc_testkit::{large_workflow, nested_loops, time_runs as time};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 7 } else { 1 };
    let sizes: &[usize] = if full {
        &[1_000, 2_500, 5_000, 10_000]
    } else {
        &[200]
    };
    println!(
        "{:>7} {:>9} {:>7} {:>13} {:>12} {:>12} {:>16}",
        "steps", "instances", "edges", "frontend(med)", "plan(med)", "plan(min)", "µs/(inst+edge)"
    );
    for &n in sizes {
        row(&n.to_string(), &large_workflow(n), runs);
    }
    let levels: &[usize] = if full { &[9, 10, 11, 12, 13] } else { &[4] };
    println!("\nnested sequential loops");
    println!(
        "{:>7} {:>9} {:>7} {:>13} {:>12} {:>12} {:>16}",
        "levels", "instances", "edges", "frontend(med)", "plan(med)", "plan(min)", "µs/(inst+edge)"
    );
    for &n in levels {
        row(&n.to_string(), &nested_loops(n), runs);
    }
}

fn row(label: &str, text: &str, runs: usize) {
    let (front_med, _) = time(runs, || {
        let a = analyze("generated.wf", text);
        assert!(!a.has_errors());
    });
    let mut shape = (0, 0);
    let (plan_med, plan_min) = time(runs, || {
        let a = analyze("generated.wf", text);
        let wf = &a.module.as_ref().unwrap().first().ir;
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
        label,
        shape.0,
        shape.1,
        front_med.as_secs_f64() * 1e3,
        plan_med.as_secs_f64() * 1e3,
        plan_min.as_secs_f64() * 1e3,
        plan_med.as_secs_f64() * 1e6 / (shape.0 + shape.1) as f64
    );
}
