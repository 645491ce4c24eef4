//! `GET /runs/{id}/steps/{step}`: one step of a run — its kind, status
//! (up to date: the run it was restored from), why it ran or did not
//! (`wfc explain`), each attempt (start, duration, exit code, error), outputs, artifacts
//! and its log ([`super::step_log`]: a window of numbered lines, the
//! whole log searched, the download link). A page of its own without
//! script; the run page's script opens
//! its `#step-detail` in a drawer when a step's row or graph node is
//! clicked (or Enter is pressed on it).

use super::run_output::{self, Shown};
use super::runs::{duration, encode};
use super::session::Session;
use super::step_log::{self, Results, StepQuery, Window};
use super::{Dash, BAD_FILTER, NO_RUN, NO_STEP, STORE};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Serialize;

/// One attempt as the view lists it.
#[derive(Serialize)]
struct Attempt {
    number: i64,
    session: i64,
    status: String,
    started: String,
    duration: String,
    exit_code: Option<i64>,
    error: Option<String>,
}

/// What the store says of the step.
struct Read {
    id: String,
    kind: String,
    graph: String,
    status: String,
    attempts: Vec<Attempt>,
    outputs: Vec<Shown>,
    log: Window,
    search: Option<Results>,
    logged: bool,
    /// `?error=1`: the first error line's (`Some(None)`: none found).
    first_error: Option<Option<u64>>,
    /// Up to date: not run, restored from this run.
    up_to_date: Option<String>,
    /// Why it ran, was up to date or did not run (`wfc explain`).
    why: Option<wfc_launch::incremental::Explanation>,
}

fn read(
    dir: std::path::PathBuf,
    typed: &str,
    step: &str,
    q: &StepQuery,
) -> Result<Read, (StatusCode, &'static str, String)> {
    let fail = |e: String| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e);
    let store = wfc_store::Store::open_existing(&dir)
        .map_err(|e| fail(e.to_string()))?
        .ok_or((
            StatusCode::NOT_FOUND,
            NO_RUN,
            "no runs recorded yet".to_owned(),
        ))?;
    let id = wfc_store::control::find_run(&store, typed)
        .map_err(|e| (StatusCode::NOT_FOUND, NO_RUN, e))?;
    let detail = wfc_store::query::detail(&store, &id)
        .map_err(|e| fail(e.to_string()))?
        .ok_or((StatusCode::NOT_FOUND, NO_RUN, format!("run {id} vanished")))?;
    let Some(s) = detail.step_list.into_iter().find(|s| s.name == step) else {
        let e = format!("run {id} has no step `{step}`");
        return Err((StatusCode::NOT_FOUND, NO_STEP, e));
    };
    let paths: Vec<_> = wfc_store::logs::step_logs(&store, &id, Some(step))
        .map_err(|e| fail(e.to_string()))?
        .into_iter()
        .map(|l| l.source)
        .collect();
    let base = format!("/runs/{}/steps/{}", encode(&id), encode(step));
    let bad = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::InvalidInput => (StatusCode::BAD_REQUEST, BAD_FILTER, e.to_string()),
        _ => fail(e.to_string()),
    };
    let first_error = if q.error.is_some() && !paths.is_empty() {
        Some(step_log::first_error(&paths).map_err(bad)?)
    } else {
        None
    };
    // Found, the first error's line is opened instead (a redirect).
    let (log, search) = if paths.is_empty() || matches!(first_error, Some(Some(_))) {
        (Window::default(), None)
    } else {
        (
            step_log::window(&paths, q, &base).map_err(bad)?,
            step_log::results(&paths, q, &base).map_err(bad)?,
        )
    };
    let why = crate::api::incremental::explain_in(&store, &id, step).ok();
    Ok(Read {
        up_to_date: s.up_to_date.clone(),
        why,
        id,
        kind: s.kind,
        graph: s.graph,
        status: s.status,
        attempts: s
            .attempt_log
            .into_iter()
            .map(|a| Attempt {
                number: a.number,
                session: a.session,
                status: a.status,
                started: a.started_at,
                duration: a.duration_seconds.map(duration).unwrap_or_default(),
                exit_code: a.exit_code,
                error: a.error,
            })
            .collect(),
        outputs: s
            .outputs
            .as_object()
            .map(|o| o.iter().map(|(k, v)| run_output::clip(k, v)).collect())
            .unwrap_or_default(),
        logged: !paths.is_empty(),
        log,
        search,
        first_error,
    })
}

/// `GET /runs/{id}/steps/{step}`.
pub async fn step(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path((typed, step)): Path<(String, String)>,
    Query(q): Query<StepQuery>,
) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let name = step.clone();
    let found = tokio::task::spawn_blocking(move || read(dir, &typed, &name, &q))
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, STORE, e.to_string()))
        .and_then(|r| r);
    let r = match found {
        Ok(r) => r,
        Err((status, code, e)) => return dash.error(status, code, &e, Some(&session)),
    };
    // "First error": its line opened like a link to it.
    if let Some(Some(n)) = r.first_error {
        let to = format!(
            "/runs/{}/steps/{}?line={n}#L{n}",
            encode(&r.id),
            encode(&step)
        );
        return Redirect::to(&to).into_response();
    }
    let no_error = r.first_error.is_some();
    let artifacts: Vec<_> = super::artifacts::of_run(&dash, &r.id)
        .await
        .into_iter()
        .filter(|a| a.step == step)
        .collect();
    dash.render(
        "step.html",
        "runs",
        Some(&session),
        minijinja::context! {
            run => minijinja::context! { id => r.id, path => encode(&r.id) },
            step => minijinja::context! {
                name => step, kind => r.kind, graph => r.graph, status => r.status,
                attempts => r.attempts, outputs => r.outputs, log => r.log, logged => r.logged,
                search => r.search, no_error, path => encode(&step),
                up_to_date => r.up_to_date,
                why => r.why.map(|w| minijinja::context! {
                    verdict => w.verdict.replace('_', " "), reasons => w.reasons,
                    compared_with => w.compared_with,
                }),
            },
            artifacts,
        },
    )
}
