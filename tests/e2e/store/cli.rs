//! The run store end to end, through the real `wfc` binary: crash tests
//! (SIGKILL of wfc while a step runs, during a retry backoff, during a
//! compensation, at an approval, and at random instants), resume, and
//! cancel and approve from a second process. (The store commands, shared
//! stores and history: `store::commands`.)
//!
//! Steps count their executions in files (`COUNT/NAME`), so a test can tell
//! exactly which steps ran twice. After every kill the test checks the
//! store: integrity, the run `interrupted`, nothing left `running`, and
//! that `wfc resume` finishes the run without running again any step that
//! was recorded as succeeded.

use super::{wait_for, Env, CHAIN};
use serde_json::Value as J;
use std::time::{Duration, Instant};
use wfc_testkit::{alive, kill9};

#[test]
fn kill_while_a_step_runs_then_resume() {
    let env = Env::new(CHAIN);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "running");
    wait_for(Duration::from_secs(10), || {
        env.path().join("b.pid").exists()
    });
    // The plan's fingerprints come from a thread; under load they may come
    // after `b` started, with no scheduler turn until it ends: the store's
    // watch thread records them within its 200 ms (`c` is listed from them).
    wait_for(Duration::from_secs(5), || {
        let st = env.json(&["status", &id, "--format", "json"]);
        st["step_list"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["name"] == "c"))
    });
    let pid: i32 = std::fs::read_to_string(env.path().join("b.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kill9(&mut child);
    // The step's process does not survive wfc.
    wait_for(Duration::from_secs(5), || !alive(pid));
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
    let sql = "SELECT COUNT(*) FROM attempts WHERE step = 'b' AND status = 'failed'";
    let attempts = env.one(sql, &[]).int().unwrap();
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
    let text = env.resume_ok(&id);
    // `undo_a` began to undo `a`: `a` runs again rather than being restored.
    assert_eq!((env.count("a"), env.count("b")), (2, 2));
    assert!(
        text.contains("`a` succeeded before, but its compensation ran: it runs again"),
        "{text}"
    );
}

/// A step that succeeded, then was undone by its compensation when the run
/// failed, is not restored by a resume: the resumed run used to succeed on
/// a deployment that no longer existed.
#[test]
fn resume_runs_again_a_step_whose_compensation_ran() {
    let wf = r#"workflow saga {
  param dir: string
  step deploy: shell {
    run "echo up > ${dir}/deployed; echo d >> ${dir}/count/deploy"
    on failure rollback {
      step undeploy: shell { run "rm ${dir}/deployed" }
    }
  }
  step verify: shell { run "echo v >> ${dir}/count/verify; test -f ${dir}/ok"  depends on deploy }
  step use: shell { run "test -f ${dir}/deployed"  depends on verify }
}
"#;
    let env = Env::new(wf);
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!env.path().join("deployed").exists(), "the rollback ran");
    let id = env.run_id();
    env.touch("ok");
    let text = env.resume_ok(&id);
    assert_eq!((env.count("deploy"), env.count("verify")), (2, 2), "{text}");
    assert!(env.path().join("deployed").exists(), "{text}");
    assert!(
        text.contains("`deploy` succeeded before, but its compensation ran: it runs again"),
        "{text}"
    );
}

