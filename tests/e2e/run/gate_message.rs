//! What a failed gate `check` says, through the whole `wfc run`: its
//! `message`, interpolated; without one, the value of each operand; a
//! secret operand masked, never shown.

use crate::workflow;

#[test]
fn a_failed_check_says_its_message_or_its_operands() {
    let c = workflow(
        r#"workflow transfer {
  param amount: int = 100
  secret pin: string = "4711-secret"
  step balance: shell { run "echo amount=60 >> $WF_OUTPUTS"  outputs { amount: int } }
  step count: shell { run "echo rows=6 >> $WF_OUTPUTS"  outputs { rows: int } }
  step funds_ok: gate {
    check balance.outputs.amount >= amount
    message "insufficient funds: ${balance.outputs.amount} < ${amount}"
    optional
  }
  step rows_ok: gate { check count.outputs.rows >= 1000 && amount > 0  optional }
  step pin_ok: gate { check pin == "0000" || count.outputs.rows > 10  optional }
  step limit_ok: gate { check amount < 50  message "over the limit: ${amount}"  optional }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 0, "{r}");
    let report = c.report();
    let errors: Vec<String> = ["funds_ok", "rows_ok", "pin_ok", "limit_ok"]
        .iter()
        .map(|name| {
            let s = report["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == *name)
                .unwrap_or_else(|| panic!("no {name} in {report:#}"));
            format!("{name}: {}", s["error"].as_str().unwrap_or("(none)"))
        })
        .collect();
    let text = errors.join("\n");
    assert!(!text.contains("4711"), "{text}");
    assert!(
        !r.stdout.contains("4711") && !r.stderr.contains("4711"),
        "{r}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_check_decided_when_planned_says_its_operands_too() {
    // Over params only: the plan decides it, and the run says why.
    let c = workflow(
        r#"workflow rows {
  param rows: int = 6
  param min_rows: int = 1000
  step enough: gate { check rows >= min_rows && rows > 0 }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let error = c.report()["steps"][0]["error"].as_str().unwrap().to_owned();
    assert_eq!(
        error,
        "the check is false: `rows >= min_rows` is false: `rows` is 6, `min_rows` is 1000 \
         (decided when the run was planned)"
    );
}

#[test]
fn a_check_of_several_parts_names_the_false_one_on_one_line() {
    let c = workflow(
        r#"workflow cov {
  step test: shell {
    run "echo coverage=71.5 >> $WF_OUTPUTS; echo failures=0 >> $WF_OUTPUTS"
    outputs { coverage: float, failures: int }
  }
  let covered = test.outputs.coverage >= 80.0
  step enough: gate {
    check test.outputs.failures == 0 && covered && test.outputs.coverage > 10.0
  }
}"#,
    );
    let r = c.wfc_run(&["--output", "report.json"]).output();
    assert_eq!(r.code, 1, "{r}");
    let report = c.report();
    let error = wfc_testkit::report_step(&report, "enough")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error,
        "the check is false: `covered` is false: `test.outputs.coverage` is 71.5"
    );
}

#[test]
fn run_started_is_to_the_millisecond() {
    // Whole seconds made `now() - run.started >= 1s` hold up to a second
    // early; the run must last at least the second it waits for.
    let c = workflow(
        r#"workflow t {
  step wait: shell {
    run "true"
    until now() - run.started >= 1s every 50ms within 10s
  }
}"#,
    );
    for _ in 0..2 {
        let started = std::time::Instant::now();
        c.wfc_run(&[]).success().output();
        let took = started.elapsed();
        assert!(took >= std::time::Duration::from_secs(1), "{took:?}");
    }
}
