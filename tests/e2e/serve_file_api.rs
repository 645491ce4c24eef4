//! `/api/v1/files/{path}` on a real `wfc serve`: a workflow file created,
//! replaced, read at a kept version, restored and deleted, the catalog
//! serving each change at once; and every way out refused — `..`, an
//! absolute path, a link out of the served folder, a bad text (its
//! diagnostics returned, nothing written), a secret's literal, a `read`
//! key.

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::os::unix::fs::symlink;

const ONE: &str = "workflow made {\n  step a: shell { run \"echo one\" }\n}\n";
const TWO: &str = "workflow made {\n  param who: string = \"you\"\n  step a: shell { run \"echo two ${who}\" }\n}\n";
const BROKEN: &str = "workflow made {\n  step a: shell { run }\n}\n";
const SECRET: &str =
    "workflow made {\n  secret token: string = \"hunter2\"\n  step a: shell { run \"echo ${token}\" }\n}\n";

async fn put(server: &Server, path: &str, key: &str, text: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .put(server.url(&format!("/files/{path}")))
        .bearer_auth(key)
        .body(text.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn delete(server: &Server, path: &str, key: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .delete(server.url(&format!("/files/{path}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The served workflows' names.
async fn served(server: &Server) -> Vec<String> {
    let (_, v) = get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    let mut names: Vec<String> = v["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_file_is_created_replaced_versioned_restored_and_deleted() {
    let server = Server::start(&[("hello.wf", ONE.replace("made", "hello").as_str())], &[]);
    let http = reqwest::Client::new();
    let op = server.operator.clone();
    // Created: served at once, no version kept.
    let (status, w) = put(&server, "team/made.wf", &op, ONE).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["created"], true);
    assert_eq!(w["kept_version"], Value::Null);
    assert_eq!(w["workflows"][0]["name"], "made");
    assert_eq!(served(&server).await, ["hello", "made"]);
    let on_disk = server.path("flows/team/made.wf");
    assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), ONE);
    // Replaced: the old text kept as version 1, the new one served.
    let (status, w) = put(&server, "team/made.wf", &op, TWO).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(
        (&w["created"], &w["kept_version"]),
        (&Value::Bool(false), &Value::from(1))
    );
    let (_, listing) = get(&http, &server.url("/workflows"), &server.reader).await;
    let made = listing["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "made")
        .unwrap();
    assert_eq!(
        made["params"][0]["name"], "who",
        "the new version is served at once"
    );
    let (status, f) = get(&http, &server.url("/files/team/made.wf"), &op).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(f["text"], TWO);
    assert_eq!(f["versions"][0]["version"], 1);
    assert_eq!(f["versions"][0]["bytes"], ONE.len());
    let (_, old) = get(&http, &server.url("/files/team/made.wf?version=1"), &op).await;
    assert_eq!(
        (&old["text"], &old["version"]),
        (&Value::from(ONE), &Value::from(1))
    );
    let (status, none) = get(&http, &server.url("/files/team/made.wf?version=9"), &op).await;
    assert_eq!(
        (status, &none["code"]),
        (StatusCode::NOT_FOUND, &Value::from("API141"))
    );
    // Versions live under the state folder, not the served one.
    let kept: Vec<_> = walk(&server.path("state/file-versions"));
    assert!(kept.iter().any(|p| p.ends_with("1.wf")), "{kept:?}");
    assert!(!walk(&server.path("flows"))
        .iter()
        .any(|p| !p.ends_with(".wf")));
    // Restored by a PUT of the old text: the replaced one kept as version 2.
    let (status, w) = put(&server, "team/made.wf", &op, old["text"].as_str().unwrap()).await;
    assert_eq!(
        (status, &w["kept_version"]),
        (StatusCode::OK, &Value::from(2))
    );
    assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), ONE);
    // Deleted: kept as version 3, no longer served; its versions still read.
    let (status, d) = delete(&server, "team/made.wf", &op).await;
    assert_eq!(
        (status, &d["kept_version"]),
        (StatusCode::OK, &Value::from(3)),
        "{d}"
    );
    assert!(!on_disk.exists());
    assert_eq!(served(&server).await, ["hello"]);
    let (status, _) = get(&http, &server.url("/files/team/made.wf"), &op).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v3) = get(&http, &server.url("/files/team/made.wf?version=3"), &op).await;
    assert_eq!(v3["text"], ONE);
    let (status, gone) = delete(&server, "team/made.wf", &op).await;
    assert_eq!(
        (status, &gone["code"]),
        (StatusCode::NOT_FOUND, &Value::from("API003"))
    );
}

const LIB: &str =
    "workflow lib {\n  param who: string = \"a\"\n  step a: shell { run \"echo ${who}\" }\n}\n";
const MAIN: &str = "import \"./lib.wf\"\n\nworkflow main {\n  step s: call lib { who \"x\" }\n}\n";

#[tokio::test]
async fn a_write_is_seen_at_once_by_the_files_that_import_it() {
    let server = Server::start(&[("lib.wf", LIB), ("main.wf", MAIN)], &[]);
    assert_eq!(served(&server).await, ["lib", "main"]);
    // `lib` loses its param: it checks, but `main`'s call no longer does.
    let (status, w) = put(
        &server,
        "lib.wf",
        &server.operator,
        ONE.replace("made", "lib").as_str(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    let (_, listing) = get(
        &reqwest::Client::new(),
        &server.url("/workflows"),
        &server.reader,
    )
    .await;
    let main = listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("main.wf"))
        .unwrap();
    assert!(main["load_error"].is_object(), "{listing}");
}

#[tokio::test]
async fn bad_texts_paths_out_and_read_keys_are_refused_and_nothing_is_written() {
    let server = Server::start(&[("hello.wf", ONE.replace("made", "hello").as_str())], &[]);
    let http = reqwest::Client::new();
    let op = server.operator.clone();
    let hello = server.path("flows/hello.wf");
    let before = std::fs::read_to_string(&hello).unwrap();
    // A text with errors: 400 with its diagnostics' codes and places.
    let (status, p) = put(&server, "hello.wf", &op, BROKEN).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "API004");
    let d = &p["diagnostics"][0];
    assert!(d["code"].as_str().unwrap().starts_with('E'), "{d}");
    assert_eq!(d["labels"][0]["line"], 2, "{d}");
    assert_eq!(std::fs::read_to_string(&hello).unwrap(), before);
    // A secret's literal value is never written.
    let (status, p) = put(&server, "new.wf", &op, SECRET).await;
    assert_eq!(
        (status, &p["code"]),
        (StatusCode::BAD_REQUEST, &Value::from("API004")),
        "{p}"
    );
    assert!(!p.to_string().contains("hunter2"), "{p}");
    assert!(!server.path("flows/new.wf").exists());
    // Out of the served folder: `..`, absolute, a link out, a skipped folder.
    let outside = server.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, server.path("flows/out")).unwrap();
    std::fs::write(outside.join("x.wf"), ONE).unwrap();
    symlink(outside.join("x.wf"), server.path("flows/link.wf")).unwrap();
    symlink(server.path("nowhere"), server.path("flows/broken")).unwrap();
    for path in [
        "../escape.wf",
        "a/../../escape.wf",
        "%2e%2e/escape.wf",
        "%2Fetc%2Fescape.wf",
        "out/x.wf",
        "out/new.wf",
        "link.wf",
        "broken/x.wf",
        ".hidden/x.wf",
        "notes.txt",
    ] {
        let (status, p) = put(&server, path, &op, ONE).await;
        assert!(
            status == StatusCode::BAD_REQUEST && p["code"] == "API140"
                || status == StatusCode::NOT_FOUND,
            "{path}: {status} {p}"
        );
        let (status, _) = get(&http, &server.url(&format!("/files/{path}")), &op).await;
        assert_ne!(status, StatusCode::OK, "{path} was read");
        let (status, _) = delete(&server, path, &op).await;
        assert_ne!(status, StatusCode::OK, "{path} was deleted");
    }
    assert!(!server.path("escape.wf").exists() && !outside.join("new.wf").exists());
    assert!(
        !server.path("nowhere").exists(),
        "a write followed a broken link"
    );
    // A text may import the served files only: one outside is E0220,
    // as `POST /validate` says it, and nothing is written.
    std::fs::write(server.path("private.wf"), ONE).unwrap();
    let importing =
        "import \"../private.wf\" as m\nworkflow made {\n  step a: shell { run \"true\" }\n}\n";
    let (status, p) = put(&server, "importing.wf", &op, importing).await;
    assert_eq!(
        (status, &p["code"]),
        (StatusCode::BAD_REQUEST, &Value::from("API004")),
        "{p}"
    );
    assert_eq!(p["diagnostics"][0]["code"], "E0220", "{p}");
    assert!(!server.path("flows/importing.wf").exists());
    assert_eq!(std::fs::read_to_string(outside.join("x.wf")).unwrap(), ONE);
    assert!(server
        .path("flows/link.wf")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    // A read key reads nothing and writes nothing: 403.
    let reader = server.reader.clone();
    let (status, p) = put(&server, "hello.wf", &reader, TWO).await;
    assert_eq!(
        (status, &p["code"]),
        (StatusCode::FORBIDDEN, &Value::from("API002"))
    );
    let (status, _) = get(&http, &server.url("/files/hello.wf"), &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = delete(&server, "hello.wf", &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read_to_string(&hello).unwrap(), before);
    // A file written by hand with a secret's literal: replaced, its kept
    // version has the literal masked, and no kept file holds the value.
    std::fs::write(server.path("flows/legacy.wf"), SECRET).unwrap();
    let (status, w) = put(&server, "legacy.wf", &op, ONE).await;
    assert_eq!(
        (status, &w["kept_version"]),
        (StatusCode::OK, &Value::from(1)),
        "{w}"
    );
    let (_, v1) = get(&http, &server.url("/files/legacy.wf?version=1"), &op).await;
    let kept = v1["text"].as_str().unwrap();
    assert!(kept.contains("secret token: string = \"***\""), "{kept}");
    for f in walk(&server.path("state/file-versions")) {
        assert!(
            !std::fs::read_to_string(&f).unwrap().contains("hunter2"),
            "{f}"
        );
    }
    // No temporary file is left behind in the served folder.
    let left: Vec<_> = walk(&server.path("flows"))
        .into_iter()
        .filter(|p| p.contains(".wfc-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Every file below `dir` (links not followed).
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let t = e.file_type().unwrap();
        if t.is_dir() {
            out.extend(walk(&e.path()));
        } else if !t.is_symlink() {
            out.push(e.path().display().to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_leave_one_whole_text_and_keep_the_others() {
    let server = Server::start(&[("hello.wf", ONE.replace("made", "hello").as_str())], &[]);
    // Big texts, so a torn write would show: each a whole workflow.
    let texts: Vec<String> = (0..8)
        .map(|i| {
            let pad = format!("# {}\n", "x".repeat(200)).repeat(100);
            format!("{pad}workflow made {{\n  step a: shell {{ run \"echo {i}\" }}\n}}\n")
        })
        .collect();
    let on_disk = server.path("flows/c.wf");
    // A reader that sees the file while the writes go on: never a part.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = std::thread::spawn({
        let (stop, on_disk, texts) = (stop.clone(), on_disk.clone(), texts.clone());
        move || {
            let mut seen = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(t) = std::fs::read_to_string(&on_disk) {
                    assert!(texts.contains(&t), "a partial file: {} bytes", t.len());
                    seen += 1;
                }
            }
            seen
        }
    });
    let writes = texts
        .iter()
        .map(|t| put(&server, "c.wf", &server.operator, t));
    let answers = futures::future::join_all(writes).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0, "the reader never saw the file");
    assert!(answers.iter().all(|(s, _)| s.is_success()), "{answers:?}");
    let created = answers.iter().filter(|(_, w)| w["created"] == true).count();
    assert_eq!(created, 1, "{answers:?}");
    let now = std::fs::read_to_string(&on_disk).unwrap();
    assert!(texts.contains(&now));
    // Every text replaced was kept, once each, whole.
    let (_, f) = get(
        &reqwest::Client::new(),
        &server.url("/files/c.wf"),
        &server.operator,
    )
    .await;
    let versions = f["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 7, "{f}");
    let mut kept = vec![now];
    for v in versions {
        let url = server.url(&format!("/files/c.wf?version={}", v["version"]));
        let (_, old) = get(&reqwest::Client::new(), &url, &server.operator).await;
        kept.push(old["text"].as_str().unwrap().to_owned());
    }
    kept.sort();
    let mut all = texts.clone();
    all.sort();
    assert_eq!(kept, all, "each text is the file or a kept version, once");
}

/// #69: a write checked a path, then used it: a local process swapping a
/// served folder for a link to `../outside` (a rename exchange, over and
/// over) had PUTs write there (19 of 300). Writes now go through the
/// folder's handle: each lands in the served folder or is refused, and
/// nothing is ever written outside — the served folder itself swapped, or
/// a folder in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_swapped_for_a_link_during_writes_never_lets_one_out() {
    use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
    let server = Server::start(&[("hello.wf", ONE.replace("made", "hello").as_str())], &[]);
    let root = server.path("flows");
    std::fs::create_dir_all(root.join("team")).unwrap();
    let outside = server.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // `flows/swap` leads to `outside/`; `served-swap` beside `flows` too.
    symlink("../outside", root.join("swap")).unwrap();
    symlink("outside", server.path("served-swap")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = std::thread::spawn({
        let (stop, root, beside) = (stop.clone(), root.clone(), server.path("served-swap"));
        move || {
            let mut swaps = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for (a, b) in [
                    (root.join("team"), root.join("swap")),
                    (root.clone(), beside.clone()),
                ] {
                    let ex = |a: &std::path::Path, b: &std::path::Path| {
                        renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE)
                    };
                    if ex(&a, &b).is_ok() {
                        std::thread::yield_now();
                        ex(&a, &b).expect("swapped back");
                        swaps += 1;
                    }
                }
            }
            swaps
        }
    });
    let mut answers = Vec::new();
    for i in 0..150 {
        let text = ONE.replace("made", &format!("w{i}"));
        answers.push(put(&server, &format!("team/t{i}.wf"), &server.operator, &text).await);
        answers.push(put(&server, &format!("r{i}.wf"), &server.operator, &text).await);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(swapper.join().unwrap() > 0, "nothing was swapped");
    assert_eq!(walk(&outside), Vec::<String>::new(), "written outside");
    // Each answer is a write into the served folder or a refusal.
    let written = answers.iter().filter(|(s, _)| s.is_success()).count();
    assert!(written > 0, "{answers:?}");
    for (s, v) in &answers {
        assert!(s.is_success() || v["code"] == "API140", "{s}: {v}");
    }
}

/// #69: `wfc serve` (PUT) and `wfc mcp` (`update_workflow`) on one state
/// folder changed one file at once, and their lock held within one
/// process only: two changes got the same `kept_version` and a replaced
/// text was lost. Every change now keeps its own version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_changing_one_file_keep_every_replaced_text() {
    let server = Server::start(&[("c.wf", ONE)], &[]);
    if !super::mcp::has_client() {
        return wfc_testkit::skip("the MCP client (python3 with the MCP SDK) is not installed");
    }
    let text = |who: &str, i: usize| TWO.replace("you", &format!("{who}{i}"));
    let calls: Vec<Value> = (0..60)
        .map(|i| serde_json::json!({"tool": "update_workflow", "arguments": {"path": "c.wf", "text": text("mcp", i)}}))
        .collect();
    let dir = server.dir.path().to_path_buf();
    let mcp = std::thread::spawn(move || super::mcp::session(&dir, Value::Array(calls)));
    let mut kept = Vec::new();
    for i in 0..60 {
        let (s, v) = put(&server, "c.wf", &server.operator, &text("api", i)).await;
        assert!(s.is_success(), "{v}");
        kept.push(v["kept_version"].as_u64().expect("a kept version"));
    }
    let answer = mcp.join().unwrap().expect("an MCP session");
    for r in answer["results"].as_array().unwrap() {
        assert_eq!(r["isError"], false, "{r}");
        kept.push(r["json"]["kept_version"].as_u64().expect("a kept version"));
    }
    let mut distinct = kept.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        kept.len(),
        "one version kept twice: {kept:?}"
    );
}

/// #69's probe: a path longer than a file system holds answered 500 ("the
/// run store failed"); it is a bad path (400 API140), and nothing is
/// written.
#[tokio::test]
async fn a_path_no_file_system_holds_is_a_bad_path() {
    let server = Server::start(&[("hello.wf", ONE.replace("made", "hello").as_str())], &[]);
    let long_name = format!("{}.wf", "n".repeat(300));
    let deep = format!("{}/x.wf", vec!["d".repeat(200); 40].join("/"));
    let deep_but_short_names = format!("{}/x.wf", vec!["d".repeat(250); 17].join("/"));
    for path in [long_name, deep, deep_but_short_names] {
        let (s, v) = put(&server, &path, &server.operator, ONE).await;
        assert_eq!(s, reqwest::StatusCode::BAD_REQUEST, "{}…: {v}", &path[..20]);
        assert_eq!(v["code"], "API140", "{v}");
    }
    assert_eq!(walk(&server.path("flows")).len(), 1, "nothing written");
}
