//! `/triggers`: each served workflow that has triggers, each trigger as
//! the file says it, a schedule's next five slots (in its zone, and in the
//! browser's), whether it is paused (and a toggle for an operator), and
//! the firings that started nothing with why: webhook deliveries and
//! schedule slots a `when` turned down ([`wfc_store::ignored`]).

use super::session::Session;
use super::{Dash, STORE};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Serialize;
use wfc_language::ir::{next_fires, Trigger};
use wfc_store::pause::PausedTrigger;

/// How many slots of a schedule are shown.
const SLOTS: usize = 5;
/// How many ignored firings of a workflow are shown.
const IGNORED: i64 = 20;

/// One slot: in the schedule's zone, and in UTC for `<time datetime>`.
#[derive(Serialize)]
struct Slot {
    zoned: String,
    utc: String,
}

/// One trigger of a workflow.
#[derive(Serialize)]
struct TriggerLine {
    kind: &'static str,
    /// As `wfc` describes it (`schedule "0 2 * * *" (UTC)`).
    text: String,
    next: Vec<Slot>,
}

/// A firing that started nothing.
#[derive(Serialize)]
struct IgnoredLine {
    at: String,
    trigger: String,
    reason: String,
    delivery: Option<String>,
}

/// A workflow's triggers and what they did not start.
#[derive(Serialize)]
struct Card {
    name: String,
    triggers: Vec<TriggerLine>,
    paused: Vec<PausedTrigger>,
    ignored: Vec<IgnoredLine>,
}

/// `GET /triggers`.
pub async fn page(State(dash): State<Dash>, Extension(session): Extension<Session>) -> Response {
    let catalog = dash.app.catalog.clone();
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let cards = tokio::task::spawn_blocking(move || -> Result<Vec<Card>, String> {
        let store = wfc_store::Store::open_existing(&dir)?;
        let now = chrono::Utc::now();
        let mut cards = Vec::new();
        for c in catalog.served() {
            let wf = &c.ir;
            if wf.triggers.is_empty() {
                continue;
            }
            let triggers = wf
                .triggers
                .iter()
                .map(|t| TriggerLine {
                    kind: t.kind(),
                    text: wfc_plan::render::triggers::describe(wf, t),
                    next: match t {
                        Trigger::Schedule(s) => next_fires(s, now, SLOTS)
                            .into_iter()
                            .map(|at| Slot {
                                zoned: at.format("%Y-%m-%d %H:%M:%S %Z").to_string(),
                                utc: at
                                    .with_timezone(&chrono::Utc)
                                    .format("%Y-%m-%dT%H:%M:%SZ")
                                    .to_string(),
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                })
                .collect();
            let (paused, ignored) = match &store {
                Some(s) => {
                    let paused = wfc_store::pause::paused_triggers(s)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .filter(|p| p.workflow == wf.name)
                        .collect();
                    let ignored = wfc_store::ignored::of_workflow(s, &wf.name, IGNORED)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(|i| IgnoredLine {
                            at: wfc_store::pause::when(i.at),
                            trigger: i.trigger,
                            reason: i.reason,
                            delivery: i.delivery,
                        })
                        .collect();
                    (paused, ignored)
                }
                None => (Vec::new(), Vec::new()),
            };
            cards.push(Card {
                name: wf.name.clone(),
                triggers,
                paused,
                ignored,
            });
        }
        Ok(cards)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match cards {
        Ok(workflows) => dash.render(
            "triggers.html",
            "triggers",
            Some(&session),
            minijinja::context! { workflows },
        ),
        Err(e) => dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    }
}
