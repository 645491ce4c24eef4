//! The Slurm executor's runtime against a real cluster: `wfc resume`
//! after a `kill -9` of wfc follows the jobs still running instead of
//! submitting them again, and a `wait any` loser's job is cancelled.
//! Skipped with the reason when no cluster can start (failing under CI).

use super::slurm::{ended_jobs_of, jobs_of, run_id, run_on_slurm, status};
use crate::store::{wait_for, Env};
use crate::workflow;
use std::time::{Duration, Instant};
use wfc_testkit::slurm_cluster;

macro_rules! cluster_or_skip {
    () => {
        if let Err(why) = slurm_cluster() {
            wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
            return;
        }
    };
}

const THREE_THEN_LAST: &str = r#"workflow w {
  param dir: string
  step a: shell { run "sleep 4; echo a >> ${dir}/count/a; echo v=1 >> \"$WF_OUTPUTS\"" outputs { v: int } }
  step b: shell { run "sleep 4; echo b >> ${dir}/count/b; echo v=2 >> \"$WF_OUTPUTS\"" outputs { v: int } }
  step c: shell { run "sleep 4; echo c >> ${dir}/count/c; echo v=3 >> \"$WF_OUTPUTS\"" outputs { v: int } }
  step last: shell {
    run "echo ${a.outputs.v}${b.outputs.v}${c.outputs.v} > ${dir}/last"
    depends on a, b, c
  }
}
"#;

#[test]
fn resume_after_kill_9_follows_the_running_jobs_instead_of_resubmitting() {
    cluster_or_skip!();
    let env = Env::new(THREE_THEN_LAST);
    let jobs_dir = env.path().join("jobs");
    let dir = format!("dir={}", env.path().display());
    let args = [
        "run",
        "flow.wf",
        "--plain",
        "-p",
        &dir,
        "--executor",
        "slurm",
        "--jobs",
        "3",
    ];
    let mut wfc = env.cmd(&args);
    let mut child = wfc
        .env("WFC_SLURM_DIR", &jobs_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let id = env.run_id();
    let running =
        |jobs: &[(String, String)]| jobs.len() == 3 && jobs.iter().all(|(_, s)| s == "RUNNING");
    wait_for(Duration::from_secs(20), || running(&jobs_of(&id)));
    // SIGKILL: wfc runs no code, so nothing can cancel its jobs.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(env.count("a"), 0, "killed before the jobs ended");

    let out = env
        .cmd(&["resume", &id, "--plain", "--executor", "slurm"])
        .env("WFC_SLURM_DIR", &jobs_dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "resume failed:\n{text}");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "succeeded", "{st:#}");
    // Each of a, b, c ran once, as the one job submitted before the kill.
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 1, 1));
    let jobs = ended_jobs_of(&id);
    let named = |step: &str| {
        let name = format!("wfc-{id}-{step}");
        jobs.iter().filter(|(n, _)| *n == name).count()
    };
    assert_eq!(
        (named("a"), named("b"), named("c"), named("last")),
        (1, 1, 1, 1),
        "{jobs:?}"
    );
    assert!(jobs.iter().all(|(_, s)| s == "COMPLETED"), "{jobs:?}");
    // Their outputs, read from the adopted jobs' files, reached `last`.
    let last = std::fs::read_to_string(env.path().join("last")).unwrap();
    assert_eq!(last.trim(), "123");
}

#[test]
fn a_wait_any_loser_s_job_is_cancelled() {
    cluster_or_skip!();
    let c = workflow(
        r#"workflow w {
  parallel race wait any {
    step quick: shell { run "sleep 1" }
    step slow: shell { run "sleep 60; touch finished" }
  }
}"#,
    );
    let started = Instant::now();
    let r = run_on_slurm(&c, &[]);
    let took = started.elapsed();
    let run = run_id(&c);
    // Every failure below says where the jobs were: this runs beside other
    // tests, on a cluster that may be slow to answer.
    let why = format!("{r}\nafter {took:?}; jobs: {:?}", jobs_of(&run));
    assert_eq!(r.code, 0, "{why}");
    assert!(took < Duration::from_secs(25), "{why}");
    assert_eq!(status(&c, "quick"), "succeeded", "{why}");
    assert_eq!(status(&c, "slow"), "cancelled", "{why}");
    let slow_state = || {
        jobs_of(&run)
            .into_iter()
            .find(|(n, _)| n.ends_with("-slow"))
            .map(|(_, s)| s)
    };
    wfc_testkit::wait_until(Duration::from_secs(10), || {
        slow_state().as_deref() == Some("CANCELLED")
    });
    let now = jobs_of(&run);
    assert_eq!(
        slow_state().as_deref(),
        Some("CANCELLED"),
        "{why}\nnow: {now:?}"
    );
    assert!(!c.path("finished").exists());
}
