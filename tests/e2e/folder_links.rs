//! Symbolic links in the folders `wfc list`, `wfc fmt` and `wfc serve`
//! search: a link to a folder is followed once, a link back to a folder
//! that holds it (`sub/up -> ..`) is a loop, skipped with a warning — each
//! workflow listed and served once, and every command finishing.

use super::serve::{get, Server};
use crate::case;
use reqwest::StatusCode;
use serde_json::Value;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use wfc_testkit::Case;

const HELLO: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";
const BYE: &str = "workflow bye {\n  step b: shell { run \"true\" }\n}\n";

/// `flows/` holding `a.wf` and `sub/b.wf`, with `sub/up -> ..` (and with
/// `two`, a second loop `sub/here -> .` and a link to a folder outside).
fn loops(dir: &Path, two: bool) {
    let flows = dir.join("flows");
    std::fs::create_dir_all(flows.join("sub")).unwrap();
    std::fs::write(flows.join("a.wf"), HELLO).unwrap();
    std::fs::write(flows.join("sub/b.wf"), BYE).unwrap();
    symlink("..", flows.join("sub/up")).unwrap();
    if two {
        symlink(".", flows.join("sub/here")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        std::fs::write(
            dir.join("elsewhere/c.wf"),
            "workflow far {\n  step c: shell { run \"true\" }\n}\n",
        )
        .unwrap();
        symlink("../../elsewhere", flows.join("sub/far")).unwrap();
    }
}

/// Runs `command` to its end, failing the test if it takes over 20 s.
fn finished(mut command: Command) -> Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{command:?} did not finish: {:?}", child.wait_with_output());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn listed(c: &Case, args: &[&str]) -> (Value, String) {
    let out = finished(c.wfc(args).command());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{out:?}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn files(listing: &Value) -> Vec<&str> {
    listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect()
}

#[test]
fn a_link_back_up_lists_each_workflow_once_with_a_warning() {
    let c = case();
    loops(c.dir(), false);
    let (listing, stderr) = listed(&c, &["list", "--format", "json", "flows"]);
    assert_eq!(
        files(&listing),
        ["flows/a.wf", "flows/sub/b.wf"],
        "{listing}"
    );
    assert_eq!(
        stderr.matches("flows/sub/up leads back to").count(),
        1,
        "one warning naming the link: {stderr}"
    );
    // From inside, as `wfc list` with no path: `./` is not shown.
    let (listing, _) = listed(&c, &["list", "--format", "json"]);
    assert_eq!(
        files(&listing),
        ["flows/a.wf", "flows/sub/b.wf"],
        "{listing}"
    );
}

#[test]
fn two_loops_finish_and_a_link_out_is_followed() {
    let c = case();
    loops(c.dir(), true);
    let started = Instant::now();
    let (listing, stderr) = listed(&c, &["list", "--format", "json", "flows"]);
    assert!(started.elapsed() < Duration::from_secs(5), "{stderr}");
    assert_eq!(
        files(&listing),
        ["flows/a.wf", "flows/sub/b.wf", "flows/sub/far/c.wf"],
        "{listing}"
    );
    for link in ["flows/sub/up", "flows/sub/here"] {
        assert_eq!(
            stderr.matches(&format!("{link} leads back to")).count(),
            1,
            "{stderr}"
        );
    }
    // `wfc fmt` searches folders the same way: each file once, and done.
    let out = finished(c.wfc(["fmt", "--check", "flows"]).command());
    assert!(out.status.success(), "{out:?}");
}

#[tokio::test]
async fn wfc_serve_serves_each_workflow_once_despite_loops() {
    let dir = tempfile::tempdir().unwrap();
    loops(dir.path(), true);
    let server = Server::start_in(dir, &[], &[]);
    let (status, list) = get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut served: Vec<(&str, &str)> = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["file"].as_str().unwrap()))
        .collect();
    served.sort();
    let flows = server.path("flows").display().to_string();
    assert_eq!(
        served,
        [
            ("bye", format!("{flows}/sub/b.wf").as_str()),
            ("far", format!("{flows}/sub/far/c.wf").as_str()),
            ("hello", format!("{flows}/a.wf").as_str()),
        ],
        "{list}"
    );
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("sub/up leads back to"), "{log}");
}
