//! `for each … batch N` through the whole `wfc run`: real processes write
//! when each iteration started and ended; no iteration of a batch starts
//! before every iteration of the batch before has ended, for a list known
//! at plan time and for one a step writes. A failed iteration stops the
//! batches after it, unless `max failures` lets it pass.

use crate::workflow;

/// `(item, start, end)` of each iteration, from `times` lines `ITEM
/// start|end NANOS`.
fn spans(text: &str) -> Vec<(String, u128, u128)> {
    let mut out: Vec<(String, u128, u128)> = Vec::new();
    for line in text.lines() {
        let [item, what, at] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            panic!("bad line {line:?}");
        };
        let at: u128 = at.parse().unwrap();
        match out.iter_mut().find(|(i, ..)| i == item) {
            Some(s) if what == "end" => s.2 = at,
            Some(_) => panic!("{item} started twice"),
            None => out.push((item.to_owned(), at, 0)),
        }
    }
    out
}

/// Every iteration of batch k+1 (items in order, `size` a batch) started
/// after every iteration of batch k ended.
fn assert_batched(text: &str, items: &[&str], size: usize) {
    let spans = spans(text);
    let of = |item: &str| {
        spans
            .iter()
            .find(|(i, ..)| i == item)
            .unwrap_or_else(|| panic!("{item} never ran: {text}"))
            .clone()
    };
    let batches: Vec<&[&str]> = items.chunks(size).collect();
    for w in batches.windows(2) {
        let ended = w[0].iter().map(|i| of(i).2).max().unwrap();
        let started = w[1].iter().map(|i| of(i).1).min().unwrap();
        assert!(
            started >= ended,
            "{:?} started before {:?} ended: {text}",
            w[1],
            w[0]
        );
    }
}

const BODY: &str = r#"step work: shell { run "echo ${h} start $(date +%s%N) >> times; sleep 0.3; echo ${h} end $(date +%s%N) >> times" }"#;

#[test]
fn batches_run_one_after_another_at_plan_and_at_run_time() {
    let items = ["a", "b", "c", "d", "e"];
    let c = workflow(&format!(
        r#"workflow roll {{
  param hosts: list<string> = ["a", "b", "c", "d", "e"]
  for each h in hosts batch 2 {{
    {BODY}
  }}
}}"#
    ));
    let plan = c
        .wfc(["plan", "w.wf", "--format", "json"])
        .success()
        .output()
        .json();
    let group = plan["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "for_each")
        .unwrap()
        .clone();
    assert_eq!(group["batch"], 2, "{group:#}");
    c.wfc(["plan", "w.wf"])
        .success()
        .stdout_has("in batches of 2, each after the one before ended")
        .stdout_has("after work[a], work[b]")
        .output();
    c.wfc_run(&[]).success().output();
    assert_batched(&c.read("times"), &items, 2);

    let c = workflow(&format!(
        r#"workflow roll {{
  step list: shell {{
    run "echo 'hosts=[\"a\",\"b\",\"c\",\"d\",\"e\"]' >> $WF_OUTPUTS"
    outputs {{ hosts: list<string> }}
  }}
  for each h in list.outputs.hosts batch 3 {{
    {BODY}
  }}
}}"#
    ));
    c.wfc_run(&[]).success().output();
    assert_batched(&c.read("times"), &items, 3);
}

#[test]
fn a_failed_iteration_stops_the_batches_after_it() {
    let c = workflow(
        r#"workflow roll {
  param hosts: list<string> = ["a", "b", "c", "d"]
  for each h in hosts batch 2 {
    step work: shell { run "echo ${h} >> ran; sleep 0.2; test ${h} != b" }
  }
}"#,
    );
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    let mut ran = c.lines("ran");
    ran.sort();
    assert_eq!(ran, ["a", "b"], "{r}");
}

/// `max failures 1`: the first failed iteration is let pass (optional),
/// the loop and a step `after` it go on, the run succeeds; with two
/// failed, the second fails the run and stops the batches after it.
#[test]
fn max_failures_lets_failed_iterations_pass_up_to_its_bound() {
    let wf = |failing: &str, max: &str| {
        format!(
            r#"workflow roll {{
  step list: shell {{
    run "echo 'hosts=[\"a\",\"b\",\"c\",\"d\",\"e\"]' >> $WF_OUTPUTS"
    outputs {{ hosts: list<string> }}
  }}
  for each h in list.outputs.hosts batch 2 max failures {max} {{
    step up: shell {{ run "echo ${{h}} >> ran; case ${{h}} in {failing}) exit 3;; esac" }}
    step check: shell {{
      run "echo ${{h}} >> checked"
      depends on up
    }}
  }}
  step report: shell {{
    run "echo done > report"
    after check
  }}
}}"#
        )
    };
    let c = workflow(&wf("b", "1"));
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.lines("ran").len(), 5, "{r}");
    let mut checked = c.lines("checked");
    checked.sort();
    assert_eq!(checked, ["a", "c", "d", "e"], "{r}");
    assert_eq!(c.lines("report"), ["done"]);
    let report = c.report();
    let up_b = wfc_testkit::report_step(&report, "up[b]");
    assert_eq!(up_b["status"], "failed", "{up_b:#}");
    assert!(
        up_b["error"]
            .as_str()
            .unwrap()
            .contains("let pass: failed iteration 1 of the 1 `max failures 1` allows"),
        "{up_b:#}"
    );
    assert!(r.stdout.contains("1 optional step failed"), "{r}");

    // Two failed in the second batch: the second fails the run, no third batch.
    let c = workflow(&wf("c|d", "1"));
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 1, "{r}");
    let mut ran = c.lines("ran");
    ran.sort();
    assert_eq!(ran, ["a", "b", "c", "d"], "{r}");

    // 40% of 5 iterations: two let pass.
    let c = workflow(&wf("a|e", "40%"));
    let r = c.wfc_run(&[]).output();
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("2 optional steps failed"), "{r}");
}
