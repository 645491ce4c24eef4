//! The run store end to end, through the real `wfc` binary: crash tests
//! (SIGKILL of wfc while a step runs, during a retry backoff, during a
//! compensation, at an approval, and at random instants), resume, cancel and
//! approve from a second process, concurrent runs sharing one store, the
//! store commands' output, and history estimates in `wfc plan`.
//!
//! Steps count their executions in files (`COUNT/NAME`), so a test can tell
//! exactly which steps ran twice. After every kill the test checks the
//! store: integrity, the run `interrupted`, nothing left `running`, and
//! that `wfc resume` finishes the run without running again any step that
//! was recorded as succeeded.

use serde_json::Value as J;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const WFC: &str = env!("CARGO_BIN_EXE_wfc");

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(workflow: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("count")).unwrap();
        std::fs::write(dir.path().join("flow.wf"), workflow).unwrap();
        Env { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(WFC);
        c.args(args)
            .current_dir(self.path())
            .env_remove("WFC_STATE_DIR")
            .env("NO_COLOR", "1");
        c
    }

    fn wfc(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> J {
        let out = self.wfc(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `wfc run flow.wf -p dir=DIR --plain …` in the background.
    fn spawn_run(&self, extra: &[&str]) -> Child {
        let dir = self.path().display().to_string();
        let mut args = vec!["run", "flow.wf", "--plain", "-p"];
        let p = format!("dir={dir}");
        args.push(&p);
        args.extend_from_slice(extra);
        self.cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn count(&self, step: &str) -> usize {
        std::fs::read_to_string(self.path().join("count").join(step))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn touch(&self, name: &str) {
        std::fs::write(self.path().join(name), "").unwrap();
    }

    fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path().join(".wfc/runs.db")).unwrap()
    }

    /// The only run's id (after it was recorded).
    fn run_id(&self) -> String {
        wait_for(Duration::from_secs(10), || {
            self.path().join(".wfc/runs.db").exists()
                && self
                    .conn()
                    .query_row(
                        "SELECT id FROM runs ORDER BY started_at DESC LIMIT 1",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                    .ok()
                    .is_some()
        });
        self.conn()
            .query_row(
                "SELECT id FROM runs ORDER BY started_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// A step's status in the store (`None`: not recorded yet).
    fn step_status(&self, step: &str) -> Option<String> {
        self.conn()
            .query_row(
                "SELECT status FROM steps WHERE graph = ?2 AND name = ?1",
                [
                    step,
                    if step.starts_with("undo") {
                        "rollback"
                    } else {
                        "main"
                    },
                ],
                |r| r.get(0),
            )
            .ok()
    }

    fn wait_step(&self, step: &str, status: &str) {
        wait_for(Duration::from_secs(20), || {
            self.step_status(step).as_deref() == Some(status)
        });
    }

    /// Checks the store after a kill: integrity, the run interrupted once a
    /// store command has looked, nothing left running. Returns the steps
    /// recorded as succeeded.
    fn check_after_kill(&self, id: &str) -> Vec<String> {
        let st = self.json(&["status", id, "--format", "json"]);
        assert_eq!(st["status"], "interrupted", "{st:#}");
        let c = self.conn();
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let running: i64 = c
            .query_row(
                "SELECT (SELECT COUNT(*) FROM steps WHERE status IN ('running', 'waiting'))
                      + (SELECT COUNT(*) FROM attempts WHERE status = 'running')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(running, 0);
        let mut q = c
            .prepare("SELECT name FROM steps WHERE graph = 'main' AND status = 'succeeded'")
            .unwrap();
        let done: Vec<String> = q
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        done
    }

    /// `wfc resume ID` to the end; asserts it succeeds.
    fn resume_ok(&self, id: &str) -> String {
        self.resume_ok_with(id, &[])
    }

    /// [`Self::resume_ok`] with more arguments.
    fn resume_ok_with(&self, id: &str, more: &[&str]) -> String {
        let mut args = vec!["resume", id, "--plain"];
        args.extend_from_slice(more);
        let out = self.wfc(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "resume failed:\n{text}");
        let st = self.json(&["status", id, "--format", "json"]);
        assert_eq!(st["status"], "succeeded");
        assert_eq!(st["sessions"], 2);
        text
    }
}

fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn kill9(child: &mut Child) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    let _ = child.wait();
}

fn pid_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => s
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z')),
    }
}

/// a → b → c with counting steps; `b` waits for the file `go` (or sleeps,
/// recording its pid in `b.pid`), so a test can kill wfc while it runs.
const CHAIN: &str = r#"workflow chain {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a; echo value=42 >> $WF_OUTPUTS"
    outputs { value: int }
  }
  step b: shell {
    run "echo b >> ${dir}/count/b; echo running b; echo $$ > ${dir}/b.pid; if [ -f ${dir}/go ]; then exit 0; fi; exec sleep 30"
    depends on a
  }
  step c: shell {
    run "echo c >> ${dir}/count/c; echo got ${a.outputs.value} > ${dir}/c.out"
    depends on b
  }
}
"#;

#[test]
fn kill_while_a_step_runs_then_resume() {
    let env = Env::new(CHAIN);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "running");
    wait_for(Duration::from_secs(10), || {
        env.path().join("b.pid").exists()
    });
    std::thread::sleep(Duration::from_millis(100));
    let pid: i32 = std::fs::read_to_string(env.path().join("b.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kill9(&mut child);
    // The step's process does not survive wfc.
    wait_for(Duration::from_secs(5), || pid_gone(pid));
    let done = env.check_after_kill(&id);
    assert_eq!(done, ["a"]);
    let st = env.json(&["status", &id, "--format", "json"]);
    let b = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "b")
        .unwrap();
    assert_eq!(b["status"], "interrupted");
    let c = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "c")
        .unwrap();
    assert_eq!(c["status"], "pending");
    env.touch("go");
    let text = env.resume_ok(&id);
    assert!(text.contains("1 of 3 steps succeeded before"), "{text}");
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 2, 1));
    // `a`'s output was restored from the store, not recomputed.
    assert_eq!(
        std::fs::read_to_string(env.path().join("c.out"))
            .unwrap()
            .trim(),
        "got 42"
    );
    // History sees one run, succeeded over two sessions.
    let h = env.json(&["history", "--format", "json"]);
    assert_eq!(h.as_array().unwrap().len(), 1);
    for k in ["id", "workflow", "status", "started_at", "duration_seconds"] {
        assert!(h[0].get(k).is_some(), "history lacks {k}");
    }
    assert_eq!(h[0]["workflow"], "chain");
    // The event log tells the story, interruption included.
    let ev = env.wfc(&["status", &id, "--events"]);
    let ev = String::from_utf8_lossy(&ev.stdout);
    for kind in ["run_started", "run_interrupted", "run_resumed", "run_ended"] {
        assert!(ev.contains(kind), "no {kind} in:\n{ev}");
    }
    // Logs of both sessions are kept.
    let logs = env.wfc(&["logs", &id, "b"]);
    let text = String::from_utf8_lossy(&logs.stdout);
    assert_eq!(text.matches("── attempt 1").count(), 2, "{text}");
}

