//! `/runs/{id}`: one run — its header, what changed since the run before
//! ([`super::plan_changes`]), graph, timeline, steps, logs and outputs, with the buttons an operator acts with ([`super::actions`]);
//! `/runs/{id}/gantt` (the timeline alone, for the page's script while the
//! run goes and at its end)
//! and `/runs/{id}/events` (its live events, for `run.js`).
//!
//! The page is complete without script. It stands where the event stream
//! would after the run's latest event ([`RunTail::at_end`]) and shows the
//! last [`TAIL`] lines of the selected step's log up to there (a few of
//! each other step's), read backwards from that end (a log of gigabytes
//! costs a chunk and the lines shown); it says in `data-cursor` the event
//! id it stands at, so the live stream goes on from exactly there (no line
//! missed). The cursor is read before the steps: an event past it may be
//! in the page already, and `run.js` never moves a status back. Outputs
//! show a screenful each ([`super::run_output`]).

use super::gantt::{self, Gantt};
use super::gate_form;
use super::plan_changes;
use super::run_log::LogLine;
use super::run_output::{self, Shown};
use super::runs::{duration, encode};
use super::session::{Session, SessionId};
use super::{Dash, NO_RUN, NO_STEP, STORE};
use crate::events::{last_event_id, run_stream};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use wfc_store::logs::read::Chain;
use wfc_store::query::{RunDetail, StepRow};
use wfc_store::tail::{LogEnd, RunCursor, RunTail};

/// Log lines per step the page shows at load.
pub const TAIL: usize = 200;

#[derive(Deserialize, Default)]
pub struct RunPageQuery {
    /// The step whose log shows.
    log: Option<String>,
    /// What the last action did (`approved`, `cancelled`…), for the flash.
    done: Option<String>,
    /// `all`: every step's row, however many.
    steps: Option<String>,
}

/// Rows of the steps table (with their logs and outputs) on a big run's
/// page unless `?steps=all`: a run of 5,000 steps drawn whole was ~2.5 MB of
/// HTML and ~100,000 elements, seconds before the page answered input.
const STEP_ROWS: usize = 300;

/// Which of `steps` get a row: all of them up to [`STEP_ROWS`]; past it
/// every step that failed, runs or waits (what one looks for), then the
/// first of the others (succeeded, skipped, not started), in step order: a
/// live fan-out of 2,000 listed every step not started yet, and each status
/// the page changed laid the whole table out again.
fn shown_rows(steps: &[StepLine], all: bool) -> Vec<bool> {
    if all || steps.len() <= STEP_ROWS {
        return vec![true; steps.len()];
    }
    let plain = |s: &StepLine| matches!(s.status.as_str(), "succeeded" | "skipped" | "pending");
    let mut room = STEP_ROWS.saturating_sub(steps.iter().filter(|s| !plain(s)).count());
    steps
        .iter()
        .map(|s| {
            if !plain(s) {
                return true;
            }
            let keep = room > 0;
            room = room.saturating_sub(1);
            keep
        })
        .collect()
}

/// A step as a row of the page.
#[derive(Serialize)]
struct StepLine {
    name: String,
    graph: String,
    kind: String,
    status: String,
    attempts: i64,
    duration: String,
    /// Up to date: not run, restored from this run.
    up_to_date: Option<String>,
    /// A running step: when its attempt started (ms since the epoch), for
    /// the page's script to tick its duration from.
    tick_from: Option<i64>,
    /// CPU time of its attempts, and their largest peak memory (empty when
    /// not known).
    cpu: String,
    memory: String,
    error: Option<String>,
    outputs: Vec<Shown>,
    /// A gate waiting for a decision: what it asks, in words.
    gate: Option<String>,
    /// How the command line would answer it, a small hint beside the form.
    gate_hint: Option<String>,
    /// Its inputs' form fields.
    inputs: Vec<gate_form::InputField>,
    /// A decided gate: who, when, the inputs and the comment.
    decision: Option<String>,
}

/// One step's log panel.
#[derive(Serialize)]
struct LogPanel {
    step: String,
    lines: Vec<LogLine>,
    selected: bool,
}

