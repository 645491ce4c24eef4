//! `GET /runs/{id}/search?q=`: every step's log of a run searched on the
//! server, as the API's `/api/v1/runs/{id}/search` does (one budget and
//! `MATCHES` matches a page, "More matches" going on), each match a link
//! to its line on the step's page. A GET form: no script needed.

use super::run_log::{ansi, Seg};
use super::runs::encode;
use super::session::Session;
use super::{Dash, BAD_FILTER, NO_RUN};
use crate::api::log_search::{run_cursor, search_run, step_sources, SearchQuery};
use crate::problem::Code;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};

/// Matches a page lists.
const MATCHES: usize = 100;

#[derive(Deserialize, Default)]
pub struct RunSearchQuery {
    q: Option<String>,
    regex: Option<String>,
    ignore_case: Option<String>,
    after: Option<String>,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

#[derive(Serialize)]
struct Hit {
    step: String,
    line: u64,
    href: String,
    segs: Vec<Seg>,
}

/// `GET /runs/{id}/search`.
pub async fn page(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(typed): Path<String>,
    Query(q): Query<RunSearchQuery>,
) -> Response {
    let (regex, ignore_case) = (on(&q.regex), on(&q.ignore_case));
    let text = q.q.clone().unwrap_or_default();
    let asked = SearchQuery {
        q: q.q.clone(),
        regex: Some(regex),
        ignore_case: Some(ignore_case),
        ..SearchQuery::default()
    };
    let (id, steps) = match step_sources(&dash.app, typed, None).await {
        Ok(found) => found,
        Err(p) => return dash.error(StatusCode::NOT_FOUND, NO_RUN, &p.detail, Some(&session)),
    };
    let (mut hits, mut next, mut refused) = (Vec::new(), None, None);
    if !text.is_empty() {
        let (first, from) = match run_cursor(q.after.as_deref()) {
            Ok(c) => c,
            Err(p) => {
                return dash.error(
                    StatusCode::BAD_REQUEST,
                    BAD_FILTER,
                    &p.detail,
                    Some(&session),
                )
            }
        };
        let found = match asked.pattern() {
            Ok(pattern) => tokio::task::spawn_blocking(move || {
                search_run(steps, first, from, &pattern, MATCHES)
            })
            .await
            .map_err(crate::problem::Problem::store)
            .and_then(|r| r),
            Err(p) => Err(p),
        };
        match found {
            Ok(found) => {
                let mut keep = format!("q={}", encode(&text));
                if regex {
                    keep.push_str("&regex=1");
                }
                if ignore_case {
                    keep.push_str("&ignore_case=1");
                }
                hits = found
                    .matches
                    .into_iter()
                    .map(|m| Hit {
                        href: format!(
                            "/runs/{}/steps/{}?{keep}&line={}#L{}",
                            encode(&id),
                            encode(&m.step),
                            m.line,
                            m.line
                        ),
                        segs: ansi(&m.text),
                        step: m.step,
                        line: m.line,
                    })
                    .collect();
                next = found
                    .next
                    .map(|n| format!("/runs/{}/search?{keep}&after={}", encode(&id), encode(&n)));
            }
            Err(p) if p.code == Code::BadPattern => refused = Some(p.detail),
            Err(p) if p.code == Code::BadRequest => {
                return dash.error(
                    StatusCode::BAD_REQUEST,
                    BAD_FILTER,
                    &p.detail,
                    Some(&session),
                )
            }
            Err(p) => {
                let status = p.code.status();
                return dash.error(status, super::STORE, &p.detail, Some(&session));
            }
        }
    }
    dash.render(
        "run_search.html",
        "runs",
        Some(&session),
        minijinja::context! {
            run => minijinja::context! { id => id.clone(), path => encode(&id) },
            q => text, regex, ignore_case, hits, next, refused,
            later_page => q.after.is_some(),
        },
    )
}
