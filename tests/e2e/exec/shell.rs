//! The `shell` executor against real processes: output, exit codes, env,
//! workdir, the outputs file, the capture cap, masking, timeouts and
//! cancellation killing the whole process tree, and step processes dying
//! with a SIGKILLed wfc.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wfc_contract::{LineSink, Stream};
use wfc_run::exec::{ExecOptions, Executor, Outcome, ShellSpec, Status, StepContext, StepSpec};
use wfc_run::mask::Masker;
use wfc_testkit::{alive, wait_dead};

fn executor() -> Executor {
    Executor::new(ExecOptions {
        kill_grace: Duration::from_millis(300),
        ..ExecOptions::default()
    })
}

async fn run(spec: ShellSpec) -> Outcome {
    executor()
        .run(
            &StepSpec::Shell(spec),
            &StepContext::new(CancellationToken::new()),
        )
        .await
}

type Lines = Arc<Mutex<Vec<(Stream, String)>>>;

fn collecting_sink() -> (LineSink, Lines) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let sink: LineSink = Arc::new(move |s, t: &str| l2.lock().unwrap().push((s, t.to_owned())));
    (sink, lines)
}

fn read_pids(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

#[tokio::test]
async fn output_is_streamed_captured_and_typed() {
    let (sink, lines) = collecting_sink();
    let spec = ShellSpec::new("echo one; echo two >&2; printf 'three\\r\\nfour'; exit 0");
    let ctx = StepContext::new(CancellationToken::new()).with_sink(sink);
    let o = executor().run(&StepSpec::Shell(spec), &ctx).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.stdout.text, "one\nthree\r\nfour");
    assert_eq!(o.stderr.text, "two\n");
    assert_eq!(o.outputs["stdout"], "one\nthree\r\nfour");
    assert_eq!(o.outputs["stderr"], "two");
    assert_eq!(o.outputs["exit_code"], 0);
    let lines = lines.lock().unwrap();
    let out: Vec<&str> = lines
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(out, ["one", "three", "four"]);
    assert!(lines.contains(&(Stream::Stderr, "two".to_owned())));
}

#[tokio::test]
async fn a_non_zero_exit_fails_with_the_code_and_last_stderr_line() {
    let o = run(ShellSpec::new("echo working; echo 'disk full' >&2; exit 3")).await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.exit_code, Some(3));
    assert_eq!(o.outputs["exit_code"], 3);
    assert_eq!(o.error.as_deref(), Some("exit code 3: disk full"));
    let o = run(ShellSpec::new("no-such-command-wfc")).await;
    assert_eq!(o.exit_code, Some(127));
    assert!(o.error.unwrap().contains("command not found"));
}

/// The step ends when its process exits, not when its output ends: a process
/// that closes both early is waited for, and what it wrote before is kept.
/// Output written just before the exit, more than a pipe holds, is all read.
#[tokio::test]
async fn the_step_ends_with_its_process_not_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("late");
    let mut spec = ShellSpec::new(
        "echo early; echo warn >&2; exec >&- 2>&-; sleep 0.3; : > \"$MARK\"; exit 4",
    );
    spec.env = vec![("MARK".into(), mark.display().to_string())];
    let o = run(spec).await;
    assert_eq!(o.exit_code, Some(4), "{:?}", o.error);
    assert!(mark.exists(), "the step ended before its process did");
    assert_eq!(o.stdout.text, "early\n");
    assert_eq!(o.stderr.text, "warn\n");

    let o = run(ShellSpec::new(
        "head -c 300000 /dev/zero | tr '\\0' x; echo; echo end >&2",
    ))
    .await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.stdout.text.trim_end().len(), 300_000);
    assert_eq!(o.stderr.text, "end\n");
}

