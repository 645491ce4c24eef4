//! Alert rules' state (`alert NAME { … }`, table `alert_states`, schema
//! version 16) and the conditions measured over a workflow's recorded runs.
//!
//! A rule is `ok` or `firing`. [`decide`] measures its condition and takes
//! the rule to its next state in one write transaction (`BEGIN
//! IMMEDIATE`): two runs of a workflow that end at once, in one server or
//! in two `wfc run`s, never both fire it. The state is recorded before a
//! message is sent; a send that failed is recorded after ([`record_error`]).
//!
//! A run *counts* once it ended `succeeded` or `failed`; a failure is one
//! that ended `failed`. Nothing here holds a param's value or a step's
//! output: the words of a measure say what the runs did.

use crate::db::Db;
use crate::db::Optional;
use crate::params;
use crate::{now_ms, Store};
use wfc_language::ir::alerts::{percent, Condition, Slower, Window};
use wfc_language::syntax::duration::format as human;

/// How the waiting text of a step that asks a person begins once its
/// retries are used up (as [`crate::listing`] reads it).
const ESCALATED: &str = "waiting for a person:";

/// How many succeeded runs before the last one `slower_than p95` reads.
pub const P95_RUNS: usize = 100;
/// How many of them it needs, else the condition is false.
pub const P95_MIN: usize = 5;

/// One rule's recorded state.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AlertState {
    pub workflow: String,
    pub alert: String,
    /// `ok` or `firing`.
    pub state: String,
    /// When it took that state (ms since the epoch).
    pub since: i64,
    pub last_fired_at: Option<i64>,
    pub last_resolved_at: Option<i64>,
    /// What the runs did at the last decision, in words.
    pub last_value: Option<String>,
    /// The run the last decision read.
    pub last_run: Option<String>,
    /// The last send that failed (masked), until one succeeds.
    pub last_error: Option<String>,
}

/// A condition measured over the runs: whether it holds, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    pub holds: bool,
    /// `4 of the last 10 runs failed (40% > 30%)`.
    pub value: String,
    /// The run it is about (the last counted one, or the one waiting).
    pub run: Option<String>,
}

/// What a decision did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `ok` and the condition holds: now `firing`, a message is due.
    Fire,
    /// `firing` and the condition cleared: now `ok`, a "resolved" is due.
    Resolve,
    /// Nothing to send: the state holds, or the condition holds within the
    /// cooldown of the last firing.
    Quiet,
}

const COLUMNS: &str = "workflow, alert, state, since, last_fired_at, last_resolved_at,
                       last_value, last_run, last_error";

fn row(r: &crate::db::Row) -> crate::Result<AlertState> {
    Ok(AlertState {
        workflow: r.get(0)?,
        alert: r.get(1)?,
        state: r.get(2)?,
        since: r.get(3)?,
        last_fired_at: r.get(4)?,
        last_resolved_at: r.get(5)?,
        last_value: r.get(6)?,
        last_run: r.get(7)?,
        last_error: r.get(8)?,
    })
}

/// The recorded state of `workflow`'s rule `alert`, if it was ever decided.
pub fn get(store: &Store, workflow: &str, alert: &str) -> crate::Result<Option<AlertState>> {
    store
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM alert_states WHERE workflow = ?1 AND alert = ?2"),
            params![workflow, alert],
            row,
        )
        .optional()
}

/// Every recorded rule's state (of `workflow`, if given), by workflow and rule.
pub fn list(store: &Store, workflow: Option<&str>) -> crate::Result<Vec<AlertState>> {
    let mut q = store.conn.prepare(&format!(
        "SELECT {COLUMNS} FROM alert_states WHERE CAST(?1 AS TEXT) IS NULL OR workflow = ?1 ORDER BY 1, 2"
    ))?;
    let rows = q.query_map([workflow], row)?;
    rows.collect::<crate::Result<_>>()
}

fn put(conn: &Db, s: &AlertState) -> crate::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO alert_states ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (workflow, alert) DO UPDATE SET state = excluded.state,
               since = excluded.since, last_fired_at = excluded.last_fired_at,
               last_resolved_at = excluded.last_resolved_at, last_value = excluded.last_value,
               last_run = excluded.last_run, last_error = excluded.last_error"
        ),
        params![
            s.workflow,
            s.alert,
            s.state,
            s.since,
            s.last_fired_at,
            s.last_resolved_at,
            s.last_value,
            s.last_run,
            s.last_error
        ],
    )?;
    Ok(())
}

