//! Simple commands run without `sh` in between (`crates/run/src/exec/direct.rs`),
//! and with the shell's results: the same environment, `argv[0]`, `PATH`
//! search, working directory and failures. Each case runs the command under
//! `sh` (shortcut taken) and under `/bin/sh` (the same shell, named by path,
//! which never takes it) and compares.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wfc_run::exec::{ExecOptions, Executor, Outcome, ShellSpec, Status, StepContext, StepSpec};

async fn run_with(spec: &ShellSpec, shell: &str, supervise: bool) -> Outcome {
    let mut spec = spec.clone();
    spec.shell = shell.into();
    let ex = Executor::new(ExecOptions {
        kill_grace: Duration::from_millis(300),
        supervise,
        ..ExecOptions::default()
    });
    ex.run(
        &StepSpec::Shell(spec),
        &StepContext::new(CancellationToken::new()),
    )
    .await
}

/// The outcome without and with the shell, in both ways of starting a step.
async fn both(spec: &ShellSpec) -> [(Outcome, Outcome); 2] {
    let mut out = Vec::new();
    for supervise in [false, true] {
        out.push((
            run_with(spec, "sh", supervise).await,
            run_with(spec, "/bin/sh", supervise).await,
        ));
    }
    out.try_into().unwrap()
}

fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn no_shell_runs_between_wfc_and_a_simple_command() {
    let dir = tempfile::tempdir().unwrap();
    script(&dir.path().join("parent"), "#!/bin/sh\necho $PPID\n");
    let mut spec = ShellSpec::new("./parent");
    spec.workdir = Some(dir.path().to_owned());
    let me = std::process::id().to_string();
    let (direct, shell) = (
        run_with(&spec, "sh", false).await,
        run_with(&spec, "/bin/sh", false).await,
    );
    assert_eq!(direct.stdout.text.trim(), me, "the step's parent is wfc");
    assert_ne!(
        shell.stdout.text.trim(),
        me,
        "under the shell, its parent is sh"
    );
    // An exported bash function could stand for the program: the shell runs.
    spec.env = vec![("BASH_FUNC_parent%%".into(), "() { echo function; }".into())];
    let o = run_with(&spec, "sh", false).await;
    assert_ne!(o.stdout.text.trim(), me, "with a bash function, sh runs");
}

#[tokio::test]
async fn environment_argv0_and_working_directory_match_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["env", "cat /proc/self/cmdline", "pwd -P"] {
        for workdir in [None, Some(dir.path().to_owned())] {
            let mut spec = ShellSpec::new(command);
            spec.workdir.clone_from(&workdir);
            spec.env = vec![("STEP".into(), "1".into())];
            // Not a fresh outputs file for each run.
            spec.outputs_file = false;
            for (direct, shell) in both(&spec).await {
                assert_eq!(
                    direct.status,
                    Status::Succeeded,
                    "{command}: {:?}",
                    direct.error
                );
                let sorted = |o: &Outcome| {
                    let mut lines: Vec<String> = o.stdout.text.lines().map(str::to_owned).collect();
                    lines.sort();
                    lines
                };
                assert_eq!(sorted(&direct), sorted(&shell), "{command} in {workdir:?}");
            }
        }
    }
}

#[tokio::test]
async fn programs_are_found_on_the_steps_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    script(
        &dir.path().join("bin/tool"),
        "#!/bin/sh\necho tool \"$@\"\n",
    );
    let mut spec = ShellSpec::new("tool a b");
    let path = format!("{}:/usr/bin:/bin", dir.path().join("bin").display());
    spec.env = vec![("PATH".into(), path)];
    for (direct, shell) in both(&spec).await {
        assert_eq!(direct.stdout.text, "tool a b\n", "{:?}", direct.error);
        assert_eq!(direct.stdout.text, shell.stdout.text);
    }
}

#[tokio::test]
async fn what_cannot_start_directly_still_runs_as_the_shell_would() {
    let dir = tempfile::tempdir().unwrap();
    // Executable without `#!`: execve refuses it, the shell runs it itself.
    script(&dir.path().join("plain"), "echo plain script\n");
    // Not executable: the shell reports it.
    std::fs::write(dir.path().join("data"), "echo data\n").unwrap();
    for (command, status, code) in [
        ("./plain", Status::Succeeded, 0),
        ("./data", Status::Failed, 126),
        ("no-such-program-wfc x", Status::Failed, 127),
        ("false", Status::Failed, 1),
    ] {
        let mut spec = ShellSpec::new(command);
        spec.workdir = Some(dir.path().to_owned());
        for (direct, shell) in both(&spec).await {
            assert_eq!(direct.status, status, "{command}: {:?}", direct.error);
            assert_eq!(direct.exit_code, Some(code), "{command}");
            assert_eq!(direct.exit_code, shell.exit_code, "{command}");
            assert_eq!(direct.stdout.text, shell.stdout.text, "{command}");
            // The shell names itself by the path it was started as.
            let stderr = |o: &Outcome| o.stderr.text.replace("/usr/bin/sh:", "/bin/sh:");
            assert_eq!(stderr(&direct), stderr(&shell), "{command}");
        }
    }
}

#[tokio::test]
async fn a_timeout_kills_a_program_started_directly() {
    let ctx = StepContext::new(CancellationToken::new()).with_timeout(Duration::from_millis(300));
    let ex = Executor::new(ExecOptions {
        kill_grace: Duration::from_millis(300),
        ..ExecOptions::default()
    });
    let start = Instant::now();
    let o = ex
        .run(&StepSpec::Shell(ShellSpec::new("sleep 30")), &ctx)
        .await;
    assert_eq!(o.status, Status::TimedOut, "{:?}", o.error);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
