//! The `http`, `webhook` and `slack` executors against a real HTTP server
//! (axum on 127.0.0.1:0) that records every request it receives.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wfc_run::exec::{
    Body, Executor, HttpSpec, Outcome, SlackSpec, Status, StepContext, StepSpec, WebhookSpec,
};
use wfc_run::mask::Masker;

#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    headers: HeaderMap,
    body: String,
}

type Log = Arc<Mutex<Vec<Recorded>>>;

struct Server {
    base: String,
    log: Log,
}

impl Server {
    async fn start() -> Server {
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/echo", any(echo))
            .route("/status/{code}", any(status))
            .route("/slack/{outcome}", any(slack))
            .route("/slow", any(slow))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { base, log }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

fn record(log: &Log, method: Method, uri: &Uri, headers: HeaderMap, body: &Bytes) {
    log.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers,
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

async fn echo(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    record(&log, method.clone(), &uri, headers, &body);
    let json =
        serde_json::json!({ "method": method.as_str(), "got": String::from_utf8_lossy(&body) });
    let mut h = HeaderMap::new();
    h.insert("x-test", "a".parse().unwrap());
    h.insert("content-type", "application/json".parse().unwrap());
    h.append("set-cookie", "one=1".parse().unwrap());
    h.append("set-cookie", "two=2".parse().unwrap());
    (h, json.to_string())
}

async fn status(
    State(log): State<Log>,
    Path(code): Path<u16>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    record(&log, method, &uri, headers, &body);
    let text = format!("nope {code} {}", "x".repeat(400));
    (StatusCode::from_u16(code).unwrap(), text)
}

async fn slack(
    State(log): State<Log>,
    Path(outcome): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    record(&log, method, &uri, headers, &body);
    if outcome == "ok" {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::NOT_FOUND, "no_team")
    }
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

async fn exec(spec: StepSpec) -> Outcome {
    Executor::default()
        .run(&spec, &StepContext::new(CancellationToken::new()))
        .await
}

#[tokio::test]
async fn get_gives_status_body_json_and_headers() {
    let srv = Server::start().await;
    let o = exec(StepSpec::Http(HttpSpec::new("get", srv.url("/echo")))).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.outputs["status_code"], 200);
    assert_eq!(o.outputs["json"]["method"], "GET");
    assert_eq!(o.outputs["body"], r#"{"got":"","method":"GET"}"#);
    assert_eq!(o.outputs["headers"]["x-test"], "a");
    assert_eq!(o.outputs["headers"]["set-cookie"], "one=1, two=2");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("wfc/"));
}

#[tokio::test]
async fn every_method_with_headers_and_bodies() {
    let srv = Server::start().await;
    for method in ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
        let mut spec = HttpSpec::new(method, srv.url("/echo"));
        spec.headers = vec![
            ("X-Token".into(), "t1".into()),
            ("x-multi".into(), "a".into()),
        ];
        spec.body = Some(Body::Json(serde_json::json!({ "n": 1 })));
        let o = exec(StepSpec::Http(spec)).await;
        assert_eq!(o.status, Status::Succeeded, "{method}: {:?}", o.error);
        let r = srv.requests().pop().unwrap();
        assert_eq!(r.method, method);
        assert_eq!(r.headers["x-token"], "t1");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.body, r#"{"n":1}"#);
    }
    let mut spec = HttpSpec::new("post", srv.url("/echo"));
    spec.headers = vec![("content-type".into(), "text/csv".into())];
    spec.body = Some(Body::Text("a,b\n1,2".into()));
    let o = exec(StepSpec::Http(spec)).await;
    assert_eq!(o.outputs["json"]["got"], "a,b\n1,2");
    let r = srv.requests().pop().unwrap();
    assert_eq!(r.headers["content-type"], "text/csv");
}

#[tokio::test]
async fn expect_accepts_listed_statuses_and_reports_the_rest() {
    let srv = Server::start().await;
    let mut spec = HttpSpec::new("GET", srv.url("/status/404"));
    spec.expect = vec![200, 404];
    let o = exec(StepSpec::Http(spec.clone())).await;
    assert_eq!(o.status, Status::Succeeded);
    assert_eq!(o.outputs["status_code"], 404);
    assert_eq!(o.outputs["json"], serde_json::Value::Null);

    spec.expect = vec![];
    let o = exec(StepSpec::Http(spec.clone())).await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.outputs["status_code"], 404, "outputs are kept on failure");
    let e = o.error.unwrap();
    let prefix = format!(
        "GET {}: expected status 2xx, got 404: nope 404 xxx",
        spec.url
    );
    assert!(e.starts_with(&prefix), "{e}");
    assert!(
        e.ends_with('…') && e.chars().count() < prefix.len() + 200,
        "{e}"
    );

    spec.expect = vec![201];
    let e = exec(StepSpec::Http(spec.clone())).await.error.unwrap();
    assert!(e.contains("expected status 201, got 404"), "{e}");
    spec.expect = vec![200, 201];
    let e = exec(StepSpec::Http(spec)).await.error.unwrap();
    assert!(
        e.contains("expected status one of 200, 201, got 404"),
        "{e}"
    );
}

