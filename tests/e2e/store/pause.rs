//! `wfc pause RUN` from another process: the run's running step finishes,
//! nothing new starts — no step, no retry — until `wfc resume RUN`; the
//! pause is listed (`paused`), refused twice and for a run that is over,
//! and kept in the store, so a run killed while paused and resumed goes
//! on (an explicit `wfc resume` lets it).

use super::{wait_for, Env};
use std::time::Duration;
use wfc_testkit::kill9;

/// `a` waits for `go`; `b` follows it; `r` fails its first attempt and is
/// retried after a short backoff.
const PAUSED: &str = r#"
workflow paused {
  param dir: string
  step a: shell {
    run "echo a >> ${dir}/count/a; while [ ! -e ${dir}/go ]; do sleep 0.05; done"
  }
  step b: shell {
    run "echo b >> ${dir}/count/b"
    depends on a
  }
  step r: shell {
    run "echo r >> ${dir}/count/r; [ -e ${dir}/r.ok ] || { touch ${dir}/r.ok; exit 1; }"
    retry 1 backoff 2s
    depends on a
  }
}
"#;

fn listed(env: &Env, status: &str) -> Vec<String> {
    let h = env.json(&["history", "--status", status, "--format", "json"]);
    h.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_paused_run_starts_nothing_until_it_is_resumed() {
    let env = Env::new(PAUSED);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("a", "running");
    let out = env.wfc(&["pause", &id, "--as", "ana"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("paused run"));
    assert_eq!(listed(&env, "paused"), std::slice::from_ref(&id));
    let again = env.wfc(&["pause", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("paused already (by ana"),
        "{again:?}"
    );

    // The running step finishes; nothing after it starts.
    env.touch("go");
    env.wait_step("a", "succeeded");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!((env.count("b"), env.count("r")), (0, 0));
    assert!(child.try_wait().unwrap().is_none(), "the paused run ended");

    // Let go: both start; `r` fails once, and its retry waits while paused.
    let out = env.wfc(&["resume", &id]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("goes on (paused by ana"));
    wait_for(Duration::from_secs(10), || env.count("r") == 1);
    assert!(env.wfc(&["pause", &id]).status.success());
    // Past the 2 s backoff.
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(
        env.count("r"),
        1,
        "a retry started while the run was paused"
    );
    assert!(env.wfc(&["resume", &id]).status.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!((env.count("a"), env.count("b"), env.count("r")), (1, 1, 2));
    assert!(listed(&env, "paused").is_empty());

    // The events say who paused and who let it go on.
    let ev = env.wfc(&["status", &id, "--events"]);
    let text = String::from_utf8_lossy(&ev.stdout);
    assert_eq!(
        text.matches("paused").count() - text.matches("unpaused").count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches("unpaused").count(), 2, "{text}");
    // A run that is over is not paused.
    let over = env.wfc(&["pause", &id]);
    assert_eq!(over.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&over.stderr).contains("is not running (it is succeeded)"));
}

#[test]
fn a_run_killed_while_paused_stays_paused_until_resume_lets_it_go_on() {
    let env = Env::new(PAUSED);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("a", "running");
    assert!(env.wfc(&["pause", &id]).status.success());
    env.touch("go");
    env.wait_step("a", "succeeded");
    kill9(&mut child);
    // Interrupted, and still marked paused: a server would resume it paused.
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "interrupted", "{st}");
    let sql = "SELECT paused_at IS NOT NULL FROM runs WHERE id = $1";
    let still_paused = env.one(sql, &[(&id).into()]).int().unwrap() != 0;
    assert!(still_paused);
    // `wfc resume` is the person's word to go on.
    env.resume_ok(&id);
    assert_eq!((env.count("a"), env.count("b"), env.count("r")), (1, 1, 2));
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "succeeded", "{st}");
}

/// `z` runs when paused, then fails; `retry 3` has no backoff.
const RETRIES_AT_ONCE: &str = r#"
workflow at_once {
  param dir: string
  step z: shell {
    run "echo z >> ${dir}/count/z; while [ ! -e ${dir}/go ]; do sleep 0.05; done; exit 1"
    retry 3
  }
}
"#;

/// #69: a retry without `backoff` follows at once, and it did so while the
/// run was paused (4 attempts in an 8 s pause): it must ask the paused
/// scheduler like any other retry.
#[test]
fn a_retry_without_backoff_waits_while_paused() {
    let env = Env::new(RETRIES_AT_ONCE);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("z", "running");
    assert!(env.wfc(&["pause", &id]).status.success());
    env.touch("go");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        env.count("z"),
        1,
        "a retry started while the run was paused"
    );
    assert!(child.try_wait().unwrap().is_none(), "the paused run ended");
    assert!(env.wfc(&["resume", &id]).status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
    assert_eq!(env.count("z"), 4, "every attempt ran once resumed");
}