#[test]
fn kill_during_a_retry_backoff_then_resume() {
    let env = Env::new(
        r#"workflow flaky {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step b: shell {
    run "echo b >> ${dir}/count/b; test -f ${dir}/go"
    retry 3 backoff 20s
    depends on a
  }
  step c: shell { run "echo c >> ${dir}/count/c"  depends on b }
}
"#,
    );
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "waiting");
    kill9(&mut child);
    let done = env.check_after_kill(&id);
    assert_eq!(done, ["a"]);
    let attempts: i64 = env
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM attempts WHERE step = 'b' AND status = 'failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        attempts, 1,
        "the failed attempt before the backoff is recorded"
    );
    env.touch("go");
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b"), env.count("c")), (1, 2, 1));
}

#[test]
fn kill_during_compensation_then_resume() {
    let env = Env::new(
        r#"workflow saga {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a"
    on failure rollback {
      step undo_a: shell { run "echo u >> ${dir}/count/undo_a; test -f ${dir}/go || exec sleep 30" }
    }
  }
  step b: shell { run "echo b >> ${dir}/count/b; test -f ${dir}/go"  depends on a }
}
"#,
    );
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("undo_a", "running");
    kill9(&mut child);
    let done = env.check_after_kill(&id);
    assert_eq!(done, ["a"]);
    assert_eq!(env.step_status("b").as_deref(), Some("failed"));
    assert_eq!(env.step_status("undo_a").as_deref(), Some("interrupted"));
    env.touch("go");
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b")), (1, 2));
}

