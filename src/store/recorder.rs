//! [`StoreRecorder`]: the run store as a [`Recorder`].
//!
//! Events are queued and written in one SQLite transaction per
//! [`Recorder::flush`], which the scheduler calls once per turn of its loop:
//! after handling what happened and recording the steps it is about to start,
//! before it starts them and before it waits. So a state change is in the
//! store before the scheduler acts on it: a step is recorded as succeeded
//! (with its outputs) before any step that depends on it starts, a step is
//! recorded as running before its process starts, and the run's start and
//! end are written at once. A crash at any instant leaves the store with a
//! prefix of the run's history: steps `running` then (turned `interrupted` by
//! [`super::control::reap`]), every step before them final. One commit per
//! turn instead of one per event is what keeps the store's cost per step
//! small: a commit writes every page it touched to the WAL.
//!
//! A write that fails (a full disk, a store locked longer than the busy
//! timeout) is reported once on stderr and the run goes on: losing the
//! record is better than killing a deploy halfway.

use super::logs;
use super::{ms, now_ms};
use crate::run::record::{Attempt, GraphName, Recorder, RunEnd, RunInfo, StepEnd, StepKey};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use std::time::SystemTime;

/// What the store keeps about a run besides what [`RunInfo`] says.
#[derive(Clone, Debug, Default)]
pub struct RunMeta {
    /// [`super::file_hash`] of the workflow file.
    pub file_hash: String,
    /// The plan's fingerprints as stored ([`super::resume::stored_fingerprints`]).
    pub plan: Vec<u8>,
}

/// Records a run into the store.
pub struct StoreRecorder {
    conn: Connection,
    run_id: String,
    meta: RunMeta,
    /// 1 for a new run; the resumed session otherwise.
    session: i64,
    /// Time spent in earlier sessions.
    prior_ms: i64,
    next_seq: i64,
    headers: logs::Headers,
    /// Writes not yet committed, in order, each with what it records (for
    /// the warning if the commit fails).
    queue: Vec<(&'static str, Write)>,
    warned: bool,
}

/// One queued write.
type Write = Box<dyn FnOnce(&rusqlite::Transaction, &Ctx) -> rusqlite::Result<()> + Send>;

impl StoreRecorder {
    /// A recorder for a new run (`run_started` inserts it).
    pub fn new(store: &super::Store, run_id: &str, meta: RunMeta) -> Result<Self, String> {
        let conn = store.reopen()?.conn;
        // Checkpoints (which fsync) run on the watch thread, off the
        // scheduler's path; this is only a backstop (~40 MB of WAL).
        let _ = conn.pragma_update(None, "wal_autocheckpoint", 10_000);
        Ok(StoreRecorder {
            conn,
            run_id: run_id.to_owned(),
            meta,
            session: 1,
            prior_ms: 0,
            next_seq: 0,
            headers: logs::Headers::default(),
            queue: Vec::new(),
            warned: false,
        })
    }