/// What the store gives the page.
struct Read {
    detail: RunDetail,
    trigger: String,
    gantt: Gantt,
    logs: HashMap<String, VecDeque<(String, bool, Option<i64>)>>,
    cursor: RunCursor,
    /// The step whose log shows.
    selected: Option<String>,
    /// The form fields of each waiting gate.
    inputs: HashMap<String, Vec<gate_form::InputField>>,
    /// The graph, server-rendered (empty when not asked for).
    dag: String,
    /// What changed since the run before (not asked for, or unreadable: none).
    changes: Option<plan_changes::Changes>,
    /// When the page was read (ms since the epoch).
    now: i64,
}

/// Reads run `typed` (an id, a unique prefix or `last`): `Err((true, _))`
/// when there is no such run.
/// With `logs`, the steps' log tails: [`TAIL`] lines of the one asked for
/// (else of [`default_log`]'s), [`OTHER_TAIL`] of the others.
fn read(
    dir: std::path::PathBuf,
    typed: &str,
    logs: bool,
    asked: Option<&str>,
) -> Result<Read, (bool, String)> {
    let store = wfc_store::Store::open_existing(&dir)
        .map_err(|e| (false, e.to_string()))?
        .ok_or((true, "no runs recorded yet".to_owned()))?;
    let fail = |e: wfc_store::Error| (false, e.to_string());
    let id = wfc_store::control::find_run(&store, typed).map_err(|e| (true, e))?;
    // Where the stream goes on from, before the steps are read (see the
    // module's doc).
    let at_end = if logs {
        Some(RunTail::at_end(&store, id.clone()).map_err(fail)?)
    } else {
        None
    };
    let detail = wfc_store::query::detail(&store, &id)
        .map_err(fail)?
        .ok_or((true, format!("run {id} vanished")))?;
    // What started it, and through which client (`api` from the dashboard, MCP).
    let start = wfc_store::listing::started_by(&store, &id).map_err(fail)?;
    let trigger = match start.origin {
        Some(origin) => format!("{} (from {origin})", start.trigger),
        None => start.trigger,
    };
    let waiting: Vec<&str> = detail
        .step_list
        .iter()
        .filter(|s| gate_prompt(s).is_some())
        .map(|s| s.name.as_str())
        .collect();
    let inputs = gate_form::fields(&store, &id, &waiting);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let gantt = gantt::build(
        detail.run.started_ms,
        &detail.step_list,
        &estimates(&store, &id),
        now,
    );
    let mut tails: HashMap<String, VecDeque<(String, bool, Option<i64>)>> = HashMap::new();
    let mut cursor = RunCursor::default();
    let selected = asked.map(str::to_owned).or_else(|| default_log(&detail));
    if let Some((tail, ends)) = at_end {
        let mut left = PAGE_LOG_BYTES;
        for end in ends {
            if left == 0 {
                break;
            }
            let (n, bytes) = if selected.as_deref().is_none_or(|s| s == end.step) {
                (TAIL, STEP_LOG_BYTES)
            } else {
                (OTHER_TAIL, OTHER_LOG_BYTES)
            };
            let lines = log_tail(&end, n, bytes.min(left)).map_err(|e| (false, e.to_string()))?;
            left = left.saturating_sub(lines.iter().map(|l| l.0.len()).sum());
            tails.insert(end.step, lines);
        }
        cursor = tail.cursor().clone();
    }
    let (dag, changes) = if logs {
        let changes = crate::api::incremental::changes(&store, &id, None).ok();
        (
            dag(&store, &id, &detail).map_err(fail)?,
            changes.map(plan_changes::view),
        )
    } else {
        (String::new(), None)
    };
    Ok(Read {
        detail,
        trigger,
        gantt,
        logs: tails,
        cursor,
        selected,
        inputs,
        dag,
        changes,
        now,
    })
}

/// The graph as `/runs/{id}/graph` answers it, drawn in the page: complete
/// without script (the script then enhances it).
fn dag(store: &wfc_store::Store, id: &str, detail: &RunDetail) -> Result<String, wfc_store::Error> {
    let (seq, statuses) = super::graph::statuses_at(store, id)?;
    Ok(super::graph::page_fragment(
        id,
        wfc_store::run_graph::read(store, id).as_ref(),
        &statuses,
        seq,
        super::graph::took(&detail.run),
    ))
}

/// Log lines of each step not selected the page holds (as one text: its
/// script keeps no line of a step no one looks at).
const OTHER_TAIL: usize = 20;

