//! Decisions on gates: `wfc approve` / `wfc reject`, the API, the
//! dashboard and MCP insert a row in `approvals`; a waiting gate polls for
//! it ([`decision`]), and a decision taken through the run manager in the
//! run's own process is recorded the same way ([`StoreDecisions`]). A gate
//! whose timeout comes first records that as its decision (`timed_out`,
//! [`time_out`]) unless a decision is there already: the row's key decides
//! which came first, so an approval is either taken by the gate or
//! refused, never acknowledged and lost.
//!
//! An approval's inputs are bound here, against the run's recorded plan
//! (the gate's `inputs` as the run planned them, not today's file), so
//! whoever decides learns at once what is wrong, and the row holds every
//! input typed and defaulted. Who, when and the comment are kept with it.

use super::control::run_status;
use super::now_ms;
use super::record::add_event;
use crate::db::Optional;
use crate::params;
use crate::Store;
use serde_json::{Map, Value as J};
use std::path::PathBuf;
use std::time::Duration;
use wfc_contract::{DecisionLog, GateDecision};
use wfc_plan::gate_inputs;

/// An approval decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Rejected,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        }
    }

    /// This decision by `by`, with no inputs and no comment.
    pub fn by(self, by: &str) -> GateDecision {
        match self {
            Decision::Approved => GateDecision::approved(by),
            Decision::Rejected => GateDecision::rejected(by),
        }
    }
}

/// Records decision `d` on gate `step` of run `id`; gives it back with its
/// inputs bound (an approval's; a rejection takes none).
pub fn decide(
    store: &Store,
    id: &str,
    step: &str,
    d: &GateDecision,
) -> Result<GateDecision, String> {
    let conn = &store.conn;
    // (SQLite's errors and the store's, as text.)
    fn s(e: impl std::fmt::Display) -> String {
        e.to_string()
    }
    let status: Option<String> = conn
        .query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .map_err(s)?;
    let Some(status) = status else {
        return Err(format!("no run `{id}` in the store"));
    };
    let plan = recorded_plan(store, id, &status, !d.inputs.is_empty()).map_err(s)?;
    if status == "succeeded" {
        return Err(format!(
            "run {id} already succeeded; there is nothing left to approve"
        ));
    }
    // The gate must be a step of the run's plan.
    let mut spec = J::Array(Vec::new());
    if let Some(plan) = &plan {
        let gates = super::reuse::gates(plan);
        if !gates.iter().any(|g| g == step) && !called_gate(store, id, step).map_err(s)? {
            let hint = if gates.is_empty() {
                "the run has no gates".to_owned()
            } else {
                format!("its gates: {}", gates.join(", "))
            };
            let guess = wfc_language::diag::did_you_mean(step, gates.iter().map(String::as_str))
                .map(|g| format!("; did you mean `{g}`?"))
                .unwrap_or_default();
            return Err(format!("run {id} has no gate `{step}` ({hint}){guess}"));
        }
        spec = super::reuse::gate_inputs(plan, step);
        if super::reuse::escalating(plan, step) {
            escalation_waits(store, id, step)?;
        }
    }
    let bound = bind(d, &spec).map_err(|problems| {
        format!(
            "gate `{step}` of run {id} was not {}: {}",
            d.word(),
            problems.join("; ")
        )
    })?;
    // A gate decided already says by whom, before whether it passed since.
    if decision(store, id, step).map_err(s)?.is_some() {
        return Err(taken(store, id, step, status)?);
    }
    let ended: Option<String> = conn
        .query_row(
            "SELECT status FROM steps WHERE run_id = ?1 AND graph = 'main' AND name = ?2
               AND status NOT IN ('running', 'waiting', 'interrupted', 'not_run', 'cancelled')",
            params![id, step],
            |r| r.get(0),
        )
        .optional()
        .map_err(s)?;
    if ended.as_deref() == Some("succeeded") {
        return Err(format!("gate `{step}` of run {id} has already passed"));
    }
    if let Some(at) = passed_deadline(store, id, step, plan.as_ref()).map_err(s)? {
        return Err(timed_out(id, step, at));
    }
    // One decision per gate: a second one (either way) is refused, never
    // a silent replacement. The insert itself decides, so two deciders at
    // once cannot both win.
    let inputs = bound
        .approved
        .then(|| J::Object(bound.inputs.clone()).to_string());
    let inserted = conn
        .execute(
            "INSERT INTO approvals (run_id, step, decision, by, at, inputs, comment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (run_id, step) DO NOTHING",
            params![
                id,
                step,
                bound.word(),
                bound.by,
                now_ms(),
                inputs,
                bound.comment
            ],
        )
        .map_err(s)?;
    if inserted == 0 {
        return Err(taken(store, id, step, status)?);
    }
    let mut detail = serde_json::json!({ "by": bound.by });
    if !bound.comment.is_empty() {
        detail["comment"] = J::String(bound.comment.clone());
    }
    if !bound.inputs.is_empty() {
        detail["inputs"] = J::Object(bound.inputs.clone());
    }
    add_event(
        conn,
        id,
        now_ms(),
        bound.word(),
        Some(step),
        Some(&detail.to_string()),
    )
    .map_err(s)?;
    Ok(bound)
}

