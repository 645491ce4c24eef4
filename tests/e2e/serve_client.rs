//! `wfc serve` retention (`--keep-runs`) and the CLI as a client of a
//! server (`wfc status|logs|history|cancel|approve --server`): the real
//! server and the real `wfc`, checked in the run store, the step logs and
//! what the steps leave behind.

use super::serve::{get, post, Server, GATED};
use serde_json::{json, Value};
use std::process::Output;
use std::time::{Duration, Instant};

/// One step that prints, then sleeps `nap` seconds.
const NAP: &str = r#"
workflow nap {
  param nap: int = 0
  step doze: shell { run "echo dozing ${nap}; sleep ${nap}; echo done >> @DIR/naps.txt" }
}
"#;

/// The ids of the runs in the store of `server`, oldest first.
fn stored_runs(server: &Server) -> Vec<String> {
    let store = wfc_store::Store::open(&server.path("state")).unwrap();
    let sql = "SELECT id FROM runs ORDER BY started_at, id";
    let rows = wfc_store::testing::rows(&store, sql, &[]).unwrap();
    rows.iter()
        .map(|r| r[0].text().unwrap().to_owned())
        .collect()
}

/// The rows of run `id`'s step logs in the store's database.
fn chunks_of(server: &Server, id: &str) -> i64 {
    let store = wfc_store::Store::open(&server.path("state")).unwrap();
    let sql = "SELECT COUNT(*) FROM log_chunks WHERE run_id = ?1";
    let rows = wfc_store::testing::rows(&store, sql, &[id.into()]).unwrap();
    rows[0][0].int().unwrap()
}

/// Polls `check` until it holds (at most 15 s).
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Starts `workflow` with `params`; waits for its end when `wait`.
async fn start(server: &Server, workflow: &str, params: Value, wait: bool) -> String {
    let http = reqwest::Client::new();
    let query = if wait { "?wait=20s" } else { "" };
    let url = server.url(&format!("/workflows/{workflow}/runs{query}"));
    let (status, body) = post(&http, &url, &server.operator, params).await;
    assert!(status.is_success(), "{status} {body}");
    if wait {
        assert_eq!(body["status"], "succeeded", "{body}");
    }
    body["id"].as_str().unwrap().to_owned()
}

async fn status_of(server: &Server, id: &str) -> Value {
    let http = reqwest::Client::new();
    get(&http, &server.url(&format!("/runs/{id}")), &server.reader)
        .await
        .1
}

#[tokio::test]
async fn keep_runs_prunes_ended_runs_and_their_logs_never_a_running_one() {
    let server = Server::start(&[("nap.wf", NAP)], &["--keep-runs", "2"]);
    let log_dir = |id: &str| server.path("state/logs").join(id);
    let logged = |id: &str| server.step_log(id, "doze").is_some();
    // The oldest run sleeps through the others: never pruned while it runs.
    let sleeper = start(&server, "nap", json!({"nap": 30}), false).await;
    assert!(eventually(|| logged(&sleeper)));
    let mut ended = Vec::new();
    for _ in 0..4 {
        ended.push(start(&server, "nap", json!({}), true).await);
    }
    let kept = vec![sleeper.clone(), ended[2].clone(), ended[3].clone()];
    assert!(
        eventually(|| stored_runs(&server) == kept),
        "{:?} left, expected {kept:?}",
        stored_runs(&server)
    );
    // The rows go first (the logs' chunks among them, on PostgreSQL),
    // the log folders a moment after.
    for id in &ended[..2] {
        assert!(
            eventually(|| !log_dir(id).exists() && chunks_of(&server, id) == 0),
            "the pruned run {id} kept its logs"
        );
    }
    for id in &kept {
        assert!(logged(id), "{id} lost its log");
    }
    assert_eq!(status_of(&server, &sleeper).await["status"], "running");
    // Once it ends it is beyond the newest two, and goes.
    let http = reqwest::Client::new();
    let cancel = server.url(&format!("/runs/{sleeper}/cancel"));
    let (status, body) = post(&http, &cancel, &server.operator, json!({})).await;
    assert!(status.is_success(), "{body}");
    assert!(eventually(|| stored_runs(&server) == kept[1..]));
    assert!(eventually(|| !log_dir(&sleeper).exists()));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("pruned old runs"), "{log}");
}

/// `wfc ARGS` with `key` in $WFC_API_KEY, from the server's folder.
fn wfc(server: &Server, key: &str, args: &[&str]) -> Output {
    server
        .wfc()
        .args(args)
        .current_dir(server.path(""))
        .env("WFC_API_KEY", key)
        .env_remove("WFC_SERVER")
        .env_remove("WFC_STATE_DIR")
        .output()
        .unwrap()
}

/// `wfc ARGS --server URL` with the reader's key.
fn remote(server: &Server, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--server", &server.base]);
    wfc(server, &server.reader, &all)
}

