//! `/metrics?days=30`: per workflow over the last 7, 30 or 90 days (any of
//! 1–365): runs, success rate and p50/p95 duration per day (plots, and the
//! same numbers in a table), the slowest and flakiest steps
//! ([`wfc_store::stats`], the `wfc stats` engine), each step's share of the
//! runs whose critical path it was on ([`wfc_store::critical`]), retries, and approvals waited.
//! At most the last [`LAST_RUNS`] runs of each workflow are read, off the
//! async runtime.

pub mod plot;

use super::session::Session;
use super::{Dash, BAD_WINDOW, STORE};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use chrono::{Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use wfc_store::critical;
use wfc_store::stats::{self, percentile, StepStats};
use wfc_store::Store;

/// The most runs of one workflow the page reads.
pub const LAST_RUNS: usize = 1000;
/// The window when none is asked for.
const DEFAULT_DAYS: usize = 30;
/// Rows of each step table.
const TOP: usize = 5;
/// Rows of the critical-path table.
const CRITICAL_ROWS: usize = 20;

#[derive(Deserialize)]
pub struct Window {
    days: Option<String>,
}

/// A workflow's figures, as `metrics.html` shows them.
#[derive(Serialize)]
struct Metrics {
    name: String,
    runs: usize,
    succeeded: usize,
    failed: usize,
    success_rate: Option<String>,
    p50: Option<String>,
    p95: Option<String>,
    retries: usize,
    approvals: usize,
    approval_wait: Option<String>,
    plots: Vec<plot::Plot>,
    days: Vec<DayRow>,
    slowest: Vec<StepRow>,
    flakiest: Vec<StepRow>,
    critical: Vec<CriticalRow>,
    critical_runs: usize,
}

#[derive(Serialize)]
struct DayRow {
    date: String,
    runs: usize,
    success_rate: Option<String>,
    p50: Option<String>,
    p95: Option<String>,
}

#[derive(Serialize)]
struct StepRow {
    name: String,
    runs: usize,
    mean: Option<String>,
    p95: Option<String>,
    retries: usize,
    /// Runs it succeeded in only after a failed attempt.
    retried_runs: usize,
    failed_share: String,
}

#[derive(Serialize)]
struct CriticalRow {
    name: String,
    on_path: usize,
    share: String,
}

/// `GET /metrics`.
pub async fn page(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(window): Query<Window>,
) -> Response {
    let days = match window.days.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_DAYS,
        Some(d) => match d.parse::<usize>() {
            Ok(n) if (1..=365).contains(&n) => n,
            _ => {
                let detail =
                    format!("`days={d}` is not a window: use a whole number of days, 1 to 365");
                return dash.error(StatusCode::BAD_REQUEST, BAD_WINDOW, &detail, Some(&session));
            }
        },
    };
    // The window starts at a UTC midnight, so each day is one plot slot.
    let first = Utc::now().date_naive() - Duration::days(days as i64 - 1);
    let since_ms = first.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || -> Result<Vec<Metrics>, String> {
        let Some(store) = wfc_store::Store::open_existing(&dir)? else {
            return Ok(Vec::new());
        };
        let dates: Vec<String> = (0..days)
            .map(|i| {
                (first + Duration::days(i as i64))
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .collect();
        stats::workflows_since(&store, since_ms)
            .and_then(|names| {
                names
                    .into_iter()
                    .map(|w| metrics(&store, w, since_ms, &dates))
                    .collect()
            })
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match found {
        Ok(workflows) => dash.render(
            "metrics.html",
            "metrics",
            Some(&session),
            minijinja::context! { workflows, days, windows => [7, 30, 90] },
        ),
        Err(e) => dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(&session)),
    }
}

fn metrics(
    store: &Store,
    name: String,
    since_ms: i64,
    dates: &[String],
) -> wfc_store::Result<Metrics> {
    let all = stats::window(store, &name, LAST_RUNS, since_ms)?;
    let daily = stats::daily(store, &name, LAST_RUNS, since_ms, dates.len())?;
    let paths = critical::shares(store, &name, LAST_RUNS, since_ms)?;
    let waits = stats::approval_waits(store, &name, LAST_RUNS, since_ms)?;
    let shown = |what: &str| {
        format!(
            "{name}: {what} per day, {} days from {}",
            dates.len(),
            dates[0]
        )
    };
    let plots = vec![
        plot::bars(
            "runs".into(),
            shown("runs"),
            &daily.iter().map(|d| d.runs as f64).collect::<Vec<_>>(),
            "runs",
        ),
        plot::lines(
            "rate".into(),
            shown("success rate"),
            &[("rate", daily.iter().map(|d| d.success_rate).collect())],
            Some(1.0),
            percent,
        ),
        plot::lines(
            "duration".into(),
            shown("p50 and p95 duration of successful runs"),
            &[
                ("p50", daily.iter().map(|d| d.p50_seconds).collect()),
                ("p95", daily.iter().map(|d| d.p95_seconds).collect()),
            ],
            None,
            seconds,
        ),
    ];
    let days = daily
        .iter()
        .zip(dates)
        .filter(|(d, _)| d.runs > 0)
        .map(|(d, date)| DayRow {
            date: date.clone(),
            runs: d.runs,
            success_rate: d.success_rate.map(percent),
            p50: d.p50_seconds.map(seconds),
            p95: d.p95_seconds.map(seconds),
        })
        .collect();
    let mut slow: Vec<&StepStats> = all
        .steps
        .iter()
        .filter(|s| s.mean_seconds.is_some())
        .collect();
    slow.sort_by(|a, b| {
        b.mean_seconds
            .unwrap_or(0.0)
            .total_cmp(&a.mean_seconds.unwrap_or(0.0))
    });
    let flakiness =
        |s: &StepStats| (s.flaky_runs + s.runs - s.succeeded) as f64 / s.runs.max(1) as f64;
    let mut flaky: Vec<&StepStats> = all
        .steps
        .iter()
        .filter(|s| s.retries > 0 || s.succeeded < s.runs)
        .collect();
    flaky.sort_by(|a, b| {
        flakiness(b)
            .total_cmp(&flakiness(a))
            .then(b.retries.cmp(&a.retries))
    });
    let mut critical: Vec<CriticalRow> = paths
        .on_path
        .iter()
        .map(|(step, n)| CriticalRow {
            name: step.clone(),
            on_path: *n,
            share: percent(*n as f64 / paths.runs.max(1) as f64),
        })
        .collect();
    critical.sort_by_key(|c| std::cmp::Reverse(c.on_path));
    critical.truncate(CRITICAL_ROWS);
    Ok(Metrics {
        runs: all.runs,
        succeeded: all.succeeded,
        failed: all.failed,
        success_rate: all.success_rate.map(percent),
        p50: all.p50_seconds.map(seconds),
        p95: all.p95_seconds.map(seconds),
        retries: all.steps.iter().map(|s| s.retries).sum(),
        approvals: waits.len(),
        approval_wait: percentile(&waits, 50.0).map(|ms| seconds(ms as f64 / 1000.0)),
        plots,
        days,
        slowest: slow.into_iter().take(TOP).map(step_row).collect(),
        flakiest: flaky.into_iter().take(TOP).map(step_row).collect(),
        critical,
        critical_runs: paths.runs,
        name,
    })
}

fn step_row(s: &StepStats) -> StepRow {
    StepRow {
        name: s.name.clone(),
        runs: s.runs,
        mean: s.mean_seconds.map(seconds),
        p95: s.p95_seconds.map(seconds),
        retries: s.retries,
        retried_runs: s.flaky_runs,
        failed_share: percent(1.0 - s.success_rate),
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// `850ms`, `4.2s`, `3m 05s`, `1h 02m`.
fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m {:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{}h {:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}