/// The most bytes of log text the selected step's panel holds at load, of
/// another step's, and of all of a page's: a line is cut at 16 KiB, so 200
/// lines could be 3 MiB.
const STEP_LOG_BYTES: usize = 256 << 10;
const OTHER_LOG_BYTES: usize = 4 << 10;
const PAGE_LOG_BYTES: usize = 1 << 20;

/// The last `n` lines of a step's log up to where the stream stands
/// (its `── attempt N · TIME ──` lines kept: the viewer draws them as
/// separators), read backwards from there: a log of gigabytes costs a chunk.
/// Each line says whether it came from stderr, and when it came (ms).
fn log_tail(
    end: &LogEnd,
    n: usize,
    bytes: usize,
) -> std::io::Result<VecDeque<(String, bool, Option<i64>)>> {
    let mut chain = Chain::open(std::slice::from_ref(&end.source))?.up_to(end.end);
    let read = wfc_store::logs::read::tail(&mut chain, n, bytes)?;
    let err = chain.stderr_in(read.start, read.end);
    let marks = chain.times_in(read.start, read.end);
    Ok((read.lines.into_iter())
        .zip(read.offsets)
        .map(|(l, at)| (l, err.contains(&at), wfc_store::logs::time_of(&marks, at)))
        .collect())
}

