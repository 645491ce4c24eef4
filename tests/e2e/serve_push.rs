//! `wfc serve`'s live events pushed (read as soon as the run manager's bus
//! says a run wrote, not every 200 ms), over real HTTP against the real
//! server: a line reaches a client while its step still runs, masked; a
//! reconnect from a pushed event's id goes on exactly; a client that
//! falls far behind still gets every event in order; a revoked key ends a
//! stream whose run keeps talking. Ordering and content, never timing.

use super::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// One Server-Sent Event.
#[derive(Clone, Debug, PartialEq)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

/// An open event stream, read one event at a time.
struct Stream {
    resp: reqwest::Response,
    buf: String,
    /// Everything received, as sent.
    raw: String,
}

impl Stream {
    async fn open(server: &Server, path: &str, key: &str, last_id: Option<&str>) -> Stream {
        let mut req = reqwest::Client::new()
            .get(server.url(path))
            .bearer_auth(key);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        Stream {
            resp,
            buf: String::new(),
            raw: String::new(),
        }
    }

    /// The next event; `None` once the server ended the stream.
    async fn next(&mut self) -> Option<Sse> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !event.is_empty() {
                    let data = serde_json::from_str(&data).unwrap();
                    return Some(Sse { id, event, data });
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.resp.chunk())
                .await
                .expect("the stream neither ended nor sent an event")
                .ok()??;
            let text = String::from_utf8_lossy(&chunk);
            self.raw.push_str(&text);
            self.buf.push_str(&text);
        }
    }

    /// Events until `stop` holds for one (included).
    async fn until(&mut self, mut stop: impl FnMut(&Sse) -> bool) -> Vec<Sse> {
        let mut got = Vec::new();
        while let Some(e) = self.next().await {
            let done = stop(&e);
            got.push(e);
            if done {
                return got;
            }
        }
        panic!("the stream ended before the awaited event: {got:#?}");
    }

    /// Every event until the server ends the stream.
    async fn rest(&mut self) -> Vec<Sse> {
        let mut got = Vec::new();
        while let Some(e) = self.next().await {
            got.push(e);
        }
        got
    }
}

fn is_line(e: &Sse, text: &str) -> bool {
    e.event == "log" && e.data["line"] == text
}

/// The events besides log lines, as sent. (Where lines fall between them
/// may differ between a live stream and a replay, which reads a poll's
/// rows before its lines; a step's lines always come between its start
/// and its end.)
fn others(events: &[Sse]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter(|e| e.event != "log")
        .map(|e| (e.event.clone(), e.data.clone()))
        .collect()
}

fn lines(events: &[Sse]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event == "log")
        .map(|e| e.data["line"].as_str().unwrap().to_owned())
        .collect()
}

async fn start(server: &Server, workflow: &str, params: Value) -> String {
    let http = reqwest::Client::new();
    let url = server.url(&format!("/workflows/{workflow}/runs"));
    let (status, run) = post(&http, &url, &server.operator, params).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    run["id"].as_str().unwrap().to_owned()
}

/// Lets a step waiting on `@DIR/NAME` go on.
fn touch(server: &Server, name: &str) {
    std::fs::write(server.path(name), "").unwrap();
}

