//! The std library (`std/*.wf`): every module checks clean and is
//! formatted, and each one runs for real — directly, as `wfc run
//! std/NAME.wf` — against local components: an HTTP server started here,
//! the SMTP sink, Podman, cargo, sqlite3, git. `callers` holds the tests of
//! workflows that `import` and `call` the modules.

mod callers;
mod services;
mod tools;

use crate::case;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::any;
use axum::Router;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The path of `std/NAME` in the repository.
fn module(name: &str) -> String {
    format!("{}/std/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// One request the server saw.
#[derive(Clone, Debug)]
struct Request {
    path: String,
    body: String,
    headers: HeaderMap,
}

/// What the server saw, and how many times `/flaky` was asked.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<Mutex<Vec<Request>>>,
    flaky: Arc<AtomicU32>,
}

impl Seen {
    fn at(&self, path: &str) -> Vec<Request> {
        let all = self.requests.lock().unwrap();
        all.iter().filter(|r| r.path == path).cloned().collect()
    }
}

/// `/slack` and `/hook` take messages; `/flaky` is unavailable twice, then
/// up; `/fail` always fails; `/releases` creates a release and answers with
/// its page.
async fn handle(
    State(s): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let path = uri.path().to_owned();
    let body = String::from_utf8_lossy(&body).into_owned();
    s.requests.lock().unwrap().push(Request {
        path: path.clone(),
        body: body.clone(),
        headers,
    });
    match path.as_str() {
        "/flaky" if s.flaky.fetch_add(1, Ordering::SeqCst) < 2 => {
            (StatusCode::SERVICE_UNAVAILABLE, "starting".into())
        }
        "/flaky" => (StatusCode::OK, r#"{"status":"up"}"#.into()),
        "/hook" => (StatusCode::CREATED, "thanks".into()),
        "/fail" => (StatusCode::INTERNAL_SERVER_ERROR, "broken".into()),
        "/releases" => {
            let j: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let tag = j["tag_name"].as_str().unwrap_or("none");
            let page = format!("https://git.example.test/releases/{tag}");
            (
                StatusCode::CREATED,
                serde_json::json!({ "html_url": page }).to_string(),
            )
        }
        _ => (StatusCode::OK, "ok".into()),
    }
}

/// Starts the server; returns its base URL and what it saw.
fn server() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(any(handle)).with_state(seen.clone());
    (crate::serve(app), seen)
}

/// Every `.wf` file of `dir` in the repository.
fn wf_files(dir: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wf"))
        .collect();
    files.sort();
    files
}

/// Each module, and each example (those calling std modules among them),
/// checks clean with warnings denied and is in the canonical layout. The
/// check runs from an unrelated directory: `import "std/…"` resolves from
/// the library built into wfc, not from this checkout.
#[test]
fn std_modules_and_examples_check_clean_and_are_formatted() {
    let std_files = wf_files("std");
    for name in [
        "notify.wf",
        "http-healthcheck.wf",
        "docker-build.wf",
        "rust-ci.wf",
        "db-migrate.wf",
        "git-release.wf",
    ] {
        assert!(
            std_files.iter().any(|p| p.ends_with(name)),
            "std/{name} is missing"
        );
    }
    let examples = wf_files("examples");
    let callers: Vec<_> = examples
        .iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("import \"std/")
        })
        .collect();
    assert!(!callers.is_empty(), "no example imports a std module");
    let c = case();
    let mut args = vec!["check".to_owned(), "--deny".into(), "warnings".into()];
    args.extend(
        std_files
            .iter()
            .chain(&examples)
            .map(|p| p.display().to_string()),
    );
    // From the examples' folder, which their relative paths are written for (W0300).
    let examples_dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    let out = c.wfc(&args).current_dir(&examples_dir).output();
    assert_eq!(out.code, 0, "{out}");
    let mut args = vec!["fmt".to_owned(), "--check".into()];
    args.extend(
        std_files
            .iter()
            .chain(&examples)
            .map(|p| p.display().to_string()),
    );
    let out = c.wfc(&args).output();
    assert_eq!(out.code, 0, "{out}");
}
