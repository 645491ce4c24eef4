//! The dashboard's workflow editor over HTTP (`/edit/{path}`, `/editor/…`):
//! an operator's session analyses, completes, plans and saves through the
//! files logic (checked, atomic, versions kept, restorable); a read key,
//! a missing CSRF token, a path out of the served folders, a text with
//! errors and one over `--max-body` are refused with their codes. The
//! browser's side is `browser_editor.rs`.

use super::dashboard::{client, login, page, pair};
use super::serve::Server;
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::{json, Value};

const FLOWS: &str = r#"
workflow greet {
  param who: string = "world"
  step hello: shell { run "echo hello ${who}" }
  step done: shell {
    run "echo done"
    depends on hello
  }
}
"#;

/// A logged-in session: its cookie and CSRF token (from the page's form).
async fn session(http: &reqwest::Client, server: &Server, key: &str) -> (String, String) {
    let cookie = pair(&login(http, server, key).await);
    let (_, _, body) = page(http, server, "/runs", &cookie).await;
    let at = body.find("name=\"csrf\" value=\"").expect("a form") + 19;
    (cookie, body[at..].split('"').next().unwrap().to_owned())
}

/// `POST /editor/{what}` with `body`: its status and JSON.
async fn ask(
    http: &reqwest::Client,
    server: &Server,
    (cookie, csrf): &(String, String),
    what: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = http
        .post(format!("{}/editor/{what}", server.base))
        .header(COOKIE, cookie)
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_edits_saves_and_restores_a_served_file() {
    let server = Server::start(&[("greet.wf", FLOWS)], &[]);
    let http = client();
    let ops = session(&http, &server, &server.operator).await;

    // The workflows page links the editor; the editor page holds the text
    // as JSON, never as markup.
    let (_, _, home) = page(&http, &server, "/", &ops.0).await;
    assert!(home.contains("href=\"/edit/greet.wf\""), "{home}");
    let (status, _, html) = page(&http, &server, "/edit/greet.wf", &ops.0).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"editor-data\""), "{html}");
    assert!(html.contains(r#"step hello: shell { run \"echo hello ${who}\" }"#));

    // A typo: an unknown step, its code and place.
    let typo = FLOWS.replace("depends on hello", "depends on helo");
    let (status, a) = ask(
        &http,
        &server,
        &ops,
        "analyze",
        json!({"path": "greet.wf", "text": typo}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let d = &a["diagnostics"][0];
    assert_eq!(
        (d["severity"].as_str(), d["line"].as_u64()),
        (Some("error"), Some(7)),
        "{a}"
    );
    let code = d["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with('E'), "{a}");
    let from = d["from"].as_u64().unwrap() as usize;
    assert_eq!(&typo[from..d["to"].as_u64().unwrap() as usize], "helo");

    // Saving it is refused with the same code; nothing is written.
    let (status, refused) = ask(
        &http,
        &server,
        &ops,
        "save",
        json!({"path": "greet.wf", "text": typo}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["code"], "API004");
    assert!(
        refused["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == code.as_str()),
        "{refused}"
    );
    let file = server.path("flows/greet.wf");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FLOWS);

    // Completion and hover come from the language server's analysis.
    let (_, c) = ask(
        &http,
        &server,
        &ops,
        "complete",
        json!({"path": "greet.wf", "text": typo, "offset": from + 2}),
    )
    .await;
    assert!(
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["label"] == "hello"),
        "{c}"
    );
    let at = FLOWS.find("shell").unwrap() + 2;
    let (_, h) = ask(
        &http,
        &server,
        &ops,
        "hover",
        json!({"path": "greet.wf", "text": FLOWS, "offset": at}),
    )
    .await;
    assert!(h["markdown"].as_str().is_some_and(|m| !m.is_empty()), "{h}");
    // The plan of the edited text, as `wfc plan` prints it.
    let (_, p) = ask(
        &http,
        &server,
        &ops,
        "plan",
        json!({"path": "greet.wf", "text": FLOWS}),
    )
    .await;
    assert_eq!(p["plans"][0]["workflow"], "greet", "{p}");
    assert!(
        p["plans"][0]["text"].as_str().unwrap().contains("hello"),
        "{p}"
    );

    // Fixed and badly laid out, saved formatted: the old text is a version.
    let fixed = FLOWS
        .replace("  step hello", "      step   hello")
        .replace("world", "there");
    let (status, saved) = ask(
        &http,
        &server,
        &ops,
        "save",
        json!({"path": "greet.wf", "text": fixed, "format": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["kept_version"], 1, "{saved}");
    let now = std::fs::read_to_string(&file).unwrap();
    assert!(
        now.contains("\"there\"") && now.contains("\n  step hello"),
        "{now}"
    );
    assert_eq!(saved["text"], now.as_str());
    assert_eq!(saved["versions"][0]["version"], 1);

    // The kept version reads back; saving it restores the file.
    let r = http
        .get(format!(
            "{}/editor/version?path=greet.wf&version=1",
            server.base
        ))
        .header(COOKIE, &ops.0)
        .send()
        .await
        .unwrap();
    let old: Value = r.json().await.unwrap();
    assert_eq!(old["text"], FLOWS);
    let (status, _) = ask(
        &http,
        &server,
        &ops,
        "save",
        json!({"path": "greet.wf", "text": FLOWS}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FLOWS);

    // A page still on the text saved before the restore is refused: the
    // file changed since it was opened. From the text as it is, it saves.
    let stale = saved["base"].as_str().unwrap();
    let body = json!({"path": "greet.wf", "text": fixed, "base": stale});
    let (status, refused) = ask(&http, &server, &ops, "save", body).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::CONFLICT, Some("API006")),
        "{refused}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), FLOWS);
    let opened = html
        .split("\"base\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let body = json!({"path": "greet.wf", "text": fixed, "base": opened});
    let (status, ok) = ask(&http, &server, &ops, "save", body).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_workflow_from_a_template_is_created_once() {
    let server = Server::start(&[("greet.wf", FLOWS)], &[]);
    let http = client();
    let ops = session(&http, &server, &server.operator).await;
    let (status, _, html) = page(&http, &server, "/edit", &ops.0).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"blank\""), "{html}");
    // The form's answer goes to the editor on the template's text.
    let (status, location, _) = page(
        &http,
        &server,
        "/edit?template=blank&path=team/hi.wf",
        &ops.0,
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/edit/team/hi.wf?template=blank")
    );
    let (status, _, html) = page(&http, &server, &location, &ops.0).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("workflow blank {"), "{html}");
    let text = wfc_plan::templates::Template::named("blank").unwrap().text;
    let body = json!({"path": "team/hi.wf", "text": text, "create": true});
    let (status, made) = ask(&http, &server, &ops, "save", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        std::fs::read_to_string(server.path("flows/team/hi.wf")).unwrap(),
        text
    );
    let (status, again) = ask(&http, &server, &ops, "save", body).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("API142")),
        "{again}"
    );
    // Served at once, and linked to the editor by its path in its folder.
    let (_, _, home) = page(&http, &server, "/", &ops.0).await;
    // (`/` escaped as HTML autoescapes it; the browser reads `/edit/team/hi.wf`.)
    assert!(home.contains("href=\"/edit/team&#x2f;hi.wf\""), "{home}");
    let (status, _, html) = page(&http, &server, "/edit/team/hi.wf", &ops.0).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Edit <code>team&#x2f;hi.wf</code>"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn readers_forgeries_paths_out_and_huge_texts_are_refused() {
    let server = Server::start(&[("greet.wf", FLOWS)], &["--max-body", "20000"]);
    let http = client();
    let ops = session(&http, &server, &server.operator).await;
    let reader = session(&http, &server, &server.reader).await;
    let save = json!({"path": "greet.wf", "text": FLOWS});

    // A read key: no editor, no save, no link.
    let (status, refused) = ask(&http, &server, &reader, "save", save.clone()).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("API002")),
        "{refused}"
    );
    let (status, _, html) = page(&http, &server, "/edit/greet.wf", &reader.0).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("API002"));
    let (_, _, home) = page(&http, &server, "/", &reader.0).await;
    assert!(!home.contains("/edit"), "{home}");

    // Without the session's CSRF token.
    let forged = (ops.0.clone(), "not-the-token".to_owned());
    let (status, refused) = ask(&http, &server, &forged, "save", save).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("API081")),
        "{refused}"
    );

    // Out of the served folder, or not a workflow file.
    for path in ["../escape.wf", "/etc/x.wf", "greet.txt", ".git/x.wf"] {
        let body = json!({"path": path, "text": FLOWS});
        let (status, refused) = ask(&http, &server, &ops, "save", body.clone()).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("API140")),
            "{path}: {refused}"
        );
        let (status, _) = ask(&http, &server, &ops, "analyze", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    assert!(!server.path("escape.wf").exists());

    // Over --max-body: as the files API, 413 with API010, before any analysis.
    let huge = format!("{FLOWS}\n#{}\n", "x".repeat(30_000));
    for what in ["analyze", "save"] {
        let (status, refused) = ask(
            &http,
            &server,
            &ops,
            what,
            json!({"path": "greet.wf", "text": huge}),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("API010")),
            "{what}: {refused}"
        );
    }
    let beyond = "x".repeat(100_000);
    let (status, refused) = ask(
        &http,
        &server,
        &ops,
        "analyze",
        json!({"path": "greet.wf", "text": beyond}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("API010")),
        "{refused}"
    );
    assert_eq!(
        std::fs::read_to_string(server.path("flows/greet.wf")).unwrap(),
        FLOWS
    );
}
