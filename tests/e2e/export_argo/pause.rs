//! `on fail pause` of a check gate on Argo: the gate's task is a `suspend`
//! whose `when` is the check being false. A check that held skips it, an
//! `argo resume` makes it succeed; either way its dependants (`depends:
//! GATE`, Succeeded or Skipped) go on, and `passed` reads true, as after
//! `wfc approve`. Pinned and validated against Argo's schema.

use super::{export, validate};
use crate::case;

#[test]
fn a_pausing_gate_is_a_suspend_run_when_the_check_fails() {
    let c = case();
    c.write(
        "pause.wf",
        r#"workflow release {
  step test: shell {
    run "echo coverage=87.5 >> \"$WF_OUTPUTS\""
    outputs { coverage: float }
  }
  step coverage_ok: gate {
    check test.outputs.coverage >= 80.0
    on fail pause
  }
  step ship: shell { run "ship"  depends on coverage_ok }
  step note: shell { run "echo passed=${coverage_ok.passed}" }
}
"#,
    );
    let yaml = export(&c, &["pause.wf", "--image", "alpine:3.20"]);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    let templates = doc["spec"]["templates"].as_array().unwrap();
    let template = |name: &str| templates.iter().find(|t| t["name"] == name).unwrap();
    assert_eq!(template("coverage-ok")["suspend"], serde_json::json!({}));
    let dag = template("main")["dag"]["tasks"].as_array().unwrap();
    let task = |name: &str| dag.iter().find(|t| t["name"] == name).unwrap();
    let when = task("coverage-ok")["when"].as_str().unwrap();
    assert!(when.starts_with("!("), "{when}");
    assert!(task("coverage-ok").get("continueOn").is_none());
    assert_eq!(task("ship")["depends"], "coverage-ok");
    insta::assert_snapshot!("export_argo_pause", yaml);
    c.write("pause.yaml", &yaml);
    validate(&c, &["pause.yaml"]);
}
