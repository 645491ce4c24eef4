//! The `docker` executor against a real Docker-API engine.
//!
//! With `DOCKER_HOST` set, that engine is used (it must have the test image
//! `localhost/wfc-test:latest`, or set `WFC_TEST_IMAGE`). Otherwise the tests
//! start a rootful Podman API service once per test binary with
//! `scripts/start-docker-api` (which builds the busybox test image locally; no
//! registry needed). When no engine can run here, each test prints
//! `SKIPPED: …` with the reason and returns; under `CI=true` it fails instead
//! (see `wfc_testkit::skip`).

use std::process::Command;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wfc_run::exec::{
    DockerSpec, ExecOptions, Executor, Mount, Outcome, PullPolicy, Status, StepContext, StepSpec,
};
use wfc_testkit::{docker_engine, DockerEngine};

/// The engine every docker test of this binary shares, or `None` after
/// [`wfc_testkit::skip`] said why there is none.
fn engine() -> Option<&'static DockerEngine> {
    match docker_engine() {
        Ok(e) => Some(e),
        Err(why) => {
            wfc_testkit::skip(&format!("no Docker-API engine can run here: {why}"));
            None
        }
    }
}

macro_rules! engine_or_skip {
    () => {
        match engine() {
            Some(e) => e,
            None => return,
        }
    };
}

fn executor(engine: &DockerEngine) -> Executor {
    Executor::new(ExecOptions {
        docker_host: Some(engine.host.clone()),
        kill_grace: Duration::from_secs(1),
        ..ExecOptions::default()
    })
}

async fn run(engine: &DockerEngine, spec: DockerSpec) -> Outcome {
    executor(engine)
        .run(
            &StepSpec::Docker(spec),
            &StepContext::new(CancellationToken::new()),
        )
        .await
}

/// Ids of the containers wfc created that still exist.
fn wfc_containers(engine: &DockerEngine) -> Vec<String> {
    let sock = engine.host.trim_start_matches("unix://");
    let out = Command::new("curl")
        .args(["-s", "--unix-socket", sock])
        .arg(
            "http://d/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22wfc.step%22%5D%7D",
        )
        .output();
    let Ok(out) = out else { return Vec::new() };
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["Id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn runs_a_command_with_env_mounts_workdir_and_outputs() {
    let engine = engine_or_skip!();
    let host_dir = tempfile::tempdir().unwrap();
    std::fs::write(host_dir.path().join("input.txt"), "from the host\n").unwrap();
    let mut spec = DockerSpec::new(
        &engine.image,
        "echo \"$GREETING from $(pwd)\"; cat input.txt; echo oops >&2; \
         echo made-in-container > out.txt; echo answer=42 >> \"$WF_OUTPUTS\"",
    );
    spec.workflow_env = vec![("GREETING".into(), "hi".into())];
    spec.env = vec![("GREETING".into(), "hello".into())];
    spec.mounts = vec![Mount {
        source: host_dir.path().to_owned(),
        target: "/work".into(),
        read_only: false,
    }];
    spec.workdir = Some("/work".into());
    let o = run(engine, spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.stdout.text, "hello from /work\nfrom the host\n");
    assert_eq!(o.outputs["stderr"], "oops");
    assert_eq!(o.outputs["exit_code"], 0);
    assert_eq!(o.declared["answer"], "42");
    let written = std::fs::read_to_string(host_dir.path().join("out.txt")).unwrap();
    assert_eq!(written, "made-in-container\n");
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_code_and_the_container_is_removed() {
    let engine = engine_or_skip!();
    let o = run(
        engine,
        DockerSpec::new(&engine.image, "echo broken >&2; exit 3"),
    )
    .await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.exit_code, Some(3));
    assert_eq!(o.error.as_deref(), Some("exit code 3: broken"));
    // Containers are removed once their step ends (other tests may be running).
    let mine = wfc_containers(engine);
    assert!(mine.len() <= 3, "leftover containers: {mine:?}");
}

#[tokio::test]
async fn entrypoint_receives_run_as_one_argument() {
    let engine = engine_or_skip!();
    let mut spec = DockerSpec::new(&engine.image, "echo via entrypoint; echo \"$0\"");
    spec.entrypoint = Some(vec!["/bin/sh".into(), "-c".into()]);
    let o = run(engine, spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    // The container ran `/bin/sh -c RUN`: RUN is the script and `$0` the shell.
    assert_eq!(o.outputs["stdout"], "via entrypoint\n/bin/sh");
}

#[tokio::test]
async fn network_is_none_by_default_and_host_reaches_local_services() {
    let engine = engine_or_skip!();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello container" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // busybox-static's wget crashes in the resolver; nc speaks enough HTTP.
    // (stdin stays open a moment: busybox nc may quit at EOF before the answer)
    let fetch = format!("(printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc 127.0.0.1 {port}");

    let o = run(engine, DockerSpec::new(&engine.image, &fetch)).await;
    assert_eq!(
        o.status,
        Status::Failed,
        "no network by default: {:?}",
        o.stdout
    );

    let mut spec = DockerSpec::new(&engine.image, &fetch);
    spec.network = Some("host".into());
    let o = run(engine, spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    let stdout = o.outputs["stdout"].as_str().unwrap();
    assert!(
        stdout.starts_with("HTTP/1.") && stdout.contains(" 200 OK"),
        "{stdout:?}"
    );
    assert!(stdout.ends_with("hello container"), "{stdout}");
}

#[tokio::test]
async fn timeout_stops_and_removes_the_container() {
    let engine = engine_or_skip!();
    let ctx = StepContext::new(CancellationToken::new()).with_timeout(Duration::from_secs(2));
    let spec = DockerSpec::new(&engine.image, "echo started; sleep 300");
    let start = Instant::now();
    let o = executor(engine).run(&StepSpec::Docker(spec), &ctx).await;
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.error.as_deref(), Some("timed out after 2s"));
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(o.stdout.text, "started\n");
}

#[tokio::test]
async fn missing_images_and_unreachable_engines_say_what_to_do() {
    let engine = engine_or_skip!();
    let mut spec = DockerSpec::new("localhost/wfc-no-such-image:1", "true");
    spec.pull = PullPolicy::Never;
    let e = run(engine, spec.clone()).await.error.unwrap();
    assert!(
        e.contains("image `localhost/wfc-no-such-image:1` is not present on the engine")
            && e.contains("pull never"),
        "{e}"
    );
    spec.pull = PullPolicy::Missing;
    let e = run(engine, spec).await.error.unwrap();
    assert!(
        e.contains("pulling it failed") && e.contains("pull missing"),
        "{e}"
    );

    let ex = Executor::new(ExecOptions {
        docker_host: Some("unix:///tmp/wfc-no-engine-here.sock".into()),
        ..ExecOptions::default()
    });
    let o = ex
        .run(
            &StepSpec::Docker(DockerSpec::new("busybox", "true")),
            &StepContext::new(CancellationToken::new()),
        )
        .await;
    let e = o.error.unwrap();
    assert!(
        e.starts_with("cannot reach the Docker engine at unix:///tmp/wfc-no-engine-here.sock")
            && e.contains("set DOCKER_HOST"),
        "{e}"
    );
}
