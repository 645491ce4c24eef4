//! `wfc export github-actions`: `http` and `webhook` steps with headers and
//! bodies, and `sleep`, run with real `curl` against a real server that
//! echoes what it received. Header names and values, the method, the URL
//! and the body reach the script only through `env:`; a header value with a
//! line break fails the step before any request.

use serde_json::Value as Json;
use std::io::{Read, Write};

use super::export_github::{export, lint};
use super::export_github_runtime::{run_step, steps};

/// A server answering 200 with the request it received (head and body).
pub(crate) fn echo_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then as many body bytes as Content-Length says.
            loop {
                let n = conn.read(&mut buf).unwrap_or(0);
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                let Some((head, body)) = text.split_once("\r\n\r\n") else {
                    if n == 0 {
                        break;
                    }
                    continue;
                };
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= len || n == 0 {
                    break;
                }
            }
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                got.len()
            );
            let _ = conn.write_all(&got);
        }
    });
    base
}

const HOSTILE: &str = "a'b\"c `touch pwned` $(id) @/etc/passwd";

#[test]
fn headers_and_bodies_reach_the_server_through_env_only() {
    let dir = tempfile::tempdir().unwrap();
    let base = echo_server();
    let wf = dir.path().join("calls.wf");
    std::fs::write(
        &wf,
        format!(
            r#"workflow calls {{
  param note: string = "plain"
  secret token: string = env("API_TOKEN")
  step hook: webhook {{
    url "{base}/hook"
    json {{ "version": "1.2.3", "ok": true }}
  }}
  step call: http {{
    put "{base}/call"
    headers {{ Authorization = "Bearer ${{token}}", "X-Note" = note }}
    body note
    expect [200, 201]
  }}
  step settle: sleep {{ duration 1500ms }}
}}
"#
        ),
    )
    .unwrap();
    let out = dir.path().join("calls.yml");
    let run = export(&wf, &[&format!("note={HOSTILE}")], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    // The server's port changes from run to run.
    let pinned = yaml.replace(&base, "http://SERVER");
    insta::assert_snapshot!("export_github_http", pinned.split_once('\n').unwrap().1);
    lint(std::slice::from_ref(&out));
    let temp = dir.path().to_path_buf();
    // Three independent steps: three jobs of one step each.
    let job = |name: &str| steps(&yaml, name)[0].clone();
    // The webhook: a POST of the JSON document, its Content-Type set.
    let got = run_step(&job("hook"), dir.path(), &[("RUNNER_TEMP", &temp)]);
    let echoed = String::from_utf8_lossy(&got.stdout);
    assert!(got.status.success(), "{got:?}");
    assert!(echoed.starts_with("POST /hook HTTP/1.1"), "{echoed}");
    assert!(
        echoed.contains("Content-Type: application/json"),
        "{echoed}"
    );
    assert!(
        echoed.contains(r#"{"ok":true,"version":"1.2.3"}"#),
        "{echoed}"
    );
    // The http step, with the values GitHub would put in its env.
    let mut call = job("call");
    for (k, v) in [
        ("WF_BODY", HOSTILE.to_string()),
        ("WF_HEADER_1", "Bearer t0k".to_string()),
        ("WF_HEADER_2", HOSTILE.to_string()),
    ] {
        assert!(
            call["env"][k].as_str().unwrap().contains("${{"),
            "{k}: from inputs or secrets"
        );
        call["env"][k] = Json::String(v);
    }
    let script = call["run"].as_str().unwrap();
    for piece in ["touch pwned", "$(id)", "Bearer", "X-Note", "Authorization"] {
        assert!(!script.contains(piece), "{piece} in {script}");
    }
    let got = run_step(&call, dir.path(), &[("RUNNER_TEMP", &temp)]);
    let echoed = String::from_utf8_lossy(&got.stdout);
    assert!(got.status.success(), "{got:?}");
    assert!(echoed.starts_with("PUT /call HTTP/1.1"), "{echoed}");
    assert!(echoed.contains("Authorization: Bearer t0k\r\n"), "{echoed}");
    assert!(
        echoed.contains(&format!("X-Note: {HOSTILE}\r\n")),
        "{echoed}"
    );
    assert!(
        echoed.ends_with(&format!("\r\n\r\n{HOSTILE}\n")),
        "{echoed}"
    );
    assert!(!dir.path().join("pwned").exists());
    // A line break in a header value would add a header: refused.
    call["env"]["WF_HEADER_2"] = Json::String("x\r\nX-Admin: yes".into());
    let got = run_step(&call, dir.path(), &[("RUNNER_TEMP", &temp)]);
    assert!(!got.status.success());
    assert!(String::from_utf8_lossy(&got.stderr).contains("header X-Note holds a line break"));
    // `sleep`: whole seconds, rounded up.
    assert_eq!(job("settle")["run"], "sleep 2");
}
