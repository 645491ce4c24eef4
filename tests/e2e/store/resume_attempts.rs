//! A resumed step goes on counting, through the real `wfc` binary: a step
//! fails once, its second attempt is cut short (wfc killed, or the run
//! cancelled from another process), and `wfc resume` gives it only the
//! retries left — the cut attempt is not counted as one, and is done
//! again under its number — numbering its attempts on from the store; a
//! retry's `within` runs from its first attempt, in the earlier session.
//! The same holds when the cut comes in the wait before a retry (the
//! attempt before it failed): the resumed step does that retry, not all of
//! them again, when its backoff ends as counted from the failure.

use super::{wait_for, Env};
use std::time::Duration;
use wfc_testkit::kill9;

/// `b` fails its first attempt; its second waits (until killed or
/// cancelled) unless `go` exists; every later one fails.
fn flaky(retry: &str) -> String {
    format!(
        r#"workflow flaky {{
  param dir: string
  step b: shell {{
    run "echo b >> ${{dir}}/count/b; if [ $(wc -l < ${{dir}}/count/b) -eq 2 ] && [ ! -f ${{dir}}/go ]; then touch ${{dir}}/b.waiting; exec sleep 30; fi; exit 1"
    {retry}
  }}
}}
"#
    )
}

/// `b`'s recorded attempts, `session:number status`, in order.
fn attempts(env: &Env) -> Vec<String> {
    let sql = "SELECT session, number, status FROM attempts WHERE step = 'b'
               ORDER BY session, number";
    env.rows(sql, &[])
        .iter()
        .map(|r| {
            let (session, number) = (r[0].int().unwrap(), r[1].int().unwrap());
            format!("{session}:{number} {}", r[2].text().unwrap())
        })
        .collect()
}

/// Runs until `b`'s second attempt waits, then cuts it short with `cut`.
fn cut_second_attempt(env: &Env, cut: impl FnOnce(&Env, &str, &mut std::process::Child)) -> String {
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    wait_for(Duration::from_secs(20), || {
        env.path().join("b.waiting").exists()
    });
    cut(env, &id, &mut child);
    id
}