#[tokio::test]
async fn unreachable_servers_and_bad_input_are_clear_failures() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/x");
    let o = exec(StepSpec::Http(HttpSpec::new("GET", url.clone()))).await;
    assert_eq!(o.status, Status::Failed);
    let e = o.error.unwrap();
    assert!(e.starts_with(&format!("GET {url}: ")), "{e}");
    assert!(e.to_lowercase().contains("connect"), "{e}");

    let e = exec(StepSpec::Http(HttpSpec::new("G E T", url.clone())))
        .await
        .error
        .unwrap();
    assert!(e.contains("not an HTTP method"), "{e}");
    let mut spec = HttpSpec::new("GET", url);
    spec.headers = vec![("bad header".into(), "v".into())];
    let e = exec(StepSpec::Http(spec)).await.error.unwrap();
    assert!(e.contains("`bad header` is not a valid header name"), "{e}");
}

#[tokio::test]
async fn timeout_and_cancellation_stop_a_slow_request() {
    let srv = Server::start().await;
    let spec = StepSpec::Http(HttpSpec::new("GET", srv.url("/slow")));
    let ex = Executor::default();
    let ctx = StepContext::new(CancellationToken::new()).with_timeout(Duration::from_millis(200));
    let start = Instant::now();
    let o = ex.run(&spec, &ctx).await;
    assert_eq!(o.status, Status::TimedOut);
    assert_eq!(o.error.as_deref(), Some("timed out after 200ms"));
    assert!(start.elapsed() < Duration::from_secs(2));

    let cancel = CancellationToken::new();
    let ctx = StepContext::new(cancel.clone());
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        c2.cancel();
    });
    let o = ex.run(&spec, &ctx).await;
    assert_eq!(o.status, Status::Cancelled);
}

#[tokio::test]
async fn webhook_sends_method_headers_and_body() {
    let srv = Server::start().await;
    let mut spec = WebhookSpec::new(srv.url("/echo"));
    spec.method = "PUT".into();
    spec.headers = vec![("x-event".into(), "deploy".into())];
    spec.body = Some(Body::Text("payload".into()));
    let o = exec(StepSpec::Webhook(spec)).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.outputs["status_code"], 200);
    assert_eq!(o.outputs["body"], r#"{"got":"payload","method":"PUT"}"#);
    let r = srv.requests().pop().unwrap();
    assert_eq!((r.method.as_str(), r.body.as_str()), ("PUT", "payload"));
    assert_eq!(r.headers["x-event"], "deploy");

    let mut spec = WebhookSpec::new(srv.url("/status/500"));
    spec.body = Some(Body::Json(serde_json::json!(["a"])));
    let o = exec(StepSpec::Webhook(spec)).await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.outputs["status_code"], 500);
    assert!(o
        .error
        .unwrap()
        .contains("expected a 2xx status, got 500: nope 500"));
    let r = srv.requests().pop().unwrap();
    assert_eq!((r.method.as_str(), r.body.as_str()), ("POST", r#"["a"]"#));
}

#[tokio::test]
async fn slack_posts_text_and_channel_and_never_leaks_the_url() {
    let srv = Server::start().await;
    let spec = SlackSpec {
        webhook: srv.url("/slack/ok"),
        message: "Deployed 1.2 to prod".into(),
        channel: Some("#deploys".into()),
    };
    let o = exec(StepSpec::Slack(spec)).await;
    assert_eq!(o.status, Status::Succeeded, "{:?}", o.error);
    assert_eq!(o.outputs["delivered"], true);
    let r = srv.requests().pop().unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/slack/ok"));
    assert_eq!(r.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"text": "Deployed 1.2 to prod", "channel": "#deploys"})
    );

    let spec = SlackSpec {
        webhook: srv.url("/slack/bad"),
        message: "hi".into(),
        channel: None,
    };
    let o = exec(StepSpec::Slack(spec.clone())).await;
    assert_eq!(o.status, Status::Failed);
    assert_eq!(o.outputs["delivered"], false);
    assert_eq!(
        o.error.as_deref(),
        Some("the Slack webhook refused the message, got 404: no_team")
    );
    let body: serde_json::Value =
        serde_json::from_str(&srv.requests().pop().unwrap().body).unwrap();
    assert_eq!(body, serde_json::json!({"text": "hi"}));

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let secret_url = format!("http://127.0.0.1:{port}/services/T000/B000/XXXX");
    let spec = SlackSpec {
        webhook: secret_url.clone(),
        message: "hi".into(),
        channel: None,
    };
    let o = exec(StepSpec::Slack(spec)).await;
    let e = o.error.unwrap();
    assert!(e.starts_with("posting to Slack failed"), "{e}");
    assert!(!e.contains("XXXX"), "{e}");
}

#[tokio::test]
async fn error_messages_are_masked() {
    let srv = Server::start().await;
    let spec = StepSpec::Http(HttpSpec::new("GET", srv.url("/status/500")));
    let ctx = StepContext::new(CancellationToken::new()).with_masker(Masker::new(["nope 500"]));
    let o = Executor::default().run(&spec, &ctx).await;
    let e = o.error.unwrap();
    assert!(
        e.contains("got 500: *** xxx") && !e.contains("nope 500"),
        "{e}"
    );
}

/// An empty URL (an unset secret, typically) says so instead of a URL parser error.
#[tokio::test]
async fn an_empty_url_says_what_is_missing() {
    use wfc_run::exec::{Executor, SlackSpec, StepContext, StepSpec};
    let spec = StepSpec::Slack(SlackSpec {
        webhook: String::new(),
        message: "hi".into(),
        channel: None,
    });
    let ex = Executor::new(Default::default());
    let out = ex.run(&spec, &StepContext::new(Default::default())).await;
    let err = out.error.unwrap();
    assert!(err.contains("the URL is empty"), "{err}");
}
