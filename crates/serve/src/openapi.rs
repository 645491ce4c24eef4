//! The API's OpenAPI 3.1 document (`/api/v1/openapi.json`, made by utoipa
//! from the handlers) and a page that renders it (`/api/v1/docs`: a small
//! static HTML file of this crate, nothing fetched from elsewhere).

use crate::api::{
    alerts, artifacts, delete, files, gates, ignored, logs, pause, resume, run_detail, runs,
    triggers, workflows,
};
use crate::catalog::{FileStatus, LoadError, OutputInfo, ParamInfo, WorkflowInfo};
use crate::events;
use crate::problem::ProblemBody as Problem;
use axum::response::Html;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "wfc serve", description = "Start, watch and decide runs of the served workflows. Every operation under /api/v1 takes `Authorization: Bearer KEY` (`wfc keys add NAME`); /healthz, /readyz and /metrics take none (/metrics does with `wfc serve --metrics-auth`); errors are application/problem+json."),
    paths(
        workflows::list, workflows::validate, workflows::start,
        runs::list, run_detail::detail, logs::logs, runs::cancel, gates::approve, gates::reject, runs::stats,
        resume::resume, pause::pause, events::run_events, events::all_events, ignored::list,
        artifacts::list, artifacts::download, delete::delete,
        triggers::pause_triggers, triggers::resume_triggers, triggers::paused, alerts::list,
        files::read, files::write, files::delete,
        crate::ops::health, crate::ops::ready, crate::metrics::metrics,
    ),
    components(schemas(Problem, WorkflowInfo, ParamInfo, OutputInfo, FileStatus, LoadError, workflows::WorkflowList,
        workflows::Validation, workflows::StartedRun, runs::RunPage, runs::Accepted,
        artifacts::ArtifactJson, gates::DecisionBody, crate::ops::Health,
        triggers::TriggerKind, triggers::TriggerState, triggers::PausedTriggerJson, alerts::AlertJson,
        crate::files::FileText, crate::files::Written, crate::files::Deleted, crate::files::versions::VersionInfo)),
    modifiers(&Bearer),
    tags((name = "workflows", description = "The served workflows"), (name = "runs", description = "Runs: start, list, detail, logs, cancel, pause, gates, resume, delete"),
        (name = "files", description = "The served folders' workflow files: read, written (checked first, atomically, earlier versions kept) and deleted"),
        (name = "events", description = "Live events (Server-Sent Events), replayed from the run store"),
        (name = "operations", description = "Probes and metrics for operators' tools: no key needed"))
)]
pub struct ApiDoc;

/// The `bearer` security scheme every operation names.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /api/v1/docs`.
pub async fn page() -> Html<&'static str> {
    Html(include_str!("../assets/docs.html"))
}
