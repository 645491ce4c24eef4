//! Artifacts through a real `wfc serve`: the API lists a run's kept files
//! and streams one for any key (as a run's logs), refuses an unknown one
//! (API120) and one whose stored copy changed (API121, or a download cut
//! short); retention (`--keep-runs`) removes them with their run.

use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// A run makes a file of 300 KiB (several chunks) named by its param.
const MAKE: &str = r#"
workflow make {
  param tag: string = "a"
  step build: shell {
    run "rm -rf out && mkdir -p out && head -c 307200 /dev/zero | tr '\\0' '${tag}' > out/${tag}.bin"
    workdir "@DIR"
    artifacts { bin = "out/*.bin" }
  }
}
"#;

/// Polls `check` until it holds (at most 15 s).
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn start(server: &Server, tag: &str) -> String {
    let http = reqwest::Client::new();
    let url = server.url("/workflows/make/runs?wait=20s");
    let (status, body) = post(&http, &url, &server.operator, json!({ "tag": tag })).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(body["status"], "succeeded", "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_api_lists_and_streams_artifacts_and_retention_removes_them() {
    let server = Server::start(&[("make.wf", MAKE)], &["--keep-runs", "1"]);
    let http = reqwest::Client::new();
    let first = start(&server, "a").await;
    let (status, list) = get(
        &http,
        &server.url(&format!("/runs/{first}/artifacts")),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{list:#}");
    assert_eq!(listed[0]["step"], "build");
    assert_eq!(listed[0]["name"], "bin");
    assert_eq!(listed[0]["size"], 307200);
    let url = format!(
        "{}{}",
        server.url(""),
        listed[0]["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("/api/v1")
    );

    // The reader's key downloads it, whole.
    let r = http
        .get(&url)
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"a.bin\""
    );
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), 307200);
    assert!(body.iter().all(|&b| b == b'a'));
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a key is needed");

    // The run page links it; the link downloads it with the page's session.
    let browser = super::dashboard::client();
    let cookie =
        super::dashboard::pair(&super::dashboard::login(&browser, &server, &server.reader).await);
    let (status, _, html) =
        super::dashboard::page(&browser, &server, &format!("/runs/{first}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let link = format!(
        "/runs/{first}/artifacts/{}",
        listed[0]["sha256"].as_str().unwrap()
    );
    assert!(
        html.contains(&format!("href=\"{link}\" download")),
        "{html}"
    );
    let r = browser
        .get(format!("{}{link}", server.base))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().len(), 307200);

    let (status, problem) = get(
        &http,
        &server.url(&format!("/runs/{first}/artifacts/{}", "0".repeat(64))),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "API120", "{problem}");

    // A copy changed in place (same size): the answer is cut short, never whole.
    let sha = listed[0]["sha256"].as_str().unwrap();
    let stored = server.path("state/artifacts").join(&first).join(sha);
    std::fs::write(&stored, vec![b'b'; 307200]).unwrap();
    // The size matched, so streaming began; the change is found in the
    // first chunk, which may be before the head reached the client (the
    // request then fails as a whole) or after (the body is cut short).
    match http.get(&url).bearer_auth(&server.reader).send().await {
        Ok(r) => {
            assert_eq!(r.status(), StatusCode::OK, "the size matched");
            assert!(
                r.bytes().await.is_err(),
                "a changed copy was handed on whole"
            );
        }
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    // One of another size is refused at once.
    std::fs::write(&stored, b"short").unwrap();
    let (status, problem) = get(&http, &url, &server.reader).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{problem}");
    assert_eq!(problem["code"], "API121", "{problem}");

    // A newer run pushes the first out, its artifact folder with it.
    let second = start(&server, "c").await;
    let folder = |id: &str| server.path("state/artifacts").join(id);
    assert!(
        eventually(|| !folder(&first).exists()).await,
        "the pruned run kept its artifacts"
    );
    assert!(folder(&second).is_dir());
    let (status, list) = get(
        &http,
        &server.url(&format!("/runs/{second}/artifacts")),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list:#}");
}
