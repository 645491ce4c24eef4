//! Triggers people configure, against the real server: a hook's `when`
//! (a delivery turned down is answered, kept with its reason, and starts
//! nothing), extra body fields left out, a schedule from the server's
//! environment, and `lock … { on busy skip | cancel }` with real runs,
//! from the API and from `wfc run` alike.

use super::serve::{post, Server};
use super::serve_hooks::hook;
use super::WFC;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use wfc_store::testing;

const TAGS: &str = r#"
workflow release {
  param ref: string = ""
  on webhook "/push" { when starts_with(request.json.ref, "refs/tags/v") }
  step s: shell { run "echo ${ref} >> @DIR/released.txt" }
}
"#;

/// The reasons kept for ignored firings, oldest first.
fn ignored(state: &Path) -> Vec<(String, String, Option<String>)> {
    let store = wfc_store::Store::open(state).unwrap();
    let sql = "SELECT trigger, reason, delivery FROM ignored_firings ORDER BY rowid";
    let text = |v: &testing::Value| v.text().map(str::to_owned);
    testing::rows(&store, sql, &[])
        .unwrap()
        .iter()
        .map(|r| (text(&r[0]).unwrap(), text(&r[1]).unwrap(), text(&r[2])))
        .collect()
}

/// Polls `check` until it holds (at most 20 s).
async fn until(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn read(server: &Server, name: &str) -> String {
    std::fs::read_to_string(server.path(name)).unwrap_or_default()
}

#[tokio::test]
async fn a_delivery_its_when_turns_down_is_answered_kept_and_starts_nothing() {
    let undecided = std::fs::read_to_string("tests/hooks/E0810-when-undecided.wf").unwrap();
    let server = Server::start(&[("release.wf", TAGS), ("tags.wf", &undecided)], &[]);
    let op = format!("Bearer {}", server.operator);
    let auth = [("Authorization", op.as_str()), ("X-GitHub-Delivery", "d-1")];

    // A branch push: `when` is false.
    let body = json!({"ref": "refs/heads/main", "repository": {"name": "wfc"}}).to_string();
    let (status, _, answer) = hook(&server, "/push", &body, &auth).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["status"], "ignored", "{answer}");
    assert_eq!(answer["code"], "API100", "{answer}");
    let reason = answer["reason"].as_str().unwrap();
    assert!(
        reason.contains("is false") && reason.contains("starts_with"),
        "{reason}"
    );
    assert!(answer.get("id").is_none(), "{answer}");

    // A ping has no `ref`: the condition cannot say yes (E0810).
    let ping = json!({"zen": "Keep it logically awesome."}).to_string();
    let (status, _, answer) = hook(&server, "/tags", &ping, &[auth[0]]).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (StatusCode::ACCEPTED, Some("ignored"))
    );
    assert!(
        answer["reason"].as_str().unwrap().starts_with("E0810"),
        "{answer}"
    );
    assert_eq!(server.runs().await, Vec::<Value>::new());

    // A tag push passes; the body's other fields (a real event has dozens)
    // are left out, `ref` binds by name.
    let body = json!({"ref": "refs/tags/v1.2", "repository": {"name": "wfc"}, "sender": "ana"});
    let (status, _, answer) = hook(&server, "/push", &body.to_string(), &[auth[0]]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let run = server
        .finished(&reqwest::Client::new(), answer["id"].as_str().unwrap())
        .await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(read(&server, "released.txt"), "refs/tags/v1.2\n");

    let kept = ignored(&server.path("state"));
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0].0, "webhook /push");
    assert!(kept[0].1.contains("is false"), "{kept:?}");
    assert_eq!(kept[0].2.as_deref(), Some("d-1"));
    assert_eq!(kept[1].0, "webhook /tags");
    assert!(kept[1].1.starts_with("E0810"), "{kept:?}");
    assert_eq!(server.runs().await.len(), 1);

    // The API gives them, newest first, to a read key.
    let http = reqwest::Client::new();
    let url = server.url("/workflows/release/ignored");
    let (status, list) = super::serve::get(&http, &url, &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["trigger"], "webhook /push");
    assert_eq!(list[0]["delivery"], "d-1");
}

const BACKUP: &str = r#"
workflow backup {
  on schedule env("WFC_T_SCHEDULE") { timezone env("WFC_T_ZONE") }
  step s: shell { run "echo backed up >> @DIR/backup.txt" }
}
"#;

const UNSET: &str = r#"
workflow unset {
  on schedule env("WFC_T_NOT_SET")
  step s: shell { run "true" }
}
"#;

