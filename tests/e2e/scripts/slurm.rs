//! A `python` step as a Slurm batch job (`--executor slurm`).

use super::outputs;
use crate::workflow;

#[test]
fn a_python_step_runs_as_a_slurm_job() {
    if let Err(why) = wfc_testkit::slurm_cluster() {
        wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
        return;
    }
    let c = workflow(
        r#"workflow w {
  param n: int = 4
  step py: python {
    script """
import json, os
print("on", os.environ.get("SLURM_JOB_ID") is not None)
json.dump({"total": sum(range(${n}))}, open(os.environ["WF_RESULT"], "w"))
"""
    args ["x y"]
    outputs { total: int }
  }
  step after: shell { run "echo ${py.outputs.total} > total.txt" }
}
"#,
    );
    let r = c
        .wfc_run(&["--executor", "slurm", "-o", "report.json"])
        .env("WFC_SLURM_DIR", c.path("jobs"))
        .output();
    assert_eq!(r.code, 0, "{r}");
    let py = outputs(&c, "py");
    assert_eq!(py["stdout"], "on True");
    assert!(py["slurm_job_id"].is_string(), "{py}");
    assert_eq!(c.read("total.txt").trim(), "6");
}
