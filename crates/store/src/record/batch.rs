//! A fold's records reduced to the rows they leave, then written a table at
//! a time.
//!
//! Applied record by record, a step of a run costs seven statements (its
//! start's two upserts, its attempt's end, its end's upsert, three events):
//! in process on SQLite that is cheap, but on PostgreSQL each is a round
//! trip, ~75 of the 95 statements of a 10-step run. So a fold first reduces
//! its records, in order, to what each touched row ends as ([`Batch`]), and
//! numbers the events itself (after the run's last, read under the run's
//! lock), then writes: on PostgreSQL one statement a table whatever the
//! rows (`MERGE … USING json_to_recordset($2)`), on SQLite one prepared
//! statement a row.
//!
//! A row the batch did not start may hold anything (an earlier fold, an
//! earlier session), so a reduced `steps` row says which columns the batch
//! set ([`StepRow::mask`]); the others keep the row's values, exactly as the
//! records applied one by one would have.

use super::{Key, Outcome, Record, Usage};
use crate::db::{Db, Dialect};
use crate::params;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

/// [`StepRow::mask`]'s bits: the columns a batch may leave as they were.
const ATTEMPTS: i64 = 1;
const STARTED_AT: i64 = 2;
/// `duration_ms`, `exit_code`, `error`, `outputs` and `optional`: a step's end.
const ENDED: i64 = 4;
const LOG_PATH: i64 = 8;

/// What a batch leaves in one `steps` row: the values a new row gets, and
/// which of them an existing row takes (`status` and `detail` always).
#[derive(Serialize)]
struct StepRow<'a> {
    graph: &'a str,
    rollback_of: &'a str,
    name: &'a str,
    kind: &'a str,
    seq: i64,
    status: &'a str,
    attempts: i64,
    started_at: Option<i64>,
    duration_ms: Option<i64>,
    exit_code: Option<i64>,
    error: Option<&'a str>,
    outputs: Option<&'a str>,
    optional: i64,
    log_path: Option<&'a str>,
    detail: Option<&'a str>,
    mask: i64,
    /// A start or an end is in the batch; a row only waited on is updated
    /// if it is there (as `UPDATE` did), never made.
    ins: bool,
}

impl<'a> StepRow<'a> {
    /// A row as its first start or end in the batch makes it.
    fn new(key: Key<'a>, kind: &'a str, seq: i64) -> Self {
        StepRow {
            graph: key.graph,
            rollback_of: key.rollback_of,
            name: key.name,
            kind,
            seq,
            status: "",
            attempts: 0,
            started_at: None,
            duration_ms: None,
            exit_code: None,
            error: None,
            outputs: None,
            optional: 0,
            log_path: None,
            detail: None,
            mask: 0,
            ins: true,
        }
    }
}

/// What a batch leaves in one `attempts` row (of the fold's session).
#[derive(Serialize)]
struct AttemptRow<'a> {
    graph: &'a str,
    rollback_of: &'a str,
    step: &'a str,
    number: i64,
    status: &'a str,
    /// Its start is in the batch: the row is made or started over.
    /// Otherwise only its end is, written over the row if it is there.
    started_at: Option<i64>,
    duration_ms: Option<i64>,
    exit_code: Option<i64>,
    error: Option<&'a str>,
    outputs: Option<&'a str>,
    cpu_us: Option<i64>,
    peak_memory: Option<i64>,
}

#[derive(Serialize)]
struct EventRow<'a> {
    seq: i64,
    at: i64,
    kind: &'static str,
    step: Option<&'a str>,
    detail: String,
}

/// A fold's records reduced (see the module's comment).
#[derive(Default)]
pub(crate) struct Batch<'a> {
    steps: Vec<StepRow<'a>>,
    step_at: HashMap<Key<'a>, usize>,
    attempts: Vec<AttemptRow<'a>>,
    attempt_at: HashMap<(Key<'a>, u32), usize>,
    events: Vec<EventRow<'a>>,
    /// Artifacts and what decided a step: rare, applied one by one, in order.
    others: Vec<Record<'a>>,
}

