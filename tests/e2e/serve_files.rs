//! The files a real `wfc serve` serves, as they change under it: a broken
//! file checked and logged once per change and shown as such in the API
//! and on the dashboard, imports followed, the served folder removed and
//! made again, links and loops — and `POST /validate`, which reads only
//! the served files and says the same of every other path.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

const HELLO: &str = "workflow hello {\n  step a: shell { run \"true\" }\n}\n";
const BROKEN: &str = "workflow hello {\n  step a: shell { run }\n}\n";

/// `GET /workflows` with the read key.
async fn listing(server: &Server) -> Value {
    let (status, v) = get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

/// The served workflows' names, sorted.
fn names(listing: &Value) -> Vec<String> {
    let mut n: Vec<String> = listing["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

/// The entry of `files` whose name ends with `file`.
fn file<'a>(listing: &'a Value, file: &str) -> &'a Value {
    listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("no {file} in {listing}"))
}

/// Polls the listing until `done` holds (at most 10 s); the last listing.
async fn listed(server: &Server, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = listing(server).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "never so: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines_with(server: &Server, needle: &str) -> usize {
    server.log.lock().unwrap().matches(needle).count()
}

fn log_lines(server: &Server) -> usize {
    server.log.lock().unwrap().lines().count()
}

/// Writes `path` as editors do: a whole new file renamed over the old
/// one, so the server never reads half of it.
fn write(path: &Path, text: impl AsRef<[u8]>) {
    let folder = path.parent().unwrap();
    std::fs::create_dir_all(folder).unwrap();
    let tmp = folder.join(".saving");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

/// Waits (at most 10 s) for the log to hold `n` lines with `needle`.
async fn logged(server: &Server, needle: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines_with(server, needle) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_says_the_same_of_every_path_outside_the_served_files() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    write(&server.path("private.wf"), HELLO);
    write(&server.path("secret/deep.wf"), HELLO);
    let validate = |import: String| {
        let http = reqwest::Client::new();
        let url = server.url("/validate");
        let key = server.reader.clone();
        async move {
            let text = format!(
                "import \"{import}\" as m\nworkflow x {{\n  step a: shell {{ run \"true\" }}\n}}\n"
            );
            let r = http.post(url).bearer_auth(key).body(text).send().await;
            let v: Value = r.unwrap().json().await.unwrap();
            assert_eq!(v["valid"], false, "{v}");
            let d = &v["diagnostics"][0];
            assert_eq!(d["code"], "E0220", "{v}");
            // The answer without the path asked for (and so its length).
            let said = [
                &d["code"],
                &d["message"],
                &d["help"],
                &d["labels"][0]["message"],
            ];
            let normal = import.replace("flows/../", "");
            serde_json::to_string(&said)
                .unwrap()
                .replace(&import, "PATH")
                .replace(&normal, "PATH")
        }
    };
    let dir = server.dir.path().display().to_string();
    let mut answers = Vec::new();
    for import in [
        format!("{dir}/private.wf"),
        format!("{dir}/missing.wf"),
        format!("{dir}/secret/deep.wf"),
        format!("{dir}/nowhere/deep.wf"),
        "private.wf".to_owned(),
        "missing.wf".to_owned(),
        "flows/../private.wf".to_owned(),
        "/etc/passwd.wf".to_owned(),
        "/root/x.wf".to_owned(),
    ] {
        answers.push((import.clone(), validate(import).await));
    }
    for (import, answer) in &answers {
        assert_eq!(
            answer, &answers[0].1,
            "`{import}` is answered unlike `{}`",
            answers[0].0
        );
    }
    assert!(
        answers[0]
            .1
            .contains("not a workflow file this server serves"),
        "{}",
        answers[0].1
    );
    // A served file is imported as before.
    let r = reqwest::Client::new()
        .post(server.url("/validate"))
        .bearer_auth(&server.reader)
        .body("import \"flows/hello.wf\" as h\nworkflow x {\n  step a: call h.hello {}\n}\n")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_file_is_logged_once_per_change_and_shown_until_fixed() {
    let lib = "workflow greet {\n  step a: shell { run \"true\" }\n}\n";
    let main =
        "import \"../shared/lib.wf\" as lib\nworkflow main {\n  step a: call lib.greet {}\n}\n";
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("shared/lib.wf"), lib);
    let server = Server::start_in(dir, &[("hello.wf", HELLO), ("main.wf", main)], &[]);
    let hello = server.path("flows/hello.wf");
    write(&hello, BROKEN);
    write(&server.path("flows/bad.wf"), BROKEN.replace("hello", "bad"));
    // A file that is not text cannot be read, and says so.
    write(&server.path("flows/binary.wf"), [0xff, 0xfe, 0x00]);
    // An import outside the served folder breaks: its importer is checked again.
    write(
        &server.path("shared/lib.wf"),
        "workflow greet {\n  step a: shell { run }\n}\n",
    );
    let v = listed(&server, |v| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["load_error"].is_null())
    })
    .await;

    let h = file(&v, "flows/hello.wf");
    assert_eq!(h["last_good"], true, "{v}");
    assert_eq!(h["workflows"], serde_json::json!(["hello"]));
    let e = &h["load_error"];
    assert_eq!(
        (e["code"].as_str(), e["line"].as_u64()),
        (Some("E0104"), Some(2)),
        "{v}"
    );
    assert!(
        e["file"].as_str().unwrap().ends_with("flows/hello.wf"),
        "{v}"
    );
    let b = file(&v, "flows/bad.wf");
    assert_eq!(
        (
            b["last_good"].as_bool(),
            b["workflows"].as_array().unwrap().len()
        ),
        (Some(false), 0)
    );
    assert_eq!(b["load_error"]["code"], "E0104");
    let m = file(&v, "flows/main.wf");
    assert_eq!(
        (m["last_good"].as_bool(), m["load_error"]["code"].as_str()),
        (Some(true), Some("E0224")),
        "{v}"
    );
    let bin = &file(&v, "flows/binary.wf")["load_error"];
    assert_eq!(bin["code"], "API030", "{v}");
    assert!(
        bin["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the file"),
        "{v}"
    );
    // Each workflow says it is served from its last good version; `bad` serves nothing.
    assert_eq!(names(&v), ["hello", "main"]);
    for w in v["workflows"].as_array().unwrap() {
        assert_eq!(w["last_good"], true, "{w}");
        assert!(w["load_error"]["code"].is_string(), "{w}");
    }

    // Checked and logged once per change, not again and again.
    logged(&server, "workflow file has errors", 3).await;
    let errors = lines_with(&server, "workflow file has errors");
    assert_eq!(errors, 3, "{}", server.log.lock().unwrap());
    let before = log_lines(&server);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let grown = log_lines(&server) - before;
    assert!(
        grown <= 2,
        "{grown} lines in 3 s: {}",
        server.log.lock().unwrap()
    );
    assert_eq!(lines_with(&server, "workflow file has errors"), errors);

    // The dashboard shows the same.
    let http = client();
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (status, _, home) = page(&http, &server, "/", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{home}");
    for shown in [
        "Files that do not load",
        "bad.wf</code>:\n      not served",
        "<strong>E0104</strong>",
        "hello.wf:2:19</code>",
        "Served from its last good version",
        "<strong>E0224</strong>",
    ] {
        assert!(home.contains(shown), "`{shown}` is not on the page: {home}");
    }

    assert_eq!(lines_with(&server, "cannot read a workflow file"), 1);

    // Fixed: served again, and nothing says otherwise.
    std::fs::remove_file(server.path("flows/binary.wf")).unwrap();
    write(&hello, HELLO);
    write(&server.path("flows/bad.wf"), HELLO.replace("hello", "bad"));
    write(&server.path("shared/lib.wf"), lib);
    let v = listed(&server, |v| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["load_error"].is_null() && f["last_good"] == false)
    })
    .await;
    assert_eq!(names(&v), ["bad", "hello", "main"]);
    for w in v["workflows"].as_array().unwrap() {
        assert_eq!(
            (w["last_good"].as_bool(), &w["load_error"]),
            (Some(false), &Value::Null),
            "{w}"
        );
    }
    let (_, _, home) = page(&http, &server, "/", &cookie).await;
    assert!(
        !home.contains("Files that do not load") && !home.contains("last good"),
        "{home}"
    );
    assert_eq!(lines_with(&server, "workflow file has errors"), errors);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_folder_removed_and_made_again_is_watched_again() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let flows = server.path("flows");
    std::fs::remove_dir_all(&flows).unwrap();
    listed(&server, |v| names(v).is_empty()).await;
    std::fs::create_dir(&flows).unwrap();
    write(&flows.join("fresh.wf"), HELLO.replace("hello", "fresh"));
    listed(&server, |v| names(v) == ["fresh"]).await;
    // A folder below it, too; and a file written into the new folder later.
    write(&flows.join("sub/a.wf"), HELLO.replace("hello", "a"));
    listed(&server, |v| names(v) == ["a", "fresh"]).await;
    std::fs::remove_dir_all(flows.join("sub")).unwrap();
    std::fs::create_dir(flows.join("sub")).unwrap();
    write(&flows.join("sub/b.wf"), HELLO.replace("hello", "b"));
    listed(&server, |v| names(v) == ["b", "fresh"]).await;
    std::thread::sleep(Duration::from_millis(600));
    write(&flows.join("sub/c.wf"), HELLO.replace("hello", "c"));
    listed(&server, |v| names(v) == ["b", "c", "fresh"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn files_reached_through_links_are_served_once_and_loops_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    write(&flows.join("sub/b.wf"), HELLO.replace("hello", "b"));
    symlink("..", flows.join("sub/up")).unwrap();
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    symlink("../elsewhere", flows.join("far")).unwrap();
    let server = Server::start_in(dir, &[("a.wf", HELLO)], &[]);
    // New files, one through the link out, one beside the loop.
    write(&server.path("elsewhere/c.wf"), HELLO.replace("hello", "c"));
    write(&flows.join("sub/d.wf"), HELLO.replace("hello", "d"));
    let v = listed(&server, |v| names(v) == ["b", "c", "d", "hello"]).await;
    let c = file(&v, "flows/far/c.wf");
    assert_eq!(c["workflows"], serde_json::json!(["c"]));
    assert_eq!(v["files"].as_array().unwrap().len(), 4, "{v}");
    // Said at the start, not at each search since.
    assert_eq!(
        lines_with(&server, "leads back to"),
        1,
        "{}",
        server.log.lock().unwrap()
    );
}
