//! `/runs`: the runs, filtered by status, workflow, trigger and tag, a page
//! at a time (the API's listing, [`wfc_store::listing`]), each with its
//! workflow's `version` and `tags` as they were when it started. One run's
//! page is [`super::run_page`].

use super::session::Session;
use super::{Dash, BAD_FILTER, STORE};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};
use wfc_store::listing::{self, Filter};

/// Runs per page.
const PAGE: usize = 50;

/// The statuses a run can have, for the filter.
use wfc_store::listing::STATUSES;

#[derive(Deserialize, Serialize, Default)]
pub struct RunsQuery {
    status: Option<String>,
    workflow: Option<String>,
    trigger: Option<String>,
    /// Runs whose workflow had this tag when they started.
    tag: Option<String>,
    cursor: Option<String>,
}

/// A run as a row of the list.
#[derive(Serialize)]
struct RunLine {
    id: String,
    workflow: String,
    status: String,
    trigger: String,
    started: String,
    duration: String,
    version: Option<String>,
    tags: Vec<String>,
}

/// An empty field of the filter form means "any".
fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `GET /runs`.
pub async fn list(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(q): Query<RunsQuery>,
) -> Response {
    let q = RunsQuery {
        status: given(q.status),
        workflow: given(q.workflow),
        trigger: given(q.trigger),
        tag: given(q.tag),
        cursor: given(q.cursor),
    };
    let bad =
        |detail: String| dash.error(StatusCode::BAD_REQUEST, BAD_FILTER, &detail, Some(&session));
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return bad(format!(
            "`status={s}` is not one of {}",
            STATUSES.join(", ")
        ));
    }
    let after = match q.cursor.as_deref().map(cursor).transpose() {
        Ok(a) => a,
        Err(c) => return bad(format!("`cursor={c}` is not one this page gave")),
    };
    let filter = Filter {
        status: q.status.clone().into_iter().collect(),
        workflow: q.workflow.clone(),
        trigger: q.trigger.clone(),
        tag: q.tag.clone(),
        after,
        limit: PAGE,
        ..Filter::default()
    };
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let page = tokio::task::spawn_blocking(move || -> Result<Option<listing::Page>, String> {
        match wfc_store::Store::open_existing(&dir)? {
            Some(s) => listing::list(&s, &filter)
                .map(Some)
                .map_err(|e| e.to_string()),
            None => Ok(None),
        }
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let page = match page {
        Ok(p) => p,
        Err(e) => return dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    };
    let (runs, next) = match page {
        Some(p) => (p.runs, p.next),
        None => (Vec::new(), None),
    };
    let runs: Vec<RunLine> = runs
        .into_iter()
        .map(|(r, trigger)| RunLine {
            started: r.started_at,
            duration: duration(r.duration_seconds),
            id: r.id,
            workflow: r.workflow,
            status: r.status,
            trigger,
            version: r.version,
            tags: r.tags,
        })
        .collect();
    let next = next.map(|(ms, id)| next_url(&q, &format!("{ms}:{id}")));
    let mut workflow_names: Vec<String> = dash
        .app
        .catalog
        .workflows()
        .into_iter()
        .map(|w| w.name)
        .collect();
    workflow_names.dedup();
    dash.render(
        "runs.html",
        "runs",
        Some(&session),
        minijinja::context! { runs, next, filter => q, statuses => STATUSES, workflow_names },
    )
}

/// `started_ms:id`, as the page's "Older runs" link gives it.
fn cursor(text: &str) -> Result<(i64, String), &str> {
    text.split_once(':')
        .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_owned())))
        .ok_or(text)
}

/// The next page's URL: the same filter from `cursor` on.
fn next_url(q: &RunsQuery, cursor: &str) -> String {
    let mut url = String::from("/runs?");
    let pairs = [
        ("status", q.status.as_deref()),
        ("workflow", q.workflow.as_deref()),
        ("trigger", q.trigger.as_deref()),
        ("tag", q.tag.as_deref()),
        ("cursor", Some(cursor)),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            url.push_str(&format!("{name}={}&", encode(v)));
        }
    }
    url.pop();
    url
}

/// Percent-encodes a query value.
pub(super) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `1.5s`, `2m 05s`, `1h 02m`.
pub(super) fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        return format!("{s:.1}s");
    }
    let whole = s as u64;
    if whole < 3600 {
        format!("{}m {:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h {:02}m", whole / 3600, whole % 3600 / 60)
    }
}
