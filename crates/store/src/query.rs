//! Reading runs back: the history (`wfc history`) and one run in detail
//! (`wfc status`), as plain data the CLI renders as text or JSON; [`pages`]
//! reads one run's steps a page at a time.

use super::{now_ms, stamp};
use crate::db::Optional;
use crate::params;
use crate::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value as J;

pub mod pages;

/// One run, as `wfc history` lists it (read back from JSON by `wfc history
/// --server`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRow {
    pub id: String,
    pub workflow: String,
    /// One of [`super::listing::STATUSES`] (`waiting` and `paused` as
    /// listings show a running run a person holds or paused).
    #[cfg_attr(feature = "openapi", schema(schema_with = run_status))]
    pub status: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// So far, for a run still going; every session of a resumed run counted.
    pub duration_seconds: f64,
    pub file: String,
    /// 1, plus one per `wfc resume`.
    pub sessions: i64,
    pub steps: i64,
    pub failed_step: Option<String>,
    pub failed_error: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: J,
    /// Its workflow's `version` when it started (in listings and details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its workflow's `tags` when it started (in listings and details).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Who started it: an API key's name (the API, MCP, the dashboard's
    /// user), a webhook's path, a schedule's pattern, a change trigger's
    /// paths, or `cli` (`wfc run`); absent for a run recorded before wfc
    /// kept it (in listings and details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// The client an `api` run came through: `mcp`, `dashboard` (in
    /// listings; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(skip)]
    pub pid: i64,
    #[serde(skip)]
    pub started_ms: i64,
}

/// [`RunRow::status`] in the OpenAPI document: a string among the statuses.
#[cfg(feature = "openapi")]
fn run_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(super::listing::STATUSES))
        .description(Some(
            "`waiting`: running, held by a person; `paused`: running, paused (`wfc pause`)",
        ))
        .build()
}

pub(crate) const RUN_COLUMNS: &str =
    "id, workflow, status, started_at, ended_at, duration_ms, file, session, steps,
     failed_step, failed_error, params, pid, prior_ms, session_started_at";

pub(crate) fn run_row(r: &crate::db::Row) -> crate::Result<RunRow> {
    let started: i64 = r.get(3)?;
    let ended: Option<i64> = r.get(4)?;
    let duration: Option<i64> = r.get(5)?;
    let prior: i64 = r.get(13)?;
    let session_start: Option<i64> = r.get(14)?;
    let ms =
        duration.unwrap_or_else(|| prior + (now_ms() - session_start.unwrap_or(started)).max(0));
    let params: String = r.get(11)?;
    Ok(RunRow {
        id: r.get(0)?,
        workflow: r.get(1)?,
        status: r.get(2)?,
        started_at: stamp(started),
        ended_at: ended.map(stamp),
        duration_seconds: ms as f64 / 1000.0,
        file: r.get(6)?,
        sessions: r.get(7)?,
        steps: r.get(8)?,
        failed_step: r.get(9)?,
        failed_error: r.get(10)?,
        params: serde_json::from_str(&params).unwrap_or(J::Null),
        version: None,
        tags: Vec::new(),
        started_by: None,
        origin: None,
        pid: r.get(12)?,
        started_ms: started,
    })
}

/// Runs, newest first, of one workflow or all; at most `limit`.
pub fn history(store: &Store, workflow: Option<&str>, limit: usize) -> crate::Result<Vec<RunRow>> {
    let conn = &store.conn;
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE (CAST(?1 AS TEXT) IS NULL OR workflow = ?1)
         ORDER BY started_at DESC, id DESC LIMIT ?2"
    );
    let mut q = conn.prepare(&sql)?;
    let rows = q.query_map(params![workflow, limit as i64], run_row)?;
    rows.collect::<crate::Result<_>>()
}

/// One run.
pub fn run(store: &Store, id: &str) -> crate::Result<Option<RunRow>> {
    let conn = &store.conn;
    conn.query_row(
        &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
        [id],
        run_row,
    )
    .optional()
}

