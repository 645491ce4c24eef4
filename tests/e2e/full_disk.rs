//! A full disk: no run reports success without a durable record. The run
//! store lives on a small tmpfs that a step fills; the step after it writes
//! output its log cannot keep, so the run's record fails there — the run
//! stops, ends `failed` with the write error (exit code, API answer), and
//! once space is freed every reader finds it failed, never interrupted: a
//! restarted server does not resume it, and no step that ran runs again.
//! A store on a file system mounted read-only is still read.
//!
//! Mounting needs the privilege to: where it is refused the tests are
//! skipped with the reason (under `CI=true` they fail instead).

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs of 400 KiB mounted on `at` (created), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (the test is skipped, with why) where mounting is refused.
    fn mount(at: &Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=400k", "tmpfs"])
            .arg(at)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs(at.to_owned())),
            Ok(o) => {
                let why = String::from_utf8_lossy(&o.stderr).trim().to_owned();
                wfc_testkit::skip(&format!("cannot mount a tmpfs here: {why}"));
                None
            }
            Err(e) => {
                wfc_testkit::skip(&format!("cannot run mount: {e}"));
                None
            }
        }
    }

    /// Fills it up: what is left of it goes to a file of its own.
    fn fill(&self) {
        let filler = self.0.join("filler");
        let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
        assert!(filler.exists());
    }

    fn free(&self) {
        std::fs::remove_file(self.0.join("filler")).unwrap();
    }

    fn read_only(&self) {
        let out = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

/// Fills the store's disk, then prints: its log cannot be written.
/// `@STATE` is the store's folder, `@OUT` one on another disk.
const FULL: &str = r#"
workflow full {
  step fill: shell { run "head -c 4000000 /dev/zero > @STATE/filler 2>/dev/null || true" }
  step talk: shell {
    run "echo spoken; echo talk >> @OUT/talk.txt"
    depends on fill
  }
  step third: shell {
    run "echo third >> @OUT/third.txt"
    depends on talk
  }
}
"#;

fn workflow(state: &Path, out: &Path) -> String {
    FULL.replace("@STATE", &state.display().to_string())
        .replace("@OUT", &out.display().to_string())
}

fn wfc(state: &Path, args: &[&str]) -> std::process::Output {
    Command::new(super::WFC)
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .output()
        .unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

#[test]
fn a_run_whose_record_cannot_be_written_fails_and_stays_failed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let Some(disk) = Tmpfs::mount(&state) else {
        return;
    };
    let file = dir.path().join("full.wf");
    std::fs::write(&file, workflow(&state, dir.path())).unwrap();
    let run = Command::new(super::WFC)
        .arg("run")
        .arg(&file)
        .args(["--plain", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{out}\n{err}");
    assert!(
        out.contains("the run's record could not be written") && out.contains("No space left"),
        "{out}\n{err}"
    );
    assert_eq!(lines(&dir.path().join("talk.txt")), 1, "talk ran once");
    assert!(
        !dir.path().join("third.txt").exists(),
        "nothing started after"
    );

    // Once there is room, every reader finds it failed, with why.
    disk.free();
    let status = wfc(&state, &["status", "last", "--format", "json"]);
    assert!(status.status.success(), "{status:?}");
    let d: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["failed_step"], "wfc", "{d}");
    assert!(
        d["failed_error"]
            .as_str()
            .unwrap()
            .contains("No space left"),
        "{d}"
    );
    let fill = d["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "fill")
        .unwrap();
    assert_eq!(fill["status"], "succeeded", "{d}");

    // A store on a read-only file system is still read.
    disk.read_only();
    for args in [&["history"][..], &["status", "last"]] {
        let r = wfc(&state, args);
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(r.status.success(), "{args:?}: {r:?}");
        assert!(text.contains("failed"), "{args:?}: {text}");
    }
}

#[test]
fn a_run_is_not_started_on_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let Some(disk) = Tmpfs::mount(&state) else {
        return;
    };
    // A store that exists, then no room at all.
    let first = dir.path().join("first.wf");
    std::fs::write(
        &first,
        "workflow first {\n  step s: shell { run \"true\" }\n}\n",
    )
    .unwrap();
    let made = Command::new(super::WFC)
        .arg("run")
        .arg(&first)
        .args(["--plain", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    disk.fill();
    let file = dir.path().join("w.wf");
    let marker = dir.path().join("ran.txt");
    std::fs::write(
        &file,
        format!(
            "workflow w {{\n  step s: shell {{ run \"echo ran > {}\" }}\n}}\n",
            marker.display()
        ),
    )
    .unwrap();
    let run = Command::new(super::WFC)
        .arg("run")
        .arg(&file)
        .args(["--plain", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("the run store failed"), "{err}");
    assert!(!marker.exists(), "a step ran without a record");
}

/// Polls run `id` until `check` holds for it (at most 20 s).
async fn until_run(
    server: &Server,
    http: &reqwest::Client,
    id: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, run) = get(http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        if status == StatusCode::OK && check(&run) {
            return run;
        }
        assert!(Instant::now() < deadline, "{status} {run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_server_never_answers_succeeded_for_a_run_it_could_not_record() {
    if crate::on_postgres() {
        // (The disk that fills is the state folder's: on PostgreSQL the
        // run's record and logs are in the database, and the run succeeds.)
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let Some(disk) = Tmpfs::mount(&state) else {
        return;
    };
    let flows = workflow(&state, dir.path());
    let mut server = Server::start_in(dir, &[("full.wf", &flows)], &[]);
    let http = reqwest::Client::new();
    let answer = http
        .post(server.url("/workflows/full/runs?wait=30s"))
        .bearer_auth(&server.operator)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "failed", "{body}");
    let id = body["id"].as_str().unwrap().to_owned();

    // Room again: the API reads the run failed, with why.
    disk.free();
    let run = until_run(&server, &http, &id, |r| r["status"] != "running").await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["failed_error"]
            .as_str()
            .is_some_and(|e| e.contains("No space left")),
        "{run}"
    );

    // Killed and started again: the run is not resumed, nothing runs twice.
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();
    let flows = server.path("flows");
    server.restart(&[], &flows);
    let log = server.log.lock().unwrap().clone();
    assert!(!log.contains(&format!("resuming run {id}")), "{log}");
    std::thread::sleep(Duration::from_millis(500));
    let run = until_run(&server, &http, &id, |_| true).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(lines(&server.path("talk.txt")), 1);
    assert!(!server.path("third.txt").exists());
}
