//! `GET /metrics`: the server's figures in the Prometheus text format
//! ([`text`]). Runs by workflow and status and by trigger, and runs
//! waiting for a person, come from the store (every run it keeps, so they
//! are gauges: retention prunes); queued and running runs from the
//! launcher; step durations are a histogram over the main-graph steps that
//! ended in runs started in the last [`WINDOW_HOURS`] hours (a scrape
//! reads a bounded slice of history, whatever the store holds); schedule
//! fires and webhook deliveries from their tables; the served workflows
//! and files that fail to load from the catalog. Open like `/healthz`
//! unless `wfc serve --metrics-auth`, which asks for an API key of any role.
//!
//! The dashboard's Metrics page is `/metrics` too: [`intercept`] answers a
//! request for it that neither accepts HTML nor carries the dashboard's
//! session cookie (Prometheus, curl) with the exposition, and passes a
//! browser's on to the page.

pub mod text;

use crate::auth::{self, Gate};
use crate::ops::Ops;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use text::{Exposition, Kind};
use wfc_launch::State as Owned;
use wfc_store::metrics::Figures;

/// Step durations are read from runs started this recently.
pub const WINDOW_HOURS: i64 = 24;

/// The step duration histogram's bucket bounds, in seconds.
const BOUNDS: [f64; 11] = [
    0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0,
];

/// What [`intercept`] needs: the figures' sources, and the key gate with
/// `--metrics-auth`.
#[derive(Clone)]
pub struct Scrape {
    pub ops: Ops,
    pub gate: Option<Gate>,
}

/// Answers `GET /metrics` that does not accept HTML; passes on the rest.
pub async fn intercept(State(scrape): State<Scrape>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || req.uri().path() != "/metrics" || for_page(req.headers()) {
        return next.run(req).await;
    }
    if let Some(gate) = &scrape.gate {
        let client = auth::client_of(req.extensions());
        if let Err(p) = auth::authenticate(gate, client, req.headers(), "/metrics") {
            return p.into_response();
        }
    }
    metrics(State(scrape.ops)).await.into_response()
}

/// A browser's request: it accepts HTML, or it has a dashboard session.
fn for_page(headers: &HeaderMap) -> bool {
    let has = |name, text: &str| {
        headers
            .get_all(name)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains(text)))
    };
    let session = format!("{}=", crate::dashboard::session::COOKIE);
    has(header::ACCEPT, "text/html") || has(header::COOKIE, &session)
}

/// `GET /metrics` (not a browser's: see [`intercept`]).
#[utoipa::path(get, path = "/metrics", operation_id = "metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4; a browser's request (one accepting `text/html`, or with the dashboard's session) gets the dashboard's Metrics page",
            content((String = "text/plain"), (String = "text/html"))),
        (status = 303, description = "a browser's request without a session: to `/login`"),
        (status = 500, body = crate::problem::ProblemBody)),
    security((), ("bearer" = [])))]
