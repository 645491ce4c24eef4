//! `for each … batch N` in the exports: a loop unrolled at export keeps its
//! barriers as `needs` (GitHub) and `depends` (Argo), never folded into a
//! matrix or `withItems` that would start the next item as soon as any
//! ends; a loop over a run-time list is refused, or approximated.

use crate::workflow;
use serde_json::Value as Json;

#[test]
fn unrolled_batches_keep_their_barriers_and_run_time_ones_are_refused() {
    let c = workflow(
        r#"workflow roll {
  param hosts: list<string> = ["a", "b", "c"]
  for each h in hosts batch 2 {
    step up: shell { run "./up ${h}" }
  }
}"#,
    );
    let gh = c.wfc(["export", "github-actions", "w.wf"]).output();
    assert_eq!(gh.code, 0, "{gh}");
    let doc: Json = serde_norway::from_str(&gh.stdout).unwrap();
    let jobs = &doc["jobs"];
    assert!(jobs["up-a"]["strategy"].is_null(), "{gh}");
    assert_eq!(
        jobs["up-c"]["needs"],
        serde_json::json!(["up-a", "up-b"]),
        "{gh}"
    );
    assert!(jobs["up-b"]["needs"].is_null(), "{gh}");
    let argo = c
        .wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .output();
    assert_eq!(argo.code, 0, "{argo}");
    assert!(argo.stdout.contains("depends: up-a && up-b"), "{argo}");
    assert!(!argo.stdout.contains("withItems"), "{argo}");

    let c = workflow(
        r#"workflow roll {
  step list: shell {
    run "echo 'hosts=[\"a\",\"b\"]' >> $WF_OUTPUTS"
    outputs { hosts: list<string> }
  }
  for each h in list.outputs.hosts batch 2 {
    step up: shell { run "./up ${h}" }
  }
}"#,
    );
    c.wfc(["export", "github-actions", "w.wf"])
        .status(3)
        .stderr_has("E0738")
        .stderr_has("`batch` of the loop over `h` (a list known only at run time)")
        .output();
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0721")
        .output();
    c.wfc(["export", "github-actions", "w.wf", "--approximate"])
        .success()
        .stderr_has("approximated")
        .output();
}

#[test]
fn max_failures_is_refused_or_approximated_by_both_exports() {
    let c = workflow(
        r#"workflow roll {
  param hosts: list<string> = ["a", "b", "c"]
  for each h in hosts max failures 1 {
    step up: shell { run "./up ${h}" }
  }
}"#,
    );
    c.wfc(["export", "github-actions", "w.wf"])
        .status(3)
        .stderr_has("E0738")
        .stderr_has("`max failures` of the loop over `h`")
        .output();
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0721")
        .output();
    c.wfc([
        "export",
        "argo",
        "w.wf",
        "--image",
        "alpine:3.20",
        "--approximate",
    ])
    .success()
    .stderr_has("the first failed iteration fails the run")
    .output();
}