/// `wfc ARGS --state-dir state`, on the server's store.
fn local(server: &Server, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--state-dir", "state"]);
    wfc(server, "", &all)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The same stdout, stderr and exit code.
fn same(remote: &Output, local: &Output) {
    assert_eq!(text(&remote.stdout), text(&local.stdout));
    assert_eq!(text(&remote.stderr), text(&local.stderr));
    assert_eq!(remote.status.code(), local.status.code());
}

#[tokio::test]
async fn status_logs_and_history_over_the_api_print_what_the_store_does() {
    let server = Server::start(&[("nap.wf", NAP), ("gated.wf", GATED)], &[]);
    let first = start(&server, "nap", json!({"nap": 0}), true).await;
    let second = start(&server, "nap", json!({}), true).await;

    let r = remote(&server, &["status", &first]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(text(&r.stdout).contains("doze"), "{}", text(&r.stdout));
    same(&r, &local(&server, &["status", &first]));
    same(
        &remote(
            &server,
            &["status", "last", "--format", "json", "--attempts"],
        ),
        &local(
            &server,
            &["status", "last", "--format", "json", "--attempts"],
        ),
    );
    let r = remote(&server, &["logs", &second, "doze"]);
    assert!(
        text(&r.stdout).starts_with("── attempt 1 · "),
        "{}",
        text(&r.stdout)
    );
    assert!(
        text(&r.stdout).ends_with("dozing 0\n"),
        "{}",
        text(&r.stdout)
    );
    same(&r, &local(&server, &["logs", &second, "doze"]));
    same(
        &remote(&server, &["logs", &second]),
        &local(&server, &["logs", &second]),
    );
    let r = remote(&server, &["history"]);
    assert!(text(&r.stdout).contains(&first) && text(&r.stdout).contains(&second));
    same(&r, &local(&server, &["history"]));
    same(
        &remote(&server, &["history", "nap", "-n", "1", "--format", "json"]),
        &local(&server, &["history", "nap", "-n", "1", "--format", "json"]),
    );

    // Unknown runs and steps: exit 2, as locally (the API's code says why).
    let r = remote(&server, &["status", "nope"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).starts_with("error[API003]: "),
        "{}",
        text(&r.stderr)
    );
    let r = remote(&server, &["logs", &first, "nope"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r.stderr).contains("has no step `nope`"));

    // A key that is not one, and no key at all.
    let bad = wfc(
        &server,
        "wfc_not-a-key",
        &["history", "--server", &server.base],
    );
    assert_ne!(bad.status.code(), Some(0));
    assert!(
        text(&bad.stderr).starts_with("error[API001]: "),
        "{}",
        text(&bad.stderr)
    );
    assert!(bad.stdout.is_empty());
    let none = wfc(&server, "", &["history", "--server", &server.base]);
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("WFC_API_KEY"));

    // The key from a file, the server from $WFC_SERVER.
    let key_file = server.path("reader.key");
    std::fs::write(&key_file, format!("{}\n", server.reader)).unwrap();
    let from_file = server
        .wfc()
        .args(["history", "--api-key-file"])
        .arg(&key_file)
        .env("WFC_SERVER", &server.base)
        .env_remove("WFC_API_KEY")
        .output()
        .unwrap();
    same(&from_file, &local(&server, &["history"]));

    // Nobody listening: says so, with the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}", port.local_addr().unwrap());
    drop(port);
    let r = wfc(
        &server,
        &server.reader,
        &["status", "last", "--server", &gone],
    );
    assert_eq!(r.status.code(), Some(1));
    let err = text(&r.stderr);
    assert!(
        err.starts_with("error[API060]: cannot reach the wfc server at "),
        "{err}"
    );
    assert!(err.contains(&gone) && err.contains("refused"), "{err}");
}

#[tokio::test]
async fn cancel_and_approve_over_the_api_act_on_the_runs() {
    let server = Server::start(&[("nap.wf", NAP), ("gated.wf", GATED)], &[]);
    let sleeper = start(&server, "nap", json!({"nap": 30}), false).await;
    assert!(eventually(|| server.step_log(&sleeper, "doze").is_some()));

    // A read key may not cancel: API002, and the run goes on.
    let r = remote(&server, &["cancel", &sleeper]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        text(&r.stderr).starts_with("error[API002]: "),
        "{}",
        text(&r.stderr)
    );
    assert_eq!(status_of(&server, &sleeper).await["status"], "running");

    let r = wfc(
        &server,
        &server.operator,
        &["cancel", &sleeper, "--wait", "--server", &server.base],
    );
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(
        text(&r.stdout),
        format!("asked run {sleeper} to cancel\nrun {sleeper} is cancelled\n")
    );
    assert_eq!(status_of(&server, &sleeper).await["status"], "cancelled");
    assert!(
        !server.path("naps.txt").exists(),
        "the cancelled step finished"
    );
    // Cancelling it again is refused (409), exit 1.
    let again = wfc(
        &server,
        &server.operator,
        &["cancel", &sleeper, "--server", &server.base],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).starts_with("error[API006]: "),
        "{}",
        text(&again.stderr)
    );

    let gated = start(&server, "gated", json!({}), false).await;
    let order = server.path("order.txt");
    assert!(eventually(
        || std::fs::read_to_string(&order).is_ok_and(|t| t == "before\n")
    ));
    let op = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &server.base]);
        wfc(&server, &server.operator, &all)
    };
    let r = op(&["approve", &gated, "nope"]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r.stderr));
    let r = op(&["approve", &gated, "approve"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(
        text(&r.stdout),
        format!("approved gate `approve` of run {gated} as ops\n")
    );
    assert!(eventually(
        || std::fs::read_to_string(&order).is_ok_and(|t| t == "before\nafter\n")
    ));
    let mut run = status_of(&server, &gated).await;
    for _ in 0..200 {
        if run["status"] != "running" && run["status"] != "waiting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        run = status_of(&server, &gated).await;
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    let gate = run["step_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "approve")
        .unwrap();
    assert_eq!(gate["outputs"]["approved_by"], "ops", "{gate}");
}
