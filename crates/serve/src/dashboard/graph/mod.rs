//! `GET /runs/{id}/graph`: the run's DAG as an SVG fragment (no layout),
//! drawn from the graph recorded with ITS plan ([`wfc_store::run_graph`]),
//! the steps' statuses read from the store at the time of the request,
//! as of its event `data-seq` (the run page's script counts only later
//! events into a collapsed group's counts).
//!
//! - [`view`] — which nodes are drawn (big fan-outs collapsed) and their status;
//! - [`layout`] — where (layers left to right, rows ordered by barycenter);
//! - [`svg`] — the markup, with its legend.

pub mod layout;
pub mod svg;
pub mod view;

use super::session::Session;
use super::{Dash, NO_RUN, STORE};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use std::collections::HashMap;
use wfc_store::run_graph::RunGraph;

/// The fragment for a run's graph and its steps' statuses; `took`: the
/// run's duration (seconds) once it ended, which the legend says instead of
/// the critical path's estimate.
pub fn fragment(
    run_id: &str,
    g: &RunGraph,
    statuses: &HashMap<String, String>,
    took: Option<f64>,
) -> String {
    let grown = with_file_calls(g, statuses);
    let g = grown.as_ref().unwrap_or(g);
    let v = view::view(g, statuses);
    let l = layout::layout(v.nodes.len(), &v.edges);
    svg::render(run_id, g, &v, &l, took)
}

/// `g` with the steps of its file calls (`up.build` of `step up: call
/// file(…)`), which the plan recorded at the start could not hold: each
/// step the run recorded under a `call` node's name is drawn between what
/// that node waits for and the node (their own order is not recorded), in
/// name order. `None` when there is none.
fn with_file_calls(g: &RunGraph, statuses: &HashMap<String, String>) -> Option<RunGraph> {
    let known: std::collections::HashSet<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut extra: Vec<(&str, usize)> = statuses
        .keys()
        .filter(|name| !known.contains(name.as_str()))
        .filter_map(|name| {
            let call = name
                .match_indices('.')
                .map(|(i, _)| &name[..i])
                .find_map(|p| g.nodes.iter().position(|n| n.name == p && n.kind == "call"))?;
            Some((name.as_str(), call))
        })
        .collect();
    if extra.is_empty() {
        return None;
    }
    extra.sort();
    let mut out = g.clone();
    for (name, call) in extra {
        let i = out.nodes.len();
        out.nodes.push(wfc_store::run_graph::Node {
            name: name.to_owned(),
            kind: "step".to_owned(),
            deps: g.nodes[call].deps.clone(),
            group: g.nodes[call].group,
            ..Default::default()
        });
        out.nodes[call].deps.push(i);
    }
    Some(out)
}

/// What `GET /runs/{id}/graph` answers and the run page holds in `#dag`:
/// the fragment and the event it stands at (`data-seq`), or a sentence
/// when no plan was recorded.
pub fn page_fragment(
    run_id: &str,
    g: Option<&RunGraph>,
    statuses: &HashMap<String, String>,
    seq: i64,
    took: Option<f64>,
) -> String {
    match g {
        Some(g) => {
            let at = format!("<div class=\"dag-at\" data-seq=\"{seq}\" hidden></div>");
            fragment(run_id, g, statuses, took) + &at
        }
        None => "<p class=\"dag-none\">No plan was recorded for this run: there is \
                 no graph to draw.</p>"
            .to_owned(),
    }
}

/// A run's duration (seconds) once it ended; `None` while it goes.
pub fn took(run: &wfc_store::query::RunRow) -> Option<f64> {
    (!matches!(run.status.as_str(), "running" | "waiting" | "paused"))
        .then_some(run.duration_seconds)
}

/// Run `id`'s main statuses and the latest event they include: read
/// between two reads of the latest event that agree (a fold writes a step's
/// status and its event in one transaction).
pub fn statuses_at(
    store: &wfc_store::Store,
    id: &str,
) -> Result<(i64, HashMap<String, String>), wfc_store::Error> {
    // The store has no cheaper read of a run's latest event.
    let latest =
        || wfc_store::tail::RunTail::at_end(store, id.to_owned()).map(|(t, _)| t.cursor().seq);
    let mut before = latest()?;
    for _ in 0..4 {
        let statuses = wfc_store::query::main_statuses(store, id)?;
        let after = latest()?;
        if after == before {
            return Ok((after, statuses));
        }
        before = after;
    }
    // A run this busy: events just past `before` may be counted twice
    // until the run's end draws the graph again.
    Ok((before, wfc_store::query::main_statuses(store, id)?))
}