impl<'a> Batch<'a> {
    /// Adds `r`, the batch's next record; its event is numbered `seq`.
    pub(crate) fn add(&mut self, r: &Record<'a>, seq: i64) {
        let (kind, step, detail) = r.event();
        self.events.push(EventRow {
            seq,
            at: r.at(),
            kind,
            step,
            detail: detail.to_string(),
        });
        match *r {
            Record::AttemptStarted {
                key,
                kind,
                seq,
                attempt,
                at,
                log,
            } => {
                self.step_fresh(key, kind, seq, Some(at));
                let row = self.step(key);
                row.status = "running";
                row.detail = None;
                row.attempts = attempt.into();
                row.mask |= ATTEMPTS | LOG_PATH;
                row.log_path = Some(log);
                // A retry keeps the step's first start (a new row has it
                // from `step_fresh`).
                if attempt == 1 {
                    row.started_at = Some(at);
                    row.mask |= STARTED_AT;
                }
                self.attempt(key, attempt, Some(at), "running", None, None);
            }
            Record::AttemptEnded {
                key,
                attempt,
                status,
                outcome,
                ..
            } => self.attempt(key, attempt, None, status, Some(outcome), None),
            Record::AttemptEndedWithUsage {
                key,
                attempt,
                status,
                outcome,
                usage,
                ..
            } => self.attempt(key, attempt, None, status, Some(outcome), Some(usage)),
            Record::Waiting { key, why, .. } => {
                if !self.step_at.contains_key(&key) {
                    let mut row = StepRow::new(key, "", 0);
                    row.ins = false;
                    self.step_at.insert(key, self.steps.len());
                    self.steps.push(row);
                }
                let row = self.step(key);
                row.status = "waiting";
                row.detail = Some(why);
            }
            Record::StepEnded {
                key,
                kind,
                seq,
                status,
                attempts,
                started_at,
                outcome: o,
                optional,
                ..
            } => {
                self.step_fresh(key, kind, seq, None);
                let row = self.step(key);
                row.status = status;
                row.detail = None;
                row.attempts = attempts.into();
                row.mask |= ATTEMPTS | ENDED;
                if let Some(at) = started_at {
                    row.started_at = Some(at);
                    row.mask |= STARTED_AT;
                }
                row.duration_ms = Some(o.duration_ms);
                row.exit_code = o.exit_code;
                row.error = o.error;
                row.outputs = o.outputs;
                row.optional = optional.into();
            }
            Record::Artifact { .. } | Record::StepInputs { .. } => self.others.push(*r),
            Record::Skipped { .. } | Record::Phase { .. } => {}
        }
    }

    /// Makes `key`'s row anew, as a start or an end does where the batch has
    /// none or only waits (which these overwrite): `started_at` is what a
    /// new row gets.
    fn step_fresh(&mut self, key: Key<'a>, kind: &'a str, seq: i64, started_at: Option<i64>) {
        let at = self.step_at.get(&key).copied();
        if at.is_some_and(|i| self.steps[i].ins) {
            return;
        }
        let mut row = StepRow::new(key, kind, seq);
        row.started_at = started_at;
        match at {
            Some(i) => self.steps[i] = row,
            None => {
                self.step_at.insert(key, self.steps.len());
                self.steps.push(row);
            }
        }
    }

