//! `/waiting`: the runs held for a person (listed `waiting`,
//! [`wfc_store::listing::shown_status`]), each with the steps that hold it,
//! what they ask in words, and for an operator each gate's form (its
//! inputs, a comment, Approve and Reject, posting to the run page's
//! actions). The layout's navigation shows how many there are
//! ([`count`]).

use super::gate_form::{self, InputField};
use super::session::Session;
use super::{Dash, STORE};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wfc_store::listing::{self, Filter};

/// At most this many runs are listed (oldest waiting last).
const MAX: usize = 200;

/// A step holding its run for a person.
#[derive(Serialize)]
struct Held {
    name: String,
    /// What it asks, in words.
    asks: String,
    /// How the command line would answer, as a small hint.
    hint: Option<String>,
    /// A gate's form fields (an escalated step takes no inputs).
    inputs: Vec<InputField>,
}

/// A waiting run.
#[derive(Serialize)]
struct WaitingRun {
    id: String,
    workflow: String,
    started: String,
    trigger: String,
    origin: Option<String>,
    /// Who started it: a key's name, a webhook's path, a schedule.
    by: Option<String>,
    held: Vec<Held>,
}

/// The waiting runs, newest first.
fn waiting_runs(store: &wfc_store::Store) -> wfc_store::Result<Vec<WaitingRun>> {
    let filter = Filter {
        status: vec!["waiting".to_owned()],
        limit: MAX,
        ..Filter::default()
    };
    let mut out = Vec::new();
    for (r, trigger) in listing::list(store, &filter)?.runs {
        let steps = listing::held(store, &r.id)?;
        let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
        let mut fields = gate_form::fields(store, &r.id, &names);
        let held = steps
            .iter()
            .map(|(name, waiting)| {
                let (asks, hint) = gate_form::prompt_parts(waiting);
                Held {
                    inputs: fields.remove(name).unwrap_or_default(),
                    name: name.clone(),
                    asks,
                    hint,
                }
            })
            .collect();
        let start = listing::started_by(store, &r.id)?;
        out.push(WaitingRun {
            id: r.id,
            workflow: r.workflow,
            started: r.started_at,
            trigger,
            origin: start.origin,
            by: start.by,
            held,
        });
    }
    Ok(out)
}

/// `GET /waiting`.
pub async fn page(State(dash): State<Dash>, Extension(session): Extension<Session>) -> Response {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let runs = tokio::task::spawn_blocking(move || -> Result<Vec<WaitingRun>, String> {
        match wfc_store::Store::open_existing(&dir)? {
            Some(s) => waiting_runs(&s).map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        }
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let runs = match runs {
        Ok(r) => r,
        Err(e) => return dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    };
    let operator = session.role == crate::keys::Role::Operator;
    dash.render(
        "waiting.html",
        "waiting",
        Some(&session),
        minijinja::context! { runs, operator },
    )
}

/// How many runs wait for a person, for the navigation's badge: read at
/// most every few seconds, whatever the number of pages served.
pub fn count(dir: &std::path::Path) -> usize {
    static LAST: Mutex<Option<(std::path::PathBuf, Instant, usize)>> = Mutex::new(None);
    const FRESH: Duration = Duration::from_secs(3);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((seen, at, n)) = &*last {
        if seen == dir && at.elapsed() < FRESH {
            return *n;
        }
    }
    let filter = Filter {
        status: vec!["waiting".to_owned()],
        limit: MAX,
        ..Filter::default()
    };
    let n = wfc_store::Store::open_existing(dir)
        .ok()
        .flatten()
        .and_then(|s| listing::list(&s, &filter).ok())
        .map_or(0, |p| p.runs.len());
    *last = Some((dir.to_path_buf(), Instant::now(), n));
    n
}
