//! The bound on a plan's size (E0413, issue 51): loops unrolled over lists
//! that params give are counted before a step is built, nested loops
//! multiplied, so a small request asking for millions of steps is refused
//! at once; a plan of exactly the bound is still planned, and what the
//! count holds (steps an `if` leaves out, compensations, handlers, calls,
//! empty iterations) is what the plan holds.

use std::time::{Duration, Instant};

use wfc_language::analysis::analyze;
use wfc_language::diag::Diagnostic;
use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput, Plan};

/// The bound (E0237's too).
const MAX: usize = 50_000;

/// Plans the first workflow of `text` with params given as a params file.
fn plan_with(text: &str, params: serde_json::Value) -> Result<Plan, Vec<Diagnostic>> {
    let a = analyze("size.wf", text);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics());
    let wf = a.module.unwrap().into_first().ir;
    let input = ParamInput {
        file: Some(("params.json".into(), params.to_string())),
        ..ParamInput::default()
    };
    plan::plan_with_calls(wf, &input, Options { jobs: Some(2) }, &DefaultEstimator).map(|(p, _)| p)
}

/// The one E0413 of a refused plan, and how long it took.
fn refused(text: &str, params: serde_json::Value) -> (Diagnostic, Duration) {
    let t = Instant::now();
    let diags = plan_with(text, params).expect_err("refused");
    let took = t.elapsed();
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "E0413", "{diags:#?}");
    (diags.into_iter().next().unwrap(), took)
}

fn label(d: &Diagnostic) -> String {
    d.labels.iter().map(|l| l.message.as_str()).collect()
}

/// Every step the plan names: main, handlers, compensations, and the steps
/// it left out.
fn held(p: &Plan) -> usize {
    let rollbacks: usize = (p.main.steps.iter())
        .filter_map(|s| s.rollback.as_ref().map(|g| g.len()))
        .sum();
    let handlers: usize = p.handlers.iter().map(|h| h.graph.len()).sum();
    let pruned: usize = p.pruned.iter().map(|x| x.steps.len()).sum();
    p.main.len() + rollbacks + handlers + pruned
}

const LOOP: &str = r#"
workflow l {
  param items: list<int> = []
  for each i in items {
    step s: shell { run "echo ${i}" }
  }
}
"#;