    /// A recorder that continues run `run_id` (`wfc resume`): `run_started`
    /// starts a new session of it instead of inserting a run.
    pub fn resuming(store: &super::Store, run_id: &str, meta: RunMeta) -> Result<Self, String> {
        let mut r = StoreRecorder::new(store, run_id, meta)?;
        let row: Option<(i64, Option<i64>, i64)> = r
            .conn
            .query_row(
                "SELECT session, duration_ms, (SELECT COALESCE(MAX(seq) + 1, 0) FROM steps WHERE run_id = ?1)
                 FROM runs WHERE id = ?1",
                [run_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        let (session, duration, seq) =
            row.ok_or_else(|| format!("no run `{run_id}` in the store"))?;
        r.session = session + 1;
        r.prior_ms = duration.unwrap_or(0);
        r.next_seq = seq;
        Ok(r)
    }

    /// The attempt headers this recorder notes, for the [`logs::LogOutput`] of the run.
    pub fn headers(&self) -> logs::Headers {
        self.headers.clone()
    }

    pub fn session(&self) -> i64 {
        self.session
    }

    /// Queues `f` for the next [`Recorder::flush`].
    fn write(
        &mut self,
        what: &'static str,
        f: impl FnOnce(&rusqlite::Transaction, &Ctx) -> rusqlite::Result<()> + Send + 'static,
    ) {
        self.queue.push((what, Box::new(f)));
    }

    /// Commits the queue in one transaction; reports a failure once.
    fn commit(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        let ctx = Ctx {
            run_id: self.run_id.clone(),
            session: self.session,
        };
        let mut what = "";
        let queue = std::mem::take(&mut self.queue);
        let result = self.conn.transaction().and_then(|tx| {
            for (w, f) in queue {
                what = w;
                f(&tx, &ctx)?;
            }
            tx.commit()
        });
        if let Err(e) = result {
            if !self.warned {
                self.warned = true;
                eprintln!("wfc: warning: the run store could not record {what}: {e} (the run goes on; its record may be incomplete)");
            }
        }
    }
}

struct Ctx {
    run_id: String,
    session: i64,
}

impl Ctx {
    fn event(
        &self,
        tx: &rusqlite::Transaction,
        kind: &str,
        step: Option<&StepKey>,
        detail: serde_json::Value,
    ) -> rusqlite::Result<()> {
        tx.prepare_cached(
            &format!(
            "INSERT INTO events (run_id, seq, at, kind, step, detail) VALUES (?1, {}, ?2, ?3, ?4, ?5)",
            super::schema::NEXT_EVENT
        ),
        )?
        .execute(params![
            self.run_id,
            now_ms(),
            kind,
            step.map(|s| s.name.as_str()),
            if detail.is_null() {
                None
            } else {
                Some(detail.to_string())
            },
        ])?;
        Ok(())
    }
}

/// Records an attempt's end.
fn attempt_end(
    tx: &rusqlite::Transaction,
    c: &Ctx,
    step: &StepKey,
    a: &Attempt,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE attempts SET status = ?7, duration_ms = ?8, exit_code = ?9, error = ?10, outputs = ?11
         WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND step = ?4 AND session = ?5 AND number = ?6",
    )?
    .execute(params![
        c.run_id,
        step.graph.id(),
        rollback_of(step),
        step.name,
        c.session,
        a.number,
        a.status.name(),
        a.duration.as_millis() as i64,
        a.exit_code,
        a.error,
        json_text(&a.outputs)
    ])?;
    c.event(
        tx,
        "attempt_ended",
        Some(step),
        json!({ "attempt": a.number, "status": a.status.name(), "error": a.error }),
    )
}

/// The `rollback_of` column of a step key.
fn rollback_of(key: &StepKey) -> &str {
    match &key.graph {
        GraphName::Rollback(of) => of,
        _ => "",
    }
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

impl Drop for StoreRecorder {
    fn drop(&mut self) {
        self.commit();
    }
}

impl Recorder for StoreRecorder {
    fn run_started(&mut self, run: &RunInfo) {
        let params: serde_json::Map<String, serde_json::Value> =
            run.params.iter().cloned().collect();
        let params = serde_json::Value::Object(params).to_string();
        let started = ms(run.started_at);
        // Written once: the fingerprints (megabytes on big plans) need not
        // stay in memory for the rest of the run.
        let meta = std::mem::take(&mut self.meta);
        let (session, prior) = (self.session, self.prior_ms);
        let host = hostname();
        let pid = std::process::id();
        let run = run.clone();
        self.write("the run's start", move |tx, c| {
            if session == 1 {
                tx.execute(
                    "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                       started_at, heartbeat_at, session, plan, host, session_started_at, prior_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?9, 1, ?10, ?11, ?9, 0)",
                    params![c.run_id, run.workflow, run.file, meta.file_hash, params, run.jobs as i64,
                            run.steps as i64, pid, started, meta.plan, host],
                )?;
                c.event(tx, "run_started", None, json!({ "pid": pid, "file": run.file }))
            } else {
                tx.execute(
                    "UPDATE runs SET status = 'running', pid = ?2, heartbeat_at = ?3, session = ?4,
                            file_hash = ?5, plan = ?6, host = ?7, session_started_at = ?3, prior_ms = ?8,
                            ended_at = NULL, duration_ms = NULL, failed_step = NULL, failed_error = NULL,
                            cancel_requested_at = NULL, jobs = ?9
                     WHERE id = ?1",
                    params![c.run_id, pid, started, session, meta.file_hash, meta.plan, host, prior, run.jobs as i64],
                )?;
                c.event(tx, "run_resumed", None, json!({ "pid": pid, "session": session }))
            }
        });
        self.commit();
    }

    fn attempt_started(&mut self, step: &StepKey, attempt: u32, at: SystemTime) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let log = logs::relative_path(&self.run_id, step);
        // The log file tells where each attempt starts.
        self.headers.attempt(log.clone(), attempt, at);
        let step = step.clone();
        self.write("an attempt's start", move |tx, c| {
            tx.prepare_cached(
                "INSERT INTO steps (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at, log_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9)
                 ON CONFLICT (run_id, graph, rollback_of, name) DO UPDATE SET
                     status = 'running', attempts = excluded.attempts, detail = NULL,
                     started_at = CASE WHEN excluded.attempts = 1 THEN excluded.started_at ELSE started_at END,
                     log_path = excluded.log_path",
            )?
            .execute(params![c.run_id, step.graph.id(), rollback_of(&step), step.name, step.kind, seq,
                             attempt, ms(at), log.to_string_lossy()])?;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO attempts (run_id, graph, rollback_of, step, session, number, status, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7)",
            )?
            .execute(params![c.run_id, step.graph.id(), rollback_of(&step), step.name, c.session, attempt, ms(at)])?;
            c.event(tx, "attempt_started", Some(&step), json!({ "attempt": attempt }))
        });
    }