    fn step(&mut self, key: Key<'a>) -> &mut StepRow<'a> {
        &mut self.steps[self.step_at[&key]]
    }

    /// Records attempt `number` of `key` starting (`started_at`) or ending.
    fn attempt(
        &mut self,
        key: Key<'a>,
        number: u32,
        started_at: Option<i64>,
        status: &'a str,
        outcome: Option<Outcome<'a>>,
        usage: Option<Usage>,
    ) {
        // SQLite's integers are signed: a figure past i64::MAX (never seen) is kept at it.
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let row = AttemptRow {
            graph: key.graph,
            rollback_of: key.rollback_of,
            step: key.name,
            number: number.into(),
            status,
            started_at,
            duration_ms: outcome.map(|o| o.duration_ms),
            exit_code: outcome.and_then(|o| o.exit_code),
            error: outcome.and_then(|o| o.error),
            outputs: outcome.and_then(|o| o.outputs),
            cpu_us: usage.map(|u| signed(u.cpu_us)),
            peak_memory: usage.and_then(|u| u.peak_memory).map(signed),
        };
        match self.attempt_at.get(&(key, number)) {
            // An end after its start in the batch: the started row, ended.
            Some(&i) if started_at.is_none() => {
                let kept = self.attempts[i].started_at;
                self.attempts[i] = AttemptRow {
                    started_at: kept,
                    ..row
                };
            }
            Some(&i) => self.attempts[i] = row,
            None => {
                self.attempt_at.insert((key, number), self.attempts.len());
                self.attempts.push(row);
            }
        }
    }

    /// Writes the batch into run `run_id` (its session `session`).
    pub(crate) fn write(&self, tx: &Db, run_id: &str, session: i64) -> crate::Result<()> {
        match tx.dialect() {
            Dialect::Postgres => self.write_postgres(tx, run_id, session)?,
            Dialect::Sqlite => self.write_sqlite(tx, run_id, session)?,
        }
        for r in &self.others {
            match *r {
                Record::Artifact {
                    key,
                    name,
                    path,
                    size,
                    sha256,
                    first,
                    ..
                } => crate::artifacts::record(tx, run_id, key, (name, path, size, sha256), first)?,
                Record::StepInputs {
                    step,
                    inputs: i,
                    at,
                } => {
                    tx.prepare_cached(
                        "INSERT INTO step_inputs
                           (run_id, step, scope, key, sources, deps, gave, origin, forced, at, checked)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                         ON CONFLICT (run_id, step) DO UPDATE SET scope = excluded.scope, key = excluded.key, sources = excluded.sources, deps = excluded.deps, gave = excluded.gave, origin = excluded.origin, forced = excluded.forced, at = excluded.at, checked = excluded.checked",
                    )?
                    .execute(params![
                        run_id, step, i.scope, i.key, i.sources, i.deps, i.gave, i.origin, i.forced, at, i.checked
                    ])?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The `steps` columns an existing row keeps unless the batch's mask says
/// otherwise (`?M` is the mask, `x` the batch's row, `s` the table's).
macro_rules! step_update {
    ($m:literal, $x:literal, $s:literal) => {
        concat!(
            "status = ",
            $x,
            ".status, detail = ",
            $x,
            ".detail,
             attempts = CASE WHEN ",
            $m,
            " & 1 <> 0 THEN ",
            $x,
            ".attempts ELSE ",
            $s,
            ".attempts END,
             started_at = CASE WHEN ",
            $m,
            " & 2 <> 0 THEN ",
            $x,
            ".started_at ELSE ",
            $s,
            ".started_at END,
             duration_ms = CASE WHEN ",
            $m,
            " & 4 <> 0 THEN ",
            $x,
            ".duration_ms ELSE ",
            $s,
            ".duration_ms END,
             exit_code = CASE WHEN ",
            $m,
            " & 4 <> 0 THEN ",
            $x,
            ".exit_code ELSE ",
            $s,
            ".exit_code END,
             error = CASE WHEN ",
            $m,
            " & 4 <> 0 THEN ",
            $x,
            ".error ELSE ",
            $s,
            ".error END,
             outputs = CASE WHEN ",
            $m,
            " & 4 <> 0 THEN ",
            $x,
            ".outputs ELSE ",
            $s,
            ".outputs END,
             optional = CASE WHEN ",
            $m,
            " & 4 <> 0 THEN ",
            $x,
            ".optional ELSE ",
            $s,
            ".optional END,
             log_path = CASE WHEN ",
            $m,
            " & 8 <> 0 THEN ",
            $x,
            ".log_path ELSE ",
            $s,
            ".log_path END"
        )
    };
}

/// Rows as a JSON array of objects, for `json_to_recordset`.
fn json<T: Serialize>(rows: &[T]) -> crate::Result<String> {
    serde_json::to_string(rows).map_err(|e| crate::Error::Database(e.to_string()))
}

impl Batch<'_> {
    /// SQLite: a prepared statement a row, in process.
    fn write_sqlite(&self, tx: &Db, run_id: &str, session: i64) -> crate::Result<()> {
        for r in &self.steps {
            if r.ins {
                tx.prepare_cached(concat!(
                    "INSERT INTO steps (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at,
                                        duration_ms, exit_code, error, outputs, optional, log_path, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                     ON CONFLICT (run_id, graph, rollback_of, name) DO UPDATE SET ",
                    step_update!("?17", "excluded", "steps")
                ))?
                .execute(params![
                    run_id, r.graph, r.rollback_of, r.name, r.kind, r.seq, r.status, r.attempts,
                    r.started_at, r.duration_ms, r.exit_code, r.error, r.outputs, r.optional,
                    r.log_path, r.detail, r.mask
                ])?;
            } else {
                tx.prepare_cached(
                    "UPDATE steps SET status = ?5, detail = ?6
                     WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND name = ?4",
                )?
                .execute(params![
                    run_id,
                    r.graph,
                    r.rollback_of,
                    r.name,
                    r.status,
                    r.detail
                ])?;
            }
        }
        for a in &self.attempts {
            if a.started_at.is_some() {
                tx.prepare_cached(
                    "INSERT INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at,
                                           duration_ms, exit_code, error, outputs, cpu_us, peak_memory)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                     ON CONFLICT (run_id, graph, rollback_of, step, session, number) DO UPDATE SET
                         status = excluded.status, started_at = excluded.started_at,
                         duration_ms = excluded.duration_ms, exit_code = excluded.exit_code,
                         error = excluded.error, outputs = excluded.outputs,
                         cpu_us = excluded.cpu_us, peak_memory = excluded.peak_memory",
                )?
                .execute(params![
                    run_id, a.graph, a.rollback_of, a.step, session, a.number, a.status,
                    a.started_at, a.duration_ms, a.exit_code, a.error, a.outputs, a.cpu_us,
                    a.peak_memory
                ])?;
            } else {
                tx.prepare_cached(
                    "UPDATE attempts SET status = ?7, duration_ms = ?8, exit_code = ?9, error = ?10,
                                         outputs = ?11, cpu_us = ?12, peak_memory = ?13
                     WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND step = ?4
                       AND session = ?5 AND number = ?6",
                )?
                .execute(params![
                    run_id, a.graph, a.rollback_of, a.step, session, a.number, a.status,
                    a.duration_ms, a.exit_code, a.error, a.outputs, a.cpu_us, a.peak_memory
                ])?;
            }
        }
        for e in &self.events {
            tx.prepare_cached(
                "INSERT INTO events (run_id, seq, at, kind, step, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![run_id, e.seq, e.at, e.kind, e.step, e.detail])?;
        }
        Ok(())
    }

    /// PostgreSQL: one statement a table, the rows as one JSON parameter
    /// (a value, never part of the statement's text).
    fn write_postgres(&self, tx: &Db, run_id: &str, session: i64) -> crate::Result<()> {
        if !self.steps.is_empty() {
            tx.execute_later(concat!(
                "MERGE INTO steps s
                 USING json_to_recordset(CAST(?2 AS TEXT)::json) AS x(
                     graph TEXT, rollback_of TEXT, name TEXT, kind TEXT, seq BIGINT, status TEXT,
                     attempts BIGINT, started_at BIGINT, duration_ms BIGINT, exit_code BIGINT,
                     error TEXT, outputs TEXT, optional BIGINT, log_path TEXT, detail TEXT,
                     mask BIGINT, ins BOOLEAN)
                 ON s.run_id = ?1 AND s.graph = x.graph AND s.rollback_of = x.rollback_of AND s.name = x.name
                 WHEN MATCHED THEN UPDATE SET ",
                step_update!("x.mask", "x", "s"),
                "
                 WHEN NOT MATCHED AND x.ins THEN INSERT
                     (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at,
                      duration_ms, exit_code, error, outputs, optional, log_path, detail)
                   VALUES (?1, x.graph, x.rollback_of, x.name, x.kind, x.seq, x.status, x.attempts,
                      x.started_at, x.duration_ms, x.exit_code, x.error, x.outputs, x.optional,
                      x.log_path, x.detail)"
            ), params![run_id, json(&self.steps)?])?;
        }
        if !self.attempts.is_empty() {
            tx.execute_later(
                "MERGE INTO attempts a
                 USING json_to_recordset(CAST(?2 AS TEXT)::json) AS x(
                     graph TEXT, rollback_of TEXT, step TEXT, number BIGINT, status TEXT,
                     started_at BIGINT, duration_ms BIGINT, exit_code BIGINT, error TEXT,
                     outputs TEXT, cpu_us BIGINT, peak_memory BIGINT)
                 ON a.run_id = ?1 AND a.graph = x.graph AND a.rollback_of = x.rollback_of
                    AND a.step = x.step AND a.session = ?3 AND a.number = x.number
                 WHEN MATCHED THEN UPDATE SET
                     status = x.status, started_at = COALESCE(x.started_at, a.started_at),
                     duration_ms = x.duration_ms, exit_code = x.exit_code, error = x.error,
                     outputs = x.outputs, cpu_us = x.cpu_us, peak_memory = x.peak_memory
                 WHEN NOT MATCHED AND x.started_at IS NOT NULL THEN INSERT
                     (run_id, graph, rollback_of, step, session, number, status, started_at,
                      duration_ms, exit_code, error, outputs, cpu_us, peak_memory)
                   VALUES (?1, x.graph, x.rollback_of, x.step, ?3, x.number, x.status, x.started_at,
                      x.duration_ms, x.exit_code, x.error, x.outputs, x.cpu_us, x.peak_memory)",
                params![run_id, json(&self.attempts)?, session],
            )?;
        }
        if !self.events.is_empty() {
            tx.execute_later(
                "INSERT INTO events (run_id, seq, at, kind, step, detail)
                 SELECT ?1, x.seq, x.at, x.kind, x.step, x.detail
                 FROM json_to_recordset(CAST(?2 AS TEXT)::json)
                   AS x(seq BIGINT, at BIGINT, kind TEXT, step TEXT, detail TEXT)",
                params![run_id, json(&self.events)?],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
