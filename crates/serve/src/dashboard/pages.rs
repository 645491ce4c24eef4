//! `/`: each served workflow with its `version` and `tags`, params,
//! triggers, alert rules and their states, next scheduled time, last runs
//! and success rate (`?tag=T`:
//! only those tagged T); above them, the files whose newest version does
//! not load, with their first error and whether a last good version is
//! served.

use super::session::Session;
use super::{Dash, STORE};
use crate::catalog::{FileStatus, WorkflowInfo};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};
use wfc_language::ir::{next_fires, Trigger};
use wfc_store::listing::{self, Filter};
use wfc_store::Store;

/// How many of a workflow's runs the page shows.
const LAST_RUNS: usize = 5;

/// A workflow as the page shows it.
#[derive(Serialize)]
struct WorkflowCard {
    #[serde(flatten)]
    info: WorkflowInfo,
    /// The next `on schedule` slot, in its zone.
    next: Option<String>,
    last_runs: Vec<RunStatus>,
    /// Of its finished runs, the percentage that succeeded.
    success_rate: Option<u32>,
    /// Its paused triggers (`wfc triggers pause`): a kind, or `*` for all.
    paused: Vec<wfc_store::pause::PausedTrigger>,
    /// Its alert rules with their states.
    alerts: Vec<crate::api::alerts::AlertJson>,
}

#[derive(Serialize)]
struct RunStatus {
    id: String,
    status: String,
}

#[derive(Deserialize, Default)]
pub struct WorkflowsQuery {
    /// Only the workflows with this tag (empty: all).
    tag: Option<String>,
}

/// `GET /`.
pub async fn workflows(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(q): Query<WorkflowsQuery>,
) -> Response {
    let tag = q.tag.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let infos: Vec<WorkflowInfo> = dash
        .app
        .catalog
        .workflows()
        .into_iter()
        .filter(|w| tag.as_ref().is_none_or(|t| w.tags.contains(t)))
        .collect();
    let tags = all_tags(&dash);
    // Each served file's path under its folder: the editor's address.
    let edit_paths = match session.role {
        crate::keys::Role::Operator => crate::files::served_paths_by_file(&dash.app.catalog),
        crate::keys::Role::Read => Default::default(),
    };
    let broken: Vec<FileStatus> = dash
        .app
        .catalog
        .files()
        .into_iter()
        .filter(|f| f.load_error.is_some())
        .collect();
    let catalog = dash.app.catalog.clone();
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let cards = tokio::task::spawn_blocking(move || -> Result<Vec<WorkflowCard>, String> {
        let irs = catalog.served();
        let store = wfc_store::Store::open_existing(&dir)?;
        let paused_all = match &store {
            Some(s) => wfc_store::pause::paused_triggers(s).map_err(|e| e.to_string())?,
            None => Vec::new(),
        };
        let alert_states = match &store {
            Some(s) => wfc_store::alerts::list(s, None).map_err(|e| e.to_string())?,
            None => Vec::new(),
        };
        let now = chrono::Utc::now();
        let mut cards = Vec::new();
        for info in infos {
            let next = irs
                .iter()
                .find(|w| w.ir.name == info.name)
                .and_then(|w| {
                    w.ir.triggers
                        .iter()
                        .filter_map(|t| match t {
                            Trigger::Schedule(s) => next_fires(s, now, 1).into_iter().next(),
                            _ => None,
                        })
                        .min_by_key(|t| t.with_timezone(&chrono::Utc))
                })
                .map(|t| t.format("%Y-%m-%d %H:%M:%S %Z").to_string());
            let (last_runs, success_rate) = match &store {
                Some(s) => history(s, &info.name).map_err(|e| e.to_string())?,
                None => (Vec::new(), None),
            };
            let paused = paused_all
                .iter()
                .filter(|p| p.workflow == info.name)
                .cloned()
                .collect();
            let mine: Vec<_> = (irs.iter())
                .filter(|w| w.ir.name == info.name)
                .take(1)
                .cloned()
                .collect();
            let alerts = crate::api::alerts::rows(&mine, &alert_states);
            cards.push(WorkflowCard {
                alerts,
                info,
                next,
                last_runs,
                success_rate,
                paused,
            });
        }
        Ok(cards)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match cards {
        Ok(workflows) => dash.render(
            "workflows.html",
            "workflows",
            Some(&session),
            minijinja::context! { workflows, broken, tag, tags, edit_paths },
        ),
        Err(e) => dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    }
}

/// Every tag of the served workflows, sorted, once each (the filter's choices).
fn all_tags(dash: &Dash) -> Vec<String> {
    let mut tags: Vec<String> = dash
        .app
        .catalog
        .workflows()
        .into_iter()
        .flat_map(|w| w.tags)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// A workflow's last runs and the share of its finished runs that succeeded.
fn history(store: &Store, workflow: &str) -> wfc_store::Result<(Vec<RunStatus>, Option<u32>)> {
    let filter = Filter {
        workflow: Some(workflow.to_owned()),
        limit: LAST_RUNS,
        ..Filter::default()
    };
    let last = listing::list(store, &filter)?
        .runs
        .into_iter()
        .map(|(r, _)| RunStatus {
            id: r.id,
            status: r.status,
        })
        .collect();
    let (finished, succeeded) = wfc_store::stats::ended_and_succeeded(store, workflow)?;
    let rate = (finished > 0).then(|| (succeeded * 100 / finished) as u32);
    Ok((last, rate))
}
