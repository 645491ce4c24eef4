//! A handler reading the main graph's outputs: the main task's output
//! parameters a handler reads get a `globalName`, and the handler's tasks
//! read `{{workflow.outputs.parameters.…}}` as arguments (an exit
//! handler's dag cannot read the main dag's `{{tasks.…}}`). Pinned and
//! validated; the handler's jq program run with `jq`.

use super::runtime::run_computed;
use super::{export, validate};
use crate::workflow;
use std::process::Command;

const HANDLERS: &str = r#"workflow w {
  step build: shell {
    run "echo size=3 >> \"$WF_OUTPUTS\"; echo tag=v1 >> \"$WF_OUTPUTS\""
    outputs { size: int, tag: string }
  }
  step probe: http { get "http://localhost:1/health"  expect [200, 503] }
  on success {
    step report: shell { run "echo built ${build.outputs.size} (${probe.status_code})" }
  }
  finally {
    step total: shell { run "echo ${default(build.outputs.size, 0) * 2}" }
  }
}
"#;

#[test]
fn handlers_read_the_main_graphs_outputs_as_global_parameters() {
    let c = workflow(HANDLERS);
    let yaml = export(&c, &["w.wf", "--image", "alpine:3.20"]);
    insta::assert_snapshot!("export_argo_globals", yaml);
    for part in [
        "globalName: wfc-build_size\n        name: size",
        "globalName: wfc-probe_wfc-status-code\n        name: wfc-status-code",
        "value: '{{workflow.outputs.parameters.wfc-build_size}}'",
        "value: '{{workflow.outputs.parameters.wfc-probe_wfc-status-code}}'",
    ] {
        assert!(yaml.contains(part), "missing {part:?} in:\n{yaml}");
    }
    // Only what a handler reads is global: Argo keeps it in the status.
    assert!(!yaml.contains("wfc-build_tag"), "{yaml}");
    assert!(!yaml.contains("wfc-probe_wfc-body"), "{yaml}");
    c.write("w.yaml", &yaml);
    validate(&c, &["w.yaml"]);
    if Command::new("jq").arg("--version").output().is_err() {
        return wfc_testkit::skip("jq is not installed (scripts/install-test-deps)");
    }
    assert_eq!(run_computed(&yaml, "total-v1", &[("wf-in-1", "3")]), "6");
}

/// A main step that is not one task (an unrolled loop's) has no global
/// parameter of its own: still refused, with the place.
#[test]
fn a_handler_reading_a_loops_step_is_refused() {
    let c = workflow(
        r#"workflow w {
  for each r in ["a", "b"] {
    step build: shell {
      run "echo size=1 >> \"$WF_OUTPUTS\""
      outputs { size: int }
    }
  }
  on success {
    step report: shell { run "echo ${build.outputs.size}" }
  }
}
"#,
    );
    c.wfc(["export", "argo", "w.wf", "--image", "alpine:3.20"])
        .status(3)
        .stderr_has("E0722")
        .stderr_has("w.wf:9")
        .output();
}
