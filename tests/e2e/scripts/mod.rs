//! `python` and `node` steps through the real `wfc` binary with the real
//! interpreters: values arrive typed, `result` and typed outputs feed later
//! steps and loops, failures, timeouts, retries, secrets, `file` steps,
//! installed packages and Slurm.

mod files;
mod hostile;
mod packages;
mod runs;
mod slurm;

use wfc_testkit::Case;

/// The outputs of `step` in the case's `report.json`.
fn outputs(c: &Case, step: &str) -> serde_json::Value {
    wfc_testkit::report_step(&c.report(), step)["outputs"].clone()
}

/// The status and error of `step` in the case's `report.json`.
fn ended(c: &Case, step: &str) -> (String, String) {
    let s = wfc_testkit::report_step(&c.report(), step);
    let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
    (text("status"), text("error"))
}
