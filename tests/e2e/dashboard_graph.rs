//! The run page's DAG (`GET /runs/{id}/graph`) from the real `wfc serve`:
//! a diamond and a `for each` of 20 run through the API, then drawn from
//! the graph recorded with the run, statuses from the store, the fan-out
//! collapsed, the critical path marked, values escaped; and a run recorded
//! before graphs were still drawn from its fingerprints.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::StatusCode;
use serde_json::json;

const SHAPES: &str = r#"
workflow shapes {
  step a: shell {
    run "echo a >> @DIR/ran.txt"
    estimate 1s
  }
  step b: shell {
    run "echo b >> @DIR/ran.txt"
    estimate 5s
    depends on a
  }
  step c: shell {
    run "echo c >> @DIR/ran.txt"
    estimate 1s
    depends on a
  }
  step d: shell {
    run "echo d >> @DIR/ran.txt"
    estimate 1s
    depends on b, c
  }
  for each r in ["r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10",
                 "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20"] parallel {
    step ship: shell {
      run "echo ${r} >> @DIR/shipped.txt"
      estimate 1s
      depends on d
    }
  }
  for each t in ["<script>alert(1)</script>"] {
    step tag: shell {
      run "echo tagged >> @DIR/ran.txt"
      estimate 1s
      depends on a
    }
  }
}
"#;

/// The `<g …>` opening tag of the node with `attr`, e.g. `data-step="b"`.
fn node<'a>(html: &'a str, attr: &str) -> &'a str {
    let at = html
        .find(&format!(" {attr} "))
        .unwrap_or_else(|| panic!("no node with {attr}: {html}"));
    let start = html[..at].rfind("<g ").unwrap();
    &html[start..start + html[start..].find('>').unwrap()]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graph_draws_the_run_from_its_plan_with_statuses_and_the_critical_path() {
    let server = Server::start(&[("shapes.wf", SHAPES)], &[]);
    let http = client();
    let url = server.url("/workflows/shapes/runs?wait=30s");
    let (s, run) = post(&http, &url, &server.operator, json!({})).await;
    assert_eq!(
        (s, run["status"].as_str()),
        (StatusCode::OK, Some("succeeded")),
        "{run}"
    );
    let id = run["id"].as_str().unwrap().to_owned();
    // The steps really ran: every iteration of the loop, each step once.
    let shipped = std::fs::read_to_string(server.path("shipped.txt")).unwrap();
    assert_eq!(shipped.lines().count(), 20, "{shipped}");
    let ran = std::fs::read_to_string(server.path("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 5, "{ran}");

    let path = format!("/runs/{id}/graph");
    let (status, location, _) = page(&http, &server, &path, "").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let cookie = pair(&login(&http, &server, &server.reader).await);
    let (status, _, html) = page(&http, &server, &path, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.starts_with("<ul class=\"dag-legend\""),
        "a fragment: {html}"
    );
    assert!(html.contains("role=\"img\"") && html.contains("<title id=\"dag-title\">"));

    // Each step a node, all succeeded; the 20 ships one node, counted.
    for step in ["a", "b", "c", "d"] {
        let g = node(&html, &format!("data-step=\"{step}\""));
        assert!(g.contains("data-status=\"succeeded\""), "{g}");
        assert!(g.contains("tabindex=\"0\""), "{g}");
    }
    assert_eq!(
        html.matches("data-status=\"succeeded\" tabindex").count(),
        6
    );
    assert!(
        !html.contains("data-step=\"ship["),
        "the fan-out is collapsed"
    );
    let ships = node(&html, "data-group=\"ship\"");
    assert!(ships.contains("data-members=\"20\""), "{ships}");
    assert!(
        html.contains("<tspan data-count=\"succeeded\">20</tspan>"),
        "{html}"
    );
    assert!(html.contains("<tspan data-count=\"failed\">0</tspan>"));

    // The longest chain by estimate: a → b (5s) → d → a ship.
    for step in ["a", "b", "d"] {
        let g = node(&html, &format!("data-step=\"{step}\""));
        assert!(g.starts_with("<g class=\"node critical\""), "{g}");
    }
    assert!(
        ships.starts_with("<g class=\"node group critical\""),
        "{ships}"
    );
    assert!(node(&html, "data-step=\"c\"").starts_with("<g class=\"node\""));
    assert_eq!(html.matches("<path class=\"edge critical\"").count(), 3);
    // The run ended: the legend says what it took, not the 8 s estimate.
    assert!(
        html.contains("★ b") && html.contains("critical path (the run took "),
        "{html}"
    );
    assert!(!html.contains("critical path (estimate"), "{html}");

    // An item with markup is text in the instance's name.
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );

    let (status, _, missing) = page(&http, &server, "/runs/nope/graph", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("API083"), "{missing}");

    // A run recorded before graphs were: its fingerprints only, as text.
    let store = wfc_store::Store::open(&server.path("state")).unwrap();
    let mut plan = wfc_store::reuse::read_plan(&store, &id).unwrap().unwrap();
    assert!(plan.as_object_mut().unwrap().remove("graph").is_some());
    wfc_store::testing::execute(
        &store,
        "UPDATE plans SET plan = $1 WHERE run_id = $2",
        &[plan.to_string().into(), (&id).into()],
    )
    .unwrap();
    let (status, _, old) = page(&http, &server, &path, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{old}");
    let d = node(&old, "data-step=\"d\"");
    assert!(d.contains("data-status=\"succeeded\""), "{d}");
    assert!(old.contains("no estimate") && !old.contains("class=\"node critical"));
    assert!(
        old.contains("<tspan data-count=\"succeeded\">20</tspan>"),
        "{old}"
    );
    assert_eq!(
        old.matches("<path class=\"edge").count(),
        html.matches("<path class=\"edge").count()
    );
}