/// One attempt of a step.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptRow {
    /// Which start of the run it belongs to (1, then one more per resume).
    pub session: i64,
    pub number: i64,
    pub status: String,
    pub started_at: String,
    pub duration_seconds: Option<f64>,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
    /// CPU time (user + system) of its process and the descendants it
    /// waited for; absent where not known (no process, or recorded before
    /// schema 15: what an older store showed, it still shows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    /// Peak resident memory in bytes, as [`AttemptRow::cpu_seconds`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

/// A step of a run, as `wfc status` shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRow {
    pub name: String,
    /// `main`, `rollback`, `on_failure`, `on_success`, `finally`.
    pub graph: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    pub kind: String,
    /// As recorded, or `pending` for a plan step that has not started.
    pub status: String,
    /// Attempts across every session.
    pub attempts: i64,
    pub started_at: Option<String>,
    pub duration_seconds: Option<f64>,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
    /// Why it waits (a retry backoff, an approval).
    pub waiting: Option<String>,
    /// The CPU time of all its attempts ([`AttemptRow::cpu_seconds`]),
    /// absent when none of them has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    /// The largest peak memory of its attempts, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
    /// Its outputs by name; `null` for a step that has not ended.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub outputs: J,
    pub log: Option<String>,
    pub attempt_log: Vec<AttemptRow>,
    /// Up to date with this run: not run, restored from it (a step with
    /// `sources`, see `wfc explain RUN STEP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_date: Option<String>,
}

/// A run with all its steps: recorded ones in the order they were first
/// seen, then the plan's steps that never started (`pending`). Its status
/// is shown as listings show it: `waiting` for a running run held by a
/// person ([`super::listing::shown`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunRow,
    pub step_list: Vec<StepRow>,
    /// The workflow's outputs (masked), when its latest session succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub outputs: Option<J>,
    /// `{"key", "held_by"}` while the run waits for its `lock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub waiting_for_lock: Option<J>,
    /// What started the run, when not `wfc run` (`api`, `schedule`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Where an `api` run came from (`mcp`, `dashboard`), if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The decisions on its gates: who, when, the inputs and comment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<super::decisions::DecisionRow>,
    /// Who paused it and when (`wfc pause`), while it is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<super::pause::Paused>,
}

/// Run `id` in detail.
pub fn detail(store: &Store, id: &str) -> crate::Result<Option<RunDetail>> {
    let conn = &store.conn;
    let Some(run) = run(store, id)? else {
        return Ok(None);
    };
    let mut attempts: std::collections::HashMap<(String, String, String), Vec<AttemptRow>> =
        std::collections::HashMap::new();
    {
        let mut q = conn.prepare(&format!(
            "SELECT graph, rollback_of, step, {ATTEMPT_COLUMNS}
             FROM attempts WHERE run_id = ?1 ORDER BY session, number"
        ))?;
        let rows = q.query_map([id], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?), attempt_row(r, 3)?))
        })?;
        for row in rows {
            let (k, a) = row?;
            attempts.entry(k).or_default().push(a);
        }
    }
    let mut steps = Vec::new();
    {
        let mut q = conn.prepare(&format!(
            "SELECT {STEP_COLUMNS} FROM steps WHERE run_id = ?1
             ORDER BY CASE graph WHEN 'main' THEN 0 ELSE 1 END, seq"
        ))?;
        let rows = q.query_map([id], |r| {
            let mut s = step_row(r)?;
            let key = (
                s.graph.clone(),
                s.rollback_of.clone().unwrap_or_default(),
                s.name.clone(),
            );
            s.attempt_log = attempts.remove(&key).unwrap_or_default();
            Ok(s)
        })?;
        for row in rows {
            let mut s = row?;
            last_session_attempts(&mut s);
            steps.push(s);
        }
    }
    // Plan steps never started: those no main-graph row names (a set, not
    // a search per step: that was quadratic, 55 s for 100,000 steps).
    if let Some(planned) = super::run_graph::planned_steps(store, id)? {
        let main_count = steps.iter().take_while(|s| s.graph == "main").count();
        let recorded: std::collections::HashSet<&str> = steps[..main_count]
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        let pending: Vec<StepRow> = planned
            .into_iter()
            .filter(|s| !recorded.contains(s.name.as_str()))
            .map(|s| pending(s.name, s.kind))
            .collect();
        let tail = steps.split_off(main_count);
        steps.extend(pending);
        steps.extend(tail);
    }
    let Some(mut d) = head_of(store, run)? else {
        return Ok(None);
    };
    d.step_list = steps;
    Ok(Some(d))
}