    fn attempt_ended(&mut self, step: &StepKey, a: &Attempt) {
        let (step, a) = (step.clone(), a.clone());
        self.write("an attempt's end", move |tx, c| {
            attempt_end(tx, c, &step, &a)
        });
    }

    fn waiting(&mut self, step: &StepKey, why: &str) {
        let (step, why) = (step.clone(), why.to_owned());
        self.write("a wait", move |tx, c| {
            tx.prepare_cached(
                "UPDATE steps SET status = 'waiting', detail = ?5
                 WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND name = ?4",
            )?
            .execute(params![
                c.run_id,
                step.graph.id(),
                rollback_of(&step),
                step.name,
                why
            ])?;
            c.event(tx, "waiting", Some(&step), json!({ "why": why }))
        });
    }

    fn step_skipped(&mut self, step: &StepKey, reason: &str) {
        let (step, reason) = (step.clone(), reason.to_owned());
        self.write("a skip", move |tx, c| {
            c.event(tx, "step_skipped", Some(&step), json!({ "why": reason }))
        });
    }

    fn step_ended(&mut self, step: &StepKey, e: &StepEnd) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let (step, e) = (step.clone(), e.clone());
        self.write("a step's end", move |tx, c| {
            tx.prepare_cached(
                "INSERT INTO steps (run_id, graph, rollback_of, name, kind, seq, status, attempts, started_at,
                                    duration_ms, exit_code, error, outputs, optional)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (run_id, graph, rollback_of, name) DO UPDATE SET
                     status = excluded.status, attempts = excluded.attempts,
                     started_at = COALESCE(excluded.started_at, started_at),
                     duration_ms = excluded.duration_ms, exit_code = excluded.exit_code,
                     error = excluded.error, outputs = excluded.outputs,
                     optional = excluded.optional, detail = NULL",
            )?
            .execute(params![c.run_id, step.graph.id(), rollback_of(&step), step.name, step.kind, seq,
                             e.status.name(), e.attempts, e.started_at.map(ms),
                             e.duration.as_millis() as i64, e.exit_code, e.error, json_text(&e.outputs),
                             e.optional])?;
            c.event(tx, "step_ended", Some(&step), json!({ "status": e.status.name() }))
        });
    }

    fn phase(&mut self, name: &str) {
        let name = name.to_owned();
        self.write("a phase", move |tx, c| {
            c.event(tx, "phase", None, json!({ "phase": name }))
        });
    }

    fn run_ended(&mut self, end: &RunEnd) {
        let total = self.prior_ms + end.duration.as_millis() as i64;
        let end = end.clone();
        self.write("the run's end", move |tx, c| {
            let (fs, fe) = match &end.failed {
                Some((s, e)) => (Some(s.as_str()), Some(e.as_str())),
                None => (None, None),
            };
            tx.execute(
                "UPDATE runs SET status = ?2, ended_at = ?3, duration_ms = ?4, failed_step = ?5,
                        failed_error = ?6, heartbeat_at = ?3
                 WHERE id = ?1",
                params![c.run_id, end.status.name(), ms(end.ended_at), total, fs, fe],
            )?;
            c.event(
                tx,
                "run_ended",
                None,
                json!({ "status": end.status.name() }),
            )
        });
        self.commit();
    }

    fn flush(&mut self) {
        self.commit();
    }
}

/// This machine's name (for telling whether a run's pid can be checked here).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}
