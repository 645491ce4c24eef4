//! A step's whole log searched on the server (issue 74): a 20,000-line
//! log with 20 `ERROR` lines, all found through the API's pages with
//! their line numbers (a read key may search), a run's steps searched
//! alike, bad patterns refused with their code; and the step page's
//! search form, line links, window around a line and "first error", and
//! the run's search page.

use super::dashboard::{client, login, page, pair};
use super::serve::{get, post, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// 20,000 lines: `ERROR at N` for N = 7, 1007, …, 19007, else `ok N`.
/// The log's line 1 is the attempt's header, so output line N is log line N + 1.
pub(super) const NOISY: &str = r#"
workflow noisy {
  step shout: shell { run "seq 1 20000 | sed -e '7~1000s/^/ERROR at /' -e '7~1000!s/^/ok /'" }
  step quiet: shell { run "echo ERROR in quiet"
    depends on shout
  }
}
"#;

/// The log lines of the 20 errors.
pub(super) fn error_lines() -> Vec<u64> {
    (0..20).map(|k| 8 + 1000 * k).collect()
}

/// Runs `noisy` to its end; its id.
pub(super) async fn noisy_run(server: &Server, http: &reqwest::Client) -> String {
    let url = server.url("/workflows/noisy/runs?wait=60s");
    let (status, body) = post(http, &url, &server.operator, json!({})).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(body["status"], "succeeded", "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Every page of a search from `url` (`…?q=…`); the matches and the pages.
async fn all_pages(http: &reqwest::Client, url: &str, key: &str) -> (Vec<Value>, usize) {
    let (mut out, mut pages, mut next) = (Vec::new(), 0, None::<String>);
    loop {
        let u = match &next {
            Some(n) => format!("{url}&after={}", urlencode(n)),
            None => url.to_owned(),
        };
        let (status, body) = get(http, &u, key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        out.extend(body["matches"].as_array().unwrap().iter().cloned());
        match body["next"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => return (out, pages),
        }
        assert!(pages < 100, "a search that does not end");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_log_is_searched_in_pages_with_line_numbers() {
    let server = Server::start(&[("noisy.wf", NOISY)], &[]);
    let http = client();
    let id = noisy_run(&server, &http).await;
    let search = server.url(&format!("/runs/{id}/logs/shout/search"));

    // Seven a page: three pages, every one of the 20 with its line.
    let (found, pages) =
        all_pages(&http, &format!("{search}?q=ERROR&limit=7"), &server.reader).await;
    assert_eq!(pages, 3);
    let lines: Vec<u64> = found.iter().map(|m| m["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, error_lines());
    for m in &found {
        let n = m["line"].as_u64().unwrap();
        assert_eq!(m["text"], format!("ERROR at {}", n - 1));
    }
    // Case folded; a regex; one page when they fit.
    for q in [
        "q=error%20AT&ignore_case=true",
        "q=%5EERROR%20at%20%5Cd%2B%24&regex=true",
    ] {
        let (found, pages) = all_pages(&http, &format!("{search}?{q}"), &server.reader).await;
        assert_eq!((found.len(), pages), (20, 1), "{q}");
    }
    let (status, body) = get(
        &http,
        &format!("{search}?q=nothing-like-it"),
        &server.reader,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["matches"], json!([]));
    assert_eq!(body["next"], Value::Null);

    // The run's steps, one after the other.
    let run = server.url(&format!("/runs/{id}/search?q=ERROR&limit=15"));
    let (found, pages) = all_pages(&http, &run, &server.reader).await;
    assert_eq!((found.len(), pages), (21, 2));
    assert!(found[..20].iter().all(|m| m["step"] == "shout"));
    assert_eq!(found[20]["step"], "quiet");
    assert_eq!(found[20]["line"], 2);

    // Refused: with their codes.
    for (q, code) in [
        ("q=%28unclosed&regex=true", "API150"),
        ("q=", "API150"),
        (&*format!("q={}", "x".repeat(2000)), "API150"),
        ("q=a&limit=0", "API005"),
        ("q=a&after=12", "API005"),
        ("q=a&after=2-5", "API005"),
    ] {
        let (status, body) = get(&http, &format!("{search}?{q}"), &server.reader).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["code"], code, "{q}: {body}");
    }
    let (status, body) = get(
        &http,
        &server.url(&format!("/runs/{id}/logs/nostep/search?q=a")),
        &server.reader,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("API003"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_step_page_searches_the_whole_log_and_opens_at_a_line() {
    let server = Server::start(&[("noisy.wf", NOISY)], &[]);
    let http = client();
    let id = noisy_run(&server, &http).await;
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let at = format!("/runs/{id}/steps/shout");
    // The page, its `/` as `/` (minijinja writes them `&#x2f;` in attributes).
    let page = |path: String| {
        let (http, server, cookie) = (&http, &server, &cookie);
        async move {
            let (status, location, html) = page(http, server, &path, cookie).await;
            (status, location, html.replace("&#x2f;", "/"))
        }
    };

    // The last lines, numbered, and where the earlier ones are.
    let (status, _, html) = page(at.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r##"id="L20001""##), "the last line numbered");
    assert!(html.contains(r##"<a class="ln" href="#L19802">19802</a>"##));
    assert!(!html.contains(r##"id="L19801""##));
    assert!(html.contains(&format!("data-earlier=\"/runs/{id}/steps/shout?before=")));

    // Every match listed, each linking to its line.
    let (status, _, html) = page(format!("{at}?q=ERROR")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("20 matching lines"), "{html}");
    for n in error_lines() {
        let link =
            format!("<a href=\"/runs/{id}/steps/shout?q=ERROR&amp;line={n}#L{n}\">Line {n}</a>");
        assert!(html.contains(&link), "{link}");
    }

    // A line opened: its window, it highlighted, earlier and later lines linked.
    let (status, _, html) = page(format!("{at}?line=10008")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"id="L10008" class="log-line log-hit""#),
        "{html}"
    );
    assert!(html.contains("ERROR at 10007"));
    assert!(html.contains(r#"id="L9958""#) && !html.contains(r#"id="L9957""#));
    assert!(html.contains("Earlier lines") && html.contains("Later lines"));

    // Earlier lines: the 200 before a cursor, numbered on from there.
    let before = html.split("data-earlier=\"").nth(1).unwrap();
    let before = before[..before.find('"').unwrap()].replace("&amp;", "&");
    let (status, _, html) = page(before.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="L9957""#) && html.contains(r#"id="L9758""#));
    assert!(!html.contains(r#"id="L9958""#) && !html.contains(r#"id="L9757""#));

    // "First error": over the whole log, opened at its line.
    let (status, location, _) = page(format!("{at}?error=1")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/runs/{id}/steps/shout?line=8#L8"));

    // A refused pattern says why; a cursor the page did not give is refused.
    let (status, _, html) = page(format!("{at}?q=%28&regex=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Search refused") && html.contains("not a usable regex"));
    let (status, _, _) = page(format!("{at}?q=a&after=1-3")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The run's every step, from its page's link.
    let (_, _, html) = page(format!("/runs/{id}")).await;
    assert!(
        html.contains(&format!("href=\"/runs/{id}/search\"")),
        "{html}"
    );
    let (status, _, html) = page(format!("/runs/{id}/search?q=ERROR")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("21 matching lines"), "{html}");
    for (step, n) in [("shout", 8), ("shout", 19008), ("quiet", 2)] {
        let link = format!("<a href=\"/runs/{id}/steps/{step}?q=ERROR&amp;line={n}#L{n}\"><code>{step}</code> line {n}</a>");
        assert!(html.contains(&link), "{link}");
    }
    let (status, _, html) = page(format!("/runs/{id}/search?q=%28&regex=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Search refused") && html.contains("not a usable regex"));
    let (status, _, _) = page(format!("/runs/{id}/search?q=a&after=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
