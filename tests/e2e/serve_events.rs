//! `wfc serve`'s live events (Server-Sent Events, replayed from the store
//! with `Last-Event-ID`) and `POST /runs/{id}/resume`, over real HTTP
//! against the real server.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// One Server-Sent Event.
#[derive(Clone, Debug)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

/// A stream read until `stop` holds for an event (then dropped: the client
/// goes away) or until the server ends it; with the raw text received.
async fn read(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    last_id: Option<&str>,
    mut stop: impl FnMut(&Sse) -> bool,
) -> (Vec<Sse>, String, bool) {
    let mut req = http.get(url).bearer_auth(key);
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let mut r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let (mut buf, mut raw, mut events) = (String::new(), String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("the stream neither ended nor sent what was awaited")
            .unwrap();
        let Some(chunk) = chunk else {
            return (events, raw, true);
        };
        let text = String::from_utf8_lossy(&chunk).into_owned();
        raw.push_str(&text);
        buf.push_str(&text);
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
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
            if event.is_empty() {
                continue; // a keep-alive comment
            }
            let e = Sse {
                id,
                event,
                data: serde_json::from_str(&data).unwrap(),
            };
            let done = stop(&e);
            events.push(e);
            if done {
                return (events, raw, false);
            }
        }
    }
}

const STREAM: &str = r#"
workflow stream {
  secret token: string = "tok-2718281828"
  step count: shell { run "echo x >> @DIR/count.txt; echo token ${token}" }
  step talk: shell {
    run "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; sleep 0.15; done"
    depends on count
  }
}
"#;

fn lines_of(events: &[Sse], step: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event == "log" && e.data["step"] == step)
        .map(|e| e.data["line"].as_str().unwrap().to_owned())
        .collect()
}

