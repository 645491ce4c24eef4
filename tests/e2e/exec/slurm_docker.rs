//! `docker` steps under `wfc run --executor slurm`: each attempt is a job
//! whose script runs the container with the node's CLI (`podman` here,
//! through `WFC_SLURM_CONTAINER_CLI`). Needs a Slurm cluster and a
//! Docker-API engine whose store the `podman` CLI shares
//! (`scripts/start-docker-api`); skipped with the reason without either,
//! failing under CI=true.

use super::slurm::{ended_jobs_of, jobs_of, run_id, status};
use crate::workflow;
use std::process::Command;
use wfc_testkit::{docker_engine, report_step, slurm_cluster, Case, DockerEngine, Output};

/// The engine the jobs' `podman` shares, once the cluster and the engine
/// (and its CLI) are up.
fn engine_or_skip() -> Option<&'static DockerEngine> {
    if let Err(why) = slurm_cluster() {
        wfc_testkit::skip(&format!("no Slurm cluster can run here: {why}"));
        return None;
    }
    let engine = match docker_engine() {
        Ok(e) => e,
        Err(why) => {
            wfc_testkit::skip(&format!("no Docker-API engine can run here: {why}"));
            return None;
        }
    };
    let seen = podman(engine)
        .args(["image", "exists", &engine.image])
        .status();
    if !seen.is_ok_and(|s| s.success()) {
        wfc_testkit::skip(&format!("the podman CLI does not see `{}`", engine.image));
        return None;
    }
    Some(engine)
}

/// The `podman` CLI set up as the service is (its `containers.conf`).
fn podman(engine: &DockerEngine) -> Command {
    let mut cmd = Command::new("podman");
    if let Some(conf) = &engine.containers_conf {
        cmd.env("CONTAINERS_CONF", conf);
    }
    cmd
}

fn run_on_slurm(c: &Case, engine: &DockerEngine, secret: &str) -> Output {
    let mut inv = c.wfc_run(&["--executor", "slurm", "--output", "report.json"]);
    if let Some(conf) = &engine.containers_conf {
        inv = inv.env("CONTAINERS_CONF", conf);
    }
    inv.env("WFC_SLURM_DIR", c.path("jobs"))
        .env("WFC_SLURM_CONTAINER_CLI", "podman")
        .env("WFC_SLURM_TEST_TOKEN", secret)
        .output()
}

/// Names of the containers (any state) whose name starts with `prefix`.
fn containers(engine: &DockerEngine, prefix: &str) -> Vec<String> {
    let out = podman(engine)
        .args(["ps", "-a", "--format", "{{.Names}}"])
        .output()
        .expect("podman runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|n| n.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_docker_step_runs_as_a_job_with_env_mounts_outputs_and_no_secret_in_files() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let image = &engine.image;
    let c = workflow(&format!(
        r#"workflow w {{
  secret tok: string = env("WFC_SLURM_TEST_TOKEN")
  step make: docker {{
    image "{image}"
    run "printf '%s' \"$V\" > /m/v; test \"$TOK\" = \"$WANT\" && echo tok=$TOK; echo answer=42 >> $WF_OUTPUTS"
    env {{ V = "a $(touch pwned) `id`; 'q' \"d\" $HOME", TOK = tok, WANT = "hush-9c; $(id)" }}
    mount "m" at "/m"
    outputs {{ answer: int }}
  }}
  step use: shell {{ run "echo got=${{make.outputs.answer}} > got" }}
}}"#
    ));
    c.write("m/.keep", "");
    let secret = "hush-9c; $(id)";
    let r = run_on_slurm(&c, engine, secret);
    assert_eq!(r.code, 0, "{r}");
    // The value reached the container as it is: no shell ran it.
    assert_eq!(c.read("m/v"), "a $(touch pwned) `id`; 'q' \"d\" $HOME");
    assert!(!c.path("pwned").exists() && !c.path("m/pwned").exists());
    assert_eq!(c.read("got"), "got=42\n");
    assert!(r.stdout.contains("tok=***"), "{r}");
    assert!(
        !r.stdout.contains("hush") && !r.stderr.contains("hush"),
        "{r}"
    );
    assert!(!c.read("report.json").contains("hush"));
    let make = report_step(&c.report(), "make");
    assert!(make["outputs"]["slurm_job_id"].is_string(), "{make}");
    let run = run_id(&c);
    let jobs = ended_jobs_of(&run);
    assert!(
        jobs.contains(&(format!("wfc-{run}-make"), "COMPLETED".to_owned())),
        "{jobs:?}"
    );
    let dir = c.path("jobs").join(&run).join("make-1");
    assert!(dir.join("job.sh").exists() && dir.join("exit").exists());
    // argv too, though it holds no value: only names and paths.
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("hush"), "{}: {text}", path.display());
    }
    assert!(containers(engine, &format!("wfc-{run}-")).is_empty());
}