#[tokio::test]
async fn env_layers_workdir_and_shell_choice() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ShellSpec::new(
        "printf '%s|%s|%s|%s|' \"$A\" \"$B\" \"$(pwd)\" \"${BASH_VERSION:+bash}\"; \
         test -n \"$PATH\" && test -f \"$WF_OUTPUTS\" && echo ok",
    );
    spec.shell = "bash".into();
    spec.workflow_env = vec![("A".into(), "wf".into()), ("B".into(), "wf".into())];
    spec.env = vec![("B".into(), "step".into())];
    spec.workdir = Some(dir.path().to_owned());
    let o = run(spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    let cwd = dir.path().canonicalize().unwrap();
    assert_eq!(
        o.stdout.text,
        format!("wf|step|{}|bash|ok\n", cwd.display())
    );

    let mut spec = ShellSpec::new("true");
    spec.shell = "no-such-shell-wfc".into();
    let e = run(spec).await.error.unwrap();
    assert!(e.contains("shell `no-such-shell-wfc` not found"), "{e}");
    // A missing workdir is made; one that cannot be fails the step (E0800).
    let mut spec = ShellSpec::new("pwd");
    spec.workdir = Some(dir.path().join("made/here"));
    let o = run(spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(
        o.stdout.text.trim(),
        cwd.join("made/here").display().to_string()
    );
    std::fs::write(dir.path().join("file"), "").unwrap();
    let mut spec = ShellSpec::new("true");
    spec.workdir = Some(dir.path().join("file/x"));
    let e = run(spec).await.error.unwrap();
    assert!(e.starts_with("E0800: the workdir"), "{e}");
}

#[tokio::test]
async fn declared_outputs_come_from_the_outputs_file() {
    let o = run(ShellSpec::new(
        "echo coverage=87.5 >> \"$WF_OUTPUTS\"; \
         printf 'notes<<END\\nline 1\\nline 2\\nEND\\n' >> \"$WF_OUTPUTS\"",
    ))
    .await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.declared["coverage"], "87.5");
    assert_eq!(o.declared["notes"], "line 1\nline 2");

    let o = run(ShellSpec::new(
        "echo 'not an output line' >> \"$WF_OUTPUTS\"",
    ))
    .await;
    assert_eq!(o.status, Status::Failed);
    assert!(o.error.unwrap().contains("WF_OUTPUTS line 1"));
}

#[tokio::test]
async fn captured_output_keeps_the_tail_under_the_cap() {
    let ex = Executor::new(ExecOptions {
        capture_cap: 1000,
        ..ExecOptions::default()
    });
    let spec = ShellSpec::new("i=0; while [ $i -lt 2000 ]; do echo \"line $i\"; i=$((i+1)); done");
    let o = ex
        .run(
            &StepSpec::Shell(spec),
            &StepContext::new(CancellationToken::new()),
        )
        .await;
    assert_eq!(o.status, Status::Succeeded);
    assert_eq!(o.stdout.text.len(), 1000);
    assert!(o.stdout.text.ends_with("line 1999\n"));
    let total: usize = (0..2000).map(|i| format!("line {i}\n").len()).sum();
    assert_eq!(o.stdout.dropped as usize, total - 1000);
}

#[tokio::test]
async fn secrets_are_masked_in_live_lines_but_not_in_captured_data() {
    let (sink, lines) = collecting_sink();
    let ctx = StepContext::new(CancellationToken::new())
        .with_sink(sink)
        .with_masker(Masker::new(["s3cr3t-token"]));
    let spec = ShellSpec::new("printf 'token=s3cr3t'; sleep 0.1; printf -- '-token\\n'; exit 1");
    let o = executor().run(&StepSpec::Shell(spec), &ctx).await;
    assert_eq!(lines.lock().unwrap()[0].1, "token=***");
    assert_eq!(o.stdout.text, "token=s3cr3t-token\n");
}

/// The tree: a background `sleep`, a nested shell ignoring SIGTERM (so only
/// SIGKILL ends it), and a foreground `sleep`.
const TREE: &str = "sleep 300 & echo $! >> \"$PIDS\"; \
    sh -c 'trap \"\" TERM; sleep 300 & echo $! >> \"$PIDS\"; wait' & echo $! >> \"$PIDS\"; \
    sleep 300";

fn tree_spec(pids: &Path) -> ShellSpec {
    let mut spec = ShellSpec::new(TREE);
    spec.env = vec![("PIDS".into(), pids.display().to_string())];
    spec
}

async fn wait_for_pids(path: &Path, n: usize) -> Vec<i32> {
    for _ in 0..200 {
        let pids = read_pids(path);
        if pids.len() >= n {
            return pids;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the step did not write {n} pids to {}", path.display());
}

#[tokio::test]
async fn timeout_kills_the_whole_process_tree() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let ctx = StepContext::new(CancellationToken::new()).with_timeout(Duration::from_millis(500));
    let start = Instant::now();
    let o = executor()
        .run(&StepSpec::Shell(tree_spec(&pids)), &ctx)
        .await;
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.error.as_deref(), Some("timed out after 500ms"));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    let pids = read_pids(&pids);
    assert_eq!(pids.len(), 3, "{pids:?}");
    for pid in pids {
        assert!(
            wait_dead(pid, Duration::from_secs(2)),
            "pid {pid} survived the timeout"
        );
    }
}

#[tokio::test]
async fn cancellation_kills_the_whole_process_tree() {
    let dir = tempfile::tempdir().unwrap();
    let pids_file = dir.path().join("pids");
    let cancel = CancellationToken::new();
    let ctx = StepContext::new(cancel.clone());
    let ex = executor();
    let spec = StepSpec::Shell(tree_spec(&pids_file));
    let step = ex.run(&spec, &ctx);
    let canceller = async {
        let pids = wait_for_pids(&pids_file, 3).await;
        cancel.cancel();
        pids
    };
    let (o, pids) = tokio::join!(step, canceller);
    assert_eq!(o.status, Status::Cancelled);
    for pid in pids {
        assert!(
            wait_dead(pid, Duration::from_secs(2)),
            "pid {pid} survived cancellation"
        );
    }
}

