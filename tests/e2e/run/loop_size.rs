//! A run-time loop is held to the plan's bound (E0413, #51): a step
//! printing 60,000 lines feeding a `for each` fails the loop at once,
//! before a copy is made, and the run ends failed; 100 items still run.

use crate::workflow;
use std::time::{Duration, Instant};
use wfc_testkit::Case;

fn lines(n: usize) -> Case {
    workflow(&format!(
        r#"workflow w {{
  step src: shell {{ run "seq 1 {n}" }}
  for each l in split(src.stdout, "\n") parallel 8 {{
    step work: shell {{ run "echo ${{l}} >> ran" }}
  }}
  step after: shell {{ run "echo after > after"  depends on work }}
}}"#
    ))
}

/// `wfc status last --format json`: (name, status, error) of each step.
fn steps(c: &Case) -> Vec<(String, String, String)> {
    let st = c
        .wfc(["status", "last", "--format", "json"])
        .success()
        .output()
        .json();
    assert_eq!(st["status"], "failed", "{st}");
    st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (f("name"), f("status"), f("error"))
        })
        .collect()
}

#[test]
fn a_run_time_loop_over_60000_lines_fails_fast_with_e0413() {
    let c = lines(60_000);
    let t = Instant::now();
    // Recorded, for `wfc status` to read back.
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    // Unrolled, the loop took over a minute (debug build) and 60,000 steps.
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert_eq!(r.code, 1, "{r}");
    assert!(!c.path("ran").exists(), "an iteration ran");
    assert!(!c.path("after").exists(), "`after` ran");
    let steps = steps(&c);
    let work = steps.iter().find(|s| s.0 == "work[*]").expect("work[*]");
    assert_eq!(work.1, "failed", "{steps:?}");
    for part in [
        "E0413",
        r#"`for each l in split(src.stdout, "\n")`"#,
        "60000 items",
        "more than 50000",
    ] {
        assert!(work.2.contains(part), "{part}: {}", work.2);
    }
    // Nothing but the step that printed the list is reported succeeded.
    let ok: Vec<&str> = steps
        .iter()
        .filter(|s| s.1 == "succeeded")
        .map(|s| s.0.as_str())
        .collect();
    assert_eq!(ok, ["src"], "{steps:?}");
    assert!(steps
        .iter()
        .all(|s| !s.0.starts_with("work[") || s.0 == "work[*]"));
}

#[test]
fn a_run_time_loop_over_100_lines_still_runs() {
    let c = lines(100);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    let mut ran: Vec<usize> = c.lines("ran").iter().map(|l| l.parse().unwrap()).collect();
    ran.sort();
    assert_eq!(ran, (1..=100).collect::<Vec<_>>());
    assert_eq!(c.lines("after"), ["after"]);
}
