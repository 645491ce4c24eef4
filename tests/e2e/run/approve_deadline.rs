//! `wfc approve` at the last moment before a gate's `timeout` (#51, F5):
//! a gate takes one decision, so every approval is either taken by the
//! gate (exit 0: the gate passes, the step after it runs) or refused
//! because the gate timed out (exit 1: nothing recorded, nothing run, and
//! a resume asks again). The approvals come from separate `wfc approve`
//! processes at moments straddling the deadline; which side of it each
//! lands on is up to the machine, so only the invariant is asserted.

use crate::serve::{get, post, Server};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wfc_store::testing;
use wfc_testkit::Case;

/// Moments after the gate starts, in ms, at which `wfc approve` is run
/// (the gates below time out after 1 s): from well before the deadline to
/// past it, densest in its last 200 ms (a gate polled the store every
/// 200 ms, and took the timeout over an approval that came in between).
const OFFSETS: [u64; 10] = [700, 780, 830, 870, 900, 930, 960, 1000, 1050, 1150];

const GATED: &str = r#"workflow deadline {
  step g: gate { approval "ops" timeout 1s }
  step after: shell { run "echo ran >> ran.txt" depends on g }
}
"#;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The store whose database is `db`, once there is one (opening it
/// before would make it, racing the `wfc` that is about to), or the
/// PostgreSQL schema its folder is bound to (`WFC_TEST_STORE`).
fn store(db: &Path) -> Option<wfc_store::Store> {
    let dir = db.parent()?;
    (db.exists() || wfc_store::remote::is_bound(dir))
        .then(|| wfc_store::Store::open(dir).ok())
        .flatten()
}