#[tokio::test]
async fn a_schedule_from_the_environment_fires_and_an_unset_one_refuses_its_file() {
    let env = [
        ("WFC_T_SCHEDULE", "* * * * * *"),
        ("WFC_T_ZONE", "Asia/Tokyo"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let files = [("backup.wf", BACKUP), ("unset.wf", UNSET)];
    let server = Server::start_with_env(dir, &files, &[], &env);
    assert!(
        until(|| read(&server, "backup.txt").contains("backed up")).await,
        "no scheduled run: {}",
        server.log.lock().unwrap()
    );
    let runs = server.runs().await;
    assert_eq!(runs[0]["trigger"], "schedule", "{runs:?}");

    // The file whose variable is not set is not served, and says why.
    let http = reqwest::Client::new();
    let (_, list) = super::serve::get(&http, &server.url("/workflows"), &server.reader).await;
    let names: Vec<&str> = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert!(
        names.contains(&"backup") && !names.contains(&"unset"),
        "{list}"
    );
    let refused = list["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f.to_string().contains("unset.wf"))
        .unwrap()
        .clone();
    assert_eq!(refused["load_error"]["code"], "E0322", "{refused}");
    assert!(refused["load_error"]["message"]
        .as_str()
        .unwrap()
        .contains("WFC_T_NOT_SET"));

    // `wfc plan` shows the pattern and zone it reads, and where from.
    let out = Command::new(WFC)
        .args(["plan"])
        .arg(server.path("flows/backup.wf"))
        .envs(env)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains(r#"schedule "* * * * * *" (Asia/Tokyo, pattern from $WFC_T_SCHEDULE, zone from $WFC_T_ZONE"#),
        "{text}"
    );
}

const DEPLOY: &str = r#"
workflow deploy {
  param tag: string = "a"
  lock "deploy" { on busy skip }
  step hold: shell { run "while [ ! -e @DIR/go ]; do sleep 0.05; done; echo ${tag} >> @DIR/deployed.txt" }
}
"#;

#[tokio::test]
async fn on_busy_skip_starts_nothing_while_the_key_is_held_from_the_api_or_the_cli() {
    let server = Server::start(&[("deploy.wf", DEPLOY)], &[]);
    let http = reqwest::Client::new();
    let start = server.url("/workflows/deploy/runs");
    let (status, first) = post(&http, &start, &server.operator, json!({"tag": "a"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let holder = first["id"].as_str().unwrap().to_owned();

    let (status, refused) = post(&http, &start, &server.operator, json!({"tag": "b"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "API101", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains(&holder),
        "{refused}"
    );

    // `wfc run` on the same store: exit 75, naming the holder.
    let out = server
        .wfc()
        .args(["run", "--state-dir"])
        .arg(server.path("state"))
        .arg(server.path("flows/deploy.wf"))
        .args(["--param", "tag=c"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{err}");
    assert!(
        err.contains(&format!("lock deploy is held by run {holder}")),
        "{err}"
    );

    std::fs::write(server.path("go"), "").unwrap();
    let run = server.finished(&http, &holder).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(read(&server, "deployed.txt"), "a\n");
    assert_eq!(server.runs().await.len(), 1);

    // Free again: the next start runs.
    let (status, next) = post(&http, &start, &server.operator, json!({"tag": "d"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{next}");
    let run = server.finished(&http, next["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(read(&server, "deployed.txt"), "a\nd\n");
}

const SHIP: &str = r#"
workflow ship {
  param tag: string = "a"
  lock "ship" { on busy cancel }
  step hold: shell { run "echo ${tag} started >> @DIR/ship.txt; while [ ! -e @DIR/go-${tag} ]; do sleep 0.05; done; echo ${tag} done >> @DIR/ship.txt" }
  finally {
    step cleanup: shell { run "echo ${tag} finally >> @DIR/ship.txt" }
  }
}
"#;

#[tokio::test]
async fn on_busy_cancel_cancels_the_holder_whose_finally_runs_then_starts() {
    let server = Server::start(&[("ship.wf", SHIP)], &[]);
    let http = reqwest::Client::new();
    let start = server.url("/workflows/ship/runs");
    let (status, first) = post(&http, &start, &server.operator, json!({"tag": "a"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let a = first["id"].as_str().unwrap().to_owned();
    assert!(until(|| read(&server, "ship.txt").contains("a started")).await);

    let (status, second) = post(&http, &start, &server.operator, json!({"tag": "b"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    let b = second["id"].as_str().unwrap().to_owned();
    let run = server.finished(&http, &a).await;
    assert_eq!(run["status"], "cancelled", "{run}");
    assert!(until(|| read(&server, "ship.txt").contains("b started")).await);
    std::fs::write(server.path("go-b"), "").unwrap();
    let run = server.finished(&http, &b).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        read(&server, "ship.txt"),
        "a started\na finally\nb started\nb done\nb finally\n"
    );
}

/// The holder may be a `wfc run` in another process: the server's run
/// reaches it through the store, as `wfc cancel` does.
#[tokio::test]
async fn on_busy_cancel_reaches_a_holder_that_wfc_run_started() {
    let server = Server::start(&[("ship.wf", SHIP)], &[]);
    let mut cli = server
        .wfc()
        .args(["run", "--state-dir"])
        .arg(server.path("state"))
        .arg(server.path("flows/ship.wf"))
        .args(["--param", "tag=cli"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(until(|| read(&server, "ship.txt").contains("cli started")).await);

    let http = reqwest::Client::new();
    let start = server.url("/workflows/ship/runs");
    let (status, second) = post(&http, &start, &server.operator, json!({"tag": "api"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    let mut code = None;
    let ended = until(|| {
        code = cli.try_wait().unwrap().map(|s| s.code());
        code.is_some()
    })
    .await;
    if !ended {
        let _ = cli.kill();
    }
    assert_eq!(code, Some(Some(130)), "the CLI run was cancelled");
    assert!(until(|| read(&server, "ship.txt").contains("api started")).await);
    std::fs::write(server.path("go-api"), "").unwrap();
    let run = server.finished(&http, second["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        read(&server, "ship.txt"),
        "cli started\ncli finally\napi started\napi done\napi finally\n"
    );
}

/// A schedule's `when` over a param: every slot of `gated` is turned down.
const GATED: &str = r#"
workflow gated {
  param enabled: bool = false
  on schedule "* * * * * *" { when enabled }
  step s: shell { run "echo gated >> @DIR/gated.txt" }
}
"#;

/// The same, with the condition true: its slots start runs.
const OPEN: &str = r#"
workflow open {
  param enabled: bool = true
  on schedule "* * * * * *" { when enabled && len("x") == 1 }
  step s: shell { run "echo open >> @DIR/open.txt" }
}
"#;

/// A change trigger's `when` over the batch: only `.csv` files pass.
const CSV: &str = r#"
workflow csv {
  param files: list<string> = []
  on change "incoming/*" {
    debounce 300ms
    when all([ends_with(f, ".csv") for f in changed])
    params { files = changed }
  }
  step s: shell { run "echo ${join(files, ",")} >> @DIR/csv.txt" }
}
"#;

#[tokio::test]
async fn a_schedule_and_a_change_trigger_start_only_what_their_when_lets_through() {
    let server = Server::start(
        &[("gated.wf", GATED), ("open.wf", OPEN), ("csv.wf", CSV)],
        &[],
    );
    std::fs::create_dir_all(server.path("flows/incoming")).unwrap();
    let state = server.path("state");
    // A slot of each schedule: `open` runs, `gated` is kept as ignored.
    assert!(
        until(|| read(&server, "open.txt").contains("open")
            && ignored(&state)
                .iter()
                .any(|(t, _, _)| t.starts_with("schedule")))
        .await,
        "no run or no ignored slot: {:?}\n{}",
        ignored(&state),
        server.log.lock().unwrap()
    );
    let kept = ignored(&state);
    let (_, reason, delivery) = kept
        .iter()
        .find(|(t, _, _)| t.starts_with("schedule"))
        .unwrap();
    assert!(reason.contains("`when enabled` is false"), "{kept:?}");
    assert_eq!(*delivery, None);
    assert_eq!(read(&server, "gated.txt"), "");

    // A batch with a file the `when` turns down starts nothing; one of
    // `.csv` files starts a run with them.
    assert!(
        until(|| server.log.lock().unwrap().contains("watching for changes")).await,
        "{}",
        server.log.lock().unwrap()
    );
    std::fs::write(server.path("flows/incoming/notes.txt"), "x\n").unwrap();
    assert!(
        until(|| ignored(&state)
            .iter()
            .any(|(t, _, _)| t.starts_with("change")))
        .await,
        "no ignored batch: {:?}\n{}",
        ignored(&state),
        server.log.lock().unwrap()
    );
    let kept = ignored(&state);
    let (_, reason, _) = kept
        .iter()
        .find(|(t, _, _)| t.starts_with("change"))
        .unwrap();
    assert!(
        reason.contains("is false") && reason.contains("ends_with"),
        "{reason}"
    );
    std::fs::write(server.path("flows/incoming/a.csv"), "1\n").unwrap();
    assert!(
        until(|| read(&server, "csv.txt") == "incoming/a.csv\n").await,
        "{:?}\n{}",
        read(&server, "csv.txt"),
        server.log.lock().unwrap()
    );
    let csv_runs = server
        .runs()
        .await
        .into_iter()
        .filter(|r| r["workflow"] == "csv")
        .count();
    assert_eq!(csv_runs, 1);
    assert!(server.runs().await.iter().all(|r| r["workflow"] != "gated"));
}