#[test]
fn kill_at_an_approval_then_approve_and_resume() {
    let env = Env::new(
        r#"workflow gated {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step ok: gate { approval "release manager"  depends on a }
  step b: shell { run "echo b >> ${dir}/count/b"  depends on ok }
}
"#,
    );
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("ok", "waiting");
    kill9(&mut child);
    assert_eq!(env.check_after_kill(&id), ["a"]);
    let out = env.wfc(&["approve", &id, "ok", "--as", "alice"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("wfc resume"));
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b")), (1, 1));
    let st = env.json(&["status", &id, "--format", "json"]);
    let gate = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ok")
        .unwrap();
    assert_eq!(gate["outputs"]["approved_by"], "alice");
}

/// Kills wfc at random instants of a run of short steps; each time the
/// store is consistent and the resume runs no recorded success again.
#[test]
fn kill_at_random_instants_then_resume() {
    let mut wf = String::from("workflow many {\n  param dir: string\n");
    for i in 0..12 {
        let dep = if i >= 2 {
            format!("  depends on s{}", i - 2)
        } else {
            String::new()
        };
        wf.push_str(&format!(
            "  step s{i}: shell {{ run \"echo x >> ${{dir}}/count/s{i}; sleep 0.05\"{dep} }}\n"
        ));
    }
    wf.push_str("}\n");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut interrupted = 0;
    for round in 0..8 {
        let env = Env::new(&wf);
        let mut child = env.spawn_run(&["-j", "2"]);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = 30 + seed % 400;
        std::thread::sleep(Duration::from_millis(delay));
        kill9(&mut child);
        if !env.path().join(".wfc/runs.db").exists() {
            continue; // killed before the run was recorded: nothing to resume
        }
        let id = env.run_id();
        let st = env.json(&["status", &id, "--format", "json"]);
        if st["status"] == "succeeded" {
            continue;
        }
        let done = env.check_after_kill(&id);
        interrupted += 1;
        eprintln!(
            "round {round}: killed at {delay} ms with {} of 12 steps recorded as succeeded",
            done.len()
        );
        env.resume_ok(&id);
        for i in 0..12 {
            let name = format!("s{i}");
            let n = env.count(&name);
            if done.contains(&name) {
                assert_eq!(n, 1, "round {round} (kill at {delay} ms): {name} succeeded before the kill and ran again");
            } else {
                assert!(n >= 1, "round {round}: {name} never ran");
            }
        }
    }
    assert!(
        interrupted >= 3,
        "only {interrupted} rounds were killed mid-run"
    );
}

#[test]
fn cancel_from_another_process_then_resume() {
    let env = Env::new(CHAIN);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "running");
    let started = Instant::now();
    let out = env.wfc(&["cancel", &id, "--wait"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "cancelled promptly"
    );
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "cancelled");
    // Cancelling a run that is over is refused.
    assert!(!env.wfc(&["cancel", &id]).status.success());
    env.touch("go");
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("c")), (1, 1));
}

#[test]
fn approve_and_reject_from_another_process() {
    let wf = r#"workflow gated {
  param dir: string
  step ok: gate { approval "ops" }
  step b: shell { run "echo b >> ${dir}/count/b"  depends on ok }
}
"#;
    // Approve.
    let env = Env::new(wf);
    let child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("ok", "waiting");
    let st = env.wfc(&["status", &id]);
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(text.contains(&format!("wfc approve {id} ok")), "{text}");
    let out = env.wfc(&["approve", &id, "ok", "--as", "alice"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("wfc approve {id} ok")),
        "the waiting message names the command:\n{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(env.count("b"), 1);
    // Reject.
    let env = Env::new(wf);
    let child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("ok", "waiting");
    assert!(env.wfc(&["approve", &id, "nope"]).status.code() != Some(0));
    assert!(env.wfc(&["reject", &id, "ok"]).status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.count("b"), 0);
    assert_eq!(env.step_status("ok").as_deref(), Some("failed"));
}

