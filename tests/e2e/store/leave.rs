//! `wfc run --on-interrupt leave`: a signal while the run only waits
//! leaves it waiting in the store, with no process (exit 4); `wfc approve`
//! and `wfc resume` then finish it without running again what ran. A run
//! that still works when the signal comes is cancelled as before.

use super::{wait_for, Env};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::Duration;

const GATED: &str = r#"
workflow gated {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step g: gate {
    approval "ops"
    depends on a
  }
  step b: shell {
    run "echo b >> ${dir}/count/b"
    depends on g
  }
}
"#;

const BUSY: &str = r#"
workflow busy {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a; sleep 30" }
  finally {
    step tidy: shell { run "echo t >> ${dir}/count/tidy" }
  }
}
"#;

#[test]
fn a_run_left_at_an_approval_is_finished_by_approve_and_resume() {
    let env = Env::new(GATED);
    let mut child = env.spawn_run(&["--on-interrupt", "leave"]);
    let id = env.run_id();
    env.wait_step("g", "waiting");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(4), "{status:?}");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "waiting", "{st:#}");
    let parked = env.one(
        "SELECT COUNT(*) FROM parked WHERE run_id = $1",
        &[(&id).into()],
    );
    assert_eq!(parked.int(), Some(1));
    // No process runs it: nothing reaps it, however long it waits.
    assert!(env.wfc(&["history"]).status.success());
    assert_eq!(
        env.json(&["status", &id, "--format", "json"])["status"],
        "waiting"
    );

    let out = env.wfc(&["approve", &id, "g"]);
    assert!(out.status.success(), "{out:?}");
    let out = env.wfc(&["resume", &id, "--plain"]);
    assert!(out.status.success(), "{out:?}");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "succeeded", "{st:#}");
    assert_eq!(env.count("a"), 1, "a ran again");
    assert_eq!(env.count("b"), 1);
}

#[test]
fn a_run_that_still_works_is_cancelled_even_when_asked_to_be_left() {
    let env = Env::new(BUSY);
    let mut child = env.spawn_run(&["--on-interrupt", "leave"]);
    env.run_id();
    wait_for(Duration::from_secs(20), || env.count("a") == 1);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(env.count("tidy"), 1);
}

#[test]
fn a_run_is_cancelled_at_a_wait_by_default_off_a_terminal() {
    let env = Env::new(GATED);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("g", "waiting");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "cancelled", "{st:#}");
}
