//! The API's OpenAPI 3.1 document (`/api/v1/openapi.json`, made by utoipa
//! from the handlers) and the page that renders it on the server
//! (`/api/v1/docs`, [`viewer`]: nothing fetched from elsewhere).

mod markdown;
pub mod viewer;

use crate::api::{
    alerts, artifacts, backfill, delete, files, gates, ignored, incremental, log_search, logs,
    pause, resume, run_detail, runs, servers, triggers, workflows,
};
use crate::catalog::{FileStatus, LoadError, OutputInfo, ParamInfo, WorkflowInfo};
use crate::events;
use crate::mcp::http::doc as mcp;
use crate::problem::ProblemBody as Problem;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "wfc serve", description = "Start, watch and decide runs of the served workflows. Every operation under /api/v1 takes `Authorization: Bearer KEY` (`wfc keys add NAME`); /healthz, /readyz and /metrics take none (/metrics does with `wfc serve --metrics-auth`); errors are application/problem+json."),
    paths(
        workflows::list, workflows::validate, workflows::start,
        runs::list, run_detail::detail, logs::logs, log_search::step, log_search::run, runs::cancel, gates::approve, gates::reject, runs::stats,
        resume::resume, pause::pause, incremental::explain, incremental::diff, events::run_events, events::all_events, ignored::list,
        artifacts::list, artifacts::download, delete::delete,
        triggers::pause_triggers, triggers::resume_triggers, backfill::backfill, triggers::paused, alerts::list,
        files::read, files::write, files::delete,
        crate::ops::health, crate::ops::ready, crate::metrics::metrics, servers::list,
        crate::hooks::receive, crate::hooks::failed::list, crate::hooks::failed::redeliver, mcp::message, mcp::stream, mcp::end,
    ),
    components(schemas(Problem, log_search::LogSearch, log_search::LogMatch, log_search::RunSearch, log_search::RunMatch, WorkflowInfo, ParamInfo, OutputInfo, FileStatus, LoadError, workflows::WorkflowList,
        workflows::Validation, workflows::StartedRun, incremental::RunChanges,
        wfc_launch::incremental::Explanation, wfc_store::plan_diff::PlanDelta, wfc_store::plan_diff::StepDelta, wfc_store::plan_diff::FieldDelta, runs::RunPage, runs::Accepted,
        artifacts::ArtifactJson, gates::DecisionBody, crate::ops::Health, servers::Servers, wfc_store::servers::ServerRow,
        triggers::TriggerKind, triggers::TriggerState, triggers::PausedTriggerJson, alerts::AlertJson,
        crate::files::FileText, crate::files::Written, crate::files::Deleted, crate::files::versions::VersionInfo,
        crate::hooks::failed::FailedDeliveryItem, backfill::BackfillBody, backfill::BackfillAnswer)),
    modifiers(&Bearer, &KeyAnswers),
    tags((name = "workflows", description = "The served workflows"), (name = "runs", description = "Runs: start, list, detail, logs, why a step ran or was up to date, what changed, cancel, pause, gates, resume, delete"),
        (name = "files", description = "The served folders' workflow files: read, written (checked first, atomically, earlier versions kept) and deleted"),
        (name = "events", description = "Live events (Server-Sent Events), replayed from the run store"),
        (name = "webhooks", description = "The served workflows' `on webhook` triggers, outside /api/v1: signed with the trigger's secret, or with an operator key; the deliveries that started nothing, kept and redelivered"),
        (name = "mcp", description = "The workflows as MCP tools over MCP's streamable HTTP transport (docs/mcp.md), with an API key"),
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

/// What every operation that takes a key can answer besides its own:
/// 401 (no key, an unknown or revoked one) and 429 (the key's rate, or too
/// many unknown keys from one address, with `Retry-After`), both problems
/// (`auth::authenticate`); those of the API and the hooks also 500 (the run
/// store failed), 400 with a query string or a body that does not parse
/// and 413 with a body over `--max-body`, any route
/// ([`crate::problem::plain_errors`]).
/// Declared once here, not on each handler, so a new route cannot leave
/// them out.
struct KeyAnswers;

impl Modify for KeyAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                // An error is sent as application/problem+json: the
                // handlers' `body = ProblemBody` says application/json.
                for answer in op.responses.responses.values_mut() {
                    let utoipa::openapi::RefOr::T(r) = answer else {
                        continue;
                    };
                    let is_problem = r.content.get("application/json").is_some_and(|c| {
                        matches!(&c.schema, Some(utoipa::openapi::RefOr::Ref(x))
                            if x.ref_location == "#/components/schemas/Problem")
                    });
                    if is_problem {
                        if let Some(c) = r.content.shift_remove("application/json") {
                            r.content.insert("application/problem+json".into(), c);
                        }
                    }
                }
                if op.security.as_ref().is_none_or(|s| s.is_empty()) {
                    continue;
                }
                let ours = path.starts_with("/api/") || path.starts_with("/hooks/");
                let queried =
                    op.parameters.iter().flatten().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    });
                let answers = &mut op.responses.responses;
                let mut add = |status: &str, what: &str| {
                    answers
                        .entry(status.into())
                        .or_insert_with(|| problem(what).into());
                };
                if ours {
                    add("500", "the run store failed (API009)");
                }
                if ours && (queried || op.request_body.is_some()) {
                    add(
                        "400",
                        "a query string or a body that does not parse (API005)",
                    );
                }
                // The body limit stands before every route, whether it
                // reads a body or not (#69's probe: resume, pause, cancel).
                if ours {
                    add("413", "a body over `--max-body` (API010)");
                }
                answers
                    .entry("401".into())
                    .or_insert_with(|| problem("no API key, or one not known (API001)").into());
                answers.entry("429".into()).or_insert_with(|| {
                    problem("too many requests: the key's rate, or unknown keys from this address (API007); see Retry-After").into()
                });
            }
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