/// Refuses a decision on escalating step `step` (`on fail pause`) unless
/// it waits for one now: it asks once its retries are used up, and each
/// time anew.
fn escalation_waits(store: &Store, id: &str, step: &str) -> Result<(), String> {
    let status: Option<String> = store
        .conn
        .query_row(
            "SELECT status FROM steps WHERE run_id = ?1 AND graph = 'main' AND name = ?2",
            params![id, step],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    match status.as_deref() {
        Some("waiting") => Ok(()),
        other => Err(format!(
            "step `{step}` of run {id} is not waiting for a decision (it is {}): with `on fail pause` it asks once its retries are used up",
            other.unwrap_or("pending")
        )),
    }
}

/// Forgets the decision on `step` of run `id` (an escalated step that
/// failed again asks anew); it stays in the run's events.
pub fn reopen(store: &Store, id: &str, step: &str) -> crate::Result<()> {
    store.conn.execute(
        "DELETE FROM approvals WHERE run_id = ?1 AND step = ?2",
        params![id, step],
    )?;
    Ok(())
}

/// Whether the run recorded `step` as a gate of the main graph that its
/// plan does not hold: a gate of a file a `call file(…)` read, known once
/// the run reached it (its inputs are not recorded: an approval of it
/// takes none).
fn called_gate(store: &Store, id: &str, step: &str) -> crate::Result<bool> {
    let found: Option<i64> = store
        .conn
        .query_row(
            "SELECT 1 FROM steps WHERE run_id = ?1 AND graph = 'main' AND name = ?2 AND kind = 'gate'",
            params![id, step],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// The problems of `d`'s inputs against gate `step` of run `id`'s recorded
/// plan, one line each (none for a rejection, or a run or gate the store
/// does not know: [`decide`] says so).
pub fn check_inputs(
    store: &Store,
    id: &str,
    step: &str,
    d: &GateDecision,
) -> Result<(), Vec<String>> {
    let Ok(Some(plan)) = super::reuse::read_plan(store, id) else {
        return Ok(());
    };
    if !super::reuse::gates(&plan).iter().any(|g| g == step) {
        return Ok(());
    }
    bind(d, &super::reuse::gate_inputs(&plan, step)).map(drop)
}

/// Run `id`'s recorded plan. A run that just started writes it a moment
/// after its first steps (off the path to them): a gate may already wait,
/// so for a decision with inputs to bind (`wait`) a running run's plan is
/// waited for, a few seconds at most.
fn recorded_plan(store: &Store, id: &str, status: &str, wait: bool) -> crate::Result<Option<J>> {
    let deadline = std::time::Instant::now() + PLAN_WAIT;
    loop {
        let plan = super::reuse::read_plan(store, id)?;
        let waits = wait && status == "running" && std::time::Instant::now() < deadline;
        if plan.is_some() || !waits {
            return Ok(plan);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How long a decision waits for a running run's plan to be recorded.
const PLAN_WAIT: Duration = Duration::from_secs(5);

/// `d` with its inputs bound to `spec` (a rejection's are dropped).
fn bind(d: &GateDecision, spec: &J) -> Result<GateDecision, Vec<String>> {
    if !d.approved {
        return Ok(GateDecision {
            inputs: Map::new(),
            ..d.clone()
        });
    }
    let inputs = gate_inputs::bind_json(spec, &d.inputs)?;
    Ok(GateDecision {
        inputs,
        ..d.clone()
    })
}

/// When gate `step` of run `id` reached its `timeout`, if it has: counted
/// from its first wait (over sessions, as the gate counts it), so an
/// approval given while no process ran the gate (the run parked, the
/// server down) is refused as the gate, woken, would refuse it.
fn passed_deadline(
    store: &Store,
    id: &str,
    step: &str,
    plan: Option<&J>,
) -> crate::Result<Option<i64>> {
    let def = plan
        .and_then(|p| p["steps"].as_array())
        .and_then(|xs| xs.iter().find(|s| s["name"] == step && s["kind"] == "gate"))
        // An approval's timeout (a check gate's pause waits with no deadline).
        .filter(|s| s["def"]["fields"].get("approval").is_some());
    let Some(timeout) = def.and_then(|s| s["def"]["timeout_seconds"].as_f64()) else {
        return Ok(None);
    };
    let prior = super::prior_attempts::prior_attempts(store, id)?;
    let Some((_, waits)) = prior.iter().find(|(name, _)| name == step) else {
        return Ok(None);
    };
    let deadline = super::ms(waits.first_started) + (timeout * 1000.0) as i64;
    Ok((deadline <= now_ms()).then_some(deadline))
}

/// Why a decision that came after its gate's `timeout` is refused.
fn timed_out(id: &str, step: &str, at: i64) -> String {
    let when = wfc_contract::time::timestamp(
        std::time::UNIX_EPOCH + Duration::from_millis(at.max(0) as u64),
    );
    format!(
        "gate `{step}` of run {id} already timed out at {when} (no decision within its `timeout`); \
         a gate takes one decision"
    )
}

/// Why a second decision on gate `step` is refused: the first one.
fn taken(store: &Store, id: &str, step: &str, status: String) -> Result<String, String> {
    let (d, who, at): (String, String, i64) = store
        .conn
        .query_row(
            "SELECT decision, by, at FROM approvals WHERE run_id = ?1 AND step = ?2",
            params![id, step],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(|e| e.to_string())?;
    let when = wfc_contract::time::timestamp(
        std::time::UNIX_EPOCH + Duration::from_millis(at.max(0) as u64),
    );
    // The run's status was read before the insert: a gate that timed out
    // since may still show it running.
    let ended = run_status(store, id).ok().flatten().unwrap_or(status);
    let resume = format!("`wfc resume {id}` asks for a new decision");
    let next = match (d.as_str(), ended.as_str()) {
        (TIMED_OUT, "running") => format!("; once the run has ended, {resume}"),
        (TIMED_OUT | "rejected", _) if ended != "running" => format!("; {resume}"),
        _ => String::new(),
    };
    let what = if d == TIMED_OUT {
        format!("already timed out at {when} (no decision within its `timeout`)")
    } else {
        format!("was already {d} by {who} at {when}")
    };
    Ok(format!(
        "gate `{step}` of run {id} {what}; a gate takes one decision{next}"
    ))
}

/// Decisions taken through the run manager's `approve` and `reject`,
/// recorded in the store in `dir` exactly as `wfc approve` records them
/// (refused the same way: one decision a gate).
pub struct StoreDecisions {
    pub dir: PathBuf,
}

impl DecisionLog for StoreDecisions {
    fn record(&self, run_id: &str, step: &str, d: &GateDecision) -> Result<GateDecision, String> {
        let store = super::Store::open(&self.dir)?;
        decide(&store, run_id, step, d)
    }
}

/// The `approvals.decision` of a gate whose timeout came first.
const TIMED_OUT: &str = "timed_out";

/// The decision on a gate, if any (a timeout is none).
pub fn decision(store: &Store, id: &str, step: &str) -> crate::Result<Option<GateDecision>> {
    store
        .conn
        .query_row(
            "SELECT decision, by, inputs, comment FROM approvals WHERE run_id = ?1 AND step = ?2
               AND decision <> 'timed_out'",
            params![id, step],
            |r| {
                let d: String = r.get(0)?;
                let inputs: Option<String> = r.get(2)?;
                let inputs = inputs
                    .and_then(|t| serde_json::from_str::<Map<String, J>>(&t).ok())
                    .unwrap_or_default();
                Ok(GateDecision {
                    approved: d == "approved",
                    by: r.get(1)?,
                    inputs,
                    comment: r.get(3)?,
                })
            },
        )
        .optional()
}

/// Gate `step` of run `id` starts to wait: a timeout recorded for it
/// before is an earlier session's, and no longer stands in the way of a
/// decision (a resumed gate waits for a new one).
pub fn gate_waits(store: &Store, id: &str, step: &str) -> crate::Result<()> {
    store.conn.execute(
        "DELETE FROM approvals WHERE run_id = ?1 AND step = ?2 AND decision = 'timed_out'",
        params![id, step],
    )?;
    Ok(())
}

/// Gate `step` of run `id` reached its timeout: records that as its
/// decision, unless a decision was recorded first. `Ok(None)`: it timed
/// out (a later `wfc approve` is refused); `Ok(Some(..))`: the decision
/// that came first, which stands (as [`decision`] gives it).
pub fn time_out(store: &Store, id: &str, step: &str) -> crate::Result<Option<GateDecision>> {
    let inserted = store.conn.execute(
        "INSERT INTO approvals (run_id, step, decision, by, at) VALUES (?1, ?2, ?3, '', ?4)
         ON CONFLICT (run_id, step) DO NOTHING",
        params![id, step, TIMED_OUT, now_ms()],
    )?;
    if inserted == 1 {
        return Ok(None);
    }
    decision(store, id, step)
}

/// A decision on one of a run's gates, as `wfc status` and the API show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRow {
    pub step: String,
    /// `approved`, `rejected` or `timed_out`.
    pub decision: String,
    /// Who (empty for a timeout).
    #[serde(default)]
    pub by: String,
    /// When, UTC (RFC 3339).
    pub at: String,
    /// An approval's inputs, bound (types and defaults as the gate declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub inputs: Option<Map<String, J>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

impl DecisionRow {
    /// One line: who decided and when, the inputs and the comment's first
    /// line (`wfc status` and the dashboard show it).
    pub fn summary(&self) -> String {
        let mut line = match self.decision.as_str() {
            "timed_out" => format!("timed out at {}", self.at),
            word => format!("{word} by {} at {}", self.by, self.at),
        };
        if let Some(inputs) = self.inputs.as_ref().filter(|i| !i.is_empty()) {
            let shown: Vec<String> = inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            line.push_str(&format!(" · {}", shown.join(" ")));
        }
        if let Some(comment) = self.comment.lines().next() {
            line.push_str(&format!(" · \"{comment}\""));
        }
        line
    }
}

/// The decisions on run `id`'s gates, in the order they were taken.
pub fn list(store: &Store, id: &str) -> crate::Result<Vec<DecisionRow>> {
    let mut q = store.conn.prepare_cached(
        "SELECT step, decision, by, at, inputs, comment FROM approvals
         WHERE run_id = ?1 ORDER BY at, step",
    )?;
    let rows = q.query_map([id], |r| {
        let at: i64 = r.get(3)?;
        let inputs: Option<String> = r.get(4)?;
        Ok(DecisionRow {
            step: r.get(0)?,
            decision: r.get(1)?,
            by: r.get(2)?,
            at: wfc_contract::time::timestamp(
                std::time::UNIX_EPOCH + Duration::from_millis(at.max(0) as u64),
            ),
            inputs: inputs.and_then(|t| serde_json::from_str(&t).ok()),
            comment: r.get(5)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}
