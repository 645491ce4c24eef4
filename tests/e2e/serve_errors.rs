//! Every error the API answers is problem+json with a code, whatever
//! rejected the request: a query that does not parse, a body over
//! `--max-body`, a body that is not UTF-8 or not JSON, a filter that names
//! no status — against a real `wfc serve`.

use super::serve::Server;
use reqwest::StatusCode;
use serde_json::Value;

const HELLO: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";

async fn problem(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(kind, "application/problem+json", "{status}");
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn malformed_requests_get_problems_with_codes() {
    let server = Server::start(&[("hello.wf", HELLO)], &["--max-body", "1024"]);
    let http = reqwest::Client::new();
    for (query, says) in [
        ("status=bogus", "not a run status"),
        ("limit=0", "limit=0"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
    ] {
        let r = http
            .get(server.url(&format!("/runs?{query}")))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap();
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "API005", "{query}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
    let start = |body: Vec<u8>| {
        http.post(server.url("/workflows/hello/runs"))
            .bearer_auth(&server.operator)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let (status, body) = problem(start(vec![b' '; 4096]).await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "API010", "{body}");
    let (status, body) = problem(start(b"{\"who\": \"\xff\xfe\"}".to_vec()).await.unwrap()).await;
    assert_eq!(status.as_u16() / 100, 4, "{body}");
    assert_eq!(body["code"], "API005", "{body}");
    assert!(server.runs().await.is_empty());
}
