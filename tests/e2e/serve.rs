//! `wfc serve`: the real server on a loopback port, driven over real HTTP
//! (reqwest) with keys made by `wfc keys`, its runs checked in what their
//! steps leave behind and in the run store.

use super::serve_process::spawn;
pub(super) use super::serve_process::GID_ENV;
use super::WFC;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `wfc serve` process over a temporary folder of workflows.
pub(super) struct Server {
    pub(super) dir: tempfile::TempDir,
    pub(super) child: Child,
    pub(super) base: String,
    /// Everything it logged so far.
    pub(super) log: Arc<Mutex<String>>,
    pub(super) operator: String,
    pub(super) reader: String,
    /// Environment variables the server gets (its restarts too).
    pub(super) env: Vec<(String, String)>,
}

impl Server {
    /// Serves the folder `flows/` holding `files` (name, text; `@DIR` in
    /// a text is the temporary folder) with two keys, an operator's and a
    /// reader's, and `flags`.
    pub(super) fn start(files: &[(&str, &str)], flags: &[&str]) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), files, flags)
    }

    /// [`Server::start`] in `dir`, which the caller readied (a file system
    /// mounted on `state/`, say).
    pub(super) fn start_in(
        dir: tempfile::TempDir,
        files: &[(&str, &str)],
        flags: &[&str],
    ) -> Server {
        Server::start_with_env(dir, files, flags, &[])
    }

    /// [`Server::start_in`] with `env` in the server's environment.
    pub(super) fn start_with_env(
        dir: tempfile::TempDir,
        files: &[(&str, &str)],
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        Server::start_serving(dir, files, None, flags, env)
    }

    /// [`Server::start_with_env`], serving the folder `served` if given
    /// (several servers serving one folder, as from one deployment) rather
    /// than its own `flows/`.
    pub(super) fn start_serving(
        dir: tempfile::TempDir,
        files: &[(&str, &str)],
        served: Option<&Path>,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // On PostgreSQL (`WFC_TEST_STORE`): a schema of the server's own,
        // which its restarts, the test's commands and this process's reads
        // of the state folder share.
        // (A test that names its store, as several servers on one do, keeps it.)
        let named = env.iter().any(|(k, _)| k == "WFC_STORE");
        if let Some(url) = wfc_testkit::test_store::fresh().filter(|_| !named) {
            std::fs::create_dir_all(dir.path().join("state")).unwrap();
            super::bind_store(&url, &dir.path().join("state"));
            env.push(("WFC_STORE".into(), url));
        }
        let d = dir.path().display().to_string();
        std::fs::create_dir_all(dir.path().join("flows")).unwrap();
        for (name, text) in files {
            let path = dir.path().join("flows").join(name);
            std::fs::write(path, text.replace("@DIR", &d)).unwrap();
        }
        let key = |name: &str, role: &str| {
            let out = Command::new(WFC)
                .args(["keys", "add", name, "--role", role, "--state-dir"])
                .arg(dir.path().join("state"))
                .envs(env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        };
        let (operator, reader) = (key("ops", "operator"), key("dash", "read"));
        let flows = dir.path().join("flows");
        let (child, base, log) = spawn(dir.path(), flags, served.unwrap_or(&flows), &env);
        Server {
            dir,
            child,
            base,
            log,
            operator,
            reader,
            env,
        }
    }

    /// Starts `wfc serve` again on the same folder and state (the old
    /// process must be gone), serving `served` with `flags`.
    pub(super) fn restart(&mut self, flags: &[&str], served: &Path) {
        let (child, base, log) = spawn(self.dir.path(), flags, served, &self.env);
        (self.child, self.base, self.log) = (child, base, log);
    }

    /// `wfc` with the server's environment (its store among it), for a
    /// command on the server's state folder.
    pub(super) fn wfc(&self) -> Command {
        let mut c = Command::new(WFC);
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Every recorded run, newest first (through the API, with the read key).
    pub(super) async fn runs(&self) -> Vec<Value> {
        let (status, page) = get(&reqwest::Client::new(), &self.url("/runs"), &self.reader).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["runs"].as_array().unwrap().clone()
    }

    /// Polls run `id` until it is no longer running (or waiting for a person).
    pub(super) async fn finished(&self, http: &reqwest::Client, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let run: Value = get(http, &self.url(&format!("/runs/{id}")), &self.reader)
                .await
                .1;
            let going = run["status"] == "running" || run["status"] == "waiting";
            if !going || Instant::now() > deadline {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, sig).unwrap();
    }

    /// Waits (at most `within`) for the server to exit; its exit code.
    pub(super) fn exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

pub(super) async fn get(http: &reqwest::Client, url: &str, key: &str) -> (StatusCode, Value) {
    let r = http.get(url).bearer_auth(key).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(super) async fn post(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = http
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls `check` until it holds (at most 10 s).
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

const HELLO: &str = r#"
workflow hello {
  on schedule "0 2 29 2 *"  # Feb 29 only: the tests never meet a slot
  param who: string = "world"
  param n: int in 1..5 = 1
  secret token: string = "tok-3141592653"
  step greet: shell { run "echo hello ${who} ${n} ${token}; echo ${who} >> @DIR/greeted.txt" }
}
"#;

pub(super) const GATED: &str = r#"
workflow gated {
  step before: shell { run "echo before >> @DIR/order.txt" }
  step approve: gate {
    approval "a person"
    depends on before
  }
  step after: shell {
    run "echo after >> @DIR/order.txt"
    depends on approve
  }
}
"#;

#[tokio::test]
async fn keys_roles_and_a_run_from_start_to_logs() {
    let server = Server::start(&[("hello.wf", HELLO), ("gated.wf", GATED)], &[]);
    let http = reqwest::Client::new();
    let start = server.url("/workflows/hello/runs");

    // No key, and a key that is not one: 401 problem+json, and no run.
    let r = http.post(&start).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "API001");
    let (status, body) = post(&http, &start, "wfc_not-a-key", json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("API001"))
    );
    // A read key reads, but does not start.
    let (status, body) = post(&http, &start, &server.reader, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("API002"))
    );
    assert!(
        !server.path("greeted.txt").exists(),
        "a refused start ran the step"
    );
    let (status, list) = get(&http, &server.url("/workflows"), &server.reader).await;
    assert_eq!(status, StatusCode::OK);
    let hello = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "hello")
        .unwrap()
        .clone();
    assert_eq!(
        hello["params"][1],
        json!({"name": "n", "type": "int", "secret": false, "default": "1", "constraint": "in 1..5"})
    );
    assert_eq!(hello["params"][2]["default"], "***");
    let triggers = hello["triggers"].as_array().unwrap();
    assert!(
        triggers.len() == 1 && triggers[0].as_str().unwrap().contains("0 2 29 2 *"),
        "{triggers:?}"
    );

    // The operator starts it; `?wait=` answers once it ended.
    let (status, started) = post(
        &http,
        &format!("{start}?wait=20s"),
        &server.operator,
        json!({"who": "api", "n": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["status"], "succeeded");
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(started["url"], format!("/api/v1/runs/{id}"));
    assert_eq!(
        std::fs::read_to_string(server.path("greeted.txt")).unwrap(),
        "api\n"
    );
    let (status, run) = get(&http, &server.url(&format!("/runs/{id}")), &server.reader).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (run["status"].as_str(), run["trigger"].as_str()),
        (Some("succeeded"), Some("api"))
    );
    assert_eq!(run["params"], json!({"who": "api", "n": 3, "token": "***"}));
    assert_eq!(run["step_list"][0]["outputs"]["stdout"], "hello api 3 ***");
    let logs = http
        .get(server.url(&format!("/runs/{id}/logs/greet")))
        .bearer_auth(&server.reader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(logs.contains("hello api 3 ***"), "{logs}");
    assert!(!logs.contains("tok-3141592653"));

    // Without `?wait=`: 202 at once; a gate approved through the API.
    let (status, started) = post(
        &http,
        &server.url("/workflows/gated/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let gated = started["id"].as_str().unwrap().to_owned();
    let order = server.path("order.txt");
    assert!(eventually(|| std::fs::read_to_string(&order).is_ok_and(|t| t == "before\n")).await);
    let approve = server.url(&format!("/runs/{gated}/gates/approve/approve"));
    let (status, _) = post(&http, &approve, &server.reader, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post(&http, &approve, &server.operator, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let run = server.finished(&http, &gated).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(std::fs::read_to_string(&order).unwrap(), "before\nafter\n");

    // Listing: filtered by trigger and workflow, paged by cursor.
    let (_, page) = get(
        &http,
        &server.url("/runs?trigger=api&limit=1"),
        &server.reader,
    )
    .await;
    assert_eq!(page["runs"][0]["id"], gated.as_str());
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(
        &http,
        &server.url(&format!("/runs?trigger=api&limit=1&cursor={cursor}")),
        &server.reader,
    )
    .await;
    assert_eq!(next["runs"][0]["id"], id.as_str());
    assert!(next.get("next_cursor").is_none(), "{next}");
    let (_, none) = get(&http, &server.url("/runs?trigger=manual"), &server.reader).await;
    assert_eq!(none["runs"], json!([]));

    // The keys are nowhere in the log.
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("run started"), "{log}");
    // Each line about a run names its workflow; its end says how long it took.
    let about = |what: &str| log.lines().find(|l| l.contains(what)).unwrap_or("");
    assert!(about("run started").contains("workflow=hello"), "{log}");
    let ended = about("run ended");
    assert!(
        ended.contains("workflow=") && ended.contains("duration_ms="),
        "{log}"
    );
    for key in [&server.operator, &server.reader] {
        assert!(!log.contains(&key[4..]), "a key is in the log");
    }
    assert!(!log.contains("tok-3141592653"));
}

#[tokio::test]
async fn bad_params_get_400_with_the_codes_and_start_nothing() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let http = reqwest::Client::new();
    let r = http
        .post(server.url("/workflows/hello/runs"))
        .bearer_auth(&server.operator)
        .json(&json!({"n": 9, "whom": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "API004");
    let codes: Vec<&str> = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E0401", "E0404"], "{p}");
    assert!(p["diagnostics"][0]["help"]
        .as_str()
        .unwrap()
        .contains("did you mean `who`"));
    // Not JSON at all: the params file's own error, still a 400.
    let (status, p) = post(
        &http,
        &server.url("/workflows/hello/runs"),
        &server.operator,
        json!([1]),
    )
    .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("API004")),
        "{p}"
    );
    let (status, p) = post(
        &http,
        &server.url("/workflows/helo/runs"),
        &server.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean `hello`"),
        "{p}"
    );
    let (_, page) = get(&http, &server.url("/runs"), &server.reader).await;
    assert_eq!(page["runs"], json!([]));
    assert!(!server.path("greeted.txt").exists());
    // Validating a posted file: its diagnostics, with codes and places.
    let r = http
        .post(server.url("/validate"))
        .bearer_auth(&server.reader)
        .body("workflow x {\n  step a: shell { run \"true\" depends on b }\n}\n")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert!(v["diagnostics"][0]["code"]
        .as_str()
        .unwrap()
        .starts_with('E'));
    assert!(
        v["diagnostics"][0]["labels"][0]["line"].as_u64().is_some(),
        "{v}"
    );
    // A posted file imports served files only: nothing else of the machine
    // is read, nor quoted back.
    let private = server.path("private.wf");
    std::fs::write(
        &private,
        "workflow private { step x: shell { run \"echo pw-2718281828\" } }\n",
    )
    .unwrap();
    let posted = format!(
        "import \"{}\" as p\nimport \"./flows/hello.wf\" as h\nworkflow x {{\n  step a: shell {{ run \"true\" }}\n}}\n",
        private.display()
    );
    let r = http
        .post(server.url("/validate"))
        .bearer_auth(&server.reader)
        .body(posted)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains("pw-2718281828"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(
        v["diagnostics"].as_array().unwrap().len(),
        1,
        "only the private import fails: {v}"
    );
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let server = Server::start(
        &[("hello.wf", HELLO)],
        &["--rate-limit", "1", "--rate-burst", "2"],
    );
    let http = reqwest::Client::new();
    let mut answers = Vec::new();
    for _ in 0..5 {
        let r = http
            .get(server.url("/workflows"))
            .bearer_auth(&server.reader)
            .send()
            .await
            .unwrap();
        answers.push((r.status(), r.headers().get("retry-after").cloned()));
    }
    assert_eq!(answers[0].0, StatusCode::OK);
    let limited = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS);
    let (_, retry) = limited.unwrap_or_else(|| panic!("never limited: {answers:?}"));
    let secs: u64 = retry.as_ref().unwrap().to_str().unwrap().parse().unwrap();
    assert!(secs >= 1);
    // Another key has a rate of its own.
    let r = http
        .get(server.url("/workflows"))
        .bearer_auth(&server.operator)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_validates_and_every_route_in_it_answers() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let http = reqwest::Client::new();
    let (_, started) = post(
        &http,
        &server.url("/workflows/hello/runs?wait=20s"),
        &server.operator,
        json!({}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_owned();
    // The document and its page need no key.
    let doc: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let page = http
        .get(server.url("/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("openapi.json") && !page.contains("https://"),
        "the page fetches from elsewhere"
    );
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    // Every operation that takes a key says it can answer 401 and 429, as
    // problems whose schema the document has.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if op["security"].as_array().is_none_or(|s| s.is_empty()) {
                continue;
            }
            for code in ["401", "429"] {
                let schema =
                    &op["responses"][code]["content"]["application/problem+json"]["schema"]["$ref"];
                let name = schema
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .unwrap_or_else(|| panic!("{method} {path}: no {code} problem: {op}"));
                assert!(schemas.contains_key(name), "{method} {path}: {name}");
            }
        }
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = format!("{}{}", server.base, path)
                .replace("{name}", "hello")
                .replace("{id}", &id)
                .replace("{step}", "greet")
                .replace("{gate}", "greet")
                .replace("{path}", "hello.wf");
            let req = match method.as_str() {
                // Last, below: the routes above read the run.
                "delete" => continue,
                "get" => http.get(&url),
                "post" => http.post(&url).json(&json!({})),
                // The file as it is: written back unchanged.
                "put" => http
                    .put(&url)
                    .body(HELLO.replace("@DIR", &server.dir.path().display().to_string())),
                other => panic!("unexpected method {other}"),
            };
            let answer = req.bearer_auth(&server.operator).send().await.unwrap();
            let status = answer.status();
            // A 404 the route itself gave (a problem with its code: no such
            // artifact) is an answer; the router's bare 404 is not.
            // (Only a 404's body is read: an event stream never ends.)
            let body = if status == StatusCode::NOT_FOUND {
                answer.text().await.unwrap_or_default()
            } else {
                String::new()
            };
            let problem = serde_json::from_str::<Value>(&body)
                .is_ok_and(|p| p["code"].as_str().is_some_and(|c| c.starts_with("API")));
            assert!(
                (status != StatusCode::NOT_FOUND || problem)
                    && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {status} {body}"
            );
        }
    }
    assert!(
        paths["/api/v1/runs/{id}"]["delete"].is_object(),
        "{paths:?}"
    );
    let gone = http
        .delete(server.url(&format!("/runs/{id}")))
        .bearer_auth(&server.operator)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::OK);
    let file = server.path("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    match Command::new("openapi-spec-validator").arg(&file).output() {
        Ok(out) => assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => wfc_testkit::skip(
            "openapi-spec-validator (pip install openapi-spec-validator) is not installed",
        ),
    }
}

pub(super) const SLOW: &str = r#"
workflow slow {
  param seconds: int = 1
  step work: shell { run "sleep ${seconds}; echo done >> @DIR/work.txt" }
  finally {
    step cleanup: shell { run "echo cleanup >> @DIR/cleanup.txt" }
  }
}
"#;

#[tokio::test]
async fn sigterm_lets_a_run_finish_within_the_grace_period() {
    let mut server = Server::start(&[("slow.wf", SLOW)], &["--grace", "20"]);
    let http = reqwest::Client::new();
    let (status, started) = post(
        &http,
        &server.url("/workflows/slow/runs"),
        &server.operator,
        json!({"seconds": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(server.exit(Duration::from_secs(20)), Some(0));
    assert_eq!(
        std::fs::read_to_string(server.path("work.txt")).unwrap(),
        "done\n"
    );
    assert_eq!(
        std::fs::read_to_string(server.path("cleanup.txt")).unwrap(),
        "cleanup\n"
    );
    let status = run_status(&server.path("state"), &id);
    assert_eq!(status, "succeeded");
}

#[tokio::test]
async fn a_changed_file_is_served_again_and_a_broken_one_keeps_the_last_good() {
    let server = Server::start(&[("hello.wf", HELLO)], &[]);
    let http = reqwest::Client::new();
    let names = |v: &Value| -> Vec<String> {
        v["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let file = server.path("flows/hello.wf");
    std::fs::write(&file, "workflow hello {\n  step broken: shell { run }\n}\n").unwrap();
    let log = server.log.clone();
    assert!(
        eventually(|| log
            .lock()
            .unwrap()
            .contains("the last good version is served"))
        .await
    );
    let (_, list) = get(&http, &server.url("/workflows"), &server.reader).await;
    assert_eq!(names(&list), ["hello"]);
    let (status, run) = post(
        &http,
        &server.url("/workflows/hello/runs?wait=20s"),
        &server.operator,
        json!({"who": "still"}),
    )
    .await;
    assert_eq!(
        (status, run["status"].as_str()),
        (StatusCode::OK, Some("succeeded")),
        "{run}"
    );
    std::fs::write(
        &file,
        "workflow hi {\n  step a: shell { run \"true\" }\n}\n",
    )
    .unwrap();
    std::fs::write(
        server.path("flows/new.wf"),
        "workflow added {\n  step a: shell { run \"true\" }\n}\n",
    )
    .unwrap();
    let mut seen = Vec::new();
    for _ in 0..200 {
        seen = names(
            &get(&http, &server.url("/workflows"), &server.reader)
                .await
                .1,
        );
        if seen == ["hi", "added"] || seen == ["added", "hi"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen.sort();
    assert_eq!(seen, ["added", "hi"]);
}

/// The status the store records for run `id`.
pub(super) fn run_status(state: &Path, id: &str) -> String {
    let store = wfc_store::Store::open(state).unwrap();
    let sql = "SELECT status FROM runs WHERE id = $1";
    let status = wfc_store::testing::one(&store, sql, &[id.into()]).unwrap();
    status.text().unwrap().to_owned()
}