#[test]
fn a_killed_attempt_is_not_a_retry_and_the_count_goes_on() {
    let env = Env::new(&flaky("retry 3"));
    let id = cut_second_attempt(&env, |env, id, child| {
        kill9(child);
        env.check_after_kill(id);
    });
    env.touch("go");
    let out = env.wfc(&["resume", &id]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    // 4 attempts allowed: 1 failed before, so 3 now (not 4 afresh, and
    // not 2 as if the killed one had been a retry).
    assert_eq!(env.count("b"), 5);
    assert_eq!(
        attempts(&env),
        [
            "1:1 failed",
            "1:2 interrupted",
            "2:2 failed",
            "2:3 failed",
            "2:4 failed"
        ]
    );
}

#[test]
fn a_cancelled_attempt_is_not_a_retry_and_the_count_goes_on() {
    let env = Env::new(&flaky("retry 2"));
    let id = cut_second_attempt(&env, |env, id, child| {
        let out = env.wfc(&["cancel", id, "--wait"]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(child.wait().unwrap().code(), Some(130));
    });
    env.touch("go");
    let out = env.wfc(&["resume", &id]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(env.count("b"), 4);
    assert_eq!(
        attempts(&env),
        ["1:1 failed", "1:2 cancelled", "2:2 failed", "2:3 failed"]
    );
}

#[test]
fn a_retry_deadline_runs_from_the_first_attempt_of_an_earlier_session() {
    let env = Env::new(&flaky("retry 5 within 1s"));
    let id = cut_second_attempt(&env, |env, id, child| {
        kill9(child);
        env.check_after_kill(id);
    });
    // Wait until the deadline, counted from the first attempt, is past.
    let sql = "SELECT MIN(started_at) FROM attempts WHERE step = 'b'";
    let first = env.one(sql, &[]).int().unwrap();
    wait_for(Duration::from_secs(10), || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        now > first + 1500
    });
    env.touch("go");
    let out = env.wfc(&["resume", &id]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    // No attempt ran again: the deadline had passed.
    assert_eq!(env.count("b"), 2);
    let sql = "SELECT error FROM attempts WHERE step = 'b' AND session = 2";
    let error = env.one(sql, &[]).text().unwrap().to_owned();
    assert!(error.contains("the retry deadline (`within 1s`"), "{error}");
}

/// `b` always fails, and waits 8 s before its one retry.
const WAITS: &str = r#"workflow flaky {
  param dir: string
  step b: shell {
    run "echo b >> ${dir}/count/b; exit 1"
    retry 1 backoff 8s
  }
}
"#;

/// When `b`'s attempts of `session` started and ended, in ms (the store's
/// clock), in order.
fn spans(env: &Env) -> Vec<(i64, i64)> {
    let sql = "SELECT started_at, started_at + COALESCE(duration_ms, 0) FROM attempts
               WHERE step = 'b' ORDER BY session, number";
    env.rows(sql, &[])
        .iter()
        .map(|r| (r[0].int().unwrap(), r[1].int().unwrap()))
        .collect()
}

/// Runs until `b` failed once and waits before its retry, cuts the run
/// there with `cut` 3 s into the wait, then resumes it: `b`'s one retry
/// runs under the next number when its backoff, counted from the failure,
/// ends — not at once, nor a whole backoff after the resume — and the run
/// fails without another wait.
fn cut_in_backoff(cut: impl FnOnce(&Env, &str, &mut std::process::Child)) {
    let env = Env::new(WAITS);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    env.wait_step("b", "waiting");
    assert_eq!(env.count("b"), 1);
    std::thread::sleep(Duration::from_secs(3));
    cut(&env, &id, &mut child);
    let out = env.wfc(&["resume", &id]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    // 2 attempts allowed, 1 made: the resumed run makes the other only
    // (not 2 afresh, with the wait between them).
    assert_eq!(env.count("b"), 2);
    assert_eq!(attempts(&env), ["1:1 failed", "2:2 failed"]);
    let s = spans(&env);
    let waited = s[1].0 - s[0].1;
    // 8 s less the jitter (at most 10%), and the resume's own start-up.
    assert!(
        (7_200..10_500).contains(&waited),
        "the retry came {waited} ms after the failure, not its 8 s backoff: {s:?}"
    );
}

#[test]
fn a_run_cancelled_in_the_wait_before_a_retry_goes_on_counting() {
    cut_in_backoff(|env, id, child| {
        let out = env.wfc(&["cancel", id, "--wait"]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(child.wait().unwrap().code(), Some(130));
        assert_eq!(env.step_status("b").as_deref(), Some("cancelled"));
    });
}

#[test]
fn a_run_stopped_by_sigterm_in_the_wait_before_a_retry_goes_on_counting() {
    cut_in_backoff(|env, _, child| {
        wfc_testkit::signal(child.id() as i32, nix::sys::signal::Signal::SIGTERM);
        assert!(!child.wait().unwrap().success());
        assert_eq!(env.step_status("b").as_deref(), Some("cancelled"));
    });
}

#[test]
fn a_run_killed_in_the_wait_before_a_retry_goes_on_counting() {
    cut_in_backoff(|env, id, child| {
        kill9(child);
        env.check_after_kill(id);
    });
}

#[test]
fn a_step_that_failed_for_good_starts_afresh_after_a_later_session() {
    // `b` fails its 2 attempts by itself; the resume gives it 2 again.
    let env = Env::new(&WAITS.replace("backoff 30s", ""));
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let out = env.wfc(&["resume", &id]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        attempts(&env),
        ["1:1 failed", "1:2 failed", "2:1 failed", "2:2 failed"]
    );
}
