//! `wfc serve`'s `on change` triggers: files dropped into a watched folder
//! start one run per debounced batch of finished writes — on the real
//! server, with real files, checked in what the steps wrote and in the
//! run store.

use super::serve::Server;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

/// Counts each dropped file's lines (so half a file shows) and notes `changed`.
const DROP: &str = r#"
workflow drop {
  on change "incoming/*.csv" { debounce 600ms  params { files = changed } }
  param files: list<string> = []
  for each f in files {
    step count: shell { run "wc -l < @DIR/flows/${f} >> @DIR/rows.txt" }
  }
  step names: shell {
    run "echo ${join(files, ",")} >> @DIR/changed.txt"
    depends on count
  }
}
"#;

const DEBOUNCE: Duration = Duration::from_millis(600);

/// Waits (at most 10 s) for the server's log to hold `needle`.
fn wait_for_log(server: &Server, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log.lock().unwrap().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in {}",
            server.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `n` runs to have ended (at most `within`), then a little past
/// another debounce so that an extra run would show; the runs' details.
async fn ended_runs(server: &Server, n: usize, within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let all = server.runs().await;
        let done = all.iter().filter(|r| r["status"] != "running").count();
        if done >= n || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(DEBOUNCE * 2).await;
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for r in server.runs().await {
        out.push(server.finished(&http, r["id"].as_str().unwrap()).await);
    }
    out
}

fn read(server: &Server, name: &str) -> String {
    std::fs::read_to_string(server.path(name)).unwrap_or_default()
}

fn started(files: &[(&str, &str)], flags: &[&str]) -> Server {
    let server = Server::start(files, flags);
    std::fs::create_dir_all(server.path("flows/incoming/sub")).unwrap();
    server
}

#[tokio::test]
async fn a_file_written_in_two_chunks_starts_exactly_one_run() {
    let server = started(&[("drop.wf", DROP)], &[]);
    wait_for_log(&server, "watching for changes");
    let incoming = server.path("flows/incoming");
    // Files the glob does not match start nothing.
    std::fs::write(incoming.join("notes.txt"), "x\n").unwrap();
    std::fs::write(incoming.join("sub/deep.csv"), "x\n").unwrap();
    let mut f = std::fs::File::create(incoming.join("a.csv")).unwrap();
    f.write_all(b"id,n\n1,").unwrap();
    f.flush().unwrap();
    std::thread::sleep(DEBOUNCE / 2);
    f.write_all(b"2\n3,4\n").unwrap();
    drop(f);

    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    let run = &done[0];
    assert_eq!(
        (run["status"].as_str(), run["trigger"].as_str()),
        (Some("succeeded"), Some("change")),
        "{run}"
    );
    assert_eq!(run["params"], json!({"files": ["incoming/a.csv"]}));
    assert_eq!(read(&server, "rows.txt").trim(), "3");
    assert_eq!(read(&server, "changed.txt"), "incoming/a.csv\n");
}

#[tokio::test]
async fn a_file_still_open_for_writing_waits_for_its_close() {
    let server = started(&[("drop.wf", DROP)], &[]);
    wait_for_log(&server, "watching for changes");
    let mut f = std::fs::File::create(server.path("flows/incoming/big.csv")).unwrap();
    f.write_all(b"1\n").unwrap();
    f.flush().unwrap();
    // Quiet for longer than the debounce, but not closed: no run.
    std::thread::sleep(DEBOUNCE * 3);
    assert_eq!(server.runs().await, Vec::<Value>::new());
    f.write_all(b"2\n3\n4\n").unwrap();
    drop(f);
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(
        read(&server, "rows.txt").trim(),
        "4",
        "the whole file was read"
    );
}

#[tokio::test]
async fn files_renamed_in_together_are_one_batch_and_new_triggers_are_followed() {
    // The workflow comes after the server started, its folder later still.
    let server = Server::start(&[], &[]);
    std::fs::write(
        server.path("flows/drop.wf"),
        DROP.replace("@DIR", &server.dir.path().display().to_string()),
    )
    .unwrap();
    wait_for_log(&server, "cannot watch for changes yet");
    std::fs::create_dir_all(server.path("flows/incoming")).unwrap();
    wait_for_log(&server, "watching for changes");
    for name in ["b.csv", "a.csv"] {
        let tmp = server.path(name);
        std::fs::write(&tmp, "1\n2\n").unwrap();
        std::fs::rename(&tmp, server.path("flows/incoming").join(name)).unwrap();
    }
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(
        done[0]["params"],
        json!({"files": ["incoming/a.csv", "incoming/b.csv"]})
    );
    assert_eq!(
        read(&server, "changed.txt"),
        "incoming/a.csv,incoming/b.csv\n"
    );
}

#[tokio::test]
async fn a_polling_watch_starts_runs_too_and_ignores_other_files() {
    let server = started(&[("drop.wf", DROP)], &["--poll-changes"]);
    wait_for_log(&server, "polling=true");
    std::fs::write(server.path("flows/incoming/readme.md"), "x\n").unwrap();
    tokio::time::sleep(DEBOUNCE * 3).await;
    assert_eq!(server.runs().await, Vec::<Value>::new());
    std::fs::write(server.path("flows/incoming/c.csv"), "1\n2\n").unwrap();
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/c.csv"]}));
    assert_eq!(read(&server, "rows.txt").trim(), "2");
}

#[tokio::test]
async fn a_folder_that_appears_with_files_in_it_starts_one_run_for_them() {
    // A folder made, and written into, before its watch could start.
    let mut server = Server::start(&[("drop.wf", DROP)], &[]);
    wait_for_log(&server, "cannot watch for changes yet");
    let incoming = server.path("flows/incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    std::fs::write(incoming.join("early.csv"), "1\n2\n3\n").unwrap();
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/early.csv"]}));
    assert_eq!(read(&server, "rows.txt").trim(), "3");

    // What the folder holds when a server starts is old: no run for it.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    std::fs::write(incoming.join("old.csv"), "1\n").unwrap();
    let flows = server.path("flows");
    server.restart(&[], &flows);
    wait_for_log(&server, "watching for changes");
    tokio::time::sleep(DEBOUNCE * 3).await;
    assert_eq!(server.runs().await.len(), 1, "only the first server's run");
}

/// Waits (at most 10 s) for the server's log to hold `needle` `n` times.
fn wait_for_log_count(server: &Server, needle: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log.lock().unwrap().matches(needle).count() < n {
        assert!(
            Instant::now() < deadline,
            "{needle:?} not {n} times in {}",
            server.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_folder_removed_and_made_again_is_watched_again() {
    let server = started(&[("drop.wf", DROP)], &[]);
    wait_for_log(&server, "polling=false");
    let incoming = server.path("flows/incoming");
    std::fs::write(incoming.join("a.csv"), "1\n").unwrap();
    assert_eq!(
        ended_runs(&server, 1, Duration::from_secs(10)).await.len(),
        1
    );

    // Made again at once, and written into before the watch is back: the
    // file came after, and counts.
    std::fs::remove_dir_all(&incoming).unwrap();
    std::fs::create_dir(&incoming).unwrap();
    std::fs::write(incoming.join("b.csv"), "1\n2\n").unwrap();
    let done = ended_runs(&server, 2, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 2, "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/b.csv"]}));

    // Removed, then made again later: the OS's watch (not polling) on the
    // new folder sees what is written into it.
    std::fs::remove_dir_all(&incoming).unwrap();
    wait_for_log(&server, "the watched folder was removed or replaced");
    tokio::time::sleep(DEBOUNCE).await;
    std::fs::create_dir(&incoming).unwrap();
    wait_for_log_count(&server, "polling=false", 3);
    std::fs::write(incoming.join("c.csv"), "1\n2\n3\n").unwrap();
    let done = ended_runs(&server, 3, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 3, "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/c.csv"]}));
    assert_eq!(
        read(&server, "changed.txt"),
        "incoming/a.csv\nincoming/b.csv\nincoming/c.csv\n"
    );
    assert!(
        !server.log.lock().unwrap().contains("polling=true"),
        "{}",
        server.log.lock().unwrap()
    );
}

