//! A `docker` step's `resources { memory …  cpus … }` as its container's
//! limits, against a real Docker-API engine (Podman here; see `docker.rs`
//! for how it is found or started): the container sees them, one that goes
//! over its memory is killed and its step says so, and through `wfc` the
//! file's `resources` reach the container with no W0140.

use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wfc_plan::settings::Placement;
use wfc_run::exec::{DockerSpec, ExecOptions, Executor, Outcome, Status, StepContext, StepSpec};
use wfc_testkit::{docker_engine, DockerEngine};

fn engine() -> Option<&'static DockerEngine> {
    match docker_engine() {
        Ok(e) => Some(e),
        Err(why) => {
            wfc_testkit::skip(&format!("no Docker-API engine can run here: {why}"));
            None
        }
    }
}

async fn run(engine: &DockerEngine, run: &str, cpus: Option<u32>, memory: Option<u64>) -> Outcome {
    let mut spec = DockerSpec::new(&engine.image, run);
    spec.placement = Some(Box::new(Placement {
        cpus,
        memory,
        ..Placement::default()
    }));
    let ex = Executor::new(ExecOptions {
        docker_host: Some(engine.host.clone()),
        kill_grace: Duration::from_secs(1),
        ..ExecOptions::default()
    });
    let ctx = StepContext::new(CancellationToken::new());
    ex.run(&StepSpec::Docker(spec), &ctx).await
}

/// Allocates ~100 MB in the container's shell.
const HOG: &str = "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}";

#[tokio::test]
async fn the_container_gets_the_steps_memory_and_cpus_as_limits() {
    let Some(engine) = engine() else { return };
    // cgroup v1's files, else v2's.
    let show = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/memory.max; \
                q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null) && p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us) && echo $q $p || cat /sys/fs/cgroup/cpu.max";
    let o = run(engine, show, Some(1), Some(64 << 20)).await;
    assert_eq!(o.status, Status::Succeeded, "{:?} {:?}", o.error, o.stderr);
    let lines: Vec<&str> = o.stdout.text.lines().collect();
    assert_eq!(lines[0], (64u64 << 20).to_string(), "{lines:?}");
    let cpu: Vec<u64> = lines[1].split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(cpu[0], cpu[1], "one CPU's worth of each period: {lines:?}");
    // Within the limit, a step runs as it would without one.
    let o = run(engine, HOG, Some(1), Some(256 << 20)).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.stdout.text, "100000000\n");
}

#[tokio::test]
async fn a_container_over_its_memory_is_killed_and_its_step_says_so() {
    let Some(engine) = engine() else { return };
    let o = run(engine, HOG, None, Some(32 << 20)).await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.exit_code, Some(137));
    let e = o.error.unwrap();
    assert!(
        e.contains("out of memory") && e.contains("memory limit of 32 MiB"),
        "{e}"
    );
    assert!(e.contains("raise `resources { memory … }`"), "{e}");
    // Killed by wfc (a timeout), the same exit code is no memory matter.
    let mut spec = DockerSpec::new(&engine.image, "sleep 300");
    spec.placement = Some(Box::new(Placement {
        memory: Some(32 << 20),
        ..Placement::default()
    }));
    let ex = Executor::new(ExecOptions {
        docker_host: Some(engine.host.clone()),
        kill_grace: Duration::from_secs(1),
        ..ExecOptions::default()
    });
    let ctx = StepContext::new(CancellationToken::new()).with_timeout(Duration::from_secs(1));
    let o = ex.run(&StepSpec::Docker(spec), &ctx).await;
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.error.as_deref(), Some("timed out after 1s"));
}

/// Through `wfc`: the file's `resources` on a docker step, checked without
/// W0140 (which a shell step's `memory` still gets), reach its container.
#[test]
fn a_docker_steps_resources_are_enforced_by_wfc_run() {
    let Some(engine) = engine() else { return };
    let file = format!(
        r#"workflow limits {{
  step hog: docker {{
    image "{image}"
    run "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo \${{#x}}"
    resources {{ memory 32MB  cpus 1 }}
  }}
}}
"#,
        image = engine.image
    );
    let c = super::super::workflow(&file);
    let check = c.wfc(["check", "w.wf"]).output();
    assert_eq!(check.code, 0, "{}", check.all());
    assert!(!check.all().contains("W0140"), "{}", check.all());
    let shell = c.path("shell.wf");
    std::fs::write(
        &shell,
        "workflow s {\n  step a: shell { run \"true\"  resources { memory 32MB } }\n}\n",
    )
    .unwrap();
    assert!(c
        .wfc(["check", "shell.wf"])
        .output()
        .all()
        .contains("W0140"));

    let run = c
        .wfc(["run", "w.wf", "--plain"])
        .env("DOCKER_HOST", &engine.host)
        .output();
    assert_eq!(run.code, 1, "{}", run.all());
    let status = c
        .wfc(["status", "last", "--format", "json"])
        .output()
        .json();
    let hog = &status["step_list"][0];
    assert_eq!(hog["exit_code"], 137, "{hog}");
    let e = hog["error"].as_str().unwrap();
    assert!(e.contains("memory limit of 32 MiB"), "{e}");
}
