//! `on fail pause` on a step that is no gate: once its retries are used up
//! the run waits for a person, listed `waiting`, and `wfc retry` (a new
//! round of attempts), `wfc skip` (the run goes on without it, as after an
//! optional step's failure) or `wfc abort` (it fails as it would have)
//! decides — each from another process, recorded with who and why.

use super::{wait_for, Env};
use std::time::Duration;

/// `flaky` fails until `fixed` exists (one retry a round); `after` needs
/// it; `other` does not.
const ESCALATES: &str = r#"
workflow esc {
  param dir: string
  step flaky: shell {
    run "echo x >> ${dir}/count/flaky; [ -e ${dir}/fixed ]"
    retry 1 backoff 10ms
    on fail pause
  }
  step after: shell {
    run "echo a >> ${dir}/count/after"
    depends on flaky
  }
  step other: shell { run "echo o >> ${dir}/count/other" }
}
"#;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits until `flaky` waits for a person after `attempts` attempts.
fn escalated(env: &Env, attempts: usize) {
    wait_for(Duration::from_secs(20), || {
        env.count("flaky") == attempts && env.step_status("flaky").as_deref() == Some("waiting")
    });
}

#[test]
fn retry_runs_a_new_round_and_the_run_goes_on_once_it_succeeds() {
    let env = Env::new(ESCALATES);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    escalated(&env, 2);
    // A step without `on fail pause` takes no decision.
    let other = env.wfc(&["skip", &id, "other"]);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    let h = env.json(&["history", "--status", "waiting", "--format", "json"]);
    assert_eq!(h[0]["id"], id.as_str(), "{h}");
    let status = text(&env.wfc(&["status", &id]));
    assert!(status.contains("it failed after 2 attempts"), "{status}");
    assert!(
        status.contains(&format!("Waiting for a person: wfc retry {id} flaky")),
        "{status}"
    );
    assert_eq!(env.count("after"), 0);

    // A retry without a fix: a new round of two attempts, then it asks again.
    let out = env.wfc(&[
        "retry",
        &id,
        "flaky",
        "--as",
        "ana",
        "--comment",
        "once more",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    escalated(&env, 4);
    let again = env.wfc(&["skip", &id, "after"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    std::fs::write(env.path().join("fixed"), "").unwrap();
    let out = env.wfc(&["retry", &id, "flaky", "--as", "bo"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!((env.count("flaky"), env.count("after")), (5, 1));
    // Attempts count on across rounds; both decisions are in the events.
    let st = env.json(&["status", &id, "--format", "json"]);
    let flaky = st["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "flaky")
        .unwrap();
    assert_eq!(flaky["attempts"], 5, "{flaky}");
    let events = text(&env.wfc(&["status", &id, "--events"]));
    assert_eq!(events.matches("approved").count(), 2, "{events}");
    assert!(events.contains("once more"), "{events}");
    // Decided once it no longer waits: refused.
    let late = env.wfc(&["retry", &id, "flaky"]);
    assert_eq!(late.status.code(), Some(1), "{}", text(&late));
    assert!(text(&late).contains("already succeeded"), "{}", text(&late));
}

#[test]
fn skip_goes_on_without_the_step_and_abort_fails_the_run() {
    let env = Env::new(ESCALATES);
    let mut child = env.spawn_run(&[]);
    let id = env.run_id();
    escalated(&env, 2);
    let out = env.wfc(&["skip", &id, "flaky", "--comment", "shipped by hand"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "a skipped step failed the run: {status:?}"
    );
    let st = env.json(&["status", &id, "--format", "json"]);
    assert_eq!(st["status"], "succeeded", "{st}");
    let step = |name: &str| {
        st["step_list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(step("flaky")["status"], "failed");
    let error = step("flaky")["error"].as_str().unwrap().to_owned();
    assert!(error.contains("skipped by"), "{error}");
    assert!(error.contains("shipped by hand"), "{error}");
    assert_eq!(step("after")["status"], "not_run");
    assert_eq!(env.count("after"), 0);

    // Another run: aborted, it fails as without `on fail pause`.
    let env = Env::new(ESCALATES);
    let mut child = env.spawn_run(&[]);
    let second = env.run_id();
    escalated(&env, 2);
    let out = env.wfc(&["abort", &second, "flaky"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let st = env.json(&["status", &second, "--format", "json"]);
    assert_eq!(st["status"], "failed", "{st}");
    assert_eq!(st["failed_step"], "flaky", "{st}");
}