/// What was built on an undone step runs again too: `b` used `a`'s
/// output, `a` was compensated, so a resume that ran `a` again and
/// restored `b` would report a run whose `b` used what no longer exists.
#[test]
fn resume_runs_again_what_was_built_on_a_compensated_step() {
    let wf = r#"workflow saga {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a; echo tag=v$(wc -l < ${dir}/count/a) >> \"$WF_OUTPUTS\""
    outputs { tag: string }
    on failure rollback {
      step undo_a: shell { run "echo u >> ${dir}/count/undo_a" }
    }
  }
  step b: shell { run "echo ${a.outputs.tag} >> ${dir}/count/b" }
  step later: shell { run "echo l >> ${dir}/count/later"  depends on b }
  step apart: shell { run "echo p >> ${dir}/count/apart" }
  step c: shell { run "test -f ${dir}/ok"  depends on later, apart }
}
"#;
    let env = Env::new(wf);
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.count("undo_a"), 1, "the rollback ran");
    let id = env.run_id();
    env.touch("ok");
    let text = env.resume_ok(&id);
    // `a` again, and `b` and `later` (built on it) again; `apart` not.
    let counts = ["a", "b", "later", "apart"].map(|s| env.count(s));
    assert_eq!(counts, [2, 2, 2, 1], "{text}");
    let b = std::fs::read_to_string(env.path().join("count/b")).unwrap();
    assert_eq!(b, "v1\nv2\n", "b used the new a's output");
    for step in ["b", "later"] {
        let said = format!(
            "`{step}` succeeded before, on top of a step whose compensation ran: it runs again"
        );
        assert!(text.contains(&said), "{text}");
    }
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
        // Killed before the run was recorded (even with the store open):
        // nothing to resume.
        let Some(id) = env.recorded_run() else {
            continue;
        };
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
    // The cancelled attempt and the resumed one are no retry: `b` took one
    // attempt in its last session, and `stats` sees no retry, no flake.
    let st = env.json(&["status", &id, "--format", "json"]);
    let b = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "b")
        .unwrap();
    assert_eq!(b["attempts"], 1, "{b}");
    assert_eq!(b["attempt_log"].as_array().unwrap().len(), 2, "{b}");
    let text = String::from_utf8_lossy(&env.wfc(&["status", &id]).stdout).into_owned();
    assert!(!text.contains("after 2 attempts"), "{text}");
    let stats = env.json(&["stats", "--format", "json"]);
    let steps = stats[0]["steps"].as_array().unwrap();
    let b = steps.iter().find(|s| s["name"] == "b").unwrap();
    assert_eq!(b["retries"], 0, "{b}");
    assert_eq!(stats[0]["flakiest"], serde_json::json!([]), "{stats}");
    // Each session's attempt 1 has a header of its own in `b`'s log, in
    // order (the log showed two alike "attempt 1" headers).
    let logs = env.wfc(&["logs", &id, "b"]);
    assert!(logs.status.success());
    let text = String::from_utf8_lossy(&logs.stdout).into_owned();
    let heads: Vec<&str> = text.lines().filter(|l| l.starts_with("── ")).collect();
    assert_eq!(heads.len(), 2, "{text}");
    assert!(heads[0].starts_with("── attempt 1 · "), "{text}");
    assert!(
        heads[1].starts_with("── attempt 1 (session 2, resumed) · "),
        "{text}"
    );
    let st = env.json(&["status", &id, "--format", "json"]);
    let b = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "b")
        .unwrap();
    let attempts = b["attempt_log"].as_array().unwrap();
    for (head, a) in heads.iter().zip(attempts) {
        let at = a["started_at"].as_str().unwrap();
        assert_eq!(head.rsplit(" · ").next(), Some(format!("{at} ──").as_str()));
    }
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("── ")).collect();
    assert_eq!(body, ["running b", "running b"], "{text}");
    // `wfc logs RUN` shows the same under the step's name.
    let all = String::from_utf8_lossy(&env.wfc(&["logs", &id]).stdout).into_owned();
    assert!(all.contains(&format!("==> b <==\n{text}")), "{all}");
}

/// Without `--as` and without `$USER` or `$LOGNAME` (a container, cron),
/// the decision is recorded under the account's login name, never
/// `unknown`.
#[test]
fn an_approval_without_user_variables_records_the_login_name() {
    let wf = r#"workflow gated {
  param dir: string
  step ok: gate { approval "ops" }
}
"#;
    let env = Env::new(wf);
    let child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("ok", "waiting");
    let out = env
        .cmd(&["approve", &id, "ok"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    child.wait_with_output().unwrap();
    let by = env.one(
        "SELECT by FROM approvals WHERE run_id = $1",
        &[(&id).into()],
    );
    let by = by.text().unwrap().to_owned();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    assert_eq!(by, String::from_utf8_lossy(&me.stdout).trim());
    assert_ne!(by, "unknown");
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
    let step = |n: &str| wfc_testkit::report_step(&report, n);
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

/// `wfc run … 2>&1 | head -1` from a shell: a run whose stdout and stderr
/// are one pipe, its reader gone after the first line. Returns the shell,
/// the run's id and wfc's pid once step `a` runs; wfc's exit code goes to
/// the file `code`.
fn run_into_a_closed_pipe(env: &Env) -> (std::process::Child, String, i32) {
    let script =
        r#"{ "$0" run flow.wf --plain -p dir="$PWD" 2>&1; echo $? > code; } | head -1 > first"#;
    let shell = env.case.shell(script).command().spawn().unwrap();
    let id = env.run_id();
    env.wait_step("a", "running");
    // `head` has gone: the pipe has no reader.
    wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(env.path().join("first")).is_ok_and(|l| l.starts_with("run "))
    });
    let pid = env.one("SELECT pid FROM runs WHERE id = $1", &[(&id).into()]);
    let pid = pid.int().unwrap();
    (shell, id, pid as i32)
}