#[test]
fn a_million_items_are_refused_at_once_with_the_count() {
    let items = vec![0; 1_000_000];
    let (d, took) = refused(LOOP, serde_json::json!({ "items": items }));
    assert!(
        d.message
            .contains("the plan would hold 1000000 steps, more than 50000"),
        "{}",
        d.message
    );
    assert!(
        label(&d).contains("1000000 items × 1 step each"),
        "{}",
        label(&d)
    );
    assert!(d.help.as_deref().unwrap_or("").contains("fewer items"));
    // Binding a million params is most of it; no step is built. (A bound
    // against building the plan, which takes minutes, not a measurement:
    // generous for a loaded machine.)
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn nested_loops_multiply_before_anything_is_built() {
    let text = r#"
workflow m {
  param a: list<string> = []
  param b: list<string> = []
  param c: list<string> = []
  for each x in a {
    for each y in b {
      for each z in c {
        step s: shell { run "echo ${x} ${y} ${z}" }
      }
    }
  }
}
"#;
    // ~1 KB of params asking for a million steps.
    let l: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    let t = Instant::now();
    let (d, _) = refused(text, serde_json::json!({"a": l, "b": l, "c": l}));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(d.message.contains("1000000 steps"), "{}", d.message);
    assert!(
        label(&d).contains("100 items × 10000 steps each"),
        "{}",
        label(&d)
    );
    // Empty loops nested in loops cost as much to walk: counted too.
    let empty = r#"
workflow e {
  param n: int = 0
  for each x in range(0, n) {
    for each y in range(0, n) {
    }
  }
  step s: shell { run "true" }
}
"#;
    let t = Instant::now();
    refused(empty, serde_json::json!({"n": 100_000}));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn a_plan_of_exactly_the_bound_is_planned() {
    let t = Instant::now();
    let p = plan_with(LOOP, serde_json::json!({ "items": vec![7; MAX] })).unwrap();
    assert_eq!(p.main.len(), MAX);
    eprintln!("planned {MAX} steps in {:?}", t.elapsed());
    let (d, _) = refused(LOOP, serde_json::json!({ "items": vec![7; MAX + 1] }));
    assert!(d.message.contains("50001 steps"), "{}", d.message);
}

/// A body whose `if` reads the item is counted item by item: the steps
/// left out count (the plan lists them), and the count stops once over.
#[test]
fn steps_an_if_leaves_out_count_and_item_by_item_counts_stop_early() {
    let text = r#"
workflow p {
  param items: list<int> = []
  for each i in items {
    if i % 2 == 0 {
      step even: shell { run "echo ${i}" }
    } else {
      step odd: shell { run "echo ${i}" }
    }
    step each: shell { run "echo ${i}" }
  }
}
"#;
    // Each iteration: a branch planned, the other named as left out, `each`.
    let n = MAX / 3;
    let items: Vec<i64> = (0..n as i64).collect();
    let p = plan_with(text, serde_json::json!({ "items": items })).unwrap();
    assert_eq!((held(&p), p.main.len()), (3 * n, 2 * n));
    let items: Vec<i64> = (0..n as i64 + 1).collect();
    refused(text, serde_json::json!({ "items": items }));
    let many: Vec<i64> = (0..2_000_000).collect();
    let t = Instant::now();
    let (d, _) = refused(text, serde_json::json!({ "items": many }));
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(
        d.message
            .contains("the plan would hold more than 50000 steps"),
        "{}",
        d.message
    );
    assert!(
        label(&d).contains("more than 50000 steps over 2000000 items"),
        "{}",
        label(&d)
    );
}

/// Compensations are planned per instance and handlers once: both count,
/// and so do calls inlined in a loop (each call's steps and its join).
#[test]
fn compensations_handlers_and_calls_count() {
    let text = r#"
workflow r {
  param items: list<int> = []
  for each i in items {
    step s: shell {
      run "echo ${i}"
      on failure rollback {
        step undo: shell { run "echo undo ${i}" }
      }
    }
  }
  on failure {
    step tell: shell { run "echo failed" }
  }
}
"#;
    let n = (MAX - 1) / 2;
    let p = plan_with(text, serde_json::json!({ "items": vec![1; n] })).unwrap();
    assert_eq!(held(&p), 2 * n + 1);
    refused(text, serde_json::json!({ "items": vec![1; n + 1] }));

    let calls = r#"
workflow caller {
  param items: list<int> = []
  for each i in items {
    step c: call callee { }
  }
}
workflow callee {
  step a: shell { run "true" }
  step b: shell { run "true" }
  step c: shell { run "true" }
  step d: shell { run "true" }
}
"#;
    // Four steps and the join a call.
    let p = plan_with(calls, serde_json::json!({ "items": vec![1; MAX / 5] })).unwrap();
    assert_eq!(held(&p), MAX);
    let (d, _) = refused(calls, serde_json::json!({ "items": vec![1; MAX / 5 + 1] }));
    assert!(label(&d).contains("× 5 steps each"), "{}", label(&d));
}

/// A loop over a list known only at run time is planned once, as a
/// template: it is not what the bound refuses.
#[test]
fn a_run_time_loop_is_planned_once() {
    let text = r#"
workflow t {
  step list: shell { run "echo [1,2,3]" }
  for each i in json(list.stdout) {
    step s: shell { run "echo ${i}" }
  }
}
"#;
    let p = plan_with(text, serde_json::json!({})).unwrap();
    assert_eq!(p.main.len(), 2);
}