#[test]
fn concurrent_runs_share_one_store() {
    let mut wf = String::from("workflow wide {\n  param dir: string\n");
    for i in 0..15 {
        wf.push_str(&format!(
            "  step s{i}: shell {{ run \"echo x >> ${{dir}}/count/s{i}\" }}\n"
        ));
    }
    wf.push_str("}\n");
    let env = Env::new(&wf);
    let children: Vec<Child> = (0..4).map(|_| env.spawn_run(&["-j", "2"])).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    }
    let h = env.json(&["history", "wide", "--format", "json"]);
    let runs = h.as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"));
    let s = env.json(&["stats", "--format", "json"]);
    assert_eq!(s[0]["runs"], 4);
    assert_eq!(s[0]["steps"].as_array().unwrap().len(), 15);
    assert!(s[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["runs"] == 4));
    assert_eq!(env.count("s0"), 4);
}

#[test]
fn resume_refuses_a_changed_succeeded_step_and_takes_a_fixed_failing_one() {
    let wf = r#"workflow fix {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step b: shell { run "echo b >> ${dir}/count/b; exit 1"  depends on a }
}
"#;
    let env = Env::new(wf);
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wfc resume"));
    let id = env.run_id();
    // Changing `a`, which succeeded: refused, saying what changed.
    std::fs::write(
        env.path().join("flow.wf"),
        wf.replace("echo a >>", "echo A >>"),
    )
    .unwrap();
    let out = env.wfc(&["resume", &id]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("step `a` changed") && err.contains("already succeeded"),
        "{err}"
    );
    assert!(err.contains("echo A"), "says how: {err}");
    // Fixing `b`, which failed: taken in.
    std::fs::write(env.path().join("flow.wf"), wf.replace("; exit 1", "")).unwrap();
    let report = env.path().join("report.json");
    let text = env.resume_ok_with(&id, &["-o", &report.display().to_string()]);
    let report: J = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let step = |n: &str| wfc::testing::report_step(&report, n);
    assert_eq!(step("a")["restored"], true);
    assert_eq!(step("a")["status"], "succeeded");
    assert_eq!(step("b")["attempts"], 1);
    assert!(text.contains("step `b` changed"), "{text}");
    assert_eq!((env.count("a"), env.count("b")), (1, 2));
    // The step not run again is shown as such, live and in the summary.
    assert!(
        text.contains("a | ✓ restored: succeeded in an earlier session"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("a ") && l.contains("succeeded (earlier)")),
        "{text}"
    );
    // A succeeded run has nothing to resume.
    assert_eq!(env.wfc(&["resume", &id]).status.code(), Some(2));
}

/// Iterations of a loop over a run-time list that succeeded are restored by
/// `wfc resume` once the loop is unrolled again; the failed one runs again.
#[test]
fn resume_restores_the_iterations_of_a_run_time_loop() {
    let wf = r#"workflow rt {
  param dir: string
  step discover: shell {
    run "echo 'xs=[\"a\",\"b\",\"c\"]' >> $WF_OUTPUTS"
    outputs { xs: list<string> }
  }
  for each x in discover.outputs.xs {
    step work: shell { run "echo ${x} >> ${dir}/count/${x}; test ${x} != b || test -e ${dir}/fixed" }
  }
}
"#;
    let env = Env::new(wf);
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let id = env.run_id();
    env.touch("fixed");
    let text = env.resume_ok(&id);
    assert_eq!(
        (env.count("a"), env.count("b"), env.count("c")),
        (1, 2, 1),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("work[a] ") && l.contains("succeeded (earlier)")),
        "{text}"
    );
}

#[test]
fn store_commands_without_a_store_and_state_dir() {
    let env = Env::new(CHAIN);
    let out = env.wfc(&["history"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no runs recorded"));
    env.touch("go");
    let dir = env.path().display().to_string();
    let other = env.path().join("elsewhere");
    let out = env
        .cmd(&["run", "flow.wf", "--plain", "-p", &format!("dir={dir}")])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(other.join("runs.db").exists() && !env.path().join(".wfc").exists());
    let h = env.wfc(&["history", "--state-dir", &other.display().to_string()]);
    assert!(String::from_utf8_lossy(&h.stdout).contains("succeeded"));
    // --no-store records nothing.
    let out = env.wfc(&[
        "run",
        "flow.wf",
        "--plain",
        "--no-store",
        "-p",
        &format!("dir={dir}"),
    ]);
    assert!(out.status.success());
    assert!(!env.path().join(".wfc").exists());
    // With history, `wfc plan` says where estimates come from.
    let plan = env
        .cmd(&["plan", "flow.wf", "-p", "dir=x", "--format", "json"])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    let plan: J = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["estimate_source"] == "history"));
    let text = env
        .cmd(&["plan", "flow.wf", "-p", "dir=x"])
        .env("WFC_STATE_DIR", &other)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("(history)"));
}

