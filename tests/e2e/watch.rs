//! `wfc status RUN --watch` and `wfc top` on a real pseudo-terminal
//! (expectrl), against runs held at a gate: drawn while the run waits,
//! redrawn as it goes on, ended with the run (`--watch`) or by `q`
//! (`top`, which gives the terminal back); from the local store and, for
//! `--watch`, from a server's live events. Off a terminal each prints once.

use super::serve::{get, post, Server};
use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// A run held at a gate after a first step.
const GATED: &str = r#"workflow gated {
  step build: shell { run "echo built" }
  step approve: gate { approval "ops"  depends on build }
  step ship: shell { run "echo shipped"  depends on approve }
}
"#;

/// `wfc ARGS` in `dir` on a pseudo-terminal.
fn on_a_terminal(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Session {
    let mut cmd = std::process::Command::new(super::WFC);
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut s = Session::spawn(cmd).expect("a pseudo-terminal");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s
}

fn expect(s: &mut Session, what: &str) {
    s.expect(what)
        .unwrap_or_else(|e| panic!("waiting for {what:?}: {e}"));
}

fn exited_0(s: &mut Session) {
    s.expect(Eof).expect("the end");
    let status = s.get_process().wait().expect("the exit status");
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
}

/// Runs GATED with `wfc run` until it waits: the case and the run process.
fn held() -> (wfc_testkit::Case, std::process::Child) {
    let c = super::workflow(GATED);
    let run = c.wfc(["run", "w.wf", "--plain"]).spawn();
    let waits = wfc_testkit::wait_until(Duration::from_secs(30), || {
        c.path(".wfc/runs.db").exists()
            && c.wfc(["history", "--status", "waiting", "--format", "json"])
                .output()
                .json()
                .as_array()
                .is_some_and(|a| a.len() == 1)
    });
    assert!(waits, "the run did not wait at its gate");
    (c, run)
}

#[test]
fn status_watch_redraws_a_run_until_it_ends() {
    let (c, mut run) = held();
    let mut s = on_a_terminal(c.dir(), &["status", "last", "--watch"], &[]);
    expect(&mut s, "--watch · ");
    expect(
        &mut s,
        "status    waiting (for a decision on a gate, below)",
    );
    expect(&mut s, "Waiting for approval: wfc approve");
    let r = c.wfc(["approve", "last", "approve"]).output();
    assert_eq!(r.code, 0, "{}", r.all());
    // Drawn again as it went on, then printed as it ended.
    expect(&mut s, "status    succeeded");
    exited_0(&mut s);
    assert!(run.wait().unwrap().success());
    // Off a terminal it waits for nothing more: the run ended.
    let plain = c.wfc(["status", "last", "--watch"]).output();
    assert_eq!(plain.code, 0, "{}", plain.all());
    assert!(
        plain.stdout.contains("status    succeeded"),
        "{}",
        plain.stdout
    );
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "no frame off a terminal: {}",
        plain.stdout
    );
}

#[test]
fn top_shows_the_runs_going_on_and_quits_on_q() {
    let (c, mut run) = held();
    let mut s = on_a_terminal(c.dir(), &["top"], &[]);
    expect(&mut s, "0 running, 1 waiting");
    expect(&mut s, "‖ approve  gate  waiting");
    expect(&mut s, "waiting for approval by ops");
    // The gate decided, the run goes on and ends: it moves to the last ends.
    assert_eq!(c.wfc(["approve", "last", "approve"]).output().code, 0);
    assert!(run.wait().unwrap().success());
    expect(&mut s, "No run is going on.");
    expect(&mut s, "ENDED LAST");
    s.send("q").expect("a key");
    // The alternate screen is left and the cursor shown again.
    expect(&mut s, "\u{1b}[?1049l");
    exited_0(&mut s);
    // Off a terminal: the view printed once.
    let once = c.wfc(["top"]).output();
    assert_eq!(once.code, 0, "{}", once.all());
    assert!(once.stdout.starts_with("wfc top · "), "{}", once.stdout);
    assert!(
        once.stdout.contains("No run is going on.") && once.stdout.contains(" succeeded "),
        "{}",
        once.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_watch_follows_a_servers_live_events() {
    let server = Server::start(&[("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/gated/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let dir = server.dir.path().to_owned();
    let (base, key) = (server.base.clone(), server.reader.clone());
    let watcher = {
        let id = id.clone();
        tokio::task::spawn_blocking(move || {
            let mut s = on_a_terminal(
                &dir,
                &["status", &id, "--watch", "--server", &base],
                &[("WFC_API_KEY", &key)],
            );
            expect(
                &mut s,
                "status    waiting (for a decision on a gate, below)",
            );
            s
        })
    };
    let mut s = watcher.await.unwrap();
    let (status, _) = post(
        &http,
        &server.url(&format!("/runs/{id}/gates/approve/approve")),
        &server.operator,
        json!({}),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let ended = tokio::task::spawn_blocking(move || {
        expect(&mut s, "status    succeeded");
        exited_0(&mut s);
    });
    ended.await.unwrap();
    let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    assert_eq!(run["status"], "succeeded", "{run}");
}
