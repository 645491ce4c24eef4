//! The dashboard: HTML pages over the same catalog and run store as the
//! API, for people with an API key.
//!
//! - [`session`] — `/login` takes a key and keeps a random session id in
//!   an HTTP-only cookie (never the key); every page needs one;
//! - [`pages`] — `/`, the served workflows; [`runs`] — `/runs`;
//! - [`run_page`] — `/runs/{id}` (its DAG: [`graph`]; its timeline: [`gantt`]; an output
//!   whole: [`run_output`]; a step's log: [`run_log`]; one step: [`run_step`]) and its live events; [`actions`] — its buttons (cancel, pause, approve, reject, resume);
//! - [`start`] — `/workflows/{name}/start`, the start form (operators);
//! - [`metrics`] — `/metrics`, per-workflow figures and plots;
//! - [`editor`] — `/edit/{path}`, a served file in an editor (operators);
//! - [`assets`] — the CSS and the vendored htmx under `/assets/`.
//!
//! Templates are minijinja with HTML autoescaping: a value (a param's
//! default, a run's params) is always text, never markup. Errors are pages
//! with a code of `API080`–`API089` (docs/serve.md).

pub mod actions;
pub mod ago;
pub mod artifacts;
pub mod assets;
pub mod backfill;
pub mod editor;
pub mod gantt;
pub mod gate_form;
pub mod gate_retry;
pub mod graph;
pub mod metrics;
pub mod pages;
pub mod plan_changes;
pub mod redeliver;
pub mod run_log;
pub mod run_output;
pub mod run_page;
pub mod run_search;
pub mod run_step;
pub mod runs;
pub mod schedules;
pub mod session;
pub mod start;
pub mod step_log;
pub mod waiting;

use crate::api::App;
use crate::auth::Gate;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Environment;
use session::{Session, Sessions};
use std::sync::Arc;

/// A key that is not known, at `/login`.
pub const BAD_KEY: &str = "API080";
/// A form that acts without its session's CSRF token.
pub const BAD_CSRF: &str = "API081";
/// A `/runs` filter that is not one (an unknown status, a bad cursor).
pub const BAD_FILTER: &str = "API082";
/// No such run.
pub const NO_RUN: &str = "API083";
/// The run store failed.
pub const STORE: &str = "API084";
/// A run page's `?log=` that is not a step of the run.
pub const NO_STEP: &str = "API086";
/// A start form whose values the params' binding refuses (the form again).
pub const BAD_START: &str = "API088";
/// A `/metrics` window that is not one (`?days=` outside 1–365).
pub const BAD_WINDOW: &str = "API089";

/// What every dashboard handler reads.
#[derive(Clone)]
pub struct Dash {
    pub app: App,
    pub gate: Gate,
    /// The webhooks, for a redelivery.
    pub hooks: crate::hooks::Hooks,
    pub sessions: Arc<Sessions>,
    /// The longest text the editor takes (`--max-body`, as the files API).
    pub max_body: usize,
    templates: Arc<Environment<'static>>,
}

impl Dash {
    pub fn new(app: App, gate: Gate, hooks: crate::hooks::Hooks) -> Dash {
        Dash {
            app,
            gate,
            hooks,
            sessions: Arc::default(),
            max_body: 1024 * 1024,
            templates: Arc::new(templates()),
        }
    }

    /// Template `name` filled with `ctx`, plus what the layout needs.
    pub fn render(
        &self,
        name: &str,
        page: &str,
        session: Option<&Session>,
        ctx: minijinja::Value,
    ) -> Response {
        // How many runs wait for a person: the navigation's badge.
        let waiting = session.map(|_| waiting::count(self.app.launcher.state_dir()));
        // Files whose newest version does not load: every page's banner.
        let unloaded: Vec<minijinja::Value> = match session {
            Some(_) => (self.app.catalog.files().into_iter())
                .filter(|f| f.load_error.is_some())
                .map(|f| minijinja::context! { file => f.file, last_good => f.last_good })
                .collect(),
            None => Vec::new(),
        };
        let layout = minijinja::context! {
            assets => assets::version(),
            page => page,
            user => session,
            waiting,
            unloaded,
        };
        let full = minijinja::context! { ..layout, ..ctx };
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(full))
        {
            Ok(html) => (security_headers(), Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template = name, error = %e, "cannot render a dashboard page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the page cannot be rendered",
                )
                    .into_response()
            }
        }
    }

    /// An error page: `code` and what went wrong, in the layout.
    pub fn error(
        &self,
        status: StatusCode,
        code: &str,
        detail: &str,
        session: Option<&Session>,
    ) -> Response {
        let title = status.canonical_reason().unwrap_or("Error");
        let page = self.render(
            "error.html",
            "",
            session,
            minijinja::context! { code, detail, title },
        );
        (status, page).into_response()
    }
}