/// `GET /runs/{id}/graph` (an id, a unique prefix or `last`).
pub async fn graph(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(typed): Path<String>,
) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || -> Result<_, (bool, String)> {
        let store = wfc_store::Store::open_existing(&dir)
            .map_err(|e| (false, e.to_string()))?
            .ok_or((true, "no runs recorded yet".to_owned()))?;
        let id = wfc_store::control::find_run(&store, &typed).map_err(|e| (true, e))?;
        let (seq, statuses) = statuses_at(&store, &id).map_err(|e| (false, e.to_string()))?;
        let graph = wfc_store::run_graph::read(&store, &id);
        let run = wfc_store::query::run(&store, &id).map_err(|e| (false, e.to_string()))?;
        let took = run.as_ref().and_then(took);
        Ok(page_fragment(&id, graph.as_ref(), &statuses, seq, took))
    })
    .await
    .map_err(|e| (false, e.to_string()))
    .and_then(|r| r);
    let html = match found {
        Ok(html) => html,
        Err((true, e)) => return dash.error(StatusCode::NOT_FOUND, NO_RUN, &e, Some(&session)),
        Err((false, e)) => {
            return dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session))
        }
    };
    (super::security_headers(), Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfc_store::run_graph::{GroupInfo, Node};

    fn node(name: String, deps: Vec<usize>, critical: bool) -> Node {
        Node {
            name,
            kind: "shell".into(),
            deps,
            estimate_ms: Some(1000),
            critical,
            ..Node::default()
        }
    }

    fn count(html: &str, what: &str) -> usize {
        html.matches(what).count()
    }

    #[test]
    fn a_chain_of_5000_steps_is_one_row_of_small_nodes() {
        let nodes = (0..5000)
            .map(|i| {
                node(
                    format!("s{i}"),
                    (i > 0).then(|| i - 1).into_iter().collect(),
                    true,
                )
            })
            .collect();
        let g = RunGraph {
            nodes,
            critical_ms: Some(5_000_000),
            ..RunGraph::default()
        };
        let mut st = HashMap::new();
        st.insert("s0".to_owned(), "succeeded".to_owned());
        let html = fragment("r1", &g, &st, None);
        assert_eq!(count(&html, "<g class=\"node critical\" data-step="), 5000);
        assert_eq!(count(&html, "<path class=\"edge critical\""), 4999);
        assert_eq!(count(&html, "data-status=\"pending\" tabindex"), 4999);
        assert!(html.contains("data-step=\"s0\" data-status=\"succeeded\""));
        // One row: every node at the same height, laid out left to right.
        assert_eq!(count(&html, ",8)\"><title>"), 5000);
        assert!(html.contains("translate(1159776,8)"), "the last layer");
        assert!(html.len() < 5000 * 400, "{} bytes", html.len());
        assert!(!html.contains("filter"));
    }

    #[test]
    fn a_fan_out_of_2000_is_one_group_node() {
        let mut nodes = vec![node("start".into(), vec![], true)];
        for i in 0..2000 {
            nodes.push(node(format!("ship[r{i}]"), vec![0], i == 0));
            nodes[i + 1].group = Some(0);
        }
        nodes.push(node("end".into(), (1..=2000).collect(), true));
        let g = RunGraph {
            nodes,
            groups: vec![GroupInfo {
                name: "for each r in regions".into(),
                kind: "for_each".into(),
                wait: None,
            }],
            critical_ms: Some(3000),
            handlers: vec![("on_failure".into(), vec!["<tell>".into()])],
        };
        let st = (1..=2000)
            .map(|i| (format!("ship[r{}]", i - 1), "succeeded".to_owned()))
            .collect();
        let html = fragment("r2", &g, &st, Some(5.0));
        assert_eq!(count(&html, "tabindex=\"0\""), 3);
        assert_eq!(count(&html, "<path class=\"edge critical\""), 2);
        assert!(html.contains(
            "<g class=\"node group critical\" data-group=\"ship\" data-members=\"2000\" \
             data-going=\"{}\" data-status=\"succeeded\""
        ));
        assert!(html.contains("<tspan data-count=\"succeeded\">2000</tspan>"));
        assert!(html.contains("<tspan data-count=\"pending\">0</tspan>"));
        assert!(html.contains("of for each r in regions"));
        // Ended: the legend says what the run took, not the estimate.
        assert!(html.contains("critical path (the run took 5.0s)"), "{html}");
        assert!(html.contains("&lt;tell&gt;") && !html.contains("<tell>"));
        assert!(html.len() < 8000, "{} bytes", html.len());
    }

    #[test]
    fn names_are_text_and_no_estimate_is_said() {
        let g = RunGraph {
            nodes: vec![Node {
                name: "<script>alert(1)</script>".into(),
                kind: "shell".into(),
                ..Node::default()
            }],
            ..RunGraph::default()
        };
        let html = fragment("r3", &g, &HashMap::new(), None);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("data-step=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
        assert!(html.contains("no estimate") && html.contains("recorded before its graph"));
    }
}