/// Each step's estimate (ms), from the graph recorded with the run's plan
/// (none for a run recorded before graphs were).
fn estimates(store: &wfc_store::Store, id: &str) -> HashMap<String, u64> {
    wfc_store::run_graph::read(store, id)
        .map(|g| {
            g.nodes
                .into_iter()
                .filter_map(|n| Some((n.name, n.estimate_ms?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The store read on a blocking thread; a missing run or a failing store
/// as an error page.
async fn read_run(
    dash: &Dash,
    session: &Session,
    typed: String,
    logs: bool,
    select: Option<String>,
) -> Result<Read, Response> {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || read(dir, &typed, logs, select.as_deref()))
        .await
        .map_err(|e| (false, e.to_string()))
        .and_then(|r| r);
    found.map_err(|e| match e {
        (true, e) => dash.error(StatusCode::NOT_FOUND, NO_RUN, &e, Some(session)),
        (false, e) => dash.error(StatusCode::INTERNAL_SERVER_ERROR, STORE, &e, Some(session)),
    })
}

/// A step that waits for a person's decision: a gate, a check paused by
/// `on fail pause`, or a step that failed for good and asks whether to
/// retry, skip or abort it (not a retry's backoff).
fn gate_prompt(s: &StepRow) -> Option<String> {
    let waiting = s.waiting.as_deref().unwrap_or_default();
    let asks = s.kind == "gate"
        || waiting.contains("approv")
        || waiting.starts_with("waiting for a person:");
    (s.status == "waiting" && asks).then(|| waiting.to_owned())
}

/// The step whose log shows first: the failed one, else a running one,
/// else the last that started.
fn default_log(d: &RunDetail) -> Option<String> {
    let started = || d.step_list.iter().filter(|s| s.attempts > 0);
    d.run
        .failed_step
        .clone()
        .filter(|f| d.step_list.iter().any(|s| &s.name == f))
        .or_else(|| {
            started()
                .find(|s| s.status == "failed")
                .map(|s| s.name.clone())
        })
        .or_else(|| {
            started()
                .find(|s| s.status == "running")
                .map(|s| s.name.clone())
        })
        .or_else(|| {
            started()
                .max_by_key(|s| s.started_at.clone())
                .map(|s| s.name.clone())
        })
}

/// `GET /runs/{id}`.
pub async fn detail(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(typed): Path<String>,
    Query(q): Query<RunPageQuery>,
) -> Response {
    let read = match read_run(&dash, &session, typed, true, q.log.clone()).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let Read {
        detail: d,
        trigger,
        gantt,
        mut logs,
        cursor,
        selected,
        mut inputs,
        dag,
        changes,
        now,
    } = read;
    if let Some(l) = q
        .log
        .as_deref()
        .filter(|l| !d.step_list.iter().any(|s| &s.name == l))
    {
        let detail = format!("run {} has no step `{l}` to show the log of", d.run.id);
        return dash.error(StatusCode::NOT_FOUND, NO_STEP, &detail, Some(&session));
    }
    let steps: Vec<StepLine> = d
        .step_list
        .iter()
        .map(|s| (s, gate_prompt(s).map(|w| gate_form::prompt_parts(&w))))
        .map(|(s, asks)| StepLine {
            name: s.name.clone(),
            graph: s.graph.clone(),
            kind: s.kind.clone(),
            status: s.status.clone(),
            attempts: s.attempts,
            duration: s.duration_seconds.map(duration).unwrap_or_default(),
            up_to_date: s.up_to_date.clone(),
            tick_from: (s.status == "running")
                .then(|| s.attempt_log.last().map(|a| a.started_at.as_str()))
                .flatten()
                .or(s.started_at.as_deref().filter(|_| s.status == "running"))
                .and_then(gantt::ms),
            cpu: s.cpu_seconds.map(cpu).unwrap_or_default(),
            memory: s
                .peak_memory_bytes
                .map(wfc_run::exec::bytes)
                .unwrap_or_default(),
            error: s.error.clone(),
            outputs: s
                .outputs
                .as_object()
                .map(|o| o.iter().map(|(k, v)| run_output::clip(k, v)).collect())
                .unwrap_or_default(),
            gate: asks.as_ref().map(|(q, _)| q.clone()),
            gate_hint: asks.and_then(|(_, h)| h),
            inputs: inputs.remove(&s.name).unwrap_or_default(),
            decision: d
                .decisions
                .iter()
                .find(|x| x.step == s.name && s.graph == "main")
                .map(wfc_store::decisions::DecisionRow::summary),
        })
        .collect();
    let listed = shown_rows(&steps, q.steps.as_deref() == Some("all"));
    let hidden = listed.iter().filter(|s| !**s).count();
    // One panel per listed step that logged (or is asked for), in step order.
    let mut panels: Vec<LogPanel> = Vec::new();
    for (s, listed) in d.step_list.iter().zip(&listed) {
        let asked = selected.as_deref() == Some(s.name.as_str());
        if !*listed || s.attempts == 0 || panels.iter().any(|p| p.step == s.name) {
            continue;
        }
        let Some(lines) = logs.remove(&s.name).or_else(|| asked.then(VecDeque::new)) else {
            continue;
        };
        panels.push(LogPanel {
            selected: asked,
            lines: lines
                .iter()
                .map(|(l, err, at)| LogLine::of(l).stderr(*err).at(*at))
                .collect(),
            step: s.name.clone(),
        });
    }
    let r = &d.run;
    let status = r.status.as_str();
    let live = matches!(status, "running" | "waiting" | "paused");
    let run = minijinja::context! {
        id => r.id,
        path => encode(&r.id),
        workflow => r.workflow,
        version => r.version,
        tags => r.tags,
        status,
        trigger,
        started_by => r.started_by,
        started => r.started_at,
        ended => r.ended_at,
        // A live run's duration so far, ticked on by the page's script.
        duration => if live {
            duration((now - r.started_ms) as f64 / 1000.0)
        } else {
            duration(r.duration_seconds)
        },
        tick_from => live.then_some(r.started_ms),
        failed_step => r.failed_step,
        failed_error => r.failed_error,
        params => r.params.to_string(),
        outputs => d.outputs.as_ref().and_then(|o| o.as_object()).map(|o| {
            o.iter().map(|(k, v)| run_output::clip(k, v)).collect::<Vec<_>>()
        }),
        can_cancel => matches!(status, "running" | "waiting" | "paused"),
        can_pause => matches!(status, "running" | "waiting") && d.paused.is_none(),
        paused => d.paused.as_ref().map(|p| {
            format!("by {} at {}", p.by, wfc_store::pause::when(p.at))
        }),
        can_resume => matches!(status, "failed" | "cancelled" | "interrupted" | "paused"),
    };
    let artifacts = super::artifacts::of_run(&dash, &r.id).await;
    let operator = session.role == crate::keys::Role::Operator;
    let steps: Vec<StepLine> = steps
        .into_iter()
        .zip(listed)
        .filter_map(|(s, listed)| listed.then_some(s))
        .collect();
    dash.render(
        "run.html",
        "runs",
        Some(&session),
        minijinja::context! {
            run, steps, hidden, gantt, logs => panels, selected, operator, artifacts, dag, now, changes,
            cursor => cursor.to_string(),
            done => q.done.filter(|d| DONE.contains(&d.as_str())),
        },
    )
}

/// CPU time: `3ms` under a second (most steps' is), as a duration past it.
fn cpu(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0}ms", seconds * 1000.0)
    } else {
        duration(seconds)
    }
}

/// What an action's redirect may say it did.
pub const DONE: [&str; 6] = [
    "cancelled",
    "approved",
    "rejected",
    "resumed",
    "paused",
    "redelivered",
];

/// `GET /runs/{id}/gantt`: the timeline alone.
pub async fn gantt(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Path(typed): Path<String>,
) -> Response {
    match read_run(&dash, &session, typed, false, None).await {
        Ok(r) => dash.render(
            "gantt.html",
            "runs",
            Some(&session),
            minijinja::context! { gantt => r.gantt },
        ),
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// The event id the page stands at (its `data-cursor`).
    after: Option<String>,
}

/// `GET /runs/{id}/events`: the API's run stream with the session, from
/// `Last-Event-ID` (a reconnect) or `?after=` (the page's cursor).
pub async fn events(
    State(dash): State<Dash>,
    Extension(SessionId(session)): Extension<SessionId>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Response {
    let from = last_event_id(&headers).or(q.after.filter(|a| !a.is_empty()));
    let access = dash.sessions.access(&session, dash.gate.keys.clone());
    match run_stream(&dash.app, access, id, from).await {
        Ok(sse) => sse.into_response(),
        Err(p) => p.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_renders_with_gates_logs_and_outputs_escaped() {
        let env = super::super::templates();
        let row: StepRow = serde_json::from_value(serde_json::json!({
            "name": "g[a]", "graph": "main", "kind": "gate", "status": "waiting", "attempts": 1,
            "started_at": null, "duration_seconds": null, "exit_code": null, "error": null,
            "waiting": "approve <me>", "outputs": null, "log": null,
            "attempt_log": [{"session": 1, "number": 1, "status": "failed",
                "started_at": "2024-05-01T12:00:00.000Z", "duration_seconds": 1.5,
                "exit_code": 1, "error": null}],
        }))
        .unwrap();
        let start = gantt::ms("2024-05-01T12:00:00.000Z").unwrap();
        let gantt = gantt::build(start, &[row], &HashMap::from([("g[a]".into(), 900)]), 0);
        let user = Session {
            name: "ops".into(),
            role: crate::keys::Role::Operator,
            csrf: "tok".into(),
            key: "the-key-s-hash".into(),
        };
        let run = minijinja::context! {
            id => "r1", path => "r1", workflow => "w", version => (), tags => (), status => "running", trigger => "api",
            started_by => "<b>ops</b>", started => "t", ended => (), duration => "1s", tick_from => 1, failed_step => (), failed_error => (),
            params => "{}", outputs => vec![run_output::clip("k", &"<v>".into())],
            can_cancel => true, can_pause => true, paused => (), can_resume => false,
        };
        let steps = vec![StepLine {
            name: "g[a]".into(),
            graph: "main".into(),
            kind: "gate".into(),
            status: "waiting".into(),
            attempts: 1,
            duration: String::new(),
            up_to_date: None,
            tick_from: None,
            cpu: "12ms".into(),
            memory: "<32 MiB>".into(),
            error: None,
            outputs: vec![
                run_output::clip("out", &"<b>".into()),
                run_output::clip("log", &"<i>\n".repeat(100).into()),
            ],
            gate: Some("approve <me>".into()),
            gate_hint: Some("`wfc approve <run> <me>`".into()),
            inputs: vec![gate_form::InputField {
                name: "rollout".into(),
                ty: "int".into(),
                kind: "number",
                value: "10".into(),
                options: Vec::new(),
                min: Some("1".into()),
                max: Some("100".into()),
                step: "1",
                required: false,
            }],
            decision: None,
        }];
        let logs = vec![LogPanel {
            step: "g[a]".into(),
            lines: vec![
                LogLine::of("── attempt 1 · 2024-05-01T12:00:00.000Z ──"),
                LogLine::of("<img src=x>"),
                LogLine::of("\u{1b}[31m<script>x</script>\u{1b}[0m"),
            ],
            selected: true,
        }];
        let mut delta = wfc_store::plan_diff::PlanDelta::default();
        delta
            .added
            .push(("<script>x()</script>".into(), "shell".into()));
        let changes = plan_changes::view(crate::api::incremental::RunChanges {
            against: Some("r0".into()),
            changes: delta,
        });
        let html = env
            .get_template("run.html")
            .and_then(|t| {
                t.render(minijinja::context! {
                    assets => "x", page => "runs", user, run, steps, gantt, logs,
                    selected => "g[a]", operator => true, cursor => "0", done => "approved",
                    hidden => 0, dag => "<svg></svg>", now => 0, changes,
                    artifacts => vec![minijinja::context! {
                        sha256 => "ab", path => "dist/<a>.tgz", step => "b", name => "n", size => 3,
                    }],
                })
            })
            .unwrap();
        assert!(
            html.contains(
                r#"<span class="diff-add">+ step &lt;script&gt;x()&lt;&#x2f;script&gt; (shell)  added</span>"#
            ) && html.contains(r#"<summary>1 step added</summary>"#),
            "{html}"
        );
        assert!(
            html.contains("&lt;a&gt;.tgz") && !html.contains("<a>.tgz"),
            "an artifact's path is not escaped"
        );
        assert!(
            !html.contains("the-key-s-hash"),
            "the session's key hash is on the page"
        );
        assert!(html.contains("/runs/r1/gates/g%5Ba%5D/approve"), "{html}");
        assert!(
            html.contains(
                r#"<td class="step-cpu">12ms</td><td class="step-memory">&lt;32 MiB&gt;</td>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"name="input.rollout" value="10" step="1" min="1" max="100""#),
            "{html}"
        );
        assert!(
            html.contains(r#"formaction="/runs/r1/gates/g%5Ba%5D/reject""#),
            "{html}"
        );
        assert!(html.contains("&lt;img src=x&gt;") && !html.contains("<img"));
        // A log's ANSI colour is a class on escaped text; its attempt a separator.
        assert!(
            html.contains(r#"<span class="ansi-fg-1">&lt;script&gt;x&lt;&#x2f;script&gt;</span>"#),
            "{html}"
        );
        assert!(!html.contains("<script>x") && !html.contains('\u{1b}'));
        assert!(
            html.contains(r#"<span class="log-attempt">── attempt 1 · "#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/runs/r1/steps/g%5Ba%5D/log.txt""#),
            "{html}"
        );
        assert!(html.contains("approve &lt;me&gt;") && html.contains("&lt;b&gt;"));
        assert!(
            html.contains("<dt>Started by</dt><dd>&lt;b&gt;ops&lt;&#x2f;b&gt;</dd>"),
            "who started the run is not shown escaped"
        );
        // A long output: its last lines and a link to the whole.
        assert_eq!(
            html.matches("&lt;i&gt;").count(),
            run_output::LINES,
            "{html}"
        );
        assert!(
            html.contains("60 lines (240 bytes) before these are not shown")
                && html.contains("/runs/r1/output?step=g%5Ba%5D&amp;name=log"),
            "{html}"
        );
    }

    #[test]
    fn a_big_run_lists_every_step_that_did_not_succeed_then_the_first_others() {
        let line = |i: usize, status: &str| StepLine {
            name: format!("s{i}"),
            graph: "main".into(),
            kind: "shell".into(),
            status: status.into(),
            attempts: 1,
            duration: String::new(),
            up_to_date: None,
            tick_from: None,
            cpu: String::new(),
            memory: String::new(),
            error: None,
            outputs: Vec::new(),
            gate: None,
            gate_hint: None,
            inputs: Vec::new(),
            decision: None,
        };
        let steps: Vec<StepLine> = (0..5000)
            .map(|i| {
                line(
                    i,
                    match i % 1000 {
                        999 => "failed",
                        500.. => "pending",
                        _ => "succeeded",
                    },
                )
            })
            .collect();
        let shown = shown_rows(&steps, false);
        assert_eq!(shown.iter().filter(|s| **s).count(), STEP_ROWS);
        assert!((0..5).all(|k| shown[k * 1000 + 999]), "every failed step");
        assert!(shown[0] && shown[294] && !shown[295]);
        assert!(shown_rows(&steps, true).iter().all(|s| *s));
        assert!(shown_rows(&steps[..10], false).iter().all(|s| *s));
    }
}