#[tokio::test]
async fn processes_left_behind_are_killed_and_do_not_hold_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let mut spec = ShellSpec::new("sleep 300 & echo $! > \"$PIDS\"; echo done");
    spec.env = vec![("PIDS".into(), pids.display().to_string())];
    let start = Instant::now();
    let o = run(spec).await;
    assert_eq!(o.status, Status::Succeeded);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let pid = read_pids(&pids)[0];
    assert!(
        wait_dead(pid, Duration::from_secs(2)),
        "background pid {pid} survived"
    );
}

const HELPER_ENV: &str = "WFC_TEST_HELPER_PIDS";

/// Not a test on its own: the child process of
/// `sigkill_of_wfc_kills_the_step_tree` (does nothing without its env var).
#[test]
#[ignore]
fn helper_run_a_step_forever() {
    let Ok(pids) = std::env::var(HELPER_ENV) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut spec =
            ShellSpec::new("sleep 300 & echo $! >> \"$PIDS\"; echo $$ >> \"$PIDS\"; wait");
        spec.env = vec![("PIDS".into(), pids)];
        run(spec).await;
    });
}

#[test]
fn sigkill_of_wfc_kills_the_step_tree() {
    sigkill_kills_the_step_tree(std::process::Command::new(std::env::current_exe().unwrap()));
}

/// Under `nohup` wfc starts with SIGHUP ignored, which its children inherit:
/// the supervisor must still get the death signal.
#[test]
fn sigkill_of_wfc_under_nohup_kills_the_step_tree() {
    let mut nohup = std::process::Command::new("nohup");
    nohup.arg(std::env::current_exe().unwrap());
    sigkill_kills_the_step_tree(nohup);
}

/// The helper's name as the test harness knows it: its module path in this
/// binary without the crate (`exec::shell::helper_run_a_step_forever`).
fn helper_test_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::helper_run_a_step_forever")
}

fn sigkill_kills_the_step_tree(mut cmd: std::process::Command) {
    let dir = tempfile::tempdir().unwrap();
    let pids_file = dir.path().join("pids");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut helper = cmd
        .args(["--exact", &helper_test_name(), "--ignored", "--nocapture"])
        .env(HELPER_ENV, &pids_file)
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let pids = loop {
        let pids = read_pids(&pids_file);
        if pids.len() >= 2 {
            break pids;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the helper never started its step"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(pids.iter().all(|&p| alive(p)));
    helper.kill().unwrap(); // SIGKILL
    helper.wait().unwrap();
    for pid in pids {
        assert!(
            wait_dead(pid, Duration::from_secs(3)),
            "pid {pid} outlived the killed wfc"
        );
    }
    assert_eq!(
        entries(&tmp).len(),
        1,
        "the killed wfc left no scratch directory"
    );
    // The next run removes it, and its own when it ends.
    let wf = dir.path().join("next.wf");
    std::fs::write(
        &wf,
        "workflow next {\n  step a: shell {\n    run \"echo x=1 >> $WF_OUTPUTS\"\n    outputs { x: int }\n  }\n}\n",
    )
    .unwrap();
    let out = std::process::Command::new(crate::WFC)
        .args(["run", "--no-store"])
        .arg(&wf)
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(entries(&tmp), Vec::<String>::new());
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn lines_can_go_to_a_channel() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let ctx = StepContext::new(CancellationToken::new()).with_sink(wfc_run::exec::channel_sink(tx));
    let spec = StepSpec::Shell(ShellSpec::new("echo a; echo b >&2"));
    let o = executor().run(&spec, &ctx).await;
    assert!(o.is_success());
    drop(ctx);
    let mut got = Vec::new();
    while let Some(line) = rx.recv().await {
        got.push((line.stream, line.text));
    }
    got.sort_by_key(|(s, _)| *s == Stream::Stderr);
    assert_eq!(
        got,
        [
            (Stream::Stdout, "a".to_owned()),
            (Stream::Stderr, "b".to_owned())
        ]
    );
}

/// A step that declares no outputs writes them to /dev/null: no file is made.
#[tokio::test]
async fn steps_without_outputs_write_to_dev_null() {
    let mut spec = ShellSpec::new("echo \"$WF_OUTPUTS\"; echo x=1 >> \"$WF_OUTPUTS\"");
    spec.outputs_file = false;
    let o = run(spec).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.stdout.text, "/dev/null\n");
    assert!(o.declared.is_empty());
}
