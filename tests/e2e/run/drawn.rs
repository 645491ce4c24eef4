//! `uuid()` and `random_int(a, b)` (issue 73): random per run, the same for
//! a step's every attempt and after `wfc resume`; a `let` holding one is
//! one value for every step that reads it, a call in a loop's step one per
//! iteration.

use crate::workflow;

const DRAWN: &str = r#"workflow u {
  let key = uuid()
  step a: shell {
    run "echo a ${key} ${uuid()} ${random_int(1, 6)} >> seen; test -e go"
    retry 1
  }
  for each r in ["eu", "us"] {
    step b: shell { run "echo b ${key} ${uuid()} ${random_int(-3, -3)} >> seen" }
  }
}"#;

fn seen(c: &wfc_testkit::Case) -> Vec<Vec<String>> {
    c.lines("seen")
        .iter()
        .map(|l| l.split(' ').map(str::to_owned).collect())
        .collect()
}

/// `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`, lower-case hex.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let hex = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| hex(p))
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

#[test]
fn drawn_values_hold_across_attempts_and_resume_and_differ_per_run() {
    let c = workflow(DRAWN);
    std::fs::create_dir(c.path(".wfc")).unwrap();
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 1, "{r}");
    c.write("go", "");
    let r = c.wfc(["resume", "last", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    let lines = seen(&c);
    let a: Vec<&Vec<String>> = lines.iter().filter(|l| l[0] == "a").collect();
    let b: Vec<&Vec<String>> = lines.iter().filter(|l| l[0] == "b").collect();
    // Two attempts in the first session, one after the resume: the same.
    assert_eq!(a.len(), 3, "{lines:?}");
    assert!(a.iter().all(|l| *l == a[0]), "{lines:?}");
    assert!(is_uuid(&a[0][1]) && is_uuid(&a[0][2]), "{lines:?}");
    let n: i64 = a[0][3].parse().unwrap();
    assert!((1..=6).contains(&n), "{lines:?}");
    // The let is one value; the step's own call one per iteration.
    assert_eq!(b.len(), 2, "{lines:?}");
    assert!(b.iter().all(|l| l[1] == a[0][1]), "{lines:?}");
    assert_ne!(b[0][2], b[1][2], "{lines:?}");
    assert!(b.iter().all(|l| l[3] == "-3"), "{lines:?}");

    // Another run draws anew.
    std::fs::remove_file(c.path("seen")).unwrap();
    let r = c.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_ne!(seen(&c)[0][1], a[0][1]);
}

#[test]
fn a_random_int_with_its_bounds_crossed_is_an_error_where_they_are_known() {
    // From params: the plan says so, before anything runs.
    let c = workflow(
        r#"workflow u {
          param lo: int = 5
          step a: shell { run "echo ${random_int(lo, 1)}" }
        }"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("E0407"), "{r}");
    assert!(
        r.all()
            .contains("`random_int(5, 1)`: the first bound is above the second"),
        "{r}"
    );
    // From a step's output: that step fails, saying so.
    let c = workflow(
        r#"workflow u {
          step n: shell { run "echo 5" }
          step a: shell { run "echo ${random_int(int(trim(n.stdout)), 1)}" }
        }"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.all()
            .contains("`random_int(5, 1)`: the first bound is above the second"),
        "{r}"
    );
}