#[test]
fn a_run_orders_its_steps_by_history_estimates() {
    // Two independent steps, one worker. With equal (default) estimates the
    // one declared first goes first; once the history says `slow` takes
    // longer, `slow` goes first (highest remaining critical path first).
    let env = Env::new(
        "workflow order {\n  step quick: shell {\n    run \"echo quick >> order\"\n  }\n  step slow: shell {\n    run \"sleep 0.3; echo slow >> order\"\n  }\n}\n",
    );
    let order = || std::fs::read_to_string(env.path().join("order")).unwrap();
    for expected in ["quick\nslow\n", "slow\nquick\n"] {
        let _ = std::fs::remove_file(env.path().join("order"));
        let out = env.wfc(&["run", "flow.wf", "--plain", "--jobs", "1"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(order(), expected);
    }
    // --no-store reads the history too (it records nothing).
    let _ = std::fs::remove_file(env.path().join("order"));
    let out = env.wfc(&["run", "flow.wf", "--plain", "--jobs", "1", "--no-store"]);
    assert!(out.status.success());
    assert_eq!(order(), "slow\nquick\n");
}

#[test]
fn a_run_that_does_not_compile_leaves_the_store_as_it_was() {
    // A file with errors records nothing, creates no store where none is,
    // and leaves an existing one as it was.
    let env = Env::new(CHAIN);
    std::fs::write(
        env.path().join("broken.wf"),
        "workflow broken {\n  step a: shel { }\n}\n",
    )
    .unwrap();
    let out = env.wfc(&["run", "broken.wf", "--plain"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(!env.path().join(".wfc").exists(), "no store is created");

    env.touch("go");
    let dir = env.path().display().to_string();
    let p = format!("dir={dir}");
    let first = env.wfc(&["run", "flow.wf", "--plain", "-p", &p]);
    assert!(first.status.success(), "{first:?}");
    let out = env.wfc(&["run", "broken.wf", "--plain"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let runs = |env: &Env| -> i64 {
        env.conn()
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(runs(&env), 1, "the broken file's run is not recorded");

    // The next good run is recorded whole, with its fingerprints.
    let second = env.wfc(&["run", "flow.wf", "--plain", "-p", &p]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(runs(&env), 2);
    let id = env.run_id();
    let steps: Vec<(String, String)> = env
        .conn()
        .prepare("SELECT name, status FROM steps WHERE run_id = ?1 ORDER BY seq")
        .unwrap()
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let want = ["a", "b", "c"].map(|s| (s.to_owned(), "succeeded".to_owned()));
    assert_eq!(steps, want);
    let plan: Option<Vec<u8>> = env
        .conn()
        .query_row("SELECT plan FROM runs WHERE id = ?1", [&id], |r| r.get(0))
        .unwrap();
    assert!(
        plan.is_some_and(|p| !p.is_empty()),
        "the fingerprints are recorded"
    );
}

/// The run's priorities come from the history of earlier runs (for a small
/// file the store is opened while the file compiles): with one worker, the
/// step that took longest last time starts first.
#[test]
fn the_history_of_earlier_runs_orders_the_next_run() {
    let wf = r#"workflow order {
  param dir: string
  step quick: shell { run "echo quick >> ${dir}/count/order" }
  step slow: shell { run "sleep 0.3; echo slow >> ${dir}/count/order" }
}
"#;
    let env = Env::new(wf);
    let order = || {
        let path = env.path().join("count").join("order");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        text.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    for _ in 0..2 {
        let out = env.spawn_run(&["--jobs", "1"]).wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Equal default estimates: declaration order; then the history's.
    let runs = std::fs::read_to_string(env.path().join("count").join("order")).unwrap();
    assert_eq!(
        runs.lines().collect::<Vec<_>>(),
        ["quick", "slow", "slow", "quick"]
    );
    std::fs::remove_file(env.path().join("count").join("order")).unwrap();
    // Without the store the history is still read.
    let out = env
        .spawn_run(&["--jobs", "1", "--no-store"])
        .wait_with_output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(order(), ["slow", "quick"]);
}
