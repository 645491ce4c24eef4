//! `GET /alerts`: the alert rules of the served workflows, each with its
//! state in the run store and its last firing — as `wfc alerts` lists them.
//! Nothing of a channel but its kind: its fields may hold credentials.

use super::{with_store, App};
use crate::problem::{Problem, ProblemBody};
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wfc_store::alerts::AlertState;
use wfc_store::pause::when;

/// Which rules.
#[derive(Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertFilter {
    /// Only this workflow's rules.
    pub workflow: Option<String>,
}

/// One rule and its state.
#[derive(Clone, Serialize, ToSchema)]
pub struct AlertJson {
    pub workflow: String,
    pub alert: String,
    /// As written after `when`.
    pub condition: String,
    /// The channels' kinds: `slack`, `webhook`, `email`.
    pub channels: Vec<String>,
    pub cooldown_seconds: f64,
    /// `ok` or `firing` (`ok` for a rule never decided).
    pub state: String,
    /// Since when it is in that state, UTC (RFC 3339).
    pub since: Option<String>,
    pub last_fired_at: Option<String>,
    pub last_resolved_at: Option<String>,
    /// What the runs did at the last decision, in words.
    pub last_value: Option<String>,
    /// The run the last decision read.
    pub last_run: Option<String>,
    /// Why the last message was not sent (masked), until one is.
    pub last_error: Option<String>,
}

/// The alert rules of the served workflows, with their states.
#[utoipa::path(get, path = "/api/v1/alerts", operation_id = "listAlerts", tag = "workflows",
    params(AlertFilter),
    responses((status = 200, body = [AlertJson]), (status = 401, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Query(filter): Query<AlertFilter>,
) -> Result<Json<Vec<AlertJson>>, Problem> {
    Ok(Json(alerts(&app, filter.workflow.as_deref()).await?))
}

/// The rules of the served workflows (of `workflow`, if given) with their
/// states: for the API, the dashboard and `/metrics`.
pub async fn alerts(app: &App, workflow: Option<&str>) -> Result<Vec<AlertJson>, Problem> {
    if let Some(w) = workflow {
        // An unknown workflow is a 404, not an empty list.
        app.catalog.find(w)?;
    }
    let served: Vec<_> = (app.catalog.served().into_iter())
        .filter(|c| !c.ir.alerts.is_empty())
        .filter(|c| workflow.is_none_or(|w| c.name() == w))
        .collect();
    if served.is_empty() {
        return Ok(Vec::new());
    }
    let states: Vec<AlertState> = if wfc_store::exists(app.launcher.state_dir()) {
        with_store(app, |s| {
            wfc_store::alerts::list(s, None).map_err(Problem::store)
        })
        .await?
    } else {
        Vec::new()
    };
    Ok(rows(&served, &states))
}

/// Each rule of `served` with its state among `states`.
pub fn rows(served: &[wfc_launch::Checked], states: &[AlertState]) -> Vec<AlertJson> {
    let mut out = Vec::new();
    for c in served {
        for a in &c.ir.alerts {
            let s = (states.iter()).find(|s| s.workflow == c.name() && s.alert == a.name);
            out.push(AlertJson {
                workflow: c.name().to_owned(),
                alert: a.name.clone(),
                condition: a.condition.show(),
                channels: a
                    .channels
                    .iter()
                    .map(|c| c.kind.name().to_owned())
                    .collect(),
                cooldown_seconds: a.cooldown_ms as f64 / 1000.0,
                state: s.map_or("ok", |s| s.state.as_str()).to_owned(),
                since: s.map(|s| when(s.since)),
                last_fired_at: s.and_then(|s| s.last_fired_at).map(when),
                last_resolved_at: s.and_then(|s| s.last_resolved_at).map(when),
                last_value: s.and_then(|s| s.last_value.clone()),
                last_run: s.and_then(|s| s.last_run.clone()),
                last_error: s.and_then(|s| s.last_error.clone()),
            });
        }
    }
    out
}

/// How often the rules whose condition changes with time alone are decided
/// (`WFC_ALERT_INTERVAL_MS` for tests; default 30 s).
pub fn interval() -> std::time::Duration {
    let ms = std::env::var("WFC_ALERT_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms >= 100)
        .unwrap_or(30_000);
    std::time::Duration::from_millis(ms)
}

/// Decides, every [`interval`], the served workflows' rules that change with
/// time alone (`failure_rate(last D)`, `waiting_longer_than`), until `stop`.
pub fn spawn_timer(app: App, stop: tokio_util::sync::CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            for c in app.catalog.served() {
                if !c.ir.alerts.iter().any(|a| a.condition.changes_with_time()) {
                    continue;
                }
                let rules = wfc_plan::alerts::Rules::of(&c.ir);
                wfc_launch::alerts::decide(app.launcher.state_dir(), &rules, true).await;
            }
        }
    });
}
