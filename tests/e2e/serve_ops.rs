//! `wfc serve`'s operations endpoints: `/healthz`, `/readyz` and
//! `/metrics`, read over real HTTP; the metrics parsed by the Python
//! `prometheus_client` parser and checked against runs the test made.

use super::serve::{get, post, Server, GATED};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FLOWS: &[(&str, &str)] = &[
    (
        "ok.wf",
        "workflow ok {\n  step greet: shell { run \"echo hi\" }\n}\n",
    ),
    (
        "bad.wf",
        "workflow bad {\n  step boom: shell { run \"exit 3\" }\n}\n",
    ),
    (
        "tick.wf",
        "workflow tick {\n  on schedule \"* * * * * *\"\n  step t: shell { run \"true\" }\n}\n",
    ),
];

/// Every sample of a Prometheus text exposition as `prometheus_client`
/// reads it: `{"families": {name: type}, "samples": [[name, labels, value]]}`;
/// `None` when the parser is not installed.
fn parse(text: &str) -> Option<Value> {
    const SCRIPT: &str = r#"
import json, sys
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit(3)
fams, samples = {}, []
for f in text_string_to_metric_families(sys.stdin.read()):
    fams[f.name] = f.type
    samples += [[s.name, s.labels, s.value] for s in f.samples]
print(json.dumps({"families": fams, "samples": samples}))
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.code() == Some(3) {
        return None;
    }
    assert!(
        out.status.success(),
        "the parser refused it: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// The value of sample `name` with exactly `labels`.
fn value(parsed: &Value, name: &str, labels: Value) -> Option<f64> {
    parsed["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == name && s[1] == labels)
        .and_then(|s| s[2].as_f64())
}

#[tokio::test]
async fn probes_answer_without_a_key_and_readiness_follows_the_state_folder_s_lock() {
    let server = Server::start(&[FLOWS[0]], &[]);
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let r = http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "ready"}));
    // The lock file replaced: another server could take the folder now.
    let lock = server.path("state").join("serve.lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(&lock, "").unwrap();
    let r = http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "API130", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("serve.lock"),
        "{problem}"
    );
    // Health is the process alone.
    let r = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_count_the_runs_made() {
    let mut flows = FLOWS.to_vec();
    flows.push(("gated.wf", GATED));
    let server = Server::start(&flows, &[]);
    let http = reqwest::Client::new();
    // A run held at its gate: waiting for a person.
    let url = server.url("/workflows/gated/runs");
    let (status, held) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{held}");
    for (flow, want) in [("ok", "succeeded"), ("ok", "succeeded"), ("bad", "failed")] {
        let url = server.url(&format!("/workflows/{flow}/runs?wait=20s"));
        let (status, run) = post(&http, &url, &server.operator, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        assert_eq!(run["status"], want, "{run}");
    }
    // The schedule fires every second: wait (polling) for one slot, and
    // for the gated run to reach its gate.
    let deadline = Instant::now() + Duration::from_secs(30);
    let parsed = loop {
        let r = http
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
        let text = r.text().await.unwrap();
        let Some(parsed) = parse(&text) else {
            return wfc_testkit::skip(
                "the Python prometheus_client package (pip install prometheus_client) is not installed",
            );
        };
        let waiting = value(&parsed, "wfc_runs_waiting", json!({"workflow": "gated"}));
        let fired = waiting == Some(1.0)
            && parsed["samples"].as_array().unwrap().iter().any(|s| {
                s[0] == "wfc_schedule_fires_total"
                    && s[1]["workflow"] == "tick"
                    && s[2].as_f64() >= Some(1.0)
            });
        if fired || Instant::now() > deadline {
            break parsed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let fams = &parsed["families"];
    assert_eq!(fams["wfc_runs"], "gauge", "{fams}");
    assert_eq!(fams["wfc_step_duration_seconds"], "histogram", "{fams}");
    assert_eq!(fams["wfc_schedule_fires"], "counter", "{fams}");
    let runs = |w: &str, s: &str| value(&parsed, "wfc_runs", json!({"workflow": w, "status": s}));
    assert_eq!(runs("ok", "succeeded"), Some(2.0));
    assert_eq!(runs("bad", "failed"), Some(1.0));
    assert_eq!(runs("ok", "failed"), None);
    let api = json!({"workflow": "ok", "trigger": "api"});
    assert_eq!(value(&parsed, "wfc_runs_by_trigger", api), Some(2.0));
    let fires = parsed["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == "wfc_schedule_fires_total");
    assert_eq!(
        fires.unwrap()[1]["schedule"],
        "* * * * * * UTC",
        "{fires:?}"
    );
    let step = |name: &str, extra: Option<(&str, &str)>| {
        let mut labels = json!({"workflow": "ok", "step": "greet"});
        if let Some((k, v)) = extra {
            labels[k] = json!(v);
        }
        value(&parsed, name, labels)
    };
    assert_eq!(step("wfc_step_duration_seconds_count", None), Some(2.0));
    assert_eq!(
        step("wfc_step_duration_seconds_bucket", Some(("le", "+Inf"))),
        Some(2.0)
    );
    let bad = json!({"workflow": "bad", "step": "boom"});
    assert_eq!(
        value(&parsed, "wfc_step_duration_seconds_count", bad),
        Some(1.0)
    );
    assert_eq!(value(&parsed, "wfc_workflows_served", json!({})), Some(4.0));
    let gated = json!({"workflow": "gated"});
    assert_eq!(value(&parsed, "wfc_runs_waiting", gated), Some(1.0));
    let running = json!({"workflow": "gated", "status": "running"});
    assert_eq!(value(&parsed, "wfc_runs", running), Some(1.0));
    assert_eq!(
        value(&parsed, "wfc_runs_waiting", json!({"workflow": "ok"})),
        None
    );
    assert_eq!(value(&parsed, "wfc_runs_queued", json!({})), Some(0.0));
    assert!(value(&parsed, "wfc_uptime_seconds", json!({})).unwrap() > 0.0);
    // #69: `/metrics` needs no key and read every step row of a day per
    // scrape. Scrapes at once share one exposition (the uptime in each
    // is the same), made from counts the store sums.
    let scrapes = (0..30).map(|_| async {
        let r = http.get(format!("{}/metrics", server.base)).send().await;
        r.unwrap().text().await.unwrap()
    });
    let bodies = futures::future::join_all(scrapes).await;
    let made: std::collections::BTreeSet<&String> = bodies.iter().collect();
    assert!(made.len() <= 2, "{} expositions for 30 scrapes", made.len());
}

#[tokio::test]
async fn metrics_ask_for_a_key_with_metrics_auth() {
    let server = Server::start(&[FLOWS[0]], &["--metrics-auth"]);
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", server.base);
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http
        .get(&url)
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("# TYPE wfc_runs gauge"));
    // A browser's request for /metrics is the dashboard's page (its login first).
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(&url)
        .header("accept", "text/html,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    // The probes stay open.
    let (status, _) = get(&http, &format!("{}/healthz", server.base), "").await;
    assert_eq!(status, StatusCode::OK);
}