/// Run `id` without its steps (an empty `step_list`): what
/// [`pages`] answers beside a page of them.
pub fn head(store: &Store, id: &str) -> crate::Result<Option<RunDetail>> {
    match run(store, id)? {
        Some(run) => head_of(store, run),
        None => Ok(None),
    }
}

fn head_of(store: &Store, run: RunRow) -> crate::Result<Option<RunDetail>> {
    let id = run.id.clone();
    let id = id.as_str();
    let outputs = outputs(store, id)?;
    let waiting_for_lock = match run.status.as_str() {
        "running" => super::locks::waiting(store, id)?,
        _ => None,
    };
    let start = super::listing::started_by(store, id)?;
    let origin = start.origin;
    let trigger = (start.trigger != super::listing::MANUAL).then_some(start.trigger);
    let decisions = super::decisions::list(store, id)?;
    let paused = super::pause::paused(store, id)?;
    let mut run = run;
    run.status = super::listing::shown(store, id, &run.status)?;
    (run.version, run.tags) = super::labels::of(store, id)?;
    run.started_by = start.by;
    Ok(Some(RunDetail {
        run,
        step_list: Vec::new(),
        outputs,
        waiting_for_lock,
        trigger,
        origin,
        decisions,
        paused,
    }))
}

/// The columns [`step_row`] reads, in its order.
pub(crate) const STEP_COLUMNS: &str =
    "graph, rollback_of, name, kind, status, attempts, started_at,
    duration_ms, exit_code, error, detail, outputs, log_path,
    (SELECT i.origin FROM step_inputs i WHERE i.run_id = steps.run_id
       AND i.step = steps.name AND steps.graph = 'main')";

/// A step's row, read from [`STEP_COLUMNS`], without its attempts.
pub(crate) fn step_row(r: &crate::db::Row) -> crate::Result<StepRow> {
    let of: String = r.get(1)?;
    let outputs: Option<String> = r.get(11)?;
    Ok(StepRow {
        graph: r.get(0)?,
        rollback_of: (!of.is_empty()).then_some(of),
        name: r.get(2)?,
        kind: r.get(3)?,
        status: r.get(4)?,
        attempts: r.get(5)?,
        started_at: r.get::<Option<i64>>(6)?.map(stamp),
        duration_seconds: r.get::<Option<i64>>(7)?.map(|d| d as f64 / 1000.0),
        exit_code: r.get(8)?,
        error: r.get(9)?,
        waiting: r.get(10)?,
        cpu_seconds: None,
        peak_memory_bytes: None,
        outputs: outputs
            .and_then(|o| serde_json::from_str(&o).ok())
            .unwrap_or(J::Null),
        log: r.get(12)?,
        attempt_log: Vec::new(),
        up_to_date: r.get(13)?,
    })
}

/// The columns [`attempt_row`] reads, in its order.
pub(crate) const ATTEMPT_COLUMNS: &str =
    "session, number, status, started_at, duration_ms, exit_code, error, cpu_us, peak_memory";

/// An attempt read from [`ATTEMPT_COLUMNS`], starting at column `at`.
pub(crate) fn attempt_row(r: &crate::db::Row, at: usize) -> crate::Result<AttemptRow> {
    Ok(AttemptRow {
        session: r.get(at)?,
        number: r.get(at + 1)?,
        status: r.get(at + 2)?,
        started_at: stamp(r.get(at + 3)?),
        duration_seconds: r.get::<Option<i64>>(at + 4)?.map(|d| d as f64 / 1000.0),
        exit_code: r.get(at + 5)?,
        error: r.get(at + 6)?,
        cpu_seconds: r.get::<Option<i64>>(at + 7)?.map(|us| us as f64 / 1e6),
        peak_memory_bytes: r.get::<Option<i64>>(at + 8)?.map(i64::unsigned_abs),
    })
}

