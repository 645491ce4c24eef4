//! `wfc run --executor slurm` against a real single-node Slurm cluster
//! (`scripts/start-slurm`): shell steps run as batch jobs in the DAG's
//! order under `--jobs`, a retry submits a new job, a timeout cancels the
//! job, declared outputs come back. Skipped with the reason when no
//! cluster can start (see `wfc_testkit::skip`); failing under CI=true.

use crate::workflow;
use std::path::Path;
use std::process::Command;
use wfc_testkit::{report_step, slurm_cluster, Case, Output};

macro_rules! cluster_or_skip {
    () => {
        if let Err(why) = slurm_cluster() {
            wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
            return;
        }
    };
}

/// `wfc run` on Slurm with the job directories in the case's `jobs/`.
pub(super) fn run_on_slurm(c: &Case, args: &[&str]) -> Output {
    c.wfc_run(&["--executor", "slurm", "--output", "report.json"])
        .args(args)
        .env("WFC_SLURM_DIR", c.path("jobs"))
        .output()
}

/// The run's id: the one folder under the case's `jobs/`.
pub(super) fn run_id(c: &Case) -> String {
    let mut runs = std::fs::read_dir(c.path("jobs"))
        .expect("the job directory exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
    let id = runs.next().expect("one run");
    assert!(runs.next().is_none(), "one run only");
    id
}

/// `(job name, state)` of every job Slurm still knows whose name starts
/// with `wfc-RUN-`, by job id.
pub(super) fn jobs_of(run: &str) -> Vec<(String, String)> {
    let out = Command::new("squeue")
        .args(["-h", "-t", "all", "-o", "%i|%j|%T"])
        .output()
        .expect("squeue runs");
    let prefix = format!("wfc-{run}-");
    let mut jobs: Vec<(u64, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split('|');
            let (id, name, state) = (f.next()?, f.next()?, f.next()?);
            if !name.starts_with(&prefix) {
                return None;
            }
            Some((id.trim().parse().ok()?, name.to_owned(), state.to_owned()))
        })
        .collect();
    jobs.sort();
    jobs.into_iter().map(|(_, n, s)| (n, s)).collect()
}

/// [`jobs_of`] once none of them is pending or running any more (at most
/// 10 s): wfc ends a step on its job's `exit` file, while Slurm may still
/// be completing the job.
pub(super) fn ended_jobs_of(run: &str) -> Vec<(String, String)> {
    let active = |s: &str| matches!(s, "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING");
    wfc_testkit::wait_until(std::time::Duration::from_secs(10), || {
        !jobs_of(run).iter().any(|(_, s)| active(s))
    });
    jobs_of(run)
}

/// `(start, end)` as written by a step into `t/NAME`.
fn span(dir: &Path, name: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(dir.join("t").join(name))
        .unwrap_or_else(|e| panic!("step {name} wrote no times: {e}"));
    let t: Vec<f64> = text
        .split_whitespace()
        .map(|w| w.parse().unwrap())
        .collect();
    (t[0], t[1])
}