/// Records what the last send of a rule said: `None` once one succeeded,
/// else why it failed (masked by the caller).
pub fn record_error(
    store: &Store,
    workflow: &str,
    alert: &str,
    error: Option<&str>,
) -> crate::Result<()> {
    store.conn.execute(
        "UPDATE alert_states SET last_error = ?3 WHERE workflow = ?1 AND alert = ?2",
        params![workflow, alert, error],
    )?;
    Ok(())
}

/// Measures `condition` over `workflow`'s runs, takes rule `alert` to its
/// next state and records it, in one write transaction; `now` in ms.
pub fn decide(
    store: &Store,
    workflow: &str,
    alert: &str,
    condition: &Condition,
    cooldown_ms: u64,
    now: i64,
) -> crate::Result<(Decision, Measure, AlertState)> {
    let tx = store.conn.write()?;
    // (Two servers deciding one rule take turns: one fires, one sees it fired.)
    crate::exclusive::key(
        &tx,
        crate::exclusive::Space::Alert,
        &format!("{workflow}\n{alert}"),
    )?;
    let m = measure(store, workflow, condition, now)?;
    let before = get(store, workflow, alert)?;
    let same = before.clone();
    let (decision, after) = next(before, workflow, alert, &m, cooldown_ms, now);
    // The server's timer decides often: a state that did not change is not written.
    if same.as_ref() != Some(&after) {
        put(&tx, &after)?;
    }
    tx.commit()?;
    Ok((decision, m, after))
}

/// A rule's next state: fire from `ok` when the condition holds (unless it
/// fired within the cooldown), resolve from `firing` when it cleared.
pub fn next(
    before: Option<AlertState>,
    workflow: &str,
    alert: &str,
    m: &Measure,
    cooldown_ms: u64,
    now: i64,
) -> (Decision, AlertState) {
    let mut s = before.unwrap_or_else(|| AlertState {
        workflow: workflow.to_owned(),
        alert: alert.to_owned(),
        state: "ok".to_owned(),
        since: now,
        last_fired_at: None,
        last_resolved_at: None,
        last_value: None,
        last_run: None,
        last_error: None,
    });
    s.last_value = Some(m.value.clone());
    if m.run.is_some() {
        s.last_run.clone_from(&m.run);
    }
    let firing = s.state == "firing";
    let decision = match (firing, m.holds) {
        (false, true) => {
            let cooled = s
                .last_fired_at
                .is_none_or(|at| now.saturating_sub(at) >= cooldown_ms as i64);
            if cooled {
                s.state = "firing".to_owned();
                s.since = now;
                s.last_fired_at = Some(now);
                Decision::Fire
            } else {
                Decision::Quiet
            }
        }
        (true, false) => {
            s.state = "ok".to_owned();
            s.since = now;
            s.last_resolved_at = Some(now);
            Decision::Resolve
        }
        _ => Decision::Quiet,
    };
    (decision, s)
}

/// A counted run: (id, failed, ended at, duration ms).
type Counted = (String, bool, i64, i64);

