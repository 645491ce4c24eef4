//! The REST API under `/api/v1`: its router, its state and the helpers its
//! handlers share. Every route but the document and its page needs a key
//! ([`crate::auth`]); errors are problem+json ([`crate::problem`]).

pub mod alerts;
pub mod artifacts;
pub mod backfill;
pub mod delete;
pub mod files;
pub mod gates;
pub mod ignored;
pub mod incremental;
pub mod log_search;
pub mod logs;
pub mod pause;
pub mod resume;
pub mod run_detail;
pub mod runs;
pub mod servers;
pub mod step_pages;
pub mod triggers;
pub mod workflows;

use crate::auth::{self, Gate};
use crate::catalog::Catalog;
use crate::problem::{Code, Problem};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use wfc_launch::Launcher;
use wfc_store::Store;

/// What every handler reads.
#[derive(Clone)]
pub struct App {
    pub catalog: Arc<Catalog>,
    pub launcher: Launcher,
}

/// The API's prefix.
pub const PREFIX: &str = "/api/v1";

/// The whole API: authenticated routes, the OpenAPI document and its page,
/// a body size limit of `max_body` bytes.
pub fn router(app: App, gate: Gate, max_body: usize, hooks: crate::hooks::Hooks) -> Router {
    let authed = Router::new()
        .route("/workflows", get(workflows::list))
        .route("/workflows/{name}/runs", post(workflows::start))
        .route("/workflows/{name}/ignored", get(ignored::list))
        .route("/workflows/{name}/backfill", post(backfill::backfill))
        .route(
            "/workflows/{name}/deliveries",
            get(crate::hooks::failed::list),
        )
        .route(
            "/deliveries/{id}/redeliver",
            post(crate::hooks::failed::redeliver),
        )
        .route(
            "/workflows/{name}/triggers/pause",
            post(triggers::pause_triggers),
        )
        .route(
            "/workflows/{name}/triggers/resume",
            post(triggers::resume_triggers),
        )
        .route("/triggers/paused", get(triggers::paused))
        .route("/alerts", get(alerts::list))
        .route("/validate", post(workflows::validate))
        .route(
            "/files/{*path}",
            get(files::read).put(files::write).delete(files::delete),
        )
        .route("/runs", get(runs::list))
        .route("/runs/{id}", get(run_detail::detail).delete(delete::delete))
        .route("/runs/{id}/logs/{step}", get(logs::logs))
        .route("/runs/{id}/logs/{step}/search", get(log_search::step))
        .route("/runs/{id}/search", get(log_search::run))
        .route("/runs/{id}/steps/{step}/explain", get(incremental::explain))
        .route("/runs/{id}/diff", get(incremental::diff))
        .route("/runs/{id}/artifacts", get(artifacts::list))
        .route("/runs/{id}/artifacts/{sha256}", get(artifacts::download))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/runs/{id}/resume", post(resume::resume))
        .route("/runs/{id}/pause", post(pause::pause))
        .route("/runs/{id}/events", get(crate::events::run_events))
        .route("/events", get(crate::events::all_events))
        .route("/runs/{id}/gates/{gate}/approve", post(gates::approve))
        .route("/runs/{id}/gates/{gate}/reject", post(gates::reject))
        .route("/stats", get(runs::stats))
        .route("/servers", get(servers::list))
        .route_layer(axum::middleware::from_fn_with_state(gate, auth::check))
        .layer(axum::Extension(hooks))
        .with_state(app);
    let open = Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/docs", get(crate::openapi::viewer::page));
    crate::problem::traced(
        Router::new()
            .nest(PREFIX, authed.merge(open))
            .fallback(not_found)
            .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
            .layer(axum::extract::DefaultBodyLimit::max(max_body))
            .layer(axum::middleware::from_fn(crate::problem::plain_errors)),
    )
}

async fn not_found(uri: axum::http::Uri) -> Problem {
    Problem::new(Code::NotFound, format!("no route {}", uri.path()))
}

/// Runs `f` on the run store, on a blocking thread.
pub async fn with_store<T: Send + 'static>(
    app: &App,
    f: impl FnOnce(&Store) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let dir = app.launcher.state_dir().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let store = Store::open_existing(&dir)
            .map_err(Problem::open)?
            .ok_or_else(|| Problem::new(Code::NotFound, "no runs recorded yet"))?;
        f(&store)
    })
    .await
    .map_err(Problem::store)?
}

/// The run `typed` names (an id, a unique prefix, or `last`).
pub fn find_run(store: &Store, typed: &str) -> Result<String, Problem> {
    wfc_store::control::find_run(store, typed).map_err(|e| Problem::new(Code::NotFound, e))
}

/// A diagnostic as a problem's detail: `CODE: message (help)`.
pub fn problem_text(d: &wfc_language::diag::Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}: {} ({h})", d.code, d.message),
        None => format!("{}: {}", d.code, d.message),
    }
}