pub(super) fn status(c: &Case, step: &str) -> String {
    report_step(&c.report(), step)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_dag_of_20_shell_steps_runs_as_jobs_in_order_and_within_jobs() {
    cluster_or_skip!();
    // root → m1..m18 → last; each step records its start and end.
    let timed = |name: &str| {
        format!("s=$(date +%s.%N); sleep 0.3; echo \\\"$s $(date +%s.%N)\\\" > t/{name}")
    };
    let mut text = String::from("workflow w {\n");
    text += &format!(
        "  step root: shell {{ run \"mkdir -p t; {}\" }}\n",
        timed("root")
    );
    let mids: Vec<String> = (1..=18).map(|i| format!("m{i}")).collect();
    for m in &mids {
        text += &format!(
            "  step {m}: shell {{ run \"{}\" depends on root }}\n",
            timed(m)
        );
    }
    text += &format!(
        "  step last: shell {{ run \"{}\" depends on {} }}\n}}\n",
        timed("last"),
        mids.join(", ")
    );
    let c = workflow(&text);
    let r = run_on_slurm(&c, &["--jobs", "3"]);
    assert_eq!(r.code, 0, "{r}");

    let jobs = ended_jobs_of(&run_id(&c));
    assert_eq!(jobs.len(), 20, "{jobs:?}");
    assert!(jobs.iter().all(|(_, s)| s == "COMPLETED"), "{jobs:?}");

    let root = span(c.dir(), "root");
    let last = span(c.dir(), "last");
    let spans: Vec<(f64, f64)> = mids.iter().map(|m| span(c.dir(), m)).collect();
    for (m, s) in mids.iter().zip(&spans) {
        assert!(s.0 >= root.1, "{m} started before root ended");
        assert!(last.0 >= s.1, "last started before {m} ended");
    }
    // At no step's start were more than 3 running (including it).
    let most = spans
        .iter()
        .map(|a| spans.iter().filter(|b| b.0 <= a.0 && a.0 < b.1).count())
        .max()
        .unwrap();
    assert!(most <= 3, "{most} steps ran at once under --jobs 3");
    assert!(most >= 2, "the steps never overlapped: {spans:?}");
}

#[test]
fn a_retry_submits_a_new_job_and_outputs_flow_back() {
    cluster_or_skip!();
    let c = workflow(
        r#"workflow w {
  step flaky: shell {
    run "if [ -e marker ]; then echo x=1 >> \"$WF_OUTPUTS\"; else touch marker; exit 3; fi"
    retry 1
    outputs { x: int }
  }
  step reader: shell { run "echo got ${flaky.outputs.x} > got" }
}"#,
    );
    let r = run_on_slurm(&c, &[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("got").trim(), "got 1");
    let jobs = ended_jobs_of(&run_id(&c));
    let flaky: Vec<&str> = jobs
        .iter()
        .filter(|(n, _)| n.ends_with("-flaky"))
        .map(|(_, s)| s.as_str())
        .collect();
    assert_eq!(flaky, ["FAILED", "COMPLETED"], "{jobs:?}");
    assert_eq!(report_step(&c.report(), "flaky")["attempts"], 2, "{r}");
}

#[test]
fn a_timeout_cancels_the_job_and_the_step_times_out() {
    cluster_or_skip!();
    let c = workflow(
        r#"workflow w {
  step slow: shell { run "sleep 60; touch finished" timeout 1s }
}"#,
    );
    let started = std::time::Instant::now();
    let r = run_on_slurm(&c, &[]);
    assert_eq!(r.code, 1, "{r}");
    // Well short of the step's 60 s, with room for a loaded machine's
    // submission and the up-to-10 s wait for the job to leave the queue.
    assert!(started.elapsed().as_secs() < 45, "{r}");
    assert_eq!(status(&c, "slow"), "timed_out", "{r}");
    // wfc waits for the job to leave the queue, up to 10 s; on a loaded
    // machine Slurm may take longer to complete the cancelled job (seen
    // under CI's load), so its final state is read within 30 s.
    let run = run_id(&c);
    let cancelled = |jobs: &[(String, String)]| {
        jobs.len() == 1 && matches!(jobs[0].1.as_str(), "CANCELLED" | "TIMEOUT")
    };
    wfc_testkit::wait_until(std::time::Duration::from_secs(30), || {
        cancelled(&jobs_of(&run))
    });
    let jobs = jobs_of(&run);
    assert!(cancelled(&jobs), "{jobs:?}");
    assert!(!c.path("finished").exists());
}

#[test]
fn a_secret_reaches_the_job_through_its_environment_only() {
    cluster_or_skip!();
    let c = workflow(
        r#"workflow w {
  secret tok: string = env("WFC_SLURM_TEST_TOKEN")
  step use: shell {
    run "echo token=$TOK; test \"$TOK\" = 'hush-7f3a; $(rm -rf x)'"
    env { TOK = tok }
  }
}"#,
    );
    let secret = "hush-7f3a; $(rm -rf x)";
    let r = c
        .wfc_run(&["--executor", "slurm", "--output", "report.json"])
        .env("WFC_SLURM_DIR", c.path("jobs"))
        .env("WFC_SLURM_TEST_TOKEN", secret)
        .output();
    // The job saw the value as it is (the `test` passed), not as code.
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("token=***"), "{r}");
    assert!(
        !r.stdout.contains("hush") && !r.stderr.contains("hush"),
        "{r}"
    );
    assert!(!c.read("report.json").contains("hush"));
    // The step printed the value: Slurm wrote it to the job's stdout file,
    // which wfc deletes once read; nothing left in the job's folder has it.
    let dir = c.path("jobs").join(run_id(&c)).join("use-1");
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("hush"), "{}: {text}", path.display());
    }
    assert!(dir.join("job.sh").exists());
}
