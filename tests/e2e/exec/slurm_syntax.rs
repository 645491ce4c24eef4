//! `executor` and `resources` written in the file: on this machine `cpus`
//! takes that many of the run's concurrency slots; on a real Slurm cluster
//! (`scripts/start-slurm`) a step with `executor slurm { … }` runs as a job
//! with its resources, without any `--executor` flag.

use crate::workflow;
use wfc_testkit::{slurm_cluster, Case};

/// `(start, end)` as written by a step into `t/NAME`.
fn span(c: &Case, name: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(c.dir().join("t").join(name))
        .unwrap_or_else(|e| panic!("step {name} wrote no times: {e}"));
    let t: Vec<f64> = text
        .split_whitespace()
        .map(|w| w.parse().unwrap())
        .collect();
    (t[0], t[1])
}

/// Two steps asking for `cpus` under `concurrency 4`, run; whether they overlapped.
fn overlap_with_cpus(cpus: u32) -> bool {
    overlap_with_cpus_on(cpus, &[], "0.4")
}

/// [`overlap_with_cpus`] with `wfc run`'s `args` (job files in `jobs/`),
/// each step sleeping `secs`.
fn overlap_with_cpus_on(cpus: u32, args: &[&str], secs: &str) -> bool {
    let step = |name: &str| {
        format!(
            "  step {name}: shell {{\n    run \"mkdir -p t; s=$(date +%s.%N); sleep {secs}; echo \\\"$s $(date +%s.%N)\\\" > t/{name}\"\n    resources {{ cpus {cpus} }}\n  }}\n"
        )
    };
    let text = format!(
        "workflow w {{\n  concurrency 4\n{}{}}}\n",
        step("a"),
        step("b")
    );
    let c = workflow(&text);
    let r = c
        .wfc_run(args)
        .env("WFC_SLURM_DIR", c.path("jobs"))
        .output();
    assert_eq!(r.code, 0, "{r}");
    let (a, b) = (span(&c, "a"), span(&c, "b"));
    a.0 < b.1 && b.0 < a.1
}

#[test]
fn cpus_take_concurrency_slots_on_this_machine() {
    assert!(
        !overlap_with_cpus(3),
        "two `cpus 3` steps overlapped under `concurrency 4`"
    );
    assert!(
        overlap_with_cpus(2),
        "two `cpus 2` steps did not overlap under `concurrency 4`"
    );
}

#[test]
fn under_executor_slurm_cpus_take_one_slot_here() {
    if let Err(why) = slurm_cluster() {
        wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
        return;
    }
    // Each job holds its 3 CPUs on the cluster (8 there), not 3 of the
    // run's 4 slots: both run at once (3 s each, as Slurm starts jobs on
    // its scheduling passes, not at once).
    assert!(
        overlap_with_cpus_on(3, &["--executor", "slurm"], "3"),
        "two `cpus 3` jobs did not overlap under `concurrency 4`"
    );
}

#[test]
fn a_step_the_file_sends_to_slurm_runs_as_a_job_with_its_resources() {
    if let Err(why) = slurm_cluster() {
        wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
        return;
    }
    let c = workflow(
        r#"workflow w {
  step job: shell {
    run "echo $SLURM_JOB_ID $SLURM_CPUS_PER_TASK $SLURM_JOB_PARTITION > seen"
    executor slurm { partition "debug" }
    resources { cpus 2 time 5m }
  }
}
"#,
    );
    let r = c.wfc_run(&[]).env("WFC_SLURM_DIR", c.path("jobs")).output();
    assert_eq!(r.code, 0, "{r}");
    let seen = std::fs::read_to_string(c.dir().join("seen")).expect("the job wrote `seen`");
    let f: Vec<&str> = seen.split_whitespace().collect();
    // (`memory` is left out: the test cluster's node declares no memory,
    // so Slurm refuses any `--mem`; the unit tests of `options.rs` cover it.)
    assert!(f.len() == 3, "the job ran outside Slurm: `{seen}`");
    assert_eq!(&f[1..], ["2", "debug"], "job {}", f[0]);
    // Slurm's own record of the job: its time limit is 5 minutes.
    let out = std::process::Command::new("scontrol")
        .args(["show", "job", f[0]])
        .output()
        .expect("scontrol runs");
    let show = String::from_utf8_lossy(&out.stdout);
    assert!(show.contains("TimeLimit=00:05:00"), "{show}");
}