pub async fn metrics(State(ops): State<Ops>) -> Result<Response, crate::problem::Problem> {
    // One exposition at a time, kept for [`FRESH`]: scrapes at any rate
    // (no key is needed) cost the store one read per interval, and those
    // that come while it is made wait for it.
    let mut last = LAST.lock().await;
    let body = match last.as_ref().filter(|(at, _)| at.elapsed() < FRESH) {
        Some((_, body)) => body.clone(),
        None => {
            let body = std::sync::Arc::new(exposition(&ops).await?);
            *last = Some((std::time::Instant::now(), body.clone()));
            body
        }
    };
    drop(last);
    Ok((
        [(header::CONTENT_TYPE, text::CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response())
}

/// How long an exposition answers scrapes: well under any scrape interval
/// (Prometheus's default is 15 s), so a scrape never sees one older.
const FRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The last exposition made, and when.
static LAST: tokio::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<String>)>> =
    tokio::sync::Mutex::const_new(None);

/// The exposition as the store and the server are now.
async fn exposition(ops: &Ops) -> Result<String, crate::problem::Problem> {
    let dir = ops.launcher.state_dir().to_path_buf();
    let since = wfc_store::now_ms() - WINDOW_HOURS * 3600 * 1000;
    let bounds_ms: Vec<i64> = BOUNDS.iter().map(|b| (b * 1000.0) as i64).collect();
    let leased = ops.lease.is_some();
    let (figures, alerts, queued) = tokio::task::spawn_blocking(move || {
        match wfc_store::Store::open_existing(&dir).map_err(|e| e.to_string())? {
            Some(store) => Ok((
                wfc_store::metrics::figures(&store, since, &bounds_ms)
                    .map_err(|e| e.to_string())?,
                wfc_store::alerts::list(&store, None).map_err(|e| e.to_string())?,
                match leased {
                    true => Some(wfc_store::sweep::queued(&store).map_err(|e| e.to_string())?),
                    false => None,
                },
            )),
            None => Ok::<_, String>((Figures::default(), Vec::new(), None)),
        }
    })
    .await
    .map_err(crate::problem::Problem::store)?
    .map_err(crate::problem::Problem::store)?;
    let mut body = render(ops, &figures);
    body.push_str(&alert_families(ops, &alerts));
    if let (Some(lease), Some(queued)) = (&ops.lease, queued) {
        body.push_str(&lease_families(lease, queued));
    }
    Ok(body)
}

/// On a store in a database: this server's lease, and the runs of dead
/// servers waiting for one to resume them.
fn lease_families(lease: &crate::lease::Lease, queued: i64) -> String {
    let mut e = Exposition::default();
    e.family(
        "wfc_lease_held",
        Kind::Gauge,
        "1 while this server holds its lease on the store (it runs nothing without one).",
    );
    e.sample("wfc_lease_held", &[], f64::from(u8::from(lease.held())));
    e.family(
        "wfc_lease_age_seconds",
        Kind::Gauge,
        "Seconds since the store last took this server's lease renewal.",
    );
    e.sample("wfc_lease_age_seconds", &[], lease.age().as_secs_f64());
    e.family(
        "wfc_resume_queue_depth",
        Kind::Gauge,
        "Runs of dead or stopped servers waiting for a server to resume them.",
    );
    e.sample("wfc_resume_queue_depth", &[], queued as f64);
    e.finish()
}

/// `wfc_alert_firing`: 1 for each served workflow's rule that is firing,
/// 0 for the others (never decided: 0).
fn alert_families(ops: &Ops, states: &[wfc_store::alerts::AlertState]) -> String {
    let mut e = Exposition::default();
    e.family(
        "wfc_alert_firing",
        Kind::Gauge,
        "1 while a workflow's alert rule is firing, else 0, by workflow and alert.",
    );
    for c in ops.catalog.served() {
        for a in &c.ir.alerts {
            let firing = states
                .iter()
                .any(|s| s.workflow == c.name() && s.alert == a.name && s.state == "firing");
            let v = if firing { 1.0 } else { 0.0 };
            e.sample(
                "wfc_alert_firing",
                &[("workflow", c.name()), ("alert", &a.name)],
                v,
            );
        }
    }
    e.finish()
}

fn render(ops: &Ops, f: &Figures) -> String {
    let mut e = Exposition::default();
    e.family(
        "wfc_runs",
        Kind::Gauge,
        "Runs the store keeps, by workflow and status.",
    );
    for (w, s, n) in &f.runs {
        e.sample("wfc_runs", &[("workflow", w), ("status", s)], *n as f64);
    }
    e.family(
        "wfc_runs_by_trigger",
        Kind::Gauge,
        "Runs the store keeps, by workflow and what started them (manual: wfc run).",
    );
    for (w, t, n) in &f.by_trigger {
        e.sample(
            "wfc_runs_by_trigger",
            &[("workflow", w), ("trigger", t)],
            *n as f64,
        );
    }
    e.family(
        "wfc_runs_waiting",
        Kind::Gauge,
        "Running runs with a step waiting for a person, by workflow.",
    );
    for (w, n) in &f.waiting {
        e.sample("wfc_runs_waiting", &[("workflow", w)], *n as f64);
    }
    e.family(
        "wfc_runs_paused",
        Kind::Gauge,
        "Running runs paused by `wfc pause` (nothing new starts), by workflow.",
    );
    for (w, n) in &f.paused {
        e.sample("wfc_runs_paused", &[("workflow", w)], *n as f64);
    }
    e.family(
        "wfc_trigger_paused",
        Kind::Gauge,
        "1 for each workflow's paused triggers, by kind (`*`: every kind).",
    );
    for (w, k) in &f.paused_triggers {
        e.sample("wfc_trigger_paused", &[("workflow", w), ("kind", k)], 1.0);
    }
    let owned = ops.launcher.owned_runs();
    let count = |want: fn(&Owned) -> bool| owned.iter().filter(|(_, s)| want(s)).count() as f64;
    e.family(
        "wfc_runs_queued",
        Kind::Gauge,
        "Runs this server has queued for a --max-runs slot.",
    );
    e.sample(
        "wfc_runs_queued",
        &[],
        count(|s| matches!(s, Owned::Queued)),
    );
    e.family(
        "wfc_runs_active",
        Kind::Gauge,
        "Runs this server owns that hold a slot (starting or running).",
    );
    e.sample(
        "wfc_runs_active",
        &[],
        count(|s| matches!(s, Owned::Starting | Owned::Running)),
    );
    e.family(
        "wfc_runs_parked",
        Kind::Gauge,
        "Runs this server holds parked: they only wait (a person, a time), with no slot and no task.",
    );
    e.sample(
        "wfc_runs_parked",
        &[],
        count(|s| matches!(s, Owned::Parked)),
    );
    e.family("wfc_step_duration_seconds", Kind::Histogram, "Durations of main-graph steps that ended, in runs started in the last 24 hours, by workflow and step (as written: a loop's items count under their step; at most 100 steps per workflow, the rest under \"(other)\").");
    for s in &f.steps {
        e.histogram(
            "wfc_step_duration_seconds",
            &[("workflow", &s.workflow), ("step", &s.step)],
            &BOUNDS,
            &s.at_most,
            (s.count, s.sum_ms as f64 / 1000.0),
        );
    }
    e.family(
        "wfc_schedule_fires_total",
        Kind::Counter,
        "Slots of `on schedule` triggers that fired, by workflow and schedule.",
    );
    for (w, s, n) in &f.fires {
        e.sample(
            "wfc_schedule_fires_total",
            &[("workflow", w), ("schedule", s)],
            *n as f64,
        );
    }
    e.family(
        "wfc_webhook_deliveries",
        Kind::Gauge,
        "Webhook deliveries that started a run the store keeps, by workflow.",
    );
    for (w, n) in &f.deliveries {
        e.sample("wfc_webhook_deliveries", &[("workflow", w)], *n as f64);
    }
    let files = ops.catalog.files();
    e.family(
        "wfc_workflows_served",
        Kind::Gauge,
        "Workflows the server serves.",
    );
    e.sample(
        "wfc_workflows_served",
        &[],
        ops.catalog.workflows().len() as f64,
    );
    e.family(
        "wfc_files_failing",
        Kind::Gauge,
        "Served files whose newest version does not load.",
    );
    e.sample(
        "wfc_files_failing",
        &[],
        files.iter().filter(|f| f.load_error.is_some()).count() as f64,
    );
    e.family(
        "wfc_uptime_seconds",
        Kind::Gauge,
        "Seconds since this server started.",
    );
    e.sample(
        "wfc_uptime_seconds",
        &[],
        ops.started.elapsed().as_secs_f64(),
    );
    e.finish()
}