/// `attempts` as the tries of the step's last session: an attempt a cancel
/// or a crash cut short, then resumed, is no retry ("after 2 attempts");
/// and what its attempts used, all of them (a cut attempt's work was done).
pub(crate) fn last_session_attempts(s: &mut StepRow) {
    if let Some(last) = s.attempt_log.iter().map(|a| a.session).max() {
        s.attempts = s.attempt_log.iter().filter(|a| a.session == last).count() as i64;
    }
    let cpu = s.attempt_log.iter().filter_map(|a| a.cpu_seconds);
    s.cpu_seconds = cpu.clone().next().map(|_| cpu.sum());
    s.peak_memory_bytes = s
        .attempt_log
        .iter()
        .filter_map(|a| a.peak_memory_bytes)
        .max();
}

/// A plan step that has not started.
pub(crate) fn pending(name: String, kind: String) -> StepRow {
    StepRow {
        name,
        graph: "main".into(),
        rollback_of: None,
        kind,
        status: "pending".into(),
        attempts: 0,
        started_at: None,
        duration_seconds: None,
        exit_code: None,
        error: None,
        waiting: None,
        cpu_seconds: None,
        peak_memory_bytes: None,
        outputs: J::Null,
        log: None,
        attempt_log: Vec::new(),
        up_to_date: None,
    }
}

/// The workflow outputs of run `id`: the latest `outputs` event's, if its
/// latest session recorded any (a session that failed records none, and
/// then shows none).
pub fn outputs(store: &Store, id: &str) -> crate::Result<Option<J>> {
    let conn = &store.conn;
    let last: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT kind, detail FROM events WHERE run_id = ?1 AND kind IN ('outputs', 'run_started', 'run_resumed')
             ORDER BY seq DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((kind, Some(detail))) if kind == "outputs" => serde_json::from_str(&detail).ok(),
        _ => None,
    })
}

/// One recorded event.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub at: String,
    /// `run_started`, `attempt_started`, `attempt_ended`, `waiting`,
    /// `step_skipped`, `step_ended`, `phase`, `run_ended`, `run_resumed`,
    /// `run_interrupted`, `cancel_requested`, `approved`, `rejected`,
    /// `waiting_for_lock`, `lock_taken`.
    pub kind: String,
    pub step: Option<String>,
    pub detail: J,
}

/// A run's events, oldest first.
pub fn events(store: &Store, id: &str) -> crate::Result<Vec<Event>> {
    let conn = &store.conn;
    let mut q =
        conn.prepare("SELECT at, kind, step, detail FROM events WHERE run_id = ?1 ORDER BY seq")?;
    let rows = q.query_map([id], |r| {
        let detail: Option<String> = r.get(3)?;
        Ok(Event {
            at: stamp(r.get(0)?),
            kind: r.get(1)?,
            step: r.get(2)?,
            detail: detail
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or(J::Null),
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

/// The statuses of run `id`'s main-graph steps (not their compensations),
/// by name.
pub fn main_statuses(
    store: &Store,
    id: &str,
) -> crate::Result<std::collections::HashMap<String, String>> {
    let mut q = store.conn.prepare(
        "SELECT name, status FROM steps WHERE run_id = ?1 AND graph = 'main' AND rollback_of = ''",
    )?;
    let rows = q.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<crate::Result<_>>()
}

/// The outputs of run `id`'s step `step` (of the main graph first, as
/// [`detail`] lists them), without reading the rest of the run: `None`
/// when no step of that name started.
pub fn step_outputs(store: &Store, id: &str, step: &str) -> crate::Result<Option<J>> {
    let text: Option<Option<String>> = store
        .conn
        .query_row(
            "SELECT outputs FROM steps WHERE run_id = ?1 AND name = ?2
             ORDER BY CASE graph WHEN 'main' THEN 0 ELSE 1 END, seq LIMIT 1",
            params![id, step],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.map(|o| {
        o.and_then(|o| serde_json::from_str(&o).ok())
            .unwrap_or(J::Null)
    }))
}

/// Whether run `id` has a step named `step` that started (in any graph).
pub fn has_step(store: &Store, id: &str, step: &str) -> crate::Result<bool> {
    store.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM steps WHERE run_id = ?1 AND name = ?2)",
        params![id, step],
        |r| r.get(0),
    )
}
