//! Plan benchmark: parse + check + plan of generated workflows.
//!
//! `cargo bench --bench plan` prints, for 1,000 to 10,000 steps, the planned
//! instances and edges, the median / min time of the front end (parse+check)
//! and of the whole `wfc plan` pipeline (front end + binding, compilation,
//! reduction, scheduling), and the time per instance+edge (a flat figure
//! means linear growth). A second table does the same for nested sequential
//! loops (2^levels iterations of two steps), the shape whose compilation was
//! once quadratic. A third does it for calls inlined by the plan: a chain of
//! workflows each calling the next (depth 100 and more is E0236, timed to
//! the error), then two calls per level (2^levels instances). Under `cargo
//! test` (no `--bench` flag) it runs once on a small workflow of each shape,
//! as a smoke test.

use wfc_language::analysis::analyze;
use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput};
use wfc_testkit::{large_workflow, nested_calls, nested_loops, time_runs as time};

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
    let chains: &[usize] = if full {
        &[16, 32, 64, 100, 200, 400]
    } else {
        &[8]
    };
    let fans: &[usize] = if full { &[9, 11, 13] } else { &[3] };
    println!("\nnested calls (chain: depth; fan: levels of 2 calls each)");
    println!(
        "{:>7} {:>9} {:>7} {:>13} {:>12} {:>12} {:>16}",
        "shape", "instances", "edges", "frontend(med)", "plan(med)", "plan(min)", "µs/(inst+edge)"
    );
    for &n in chains {
        call_row(&format!("chain{n}"), &nested_calls(n, 1), runs);
    }
    for &n in fans {
        call_row(&format!("fan{n}"), &nested_calls(n, 2), runs);
    }
}

/// [`row`] through `plan_with_calls`; a plan refused (E0236) shows its code.
fn call_row(label: &str, text: &str, runs: usize) {
    let (front_med, _) = time(runs, || {
        let a = analyze("generated.wf", text);
        assert!(!a.has_errors());
    });
    let mut shape = (0, 0);
    let mut refused = None;
    let (plan_med, plan_min) = time(runs, || {
        let a = analyze("generated.wf", text);
        let wf = a.module.as_ref().unwrap().first().ir.clone();
        match plan::plan_with_calls(
            wf,
            &ParamInput::default(),
            Options { jobs: Some(4) },
            &DefaultEstimator,
        ) {
            Ok((p, _)) => shape = (p.main.len(), p.main.edge_count()),
            Err(d) => refused = Some(d[0].code),
        }
    });
    let per = match refused {
        Some(code) => code.to_string(),
        None => format!(
            "{:.2}",
            plan_med.as_secs_f64() * 1e6 / (shape.0 + shape.1) as f64
        ),
    };
    println!(
        "{:>7} {:>9} {:>7} {:>11.1}ms {:>10.1}ms {:>10.1}ms {:>16}",
        label,
        shape.0,
        shape.1,
        front_med.as_secs_f64() * 1e3,
        plan_med.as_secs_f64() * 1e3,
        plan_min.as_secs_f64() * 1e3,
        per
    );
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