/// A step that prints, then waits for the test before it ends.
const WAITS: &str = r#"
workflow waits {
  secret token: string = "tok-1618033988"
  step talk: shell {
    run "echo first ${token}; while [ ! -e @DIR/go ]; do sleep 0.02; done; echo second"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_line_reaches_the_client_masked_while_its_step_still_runs() {
    let server = Server::start(&[("waits.wf", WAITS)], &[]);
    let mut all = Stream::open(&server, "/events", &server.reader, None).await;
    let id = start(&server, "waits", json!({})).await;
    let mut run = Stream::open(&server, &format!("/runs/{id}/events"), &server.reader, None).await;

    // The step waits for `go`, made only below: what came so far came
    // while it ran.
    let before = run.until(|e| e.event == "log").await;
    let kinds: Vec<&str> = before.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["run_started", "step_started", "log"], "{before:#?}");
    assert_eq!(lines(&before), ["first ***"]);
    let started = all
        .until(|e| e.event == "step_started" && e.data["run"] == id)
        .await;
    assert_eq!(started.last().unwrap().data["step"], "talk");

    touch(&server, "go");
    let after = run.rest().await;
    let kinds: Vec<&str> = after.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(lines(&after), ["second"]);
    let (line, ended) = (
        kinds.iter().position(|k| *k == "log"),
        kinds.iter().position(|k| *k == "step_ended"),
    );
    assert!(line < ended, "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"end"), "{after:#?}");
    assert_eq!(after.last().unwrap().data["status"], "succeeded");
    for raw in [&run.raw, &all.raw] {
        assert!(!raw.contains("1618033988"), "a secret was sent: {raw}");
    }
}

/// Three parts of five lines, each part after the test lets it go on.
const PARTS: &str = r#"
workflow parts {
  step talk: shell {
    run "for p in 0 1 2; do while [ $p -gt 0 ] && [ ! -e @DIR/go$p ]; do sleep 0.02; done; for i in 1 2 3 4 5; do echo part $p line $i; done; done"
  }
}
"#;

fn part(p: u32) -> Vec<String> {
    (1..=5).map(|i| format!("part {p} line {i}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnect_from_a_pushed_event_goes_on_with_no_gap_and_no_repeat() {
    let server = Server::start(&[("parts.wf", PARTS)], &[]);
    let id = start(&server, "parts", json!({})).await;
    let path = format!("/runs/{id}/events");
    let key = &server.reader;

    // Away after part 0 (the step waits), back after part 1 came.
    let mut seen = Stream::open(&server, &path, key, None)
        .await
        .until(|e| is_line(e, "part 0 line 5"))
        .await;
    touch(&server, "go1");
    let last = seen.last().unwrap().id.clone();
    let mut again = Stream::open(&server, &path, key, Some(&last)).await;
    seen.extend(again.until(|e| is_line(e, "part 1 line 5")).await);
    drop(again);
    touch(&server, "go2");
    let last = seen.last().unwrap().id.clone();
    seen.extend(
        Stream::open(&server, &path, key, Some(&last))
            .await
            .rest()
            .await,
    );

    let want: Vec<String> = (0..3).flat_map(part).collect();
    assert_eq!(lines(&seen), want, "{seen:#?}");
    // The same events as a replay of the whole run from the store.
    let replay = Stream::open(&server, &path, key, None).await.rest().await;
    assert_eq!(others(&seen), others(&replay));
}

const FLOOD: &str = r#"
workflow flood {
  param n: int = 10
  step talk: shell { run "seq 1 ${n}" }
  step after: shell { run "echo after"  depends on talk }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_far_behind_still_gets_every_event_in_order() {
    let server = Server::start(&[("flood.wf", FLOOD)], &[]);
    let n = 100_000;
    let id = start(&server, "flood", json!({ "n": n })).await;
    let mut run = Stream::open(&server, &format!("/runs/{id}/events"), &server.reader, None).await;
    let first = run.next().await.unwrap();
    assert_eq!(first.event, "run_started");
    // Not reading while the step prints ~10 MB of events: the server's
    // buffers fill and the bus drops its nudges for this client.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rest = run.rest().await;
    let want: Vec<String> = (1..=n)
        .map(|i| i.to_string())
        .chain(["after".into()])
        .collect();
    assert_eq!(lines(&rest), want);
    // Every event once, in order: as a replay of the whole run from the
    // store.
    let seen: Vec<Sse> = [first].into_iter().chain(rest).collect();
    assert_eq!(seen.last().unwrap().event, "end");
    let path = format!("/runs/{id}/events");
    let replay = Stream::open(&server, &path, &server.reader, None)
        .await
        .rest()
        .await;
    assert_eq!(others(&seen), others(&replay));
    assert!(
        lines(&seen) == lines(&replay),
        "lines differ from the replay"
    );
}

const TALKS: &str = r#"
workflow talks {
  step talk: shell { run "for i in $(seq 1 3000); do echo line $i; sleep 0.01; done" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_key_ends_its_stream_while_lines_are_pushed() {
    let server = Server::start(&[("talks.wf", TALKS)], &[]);
    let id = start(&server, "talks", json!({})).await;
    let mut run = Stream::open(&server, &format!("/runs/{id}/events"), &server.reader, None).await;
    run.until(|e| is_line(e, "line 3")).await;
    let revoked = server
        .wfc()
        .args(["keys", "revoke", "dash", "--state-dir"])
        .arg(server.path("state"))
        .output()
        .unwrap();
    assert!(revoked.status.success(), "{revoked:?}");
    // Lines keep coming until the stream notices, then it ends (a stream
    // going on would reach the run's end, 30 s on).
    while let Some(e) = run.next().await {
        assert_ne!(e.event, "end", "the stream went on to the run's end");
    }
}