/// Waits for the shell of [`run_into_a_closed_pipe`] to end (at most 20 s;
/// wfc is killed after that) and returns wfc's exit code.
fn exit_code_within(env: &Env, shell: &mut std::process::Child, pid: i32) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if shell.try_wait().unwrap().is_some() {
            let code = std::fs::read_to_string(env.path().join("code")).unwrap();
            return code.trim().parse().ok();
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
    let _ = shell.wait();
    None
}

const CLOSED_PIPE: &str = r#"workflow piped {
  param dir: string
  step a: shell { run "echo one; echo two; while :; do echo more; sleep 0.05; done" }
  finally {
    step fin: shell { run "echo fin >> ${dir}/count/fin" }
  }
}
"#;

/// SIGTERM reaches a run whose output nobody reads any more: it cancels,
/// `finally` runs and wfc exits 130 (a write to the closed pipe used to
/// panic the signal handler's task, and wfc never exited).
#[test]
fn sigterm_cancels_a_run_whose_output_pipe_is_closed() {
    let env = Env::new(CLOSED_PIPE);
    let (mut shell, id, pid) = run_into_a_closed_pipe(&env);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(exit_code_within(&env, &mut shell, pid), Some(130));
    assert_eq!(env.count("fin"), 1, "`finally` ran");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "cancelled", "{st:#}");
}

/// `wfc cancel` reaches such a run too (the store's watch thread used to
/// die at its message: no heartbeat, the cancel never acted on).
#[test]
fn wfc_cancel_stops_a_run_whose_output_pipe_is_closed() {
    let env = Env::new(CLOSED_PIPE);
    let (mut shell, id, pid) = run_into_a_closed_pipe(&env);
    let out = env.wfc(&["cancel", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(exit_code_within(&env, &mut shell, pid), Some(130));
    assert_eq!(env.count("fin"), 1, "`finally` ran");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "cancelled", "{st:#}");
}

/// `wfc resume` into a closed pipe resumes all the same (its messages
/// before the run used to panic on the failed write, and nothing resumed).
#[test]
fn resume_into_a_closed_pipe_still_resumes() {
    let env = Env::new(
        r#"workflow fix {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a; test -f ${dir}/ok" }
}
"#,
    );
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let id = env.run_id();
    env.touch("ok");
    // The reader is gone before wfc writes a byte.
    let script = format!("(sleep 0.3; \"$0\" resume {id} --plain; echo $? > code) 2>&1 | true");
    let status = env.case.shell(&script).command().status().unwrap();
    assert_eq!(status.code(), Some(0));
    let code = std::fs::read_to_string(env.path().join("code")).unwrap();
    assert_eq!(code.trim(), "0");
    assert_eq!(env.count("a"), 2);
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "succeeded", "{st:#}");
}

/// After `kill -9` of wfc the reaper kills each running step's process
/// group at once, before it sweeps `/proc` for the session's tag: a
/// process of the step's group that cleared its environment (which the
/// sweep cannot recognise) goes too.
#[test]
fn kill9_stops_the_running_steps_process_groups() {
    let env = Env::new(
        r#"workflow grouped {
  param dir: string
  step a: shell {
    run "env -u WFC_REAPER_TAG sh -c 'echo $$ > ${dir}/stray.pid; exec sleep 30' & wait"
  }
}
"#,
    );
    let mut child = env.spawn_run(&[]);
    let pid_file = env.path().join("stray.pid");
    wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
    });
    let stray: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kill9(&mut child);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) && alive(stray) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let gone = !alive(stray);
    if !gone {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(stray),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(gone, "the step's group outlived wfc");
}

/// A resumed run is the same run: `run.id` and `run.started` in its
/// handlers are those of the first session.
#[test]
fn resume_keeps_the_run_id_and_first_start() {
    let wf = r#"workflow again {
  param dir: string
  step a: shell { run "test -f ${dir}/fixed" }
  finally {
    step ctx: shell { run "echo ${run.id} ${run.started} ${run.status} >> ${dir}/ctx" }
  }
}
"#;
    let env = Env::new(wf);
    let out = env.spawn_run(&[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let id = env.run_id();
    // A start taken anew would differ, to the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.touch("fixed");
    env.resume_ok_with(&id, &[]);
    let ctx = std::fs::read_to_string(env.path().join("ctx")).unwrap();
    let lines: Vec<Vec<&str>> = ctx.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 2, "{ctx}");
    assert_eq!(lines[0][0], id, "{ctx}");
    assert_eq!(lines[0][..2], lines[1][..2], "{ctx}");
    assert_eq!((lines[0][2], lines[1][2]), ("failed", "succeeded"), "{ctx}");
}
