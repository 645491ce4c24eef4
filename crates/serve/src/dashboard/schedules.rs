//! `/triggers`: each served workflow that has triggers, each trigger as
//! the file says it, a schedule's next five slots (in its zone, and in the
//! browser's), whether it is paused (and a toggle for an operator), and
//! the firings that started nothing with why: schedule slots and changes
//! a `when` turned down ([`wfc_store::ignored`]), and each webhook delivery
//! that started nothing — refused, limited, paused or ignored — with its
//! answer and a Redeliver button for an operator
//! ([`wfc_store::failed_deliveries`]).

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
/// How many failed deliveries of a workflow's hooks are shown.
const DELIVERIES: i64 = 20;

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
    /// A schedule's number among the workflow's (from 1), for its backfill.
    schedule: Option<usize>,
    /// A schedule's zone, that the backfill form's times are read in.
    zone: Option<String>,
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

/// A webhook delivery that started nothing.
#[derive(Serialize)]
struct DeliveryLine {
    id: String,
    at: String,
    hook: String,
    status: u16,
    code: String,
    reason: String,
    delivery: Option<String>,
    redeliverable: bool,
    not_kept: Option<String>,
    /// The run a later delivery of its id (or its redelivery) started.
    since: Option<String>,
}

/// A workflow's triggers and what they did not start.
#[derive(Serialize)]
struct Card {
    name: String,
    triggers: Vec<TriggerLine>,
    paused: Vec<PausedTrigger>,
    ignored: Vec<IgnoredLine>,
    webhooks: bool,
    deliveries: Vec<DeliveryLine>,
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
            let mut schedules = 0;
            let triggers = wf
                .triggers
                .iter()
                .map(|t| TriggerLine {
                    schedule: matches!(t, Trigger::Schedule(_)).then(|| {
                        schedules += 1;
                        schedules
                    }),
                    zone: match t {
                        Trigger::Schedule(s) => Some(s.timezone.name().to_owned()),
                        _ => None,
                    },
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
            let webhooks = wf.triggers.iter().any(|t| t.kind() == "webhook");
            let (paused, ignored, deliveries) = match &store {
                Some(s) => {
                    let paused = wfc_store::pause::paused_triggers(s)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .filter(|p| p.workflow == wf.name)
                        .collect();
                    // A webhook's are among its failed deliveries, with more.
                    let ignored = wfc_store::ignored::of_workflow(s, &wf.name, IGNORED)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .filter(|i| !i.trigger.starts_with("webhook "))
                        .map(|i| IgnoredLine {
                            at: wfc_store::pause::when(i.at),
                            trigger: i.trigger,
                            reason: i.reason,
                            delivery: i.delivery,
                        })
                        .collect();
                    let deliveries = if webhooks {
                        deliveries(s, &wf.name).map_err(|e| e.to_string())?
                    } else {
                        Vec::new()
                    };
                    (paused, ignored, deliveries)
                }
                None => (Vec::new(), Vec::new(), Vec::new()),
            };
            cards.push(Card {
                name: wf.name.clone(),
                triggers,
                paused,
                ignored,
                webhooks,
                deliveries,
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

/// The newest failed deliveries of `workflow`'s hooks, each with the run
/// its delivery id (or its redelivery) started since, if one did.
fn deliveries(s: &wfc_store::Store, workflow: &str) -> wfc_store::Result<Vec<DeliveryLine>> {
    let found = wfc_store::failed_deliveries::of_workflow(s, workflow, DELIVERIES)?;
    found
        .into_iter()
        .map(|d| {
            let key = match &d.delivery {
                Some(sent) => format!("{} {sent}", d.hook),
                None => format!("{} redelivery-{}", d.hook, d.id),
            };
            Ok(DeliveryLine {
                since: wfc_store::deliveries::run_of(s, &key)?,
                redeliverable: d.redeliverable(),
                at: wfc_store::pause::when(d.at),
                id: d.id,
                hook: d.hook,
                status: d.status,
                code: d.code,
                reason: d.reason,
                delivery: d.delivery,
                not_kept: d.not_kept,
            })
        })
        .collect()
}
