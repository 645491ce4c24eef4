//! Properties of plans of random DAGs: the critical path, the schedule and
//! the transitive reduction against brute force.

use proptest::prelude::*;
use wfc_language::analysis::analyze;
use wfc_plan::{self as plan, DefaultEstimator, Options, ParamInput};

/// A workflow whose step `i` depends on some earlier steps, with estimates.
fn random_dag() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<u64>, usize)> {
    (1usize..24).prop_flat_map(|n| {
        let deps = (0..n)
            .map(|i| proptest::sample::subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(4)))
            .collect::<Vec<_>>();
        (deps, proptest::collection::vec(0u64..120, n), 1usize..5)
    })
}

fn dag_source(deps: &[Vec<usize>], est: &[u64]) -> String {
    let mut s = String::from("workflow dag {\n");
    for (i, ds) in deps.iter().enumerate() {
        s.push_str(&format!(
            "  step s{i}: shell {{\n    run \"true\"\n    estimate {}s\n",
            est[i]
        ));
        if !ds.is_empty() {
            let names: Vec<String> = ds.iter().map(|d| format!("s{d}")).collect();
            s.push_str(&format!("    depends on {}\n", names.join(", ")));
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

fn reach(deps: &[Vec<usize>]) -> Vec<Vec<bool>> {
    let n = deps.len();
    let mut r = vec![vec![false; n]; n];
    for v in 0..n {
        let mut stack = deps[v].clone();
        while let Some(x) = stack.pop() {
            if !r[v][x] {
                r[v][x] = true;
                stack.extend(deps[x].iter().copied());
            }
        }
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn schedule_properties((deps, est, jobs) in random_dag()) {
        let text = dag_source(&deps, &est);
        let a = analyze("dag.wf", text);
        prop_assert!(!a.has_errors());
        let wf = a.module.unwrap().into_first().ir;
        let p = plan::plan(&wf, &ParamInput::default(), Options { jobs: Some(jobs) }, &DefaultEstimator).unwrap();
        let g = &p.main;
        let s = &p.schedule;
        let ms: Vec<u64> = est.iter().map(|e| e * 1000).collect();
        // Instances are in source order, so index i is step s{i}.
        let reduced = g.deps();
        // Reduction keeps reachability and leaves no redundant edge.
        let (r0, r1) = (reach(&deps), reach(&reduced));
        prop_assert_eq!(&r0, &r1);
        for (v, ds) in reduced.iter().enumerate() {
            for &d in ds {
                prop_assert!(!ds.iter().any(|&o| o != d && r0[o][d]), "edge s{} -> s{} is redundant", v, d);
            }
        }
        // The critical path is a real path from a root to a sink…
        let cp = &s.critical_path;
        prop_assert!(!cp.is_empty());
        prop_assert!(reduced[cp[0]].is_empty());
        for w in cp.windows(2) {
            prop_assert!(reduced[w[1]].contains(&w[0]));
        }
        prop_assert!(!reduced.iter().any(|ds| ds.contains(cp.last().unwrap())));
        prop_assert_eq!(cp.iter().map(|&i| ms[i]).sum::<u64>(), s.critical_ms);
        // …and no path is longer (longest path by DP over the original edges).
        let mut longest = vec![0u64; deps.len()];
        for v in 0..deps.len() {
            longest[v] = ms[v] + deps[v].iter().map(|&d| longest[d]).max().unwrap_or(0);
        }
        prop_assert_eq!(s.critical_ms, longest.iter().copied().max().unwrap_or(0));
        // Totals.
        prop_assert!(s.lower_bound_ms <= s.total_ms, "{} > {}", s.lower_bound_ms, s.total_ms);
        prop_assert!(s.total_ms <= s.serial_ms);
        prop_assert_eq!(s.serial_ms, ms.iter().sum::<u64>());
        if jobs == 1 {
            prop_assert_eq!(s.total_ms, s.serial_ms);
        }
        // The simulated schedule respects every dependency and the worker count.
        for (v, ds) in deps.iter().enumerate() {
            for &d in ds {
                prop_assert!(s.start_ms[v] >= s.start_ms[d] + ms[d]);
            }
        }
        let mut events: Vec<(u64, i32)> = Vec::new();
        for (v, &d) in ms.iter().enumerate() {
            if d > 0 {
                events.push((s.start_ms[v], 1));
                events.push((s.start_ms[v] + d, -1));
            }
        }
        events.sort();
        let mut running = 0;
        for (_, d) in events {
            running += d;
            prop_assert!(running <= jobs as i32);
        }
    }
}
