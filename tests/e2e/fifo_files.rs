//! A FIFO (or any file that is not a regular one) named `*.wf` where wfc
//! reads workflow files: refused at once with why, never waited on. The
//! real `wfc serve` starts and goes on serving with one in its folder (and
//! lists it as a file that does not load), `/validate` of a file importing
//! it answers, and `wfc check` of it, or of a file importing it, ends.

use super::serve::Server;
use super::WFC;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HELLO: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// `wfc ARGS` in `dir`, killed (and failed) if it takes over 10 s.
fn wfc(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(WFC)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`wfc {}` hangs", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `GET /workflows` with the read key, polled until `done` holds (10 s).
async fn listed(server: &Server, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, v) = super::serve::get(
            &reqwest::Client::new(),
            &server.url("/workflows"),
            &server.reader,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "never so: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `files` entry of `name` in a listing.
fn file<'a>(listing: &'a Value, name: &str) -> Option<&'a Value> {
    listing["files"]
        .as_array()?
        .iter()
        .find(|f| f["file"].as_str().is_some_and(|n| n.ends_with(name)))
}

fn served(listing: &Value, name: &str) -> bool {
    listing["workflows"]
        .as_array()
        .is_some_and(|ws| ws.iter().any(|w| w["name"] == name))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_in_a_served_folder_is_listed_as_not_loading_and_the_rest_is_served() {
    // One FIFO there from the start: the server starts all the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    mkfifo(&dir.path().join("flows/early.wf"));
    let server = Server::start_in(dir, &[("hello.wf", HELLO)], &[]);
    // One made while it serves, then a new workflow file after it.
    mkfifo(&server.path("flows/late.wf"));
    let v = listed(&server, |v| file(v, "late.wf").is_some()).await;
    for name in ["early.wf", "late.wf"] {
        let f = file(&v, name).unwrap();
        assert_eq!(f["load_error"]["code"], "API030", "{v}");
        assert_eq!(
            f["load_error"]["message"], "cannot read the file: not a regular file (a FIFO)",
            "{v}"
        );
        assert_eq!(f["workflows"], serde_json::json!([]), "{v}");
    }
    assert!(served(&v, "hello"), "{v}");
    std::fs::write(
        server.path("flows/newone.wf"),
        HELLO.replace("hello", "newone"),
    )
    .unwrap();
    listed(&server, |v| served(v, "newone")).await;

    // A posted file importing the FIFO is answered, with why.
    let r = reqwest::Client::new()
        .post(server.url("/validate"))
        .bearer_auth(&server.reader)
        .body("import \"flows/late.wf\" as m\nworkflow x {\n  step a: shell { run \"true\" }\n}\n")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("/validate of a file importing a FIFO answers");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["diagnostics"][0]["code"], "E0220", "{v}");
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("not a regular file (a FIFO)"), "{v}");
}

#[test]
fn wfc_check_of_a_fifo_or_of_a_file_importing_one_ends_with_why() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo.wf"));
    std::fs::write(
        dir.path().join("imp.wf"),
        "import \"fifo.wf\" as f\nworkflow w {\n  step a: shell { run \"x\" }\n}\n",
    )
    .unwrap();
    let out = wfc(dir.path(), &["check", "imp.wf"]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("E0220")
            && text.contains("cannot import `fifo.wf`: not a regular file (a FIFO)"),
        "{text}"
    );
    // The import's place: line 1.
    assert!(text.contains("imp.wf:1:"), "{text}");

    let out = wfc(dir.path(), &["check", "fifo.wf"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot read fifo.wf: not a regular file (a FIFO); give `-`"),
        "{text}"
    );
    // A folder searched: the FIFO is an error, the other file checked.
    let out = wfc(dir.path(), &["list", "."]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("not a regular file (a FIFO)"), "{text}");
}