fn twelve_lines() -> Vec<String> {
    (1..=12).map(|i| format!("line {i}")).collect()
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_loses_and_repeats_no_line() {
    let server = Server::start(&[("stream.wf", STREAM)], &[]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/stream/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap();
    let url = server.url(&format!("/runs/{id}/events"));

    // A read key may watch. Away after the third line, back a second later.
    let (first, _, ended) = read(&http, &url, &server.reader, None, |e| {
        e.event == "log" && e.data["line"] == "line 3"
    })
    .await;
    assert!(!ended);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let last = first.last().unwrap().id.clone();
    let (second, raw, ended) = read(&http, &url, &server.reader, Some(&last), |_| false).await;
    assert!(ended, "the run's stream ends after its end");

    let all: Vec<Sse> = first.iter().chain(&second).cloned().collect();
    assert_eq!(lines_of(&all, "talk"), twelve_lines(), "{all:#?}");
    assert_eq!(lines_of(&all, "count"), ["token ***"]);
    let kinds: Vec<&str> = all.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"run_started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"end"), "{kinds:?}");
    assert_eq!(all.last().unwrap().data["status"], "succeeded");
    for step in ["count", "talk"] {
        let of = |k: &str| {
            all.iter()
                .filter(|e| e.event == k && e.data["step"] == step)
                .count()
        };
        assert_eq!(
            (of("step_started"), of("step_ended")),
            (1, 1),
            "{step}: {kinds:?}"
        );
    }
    // The first `talk` line after its start, its last before its end.
    let at = |pred: &dyn Fn(&Sse) -> bool| all.iter().position(pred).unwrap();
    assert!(
        at(&|e| e.event == "step_started" && e.data["step"] == "talk")
            < at(&|e| e.data["line"] == "line 1")
    );
    assert!(
        at(&|e| e.data["line"] == "line 12")
            < at(&|e| e.event == "step_ended" && e.data["step"] == "talk")
    );
    // Ids are unique, and no event holds the secret.
    let mut ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
    assert!(!raw.contains("tok-2718281828"), "{raw}");
    assert!(
        !serde_json::to_string(&all.iter().map(|e| &e.data).collect::<Vec<_>>())
            .unwrap()
            .contains("tok-2718281828")
    );

    // An id that is not one of the stream's: 400 with its code.
    let r = http
        .get(&url)
        .bearer_auth(&server.reader)
        .header("Last-Event-ID", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "API021");
}

#[tokio::test]
async fn a_client_after_the_end_gets_the_whole_run_and_its_end() {
    let server = Server::start(&[("stream.wf", STREAM)], &[]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/stream/runs?wait=30s"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(
        (status, started["status"].as_str()),
        (StatusCode::OK, Some("succeeded"))
    );
    let id = started["id"].as_str().unwrap();
    let url = server.url(&format!("/runs/{id}/events"));
    let (all, raw, ended) = read(&http, &url, &server.reader, None, |_| false).await;
    assert!(ended);
    assert_eq!(lines_of(&all, "talk"), twelve_lines());
    assert_eq!(lines_of(&all, "count"), ["token ***"]);
    assert_eq!(all.last().unwrap().event, "end");
    assert!(!raw.contains("tok-2718281828"));
    // From the middle: what came after that id, nothing before.
    let mid = all.iter().position(|e| e.data["line"] == "line 6").unwrap();
    let (rest, _, _) = read(&http, &url, &server.reader, Some(&all[mid].id), |_| false).await;
    assert_eq!(rest.len(), all.len() - mid - 1);
    assert_eq!(rest[0].data["line"], "line 7");
    // No key: 401, as every read.
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

const FLAKY: &str = r#"
workflow flaky {
  step first: shell { run "echo run >> @DIR/first.txt" }
  step second: shell {
    run "echo trying; test -f @DIR/fixed && echo fixed >> @DIR/second.txt"
    depends on first
  }
}
"#;

#[tokio::test]
async fn resume_through_the_api_runs_only_what_did_not_succeed() {
    let server = Server::start(&[("flaky.wf", FLAKY)], &[]);
    let http = reqwest::Client::new();
    let (_, started) = post(
        &http,
        &server.url("/workflows/flaky/runs?wait=30s"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(started["status"], "failed", "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let resume = server.url(&format!("/runs/{id}/resume"));

    // A read key cannot resume.
    let (status, body) = post(&http, &resume, &server.reader, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("API002"))
    );

    // Every run's stream sees the resumed session to its end.
    let watch = {
        let (http, url, key, id) = (
            http.clone(),
            server.url("/events"),
            server.reader.clone(),
            id.clone(),
        );
        tokio::spawn(async move {
            read(&http, &url, &key, None, |e| {
                e.event == "end" && e.data["run"] == id.as_str()
            })
            .await
            .0
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::write(server.path("fixed"), "").unwrap();
    let (status, body) = post(&http, &resume, &server.operator, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, json!({"id": id, "url": format!("/api/v1/runs/{id}")}));
    // Right after the 202 the run may still show its failed session.
    let detail = server.url(&format!("/runs/{id}"));
    let mut run = Value::Null;
    for _ in 0..400 {
        run = get(&http, &detail, &server.reader).await.1;
        if run["status"] == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    let read_file = |n: &str| std::fs::read_to_string(server.path(n)).unwrap();
    assert_eq!(
        read_file("first.txt"),
        "run\n",
        "the step that succeeded ran again"
    );
    assert_eq!(read_file("second.txt"), "fixed\n");
    let seen = tokio::time::timeout(Duration::from_secs(20), watch)
        .await
        .unwrap()
        .unwrap();
    let mine: Vec<(&str, &str)> = seen
        .iter()
        .filter(|e| e.data["run"] == id.as_str())
        .map(|e| (e.event.as_str(), e.data["step"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(mine.first(), Some(&("run_resumed", "")), "{mine:?}");
    assert!(mine.contains(&("step_ended", "second")), "{mine:?}");
    assert!(!mine.contains(&("step_started", "first")), "{mine:?}");
    assert_eq!(seen.last().unwrap().data["status"], "succeeded");

    // The step's log through the API: each session's attempt 1 under a
    // header of its own, in order.
    let r = http
        .get(server.url(&format!("/runs/{id}/logs/second")))
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("── attempt 1 · "), "{text}");
    assert!(
        lines[2].starts_with("── attempt 1 (session 2, resumed) · "),
        "{text}"
    );
    assert_eq!((lines[1], lines[3]), ("trying", "trying"), "{text}");
    // The run's stream sends both sessions' lines (no header), each
    // between its step's start and end.
    let url = server.url(&format!("/runs/{id}/events"));
    let (all, _, ended) = read(&http, &url, &server.reader, None, |_| false).await;
    assert!(ended);
    let second: Vec<String> = all
        .iter()
        .filter(|e| e.data["step"] == "second" && e.event != "attempt_ended")
        .map(|e| format!("{} {}", e.event, e.data["line"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        second,
        [
            "step_started ",
            "log trying",
            "step_ended ",
            "step_started ",
            "log trying",
            "step_ended "
        ],
        "{all:#?}"
    );

    // A succeeded run cannot be resumed: 409 with the reason.
    let (status, body) = post(&http, &resume, &server.operator, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("API020"))
    );
    assert!(
        body["detail"].as_str().unwrap().contains("succeeded"),
        "{body}"
    );
    let (_, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    assert_eq!(run["status"], "succeeded");
}

/// A step that prints 60 MB (60,000 lines of 1,000 bytes), then its last
/// line, then waits for the file `go`.
const LOUD: &str = r#"
workflow loud {
  step shout: shell {
    run "seq -f '%01000g' 1 60000; echo the last line; while [ ! -f @DIR/go ]; do sleep 0.1; done"
  }
}
"#;

/// The peak resident memory of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Reads a run's stream until an event with `line` as its log line: the
/// log lines before it (counted, not kept) and its id.
async fn count_until(http: &reqwest::Client, url: &str, key: &str, line: &str) -> (usize, String) {
    let mut r = http.get(url).bearer_auth(key).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (mut buf, mut lines) = (Vec::new(), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("the last line never came")
            .unwrap()
            .expect("the stream ended before the last line");
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buf.drain(..end + 2).collect();
            let block = String::from_utf8(block).unwrap();
            if !block.contains("\nevent: log\n") && !block.contains("event:log") {
                continue;
            }
            let data = block.lines().find_map(|l| l.strip_prefix("data:")).unwrap();
            let data: Value = serde_json::from_str(data.trim()).unwrap();
            if data["line"] == line {
                let id = block.lines().find_map(|l| l.strip_prefix("id:")).unwrap();
                return (lines, id.trim().to_owned());
            }
            lines += 1;
        }
    }
}

/// Two clients watch from the start a run whose step printed 60 MB (issue
/// 51: a poll read a step's log from the cursor to its end at once, so
/// each stream held the whole log, and more, in memory): every line
/// reaches them and the last one comes, the server's peak RSS staying
/// bounded; the stream goes on to the step's end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_reads_a_huge_log_with_bounded_memory() {
    let server = Server::start(&[("loud.wf", LOUD)], &[]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/loud/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let printed = 60_000 * 1_001 + "the last line\n".len() as u64;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while server.log_len(&id, "shout") < printed {
        assert!(
            std::time::Instant::now() < deadline,
            "the step printed too slowly"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = server.child.id();
    let before = peak_rss_kib(pid);
    let url = server.url(&format!("/runs/{id}/events"));
    let watched = futures::future::join_all((0..2).map(|_| {
        let (http, url, key) = (http.clone(), url.clone(), server.reader.clone());
        async move { count_until(&http, &url, &key, "the last line").await }
    }))
    .await;
    let peak = peak_rss_kib(pid);
    eprintln!(
        "serve_events: peak RSS {} MiB before the streams, {} MiB after",
        before >> 10,
        peak >> 10
    );
    for (lines, _) in &watched {
        assert_eq!(*lines, 60_000);
    }
    assert!(peak < 150 << 10, "peak RSS {} MiB", peak >> 10);
    // From the last line's id on: the step's end, then the run's.
    std::fs::write(server.path("go"), "").unwrap();
    let (rest, _, ended) = read(&http, &url, &server.reader, Some(&watched[0].1), |_| false).await;
    assert!(ended);
    let kinds: Vec<&str> = rest.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["attempt_ended", "step_ended", "end"], "{rest:#?}");
}