#[test]
fn a_timeout_cancels_the_docker_job_and_removes_its_container() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let image = &engine.image;
    let c = workflow(&format!(
        r#"workflow w {{
  step slow: docker {{
    image "{image}"
    run "touch /m/started; sleep 60; touch /m/finished"
    mount "m" at "/m"
    timeout 5s
  }}
}}"#
    ));
    c.write("m/.keep", "");
    let r = run_on_slurm(&c, engine, "");
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(status(&c, "slow"), "timed_out", "{r}");
    let run = run_id(&c);
    let jobs = jobs_of(&run);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_ne!(jobs[0].1, "COMPLETED", "{jobs:?}");
    assert_eq!(
        containers(engine, &format!("wfc-{run}-")),
        Vec::<String>::new()
    );
    // The container ran, and was stopped before its end.
    assert!(c.path("m/started").exists(), "{r}");
    assert!(!c.path("m/finished").exists());
}

#[test]
fn a_failed_docker_attempt_is_retried_as_a_new_job() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let image = &engine.image;
    let c = workflow(&format!(
        r#"workflow w {{
  step flaky: docker {{
    image "{image}"
    run "if test -f /m/tried; then echo ok; else touch /m/tried; exit 3; fi"
    mount "m" at "/m"
    retry 1
  }}
}}"#
    ));
    c.write("m/.keep", "");
    let r = run_on_slurm(&c, engine, "");
    assert_eq!(r.code, 0, "{r}");
    let run = run_id(&c);
    let states: Vec<String> = ended_jobs_of(&run).into_iter().map(|(_, s)| s).collect();
    // The first job ran the container to its exit code 3; the retry is a
    // second job.
    assert_eq!(states, ["FAILED", "COMPLETED"], "{r}");
    assert_eq!(report_step(&c.report(), "flaky")["attempts"], 2);
}

#[test]
fn resume_after_kill_9_follows_the_running_docker_job() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let env = crate::store::Env::new(&format!(
        r#"workflow w {{
  param dir: string
  step a: docker {{
    image "{}"
    run "sleep 4; echo a >> /m/a; echo v=7 >> $WF_OUTPUTS"
    mount "${{dir}}/count" at "/m"
    outputs {{ v: int }}
  }}
  step last: shell {{ run "echo ${{a.outputs.v}} > ${{dir}}/last" depends on a }}
}}
"#,
        engine.image
    ));
    let jobs_dir = env.path().join("jobs");
    let dir = format!("dir={}", env.path().display());
    let with_cli = |cmd: &mut Command| {
        cmd.env("WFC_SLURM_DIR", &jobs_dir)
            .env("WFC_SLURM_CONTAINER_CLI", "podman");
        if let Some(conf) = &engine.containers_conf {
            cmd.env("CONTAINERS_CONF", conf);
        }
    };
    let mut wfc = env.cmd(&[
        "run",
        "flow.wf",
        "--plain",
        "-p",
        &dir,
        "--executor",
        "slurm",
    ]);
    with_cli(&mut wfc);
    let mut child = wfc
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let id = env.run_id();
    crate::store::wait_for(std::time::Duration::from_secs(20), || {
        jobs_of(&id).iter().any(|(_, s)| s == "RUNNING")
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(env.count("a"), 0, "killed before the job ended");

    let mut resume = env.cmd(&["resume", &id, "--plain", "--executor", "slurm"]);
    with_cli(&mut resume);
    let out = resume.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "resume failed:\n{text}");
    // One job for `a`, followed by the resume, its container run once.
    assert_eq!(env.count("a"), 1);
    let jobs = ended_jobs_of(&id);
    let a = jobs
        .iter()
        .filter(|(n, _)| *n == format!("wfc-{id}-a"))
        .count();
    assert_eq!(a, 1, "{jobs:?}");
    assert!(jobs.iter().all(|(_, s)| s == "COMPLETED"), "{jobs:?}");
    let last = std::fs::read_to_string(env.path().join("last")).unwrap();
    assert_eq!(last.trim(), "7");
}