#[tokio::test]
async fn changed_names_a_file_by_its_path_not_through_a_link() {
    let deep = DROP.replace("incoming/*.csv", "incoming/**/*.csv");
    let server = started(&[("drop.wf", &deep)], &[]);
    // Two ways to one folder below the glob's: only the real one is watched.
    std::os::unix::fs::symlink("sub", server.path("flows/incoming/alias")).unwrap();
    std::os::unix::fs::symlink("sub", server.path("flows/incoming/zz")).unwrap();
    wait_for_log(&server, "watching for changes");
    std::fs::write(server.path("flows/incoming/sub/x.csv"), "1\n").unwrap();
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/sub/x.csv"]}));
}

#[tokio::test]
async fn a_folder_served_by_a_relative_path_is_watched() {
    // `wfc serve .` in the workflow's folder: the file is `drop.wf`, with
    // no folder in its name; the glob and the step's folder are its own.
    let mut server = Server::start(&[], &[]);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let here = r#"
workflow drop {
  on change "incoming/*.csv" { debounce 600ms  params { files = changed } }
  param files: list<string> = []
  for each f in files {
    step count: shell { run "wc -l < ${f} >> rows.txt" }
  }
}
"#;
    std::fs::write(server.path("drop.wf"), here).unwrap();
    std::fs::create_dir_all(server.path("incoming")).unwrap();
    server.restart(&[], std::path::Path::new("."));
    wait_for_log(&server, "watching for changes");
    std::fs::write(server.path("incoming/a.csv"), "1\n2\n").unwrap();
    let done = ended_runs(&server, 1, Duration::from_secs(10)).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["status"], "succeeded", "{done:?}");
    assert_eq!(done[0]["params"], json!({"files": ["incoming/a.csv"]}));
    assert_eq!(read(&server, "rows.txt").trim(), "2");
}