fn counted(
    store: &Store,
    workflow: &str,
    since: Option<i64>,
    limit: u32,
) -> crate::Result<Vec<Counted>> {
    let mut q = store.conn.prepare(
        "SELECT id, status = 'failed', ended_at, COALESCE(duration_ms, 0) FROM runs
          WHERE workflow = ?1 AND status IN ('succeeded', 'failed') AND ended_at IS NOT NULL
            AND (CAST(?2 AS BIGINT) IS NULL OR ended_at >= ?2)
          ORDER BY ended_at DESC, id DESC LIMIT ?3",
    )?;
    let rows = q.query_map(params![workflow, since, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}

/// Measures `condition` over `workflow`'s recorded runs at `now` (ms).
pub fn measure(
    store: &Store,
    workflow: &str,
    condition: &Condition,
    now: i64,
) -> crate::Result<Measure> {
    let quiet = |value: &str| Measure {
        holds: false,
        value: value.to_owned(),
        run: None,
    };
    Ok(match condition {
        Condition::FailureRate {
            window,
            rate,
            inclusive,
        } => {
            let runs = match window {
                Window::Runs(n) => counted(store, workflow, None, *n)?,
                Window::Time(d) => counted(store, workflow, Some(now - *d as i64), u32::MAX)?,
            };
            if runs.is_empty() {
                return Ok(quiet(&match window {
                    Window::Runs(_) => "no run has ended yet".to_owned(),
                    Window::Time(d) => format!("no run ended in the last {}", human(*d)),
                }));
            }
            let failed = runs.iter().filter(|r| r.1).count();
            let share = failed as f64 / runs.len() as f64;
            let holds = if *inclusive {
                share >= *rate
            } else {
                share > *rate
            };
            let which = match window {
                Window::Runs(_) => format!("the last {} runs", runs.len()),
                Window::Time(d) => format!(
                    "the {} runs that ended in the last {}",
                    runs.len(),
                    human(*d)
                ),
            };
            let op = match (holds, inclusive) {
                (true, true) => "≥",
                (true, false) => ">",
                (false, true) => "<",
                (false, false) => "≤",
            };
            Measure {
                holds,
                value: format!(
                    "{failed} of {which} failed ({} {op} {})",
                    percent(share),
                    percent(*rate)
                ),
                run: Some(runs[0].0.clone()),
            }
        }
        Condition::ConsecutiveFailures(k) => {
            let runs = counted(store, workflow, None, *k)?;
            let streak = runs.iter().take_while(|r| r.1).count();
            Measure {
                holds: streak as u32 >= *k,
                value: format!("{streak} consecutive failed runs (alert at {k})"),
                run: runs.first().map(|r| r.0.clone()),
            }
        }
        Condition::SlowerThan(slower) => {
            let Some((id, _, ended, ms)) = counted(store, workflow, None, 1)?.pop() else {
                return Ok(quiet("no run has ended yet"));
            };
            let (limit, what) = match slower {
                Slower::Fixed(d) => (*d as f64, human(*d)),
                Slower::P95(f) => {
                    let Some(p95) = p95_before(store, workflow, ended)? else {
                        return Ok(Measure {
                            run: Some(id),
                            ..quiet(&format!(
                                "fewer than {P95_MIN} succeeded runs to take a p95 from"
                            ))
                        });
                    };
                    (p95 * f, format!("p95 {} × {f}", human(p95 as u64)))
                }
            };
            let holds = ms as f64 > limit;
            let op = if holds { ">" } else { "≤" };
            Measure {
                holds,
                value: format!("run {id} took {} ({op} {what})", human(ms as u64)),
                run: Some(id),
            }
        }
        Condition::WaitingLongerThan(d) => match longest_wait(store, workflow, now)? {
            None => quiet("no run is waiting for a person"),
            Some((id, waited)) => {
                let holds = waited > *d as i64;
                let op = if holds { ">" } else { "≤" };
                Measure {
                    holds,
                    value: format!(
                        "run {id} has waited for a person for {} ({op} {})",
                        human(waited.max(0) as u64),
                        human(*d)
                    ),
                    run: Some(id),
                }
            }
        },
    })
}

/// The 95th percentile (nearest rank) of the durations of the last
/// [`P95_RUNS`] succeeded runs that ended before `before`.
fn p95_before(store: &Store, workflow: &str, before: i64) -> crate::Result<Option<f64>> {
    let mut q = store.conn.prepare(
        "SELECT COALESCE(duration_ms, 0) FROM runs
          WHERE workflow = ?1 AND status = 'succeeded' AND ended_at < ?2
          ORDER BY ended_at DESC LIMIT ?3",
    )?;
    let mut ms: Vec<i64> = q
        .query_map(params![workflow, before, P95_RUNS as i64], |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    if ms.len() < P95_MIN {
        return Ok(None);
    }
    ms.sort_unstable();
    let rank = ((0.95 * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
    Ok(Some(ms[rank - 1] as f64))
}

/// The running run of `workflow` that has waited for a person longest, and
/// for how long (ms): a step waiting on an open attempt (an approval, a
/// check's `on fail pause`), or failed for good and held (`on fail pause`),
/// since its last attempt started or ended.
pub fn longest_wait(
    store: &Store,
    workflow: &str,
    now: i64,
) -> crate::Result<Option<(String, i64)>> {
    let sql = format!(
        "SELECT r.id, MIN(COALESCE(
                  (SELECT MAX(a.started_at + COALESCE(a.duration_ms, 0)) FROM attempts a
                    WHERE a.run_id = s.run_id AND a.graph = s.graph
                      AND a.rollback_of = s.rollback_of AND a.step = s.name),
                  s.started_at, r.started_at))
           FROM runs r JOIN steps s ON s.run_id = r.id
          WHERE r.workflow = ?1 AND r.status = 'running' AND s.status = 'waiting'
            AND (s.detail LIKE '{ESCALATED}%' OR EXISTS (
                 SELECT 1 FROM attempts a
                  WHERE a.run_id = s.run_id AND a.graph = s.graph
                    AND a.rollback_of = s.rollback_of AND a.step = s.name
                    AND a.status = 'running'))
          GROUP BY r.id ORDER BY 2 ASC LIMIT 1"
    );
    store
        .conn
        .query_row(&sql, [workflow], |r| {
            Ok((r.get::<String>(0)?, now - r.get::<i64>(1)?))
        })
        .optional()
}

/// [`now_ms`], for callers that decide at the present.
pub fn now() -> i64 {
    now_ms()
}

#[cfg(test)]
mod tests;