/// When gate `g` of the newest run in `db` started waiting (ms since the
/// epoch), once the store has it; with the run's id.
fn gate_started(db: &Path, session: i64) -> (String, u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = store(db).and_then(|s| {
            testing::row(
                &s,
                "SELECT s.run_id, s.started_at FROM steps s JOIN runs r ON r.id = s.run_id
                  WHERE s.name = 'g' AND s.status = 'waiting' AND r.session = $1
                  ORDER BY r.started_at DESC LIMIT 1",
                &[session.into()],
            )
            .ok()
            .flatten()
        });
        if let Some(r) = found {
            return (r[0].text().unwrap().to_owned(), r[1].int().unwrap() as u64);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gate `g` never waited"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sleeps until `at` (ms since the epoch), if it is still to come.
fn sleep_until(at: u64) {
    if let Some(left) = at.checked_sub(now_ms()) {
        std::thread::sleep(Duration::from_millis(left));
    }
}

/// What the store says of gate `g` and step `after` of run `id`.
struct Seen {
    gate: String,
    approved_by: String,
    after: Option<String>,
    /// The gate's row in `approvals`: (decision, by).
    decision: Option<(String, String)>,
}

fn seen(db: &Path, id: &str) -> Seen {
    let c = store(db).unwrap();
    let text = |v: &testing::Value| v.text().map(str::to_owned);
    let step = |name: &str| -> Option<(String, Option<String>)> {
        let sql =
            "SELECT status, outputs FROM steps WHERE run_id = $1 AND graph = 'main' AND name = $2";
        let r = testing::row(&c, sql, &[id.into(), name.into()]).ok()??;
        Some((text(&r[0])?, text(&r[1])))
    };
    let (gate, outputs) = step("g").expect("the gate is recorded");
    let outputs: Value = outputs
        .and_then(|o| serde_json::from_str(&o).ok())
        .unwrap_or(Value::Null);
    let sql = "SELECT decision, by FROM approvals WHERE run_id = $1 AND step = 'g'";
    let decision = testing::row(&c, sql, &[id.into()])
        .ok()
        .flatten()
        .and_then(|r| Some((text(&r[0])?, text(&r[1])?)));
    Seen {
        gate,
        approved_by: outputs["approved_by"].as_str().unwrap_or("").to_owned(),
        after: step("after").map(|s| s.0),
        decision,
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The invariant for one approval: taken (exit 0) ⇔ the gate passed as
/// `by` and the step after it ran; refused (exit 1) ⇔ the gate timed out,
/// the refusal says so, and no approval is kept for a resume to use.
fn assert_one_decision(what: &str, approve: &Output, seen: &Seen, by: &str) {
    let (out, err) = (text(&approve.stdout), text(&approve.stderr));
    let ctx = format!(
        "{what}: approve exit {:?}, stdout {out:?}, stderr {err:?}; gate {}, approved_by {:?}, after {:?}, approvals row {:?}",
        approve.status.code(),
        seen.gate,
        seen.approved_by,
        seen.after,
        seen.decision
    );
    match approve.status.code() {
        Some(0) => {
            assert!(out.starts_with("approved gate `g` of run "), "{ctx}");
            assert_eq!(seen.gate, "succeeded", "{ctx}");
            assert_eq!(seen.approved_by, by, "{ctx}");
            assert_eq!(seen.after.as_deref(), Some("succeeded"), "{ctx}");
            assert_eq!(seen.decision, Some(("approved".into(), by.into())), "{ctx}");
        }
        Some(1) => {
            assert!(err.contains("already timed out"), "{ctx}");
            assert!(err.contains("a gate takes one decision"), "{ctx}");
            assert_eq!(seen.gate, "timed_out", "{ctx}");
            assert_eq!(seen.approved_by, "", "{ctx}");
            assert_ne!(seen.after.as_deref(), Some("succeeded"), "{ctx}");
            assert!(
                seen.decision.as_ref().is_none_or(|(d, _)| d == "timed_out"),
                "{ctx}"
            );
        }
        _ => panic!("{ctx}"),
    }
}

/// `wfc run` of a gate with a 1 s timeout, approved from another process at
/// moments straddling the deadline: each approval is taken or refused, and
/// the run agrees. A gate that timed out is resumed and approved again:
/// the resumed gate waits for, and takes, a new decision.
#[test]
fn an_approval_at_the_deadline_is_taken_or_refused_never_lost() {
    let (mut taken, mut refused) = (0, 0);
    for offset in OFFSETS {
        let case = crate::workflow(GATED);
        let db = case.path(".wfc/runs.db");
        if let Some(url) = case.store() {
            std::fs::create_dir_all(case.path(".wfc")).unwrap();
            crate::bind_store(url, &case.path(".wfc"));
        }
        let run = case.wfc(["run", "w.wf", "--plain"]).spawn();
        let (id, started) = gate_started(&db, 1);
        sleep_until(started + offset);
        let approve = case
            .wfc(["approve", id.as_str(), "g", "--as", "alice"])
            .command()
            .output()
            .unwrap();
        let run = run.wait_with_output().unwrap();
        let seen = seen(&db, &id);
        let what = format!("approve {offset} ms after the gate started");
        assert_one_decision(&what, &approve, &seen, "alice");
        let ran = case.read("ran.txt");
        if approve.status.success() {
            taken += 1;
            assert_eq!(run.status.code(), Some(0), "{what}: {}", text(&run.stderr));
            assert_eq!(ran, "ran\n", "{what}");
        } else {
            refused += 1;
            assert_eq!(run.status.code(), Some(1), "{what}");
            assert!(
                text(&run.stdout).contains("no approval within 1s"),
                "{what}: {}",
                text(&run.stdout)
            );
            assert_eq!(ran, "", "{what}: the step after a timed-out gate ran");
            if refused == 1 {
                resume_asks_again(&case, &db, &id);
            }
        }
    }
    eprintln!("{taken} approvals taken, {refused} refused (the gate timed out)");
}

/// A timed-out gate resumed waits for a new decision (the refused approval
/// is not used), and takes the one given then.
fn resume_asks_again(case: &Case, db: &Path, id: &str) {
    let resume = case.wfc(["resume", id, "--plain"]).spawn();
    let (again, _) = gate_started(db, 2);
    assert_eq!(again, id);
    let approve = case
        .wfc(["approve", id, "g", "--as", "bob"])
        .command()
        .output()
        .unwrap();
    let resume = resume.wait_with_output().unwrap();
    let seen = seen(db, id);
    let what = "approve once the timed-out gate is resumed";
    assert_one_decision(what, &approve, &seen, "bob");
    // Given at once, well before its deadline: taken, and the run goes on.
    assert!(
        approve.status.success(),
        "{what}: {}",
        text(&approve.stderr)
    );
    assert_eq!(resume.status.code(), Some(0), "{}", text(&resume.stderr));
    assert_eq!(case.read("ran.txt"), "ran\n");
}

const SERVED: &str = r#"workflow deadline {
  step g: gate { approval "ops" timeout 1s }
  step after: shell { run "true" depends on g }
}
"#;

/// The same for runs of `wfc serve`: approved from the CLI on the server's
/// store (`--state-dir`) or through its API (`--server`), alternately.
#[tokio::test]
async fn an_approval_of_a_served_run_at_the_deadline_is_taken_or_refused() {
    let server = Server::start(&[("deadline.wf", SERVED)], &[]);
    let http = reqwest::Client::new();
    let db = server.path("state/runs.db");
    for (i, offset) in OFFSETS.into_iter().enumerate() {
        let url = server.url("/workflows/deadline/runs");
        let (status, body) = post(&http, &url, &server.operator, json!({})).await;
        assert!(status.is_success(), "{status} {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let (waiting, started) = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || gate_started(&db, 1))
                .await
                .unwrap()
        };
        assert_eq!(waiting, id);
        let through_api = i % 2 == 1;
        let mut cmd = server.wfc();
        cmd.args(["approve", &id, "g"])
            .current_dir(server.path(""))
            .env_remove("WFC_SERVER")
            .env_remove("WFC_STATE_DIR");
        let by = if through_api {
            cmd.args(["--server", &server.base])
                .env("WFC_API_KEY", &server.operator);
            "ops"
        } else {
            cmd.args(["--state-dir", "state", "--as", "carol"]);
            "carol"
        };
        let approve = tokio::task::spawn_blocking(move || {
            sleep_until(started + offset);
            cmd.output().unwrap()
        })
        .await
        .unwrap();
        let run = server.finished(&http, &id).await;
        let what = format!(
            "approve {offset} ms after the gate started, {}",
            if through_api {
                "through the API"
            } else {
                "on the store"
            }
        );
        if through_api && !approve.status.success() {
            let err = text(&approve.stderr);
            assert!(err.starts_with("error[API006]: "), "{what}: {err}");
        }
        assert_one_decision(&what, &approve, &seen(&db, &id), by);
        let want = if approve.status.success() {
            "succeeded"
        } else {
            "failed"
        };
        assert_eq!(run["status"], want, "{what}: {run}");
        let (_, steps) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
        let gate = steps["step_list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "g")
            .cloned()
            .unwrap();
        assert_eq!(
            gate["outputs"]["passed"],
            approve.status.success(),
            "{what}: {gate}"
        );
    }
}
