//! `on failure rollback` on Argo, exact: the main dag ends with
//! `wfc-rollback-order` (run when a required task failed, once every task
//! ended), which puts the compensations of the tasks that started in
//! reverse order of completion, and `wfc-rollback`, one `steps` group per
//! place. The YAML is pinned and validated; the order script is run for
//! real with the statuses and times Argo would pass.

use super::{export, validate};
use crate::workflow;
use std::process::Command;

const SAGA: &str = r#"workflow saga {
  step reserve: shell {
    run "reserve"
    on failure rollback { step release: shell { run "release" } }
  }
  for each region in ["eu", "us"] {
    step ship: shell {
      run "ship ${region}"
      depends on reserve
      on failure rollback { step unship: shell { run "unship ${region}" } }
    }
  }
  step announce: shell { run "announce"  depends on ship }
  step lint: shell { run "lint"  optional }
}
"#;

#[test]
fn compensations_run_in_the_main_dag_in_reverse_order_of_completion() {
    let c = workflow(SAGA);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_rollback", yaml);
    for part in [
        "name: wfc-rollback-order",
        "depends: wfc-rollback-order.Succeeded",
        "value: '{{tasks.ship-eu.finishedAt}}'",
        "value: '{{tasks.wfc-rollback-order.outputs.parameters.ship-us}}'",
        "when: '{{inputs.parameters.reserve}} == 1'",
        "when: '{{inputs.parameters.ship-eu}} == 3'",
        "name: ship-us-rollback-2",
        "continueOn:\n          failed: true",
        // The outcome waits for the compensations and checks every required task.
        "(wfc-rollback.Succeeded || wfc-rollback.Skipped || wfc-rollback.Failed || wfc-rollback.Errored || wfc-rollback.Omitted)",
        "value: '{{tasks.announce.status}}'",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    // Run only when a required task failed: not `lint` (optional).
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let main = &doc["spec"]["templates"][0]["dag"]["tasks"];
    let order = main
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "wfc-rollback-order")
        .unwrap();
    let when = order["when"].as_str().unwrap();
    assert!(
        when.contains(
            "'{{tasks.announce.status}}' == 'Failed' || '{{tasks.announce.status}}' == 'Error'"
        ),
        "{when}"
    );
    assert!(!when.contains("lint"), "{when}");
    assert!(
        !yaml.contains("onExit"),
        "nothing left for the exit handler"
    );
    c.write("saga.yaml", &yaml);
    validate(&c, &["saga.yaml"]);
}

/// The order script with Argo's statuses and times: tasks that started
/// (succeeded, failed, errored) get places, latest first, ties in reverse
/// dependency order; the others 0.
#[test]
fn the_order_script_places_what_started_latest_first() {
    let c = workflow(SAGA);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let order = doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "wfc-rollback-order")
        .unwrap()
        .clone();
    let argv: Vec<String> = order["container"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    // NAME STATUS FINISHED RANK per compensated task, in plan order.
    let names: Vec<&str> = argv[4..].chunks(4).map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["reserve", "ship-eu", "ship-us"]);
    let ranks: Vec<&str> = argv[4..].chunks(4).map(|c| c[3].as_str()).collect();
    let t = |s: &str| format!("2025-01-01T10:00:{s}Z");
    for (statuses, expected) in [
        // reserve, then both ships; us ended last.
        (
            [
                ("Succeeded", t("01")),
                ("Succeeded", t("05")),
                ("Failed", t("07")),
            ],
            ["3", "2", "1"],
        ),
        // eu never started (omitted): no compensation.
        (
            [
                ("Succeeded", t("01")),
                ("Omitted", t("09")),
                ("Error", t("03")),
            ],
            ["2", "0", "1"],
        ),
        // Same second: the ships (deeper) before reserve, us (later in plan) first.
        (
            [
                ("Succeeded", t("01")),
                ("Succeeded", t("01")),
                ("Succeeded", t("01")),
            ],
            ["3", "2", "1"],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let script = argv[2].replace("/tmp/wf-outputs", &dir.path().display().to_string());
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script, "wfc-order"]);
        for (i, (status, at)) in statuses.iter().enumerate() {
            cmd.args([names[i], status, at.as_str(), ranks[i]]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let got: Vec<String> = names
            .iter()
            .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
            .collect();
        assert_eq!(got, expected, "{statuses:?}");
    }
}