/// The headers of every page: no framing, scripts from this server only.
pub(crate) fn security_headers() -> [(header::HeaderName, &'static str); 3] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ]
}

/// The templates, embedded; `.html` names turn HTML autoescaping on.
pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    ago::add_filters(&mut env);
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("error.html", include_str!("templates/error.html")),
        ("workflows.html", include_str!("templates/workflows.html")),
        ("runs.html", include_str!("templates/runs.html")),
        ("run.html", include_str!("templates/run.html")),
        ("gantt.html", include_str!("templates/gantt.html")),
        ("start.html", include_str!("templates/start.html")),
        ("metrics.html", include_str!("templates/metrics.html")),
        ("step.html", include_str!("templates/step.html")),
        ("run_search.html", include_str!("templates/run_search.html")),
        ("waiting.html", include_str!("templates/waiting.html")),
        ("triggers.html", include_str!("templates/triggers.html")),
        ("backfill.html", include_str!("templates/backfill.html")),
        ("gate_retry.html", include_str!("templates/gate_retry.html")),
        ("api.html", include_str!("templates/api.html")),
        ("editor.html", include_str!("templates/editor.html")),
        ("new.html", include_str!("templates/new.html")),
    ] {
        // Embedded text checked by the tests: a syntax error is a bug here.
        if let Err(e) = env.add_template(name, text) {
            tracing::error!(template = name, error = %e, "a dashboard template does not parse");
        }
    }
    env
}

/// The dashboard's routes: `/login`, `/logout`, the pages, `/assets/…`.
pub fn router(dash: Dash) -> Router {
    let pages = Router::new()
        .route("/", get(pages::workflows))
        .route("/runs", get(runs::list))
        .route("/waiting", get(waiting::page))
        .route("/triggers", get(schedules::page))
        .route("/runs/{id}", get(run_page::detail))
        .route("/runs/{id}/gantt", get(run_page::gantt))
        .route("/runs/{id}/events", get(run_page::events))
        .route("/runs/{id}/output", get(run_output::output))
        .route("/runs/{id}/steps/{step}", get(run_step::step))
        .route("/runs/{id}/search", get(run_search::page))
        .route("/runs/{id}/steps/{step}/log.txt", get(run_log::download))
        .route("/runs/{id}/artifacts/{sha256}", get(artifacts::download))
        .route("/runs/{id}/cancel", post(actions::cancel))
        .route("/runs/{id}/pause", post(actions::pause))
        .route("/workflows/{name}/triggers/{verb}", post(actions::triggers))
        .route("/deliveries/{id}/redeliver", post(redeliver::redeliver))
        .route("/workflows/{name}/backfill", post(backfill::backfill))
        .route("/runs/{id}/resume", post(actions::resume))
        .route("/runs/{id}/gates/{gate}/approve", post(actions::approve))
        .route("/runs/{id}/gates/{gate}/reject", post(actions::reject))
        .route("/runs/{id}/graph", get(graph::graph))
        .route(
            "/workflows/{name}/start",
            get(start::form).post(start::submit),
        )
        .route("/metrics", get(metrics::page))
        .route("/logout", post(session::logout))
        .merge(editor::routes(dash.max_body))
        .route_layer(axum::middleware::from_fn_with_state(
            dash.clone(),
            session::require,
        ));
    Router::new()
        .route("/login", get(session::login_form).post(session::login))
        .route("/assets/{file}", get(assets::serve))
        .merge(pages)
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(dash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes_values() {
        let env = templates();

        assert_eq!(env.templates().count(), 18);
        let html = env
            .get_template("error.html")
            .and_then(|t| {
                t.render(minijinja::context! {
                    assets => "x", page => "", user => (), title => "t",
                    code => "API083", detail => "<script>alert(1)</script>",
                })
            })
            .unwrap();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"));
    }
}
