//! [`StoreRecorder`]: the run store as a [`Recorder`].
//!
//! The run's start is written to the database at once. Every later state
//! change becomes a [`Record`], queued, and each [`Recorder::flush`] — which
//! the scheduler calls once per turn of its loop, after handling what
//! happened and recording the steps it is about to start, before it starts
//! them and before it waits — appends the turn's records to the run's
//! [`journal`] at once, as one frame. So a state change is recorded
//! before the scheduler acts on it: a step is recorded as succeeded (with
//! its outputs) before any step that depends on it starts, and as running
//! before its process starts. A crash at any instant leaves a prefix of the
//! run's history: steps `running` then (turned `interrupted` by
//! [`super::control::reap`]), every step before them final.
//!
//! The journal reaches the database in folds (see [`super::journal`]); the
//! run's end folds the rest and records the end in one transaction, then
//! deletes the file.
//!
//! A write that fails (a full disk, a read-only store, an I/O error, a
//! step's log that cannot be written) is the run's failure: from then on
//! its record cannot be trusted, so [`Recorder::flush`] says so and the run
//! starts nothing more and ends failed with the write error as its reason
//! — no run reports success without a durable record. The journal's end
//! slot ([`journal::End`], its space taken when the run started) says so
//! at once, so a process killed now leaves a run that is reaped `failed`,
//! not `interrupted`, and a server does not resume it; when the database
//! cannot take the run's end, the slot keeps it until a later command can.

use super::durations::{self, Durations};
use super::journal::{self, End, Journal};
use super::logs;
use super::record::{add_event, Key, Outcome, Record};
use super::wire::Turn;
use super::{ms, now_ms};
use crate::db::{Db, Optional};
use crate::params;
use serde_json::json;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use wfc_contract::{
    Attempt, GraphName, RecordError, Recorder, RunEnd, RunInfo, RunStatus, StepEnd, StepKey,
    StepStatus,
};

mod shared;
mod start;
pub use shared::Shared;
use start::{add_listed_event, store_plan};
pub use start::{RunMeta, StartRows};

/// Records a run into the store.
pub struct StoreRecorder {
    /// Shared with the run's watch thread ([`StoreRecorder::connection`]).
    conn: Shared,
    run_id: String,
    meta: RunMeta,
    /// 1 for a new run; the resumed session otherwise.
    session: i64,
    /// Time spent in earlier sessions.
    prior_ms: i64,
    next_seq: i64,
    headers: logs::Headers,
    logs: logs::LogPaths,
    /// The path [`Recorder::attempt_ended`] looks up, kept to reuse its memory.
    scratch: String,
    /// The run's journal, from its start on.
    journal: Option<Journal>,
    /// This turn's records, encoded as they come.
    turn: Turn,
    /// A write of the record failed: the run's failure (sticky).
    failed: Option<RecordError>,
    /// A failure of the step logs' writers (see [`logs::LogFailure`]).
    log_failure: logs::LogFailure,
    /// When this session started, ms.
    session_started: i64,
    warned: bool,
    /// The plan's fingerprints when a thread is still taking them
    /// ([`StoreRecorder::plan_later`]), shared with the watch thread.
    plan_later: LatePlan,
    /// The main-graph steps that succeeded, for the run's `durations` row.
    durations: Durations,
    /// The step just found up to date (told before its end): its 0 ms is
    /// no duration of the work, so no estimate reads it.
    up_to_date: Option<String>,
    /// The workflow's outputs (masked JSON object), stored with the run's end.
    outputs: Option<String>,
}

impl StoreRecorder {
    /// A recorder for a new run (`run_started` inserts it), on a connection
    /// of its own.
    pub fn new(store: &super::Store, run_id: &str, meta: RunMeta) -> Result<Self, String> {
        Ok(StoreRecorder::on(store.reopen()?, run_id, meta))
    }

    /// [`StoreRecorder::new`] on `store`'s connection, which it takes.
    pub fn on(store: super::Store, run_id: &str, meta: RunMeta) -> Self {
        // A database's store has not made its state folder yet; the run's
        // journal and logs go there. (A failure shows at the journal.)
        if !store.dir.as_os_str().is_empty() && !store.dir.exists() {
            let _ = super::place::create(&store.dir);
        }
        let conn = store.conn;
        // Checkpoints (which fsync) run on the watch thread, off the
        // scheduler's path; this is only a backstop (~40 MB of WAL).
        if let Some(c) = conn.as_sqlite() {
            let _ = c.pragma_update(None, "wal_autocheckpoint", 10_000);
        }
        // Every row it and the watch thread's folds write belongs to the run
        // it inserted, read from `runs` in the same transaction: no
        // foreign-key lookups (the check looks the run up for every row a
        // step writes: ~1.7 µs of a fold's ~13 µs a step). The
        // store's 256 KiB page cache is what the folds need: a run's rows go
        // in by name, so a fold touches leaf pages all over the run's part of
        // the trees (with 64 KiB, 13 → 22 µs a step with eight earlier runs).
        if let Some(c) = conn.as_sqlite() {
            let _ = c.pragma_update(None, "foreign_keys", "OFF");
        }
        let sqlite = conn.as_sqlite().is_some();
        let conn = Arc::new(Mutex::new(conn));
        let log_failure = logs::LogFailure::default();
        // A store in a database keeps the logs there too (see `logs::chunks`).
        let fence = Arc::new(crate::exclusive::Fence::new());
        let chunks = (!sqlite).then(|| {
            logs::chunks::Chunks::new(run_id, conn.clone(), fence.clone(), log_failure.clone())
        });
        StoreRecorder {
            conn: Shared {
                conn,
                chunks,
                fence,
            },
            run_id: run_id.to_owned(),
            meta,
            session: 1,
            prior_ms: 0,
            next_seq: 0,
            headers: logs::Headers::default(),
            logs: logs::LogPaths::new(run_id),
            scratch: String::new(),
            journal: None,
            turn: Turn::default(),
            failed: None,
            log_failure,
            session_started: 0,
            warned: false,
            plan_later: LatePlan::default(),
            durations: Durations::default(),
            up_to_date: None,
            outputs: None,
        }
    }

    /// A recorder that continues run `run_id` (`wfc resume`): `run_started`
    /// starts a new session of it instead of inserting a run.
    pub fn resuming(store: &super::Store, run_id: &str, meta: RunMeta) -> Result<Self, String> {
        StoreRecorder::resuming_on(store.reopen()?, run_id, meta)
    }

    /// [`StoreRecorder::resuming`] on `store`'s connection, which it takes.
    pub fn resuming_on(store: super::Store, run_id: &str, meta: RunMeta) -> Result<Self, String> {
        let mut r = StoreRecorder::on(store, run_id, meta);
        let row: Option<(i64, Option<i64>, i64)> = r.conn.lock()
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
        r.conn.fence.set_session(r.session);
        r.prior_ms = duration.unwrap_or(0);
        r.next_seq = seq;
        Ok(r)
    }

    /// The plan's fingerprints come from `rx` instead of the [`RunMeta`]:
    /// a thread takes them while the run starts, so its first step does
    /// not wait for them. They are recorded at the first turn after they
    /// come, before a step waits (for `wfc approve`, which checks gate names
    /// against them), at the latest with the run's end. Until then the run
    /// has no recorded plan, which `wfc resume` (after wfc was killed) takes
    /// as it does a run recorded before plans were: it resumes only an
    /// unchanged file.
    ///
    /// The watch thread records them too, within its 200 ms, if they come
    /// while the scheduler waits (a long step: no turn until it ends, and a
    /// crash then would lose the plan); whoever receives them records them.
    pub fn plan_later(&mut self, rx: Receiver<Vec<u8>>) {
        *self.plan_later.slot() = Some(rx);
    }

    /// The fingerprints still to come, for the watch thread.
    pub fn late_plan(&self) -> LatePlan {
        self.plan_later.clone()
    }

    /// The fingerprints from the thread, if they came (`wait`: wait for
    /// them). `None` also when the thread is gone without sending them, or
    /// the watch thread took them.
    fn fingerprints(&mut self, wait: bool) -> Option<Vec<u8>> {
        if wait {
            // Taken out first: the wait holds no lock the watch thread takes.
            let rx = self.plan_later.slot().take()?;
            return rx.recv().ok();
        }
        self.plan_later.try_take()
    }

    /// Records the fingerprints once the thread has sent them (`wait`:
    /// waits for them). Without them the run is still recorded (`wfc
    /// resume` then needs the file unchanged): a failure is only reported.
    fn record_plan(&mut self, wait: bool) {
        if let Some(plan) = self.fingerprints(wait) {
            let id = self.run_id.clone();
            if let Err(e) = self.write(|tx| store_plan(tx, &id, &plan)) {
                self.warn("the run's plan", &e);
            }
        }
    }

    /// The recorder's connection, for the run's watch thread
    /// ([`super::control::Watch::start_on`]) to fold the journal on. One
    /// connection for both: a second cost ~0.4 ms to open before the first
    /// step, and 256 KiB of page cache; and the run's end, written here after
    /// the folds, finds their pages and statements ready in it (on a
    /// connection that had only recorded the run's start, the end's fold and
    /// rows read their b-tree pages one by one: ~2M instructions).
    pub fn connection(&self) -> Shared {
        self.conn.clone()
    }

    /// The attempt headers this recorder notes, for the [`logs::LogOutput`] of the run.
    pub fn headers(&self) -> logs::Headers {
        self.headers.clone()
    }

    /// Where the run's [`logs::LogOutput`] sends the lines, on a store in a
    /// database ([`logs::LogOutput::in_chunks`]).
    pub fn log_chunks(&self) -> Option<logs::chunks::Chunks> {
        self.conn.chunks.clone()
    }

    /// Where the run's [`logs::LogOutput`] tells a log it could not write.
    pub fn log_failure(&self) -> logs::LogFailure {
        self.log_failure.clone()
    }

    pub fn session(&self) -> i64 {
        self.session
    }

    /// Reports a failure to record `what` that the run survives, once.
    fn warn(&mut self, what: &str, e: &dyn std::fmt::Display) {
        if !std::mem::replace(&mut self.warned, true) {
            tracing::warn!("the run store could not record {what}: {e} (the run goes on)");
        }
    }

    /// Gives up recording: the run fails with `why`. The end slot says so
    /// at once (see the module docs).
    fn give_up(&mut self, why: String) -> RecordError {
        if let Some(e) = &self.failed {
            return e.clone();
        }
        let e = RecordError(why);
        // (Taken over: the run is another session's, which records its end.)
        let taken = e.0.starts_with(crate::exclusive::TAKEN_OVER);
        if let Some(j) = self.journal.as_ref().filter(|_| !taken) {
            let now = now_ms();
            let _ = j.write_end(&End {
                status: "failed".into(),
                at: now,
                duration_ms: self.prior_ms + (now - self.session_started).max(0),
                failed_step: Some("wfc".into()),
                failed_error: Some(e.to_string()),
                final_: false,
                session: Some(self.session),
                owner: self.conn.fence.owner().map(str::to_owned),
            });
        }
        self.failed = Some(e.clone());
        e
    }

    /// Appends this turn's records to the journal; an error once the
    /// record cannot be trusted (the turn is dropped: the journal keeps a
    /// prefix of the run, never a gap).
    fn append(&mut self) -> Result<(), RecordError> {
        let result = self.append_turn();
        self.turn.clear();
        result
    }

    fn append_turn(&mut self) -> Result<(), RecordError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if let Some(why) = self.log_failure.get() {
            return Err(self.give_up(why));
        }
        let Some(what) = self.turn.first() else {
            return Ok(());
        };
        let result = match &mut self.journal {
            Some(j) => j
                .append(&mut self.turn)
                .map_err(|e| format!("{}: {e}", j.path().display())),
            None => Err("the run's start was not recorded".to_owned()),
        };
        if let Err(why) = result {
            return Err(self.give_up(format!("{why} (recording {what})")));
        }
        // After the turn's frame: the scheduler's own records come first. A
        // step that waits (a gate) may wait for `wfc approve`, which checks
        // the gate's name against the recorded plan: it is there by then.
        if self.plan_later.pending() {
            let waits = self.turn.waits();
            self.record_plan(waits);
        }
        Ok(())
    }

    /// Runs `f` in one IMMEDIATE transaction.
    fn write<E: From<crate::Error>>(&self, f: impl FnOnce(&Db) -> Result<(), E>) -> Result<(), E> {
        self.conn.fence.held(&self.run_id)?;
        let written = {
            let conn = self.conn.lock();
            conn.write()
                .map_err(E::from)
                .and_then(|tx| f(&tx).and_then(|()| Ok(tx.commit()?)))
        };
        if written.is_err() {
            self.conn.heal();
        }
        written
    }
}

/// Why a run's start was not recorded.
enum Start {
    Db(crate::Error),
    /// Another process runs it.
    Claimed(String),
}

impl From<crate::Error> for Start {
    fn from(e: crate::Error) -> Start {
        Start::Db(e)
    }
}

fn key(step: &StepKey) -> Key<'_> {
    Key {
        graph: step.graph.id(),
        rollback_of: rollback_of(step),
        name: &step.name,
    }
}

/// The `rollback_of` column of a step key.
fn rollback_of(key: &StepKey) -> &str {
    match &key.graph {
        GraphName::Rollback(of) => of,
        _ => "",
    }
}

/// `v` as JSON text (`None` for null). Through `to_string`, which writes to
/// a `Vec` directly: `Display` goes through `fmt::Write` a piece at a time,
/// ~3k instructions for a step's usual three outputs, twice a step.
fn json_text(v: &serde_json::Value) -> Option<String> {
    if v.is_null() {
        None
    } else {
        serde_json::to_string(v).ok()
    }
}

impl Drop for StoreRecorder {
    fn drop(&mut self) {
        let _ = self.append();
    }
}

impl Recorder for StoreRecorder {
    fn run_started(&mut self, run: &RunInfo) -> Result<(), RecordError> {
        let params: serde_json::Map<String, serde_json::Value> =
            run.params.iter().cloned().collect();
        let params = serde_json::Value::Object(params).to_string();
        let started = ms(run.started_at);
        self.session_started = started;
        // Written once: the fingerprints (megabytes on big plans) need not
        // stay in memory for the rest of the run.
        let mut meta = std::mem::take(&mut self.meta);
        if let Some(plan) = self.fingerprints(false) {
            meta.plan = plan;
        }
        let (session, prior) = (self.session, self.prior_ms);
        let host = hostname();
        let pid = std::process::id();
        let id = self.run_id.clone();
        // The journal exists (empty) before the run's row says `running`, so
        // a fold never misses a line; `journal.batch` restarts with it.
        if let Some(path) = journal::path(&self.conn.lock(), &id) {
            let writer = journal::Writer {
                session: Some(session),
                owner: self.conn.fence.owner().map(str::to_owned),
            };
            let j = Journal::create_by(path.clone(), &writer)
                .map_err(|e| RecordError(format!("{}: {e}", path.display())))?;
            self.journal = Some(j);
        }
        // The server whose session this is (none for `wfc run`).
        let owner = self.conn.fence.owner().map(str::to_owned);
        let recorded = self.write(|tx| -> Result<(), Start> {
            if session == 1 && meta.start.queued {
                // Queued by a full server: the claim that starts it is the
                // one that finds it still queued.
                let row = start::Row { params: &params, jobs: run.jobs as i64, steps: run.steps as i64,
                                       pid, started, host: &host, file_hash: &meta.file_hash, owner: owner.as_deref() };
                if !start::claim_queued(tx, &id, &row)? {
                    return Err(Start::Claimed(format!(
                        "run {id} is no longer queued (another server started it, or it was cancelled)"
                    )));
                }
                store_plan(tx, &id, &meta.plan)?;
                let file = serde_json::Value::from(run.file.as_str());
                let around = (format!(r#"{{"file":{file},"listed":"#), format!(r#","pid":{pid}}}"#));
                add_listed_event(tx, &id, "run_started", around)?;
            } else if session == 1 {
                tx.execute_later(
                    "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                       started_at, heartbeat_at, session, host, session_started_at, prior_ms, owner)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?9, 1, ?10, ?9, 0, ?11)",
                    params![id, run.workflow, run.file, meta.file_hash, params, run.jobs as i64,
                            run.steps as i64, pid, started, host, owner],
                )?;
                store_plan(tx, &id, &meta.plan)?;
                meta.start.write(tx, &id)?;
                // {"file":…,"listed":N,"pid":…}, keys in serde_json's order.
                let file = serde_json::Value::from(run.file.as_str());
                let around = (format!(r#"{{"file":{file},"listed":"#), format!(r#","pid":{pid}}}"#));
                add_listed_event(tx, &id, "run_started", around)?;
            } else {
                // (A new run has no position yet; a resumed one's restarts.)
                tx.execute("DELETE FROM journal WHERE run_id = ?1", [&id])?;
                // Resumed: off the queue of dead servers' runs (`sweep`).
                tx.execute_later("DELETE FROM run_queue WHERE run_id = ?1", [&id])?;
                // Only a run no process runs: two resuming one run at once,
                // the second finds it running and records nothing. A parked
                // run is `running` with no process: waking it is its claim,
                // and a cancel asked meanwhile is what woke it.
                let parked = super::park::unpark_in(tx, &id)?;
                let claimed = tx.execute(
                    "UPDATE runs SET status = 'running', pid = ?2, heartbeat_at = ?3, session = ?4,
                            file_hash = ?5, host = ?6, session_started_at = ?3, prior_ms = ?7,
                            ended_at = NULL, duration_ms = NULL, failed_step = NULL, failed_error = NULL,
                            cancel_requested_at = CASE WHEN ?9 THEN cancel_requested_at END, jobs = ?8,
                            owner = ?10
                     WHERE id = ?1 AND session = ?4 - 1 AND (status != 'running' OR ?9)",
                    params![id, pid, started, session, meta.file_hash, host, prior, run.jobs as i64, parked, owner],
                )?;
                if claimed == 0 {
                    return Err(Start::Claimed(format!(
                        "run {id} is running already (another process resumed it)"
                    )));
                }
                store_plan(tx, &id, &meta.plan)?;
                durations::forget(tx, &id)?;
                let around = (r#"{"listed":"#.to_owned(), format!(r#","pid":{pid},"session":{session}}}"#));
                add_listed_event(tx, &id, "run_resumed", around)?;
            }
            Ok(())
        });
        if let Err(e) = recorded {
            // Nothing is recorded: no journal is left behind either.
            self.journal = None;
            journal::remove(&self.conn.lock(), &id);
            let delivery = meta.start.delivery.as_deref().unwrap_or_default();
            return Err(RecordError(match e {
                Start::Db(e) if crate::deliveries::is_taken(&e) => format!(
                    "{}: delivery `{delivery}` started a run already (on another server): run \
                     {id} is not started",
                    crate::deliveries::DELIVERY_TAKEN
                ),
                // (A start another server's came before: its code first.)
                Start::Db(crate::Error::Conflict(why))
                    if why.starts_with(crate::fires::SLOT_TAKEN) =>
                {
                    why
                }
                Start::Db(e) => format!("the run store: {e}"),
                Start::Claimed(why) => why,
            }));
        }
        // The plan's fingerprints went through the page cache; nothing else
        // is written here until the run's end.
        if let Some(c) = self.conn.lock().as_sqlite() {
            let _ = c.execute_batch("PRAGMA shrink_memory");
        }
        Ok(())
    }

    fn attempt_started(&mut self, step: &StepKey, attempt: u32, at: SystemTime) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let log = self.logs.of(step);
        self.turn.push(&Record::AttemptStarted {
            key: key(step),
            kind: step.kind,
            seq,
            attempt,
            at: ms(at),
            log: &log,
        });
        // The log file tells where each attempt starts.
        self.headers.attempt(log, attempt, self.session, at);
    }

    fn attempt_ended(&mut self, step: &StepKey, a: &Attempt) {
        self.logs.write(step, &mut self.scratch);
        self.headers.ended(&self.scratch);
        // The attempt's lines are in the database before its end is in the
        // journal, which any reader may fold (as a file's are on disk).
        if let Some(c) = &self.conn.chunks {
            c.send_before_end(&self.scratch);
        }
        let (key, attempt, status) = (key(step), a.number, a.status.name());
        let outputs = json_text(&a.outputs);
        let outcome = Outcome {
            duration_ms: a.duration.as_millis() as i64,
            exit_code: a.exit_code,
            error: a.error.as_deref(),
            outputs: outputs.as_deref(),
        };
        let at = now_ms();
        self.turn.push(&match a.usage {
            Some(usage) => Record::AttemptEndedWithUsage {
                key,
                attempt,
                status,
                outcome,
                usage: usage.into(),
                at,
            },
            None => Record::AttemptEnded {
                key,
                attempt,
                status,
                outcome,
                at,
            },
        });
    }

    fn waiting(&mut self, step: &StepKey, why: &str) {
        self.turn.push(&Record::Waiting {
            key: key(step),
            why,
            at: now_ms(),
        });
    }

    fn step_skipped(&mut self, step: &StepKey, reason: &str) {
        self.turn.push(&Record::Skipped {
            step: &step.name,
            why: reason,
            at: now_ms(),
        });
    }

    fn step_ended(&mut self, step: &StepKey, e: &StepEnd) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let duration_ms = e.duration.as_millis() as i64;
        let restored = self.up_to_date.take().is_some_and(|s| s == step.name);
        if e.status == StepStatus::Succeeded && step.graph == GraphName::Main && !restored {
            self.durations.push(&step.name, duration_ms);
        }
        self.turn.push(&Record::StepEnded {
            key: key(step),
            kind: step.kind,
            seq,
            status: e.status.name(),
            attempts: e.attempts,
            started_at: e.started_at.map(ms),
            outcome: Outcome {
                duration_ms,
                exit_code: e.exit_code,
                error: e.error.as_deref(),
                outputs: json_text(&e.outputs).as_deref(),
            },
            optional: e.optional,
            at: now_ms(),
        });
    }

    fn artifacts_kept(&mut self, step: &StepKey, files: &[wfc_contract::ArtifactFile]) {
        for (i, f) in files.iter().enumerate() {
            self.turn.push(&Record::Artifact {
                key: key(step),
                name: &f.name,
                path: &f.path,
                size: f.size,
                sha256: &f.sha256,
                first: i == 0,
                at: now_ms(),
            });
        }
    }

    fn step_inputs(&mut self, step: &StepKey, i: &wfc_contract::up_to_date::StepInputs) {
        if i.origin.is_some() {
            self.up_to_date = Some(step.name.clone());
        }
        self.turn.push(&Record::StepInputs {
            step: &step.name,
            inputs: crate::record::Inputs {
                scope: &i.scope,
                key: &i.key,
                sources: &i.sources,
                deps: &i.deps,
                gave: &i.gave,
                origin: i.origin.as_deref(),
                forced: i.forced,
                checked: i.checked.as_deref(),
            },
            at: now_ms(),
        });
    }

    fn phase(&mut self, name: &str) {
        self.turn.push(&Record::Phase { name, at: now_ms() });
    }

    fn workflow_outputs(&mut self, outputs: &[(String, serde_json::Value)]) {
        let map: serde_json::Map<_, _> = outputs.iter().cloned().collect();
        self.outputs = Some(serde_json::Value::Object(map).to_string());
    }

    fn run_ended(&mut self, end: &RunEnd) -> Result<(), RecordError> {
        let appended = self.append();
        let outputs = self.outputs.take();
        let total = self.prior_ms + end.duration.as_millis() as i64;
        let id = self.run_id.clone();
        // A run whose record failed did not succeed, whatever it was told.
        let (status, failed) = match &appended {
            Err(e) if end.status == RunStatus::Succeeded => {
                (RunStatus::Failed, Some(("wfc".to_owned(), e.to_string())))
            }
            _ => (end.status, end.failed.clone()),
        };
        // A run shorter than its fingerprints waits for them here.
        let plan = self.fingerprints(true);
        // Only the first session saw all of the run's steps end, and only
        // one that succeeded in it records how long they took.
        let durations = (self.session == 1 && self.failed.is_none())
            .then(|| std::mem::take(&mut self.durations));
        let (fs, fe) = match &failed {
            Some((s, e)) => (Some(s.as_str()), Some(e.as_str())),
            None => (None, None),
        };
        let mut logs_sent = None;
        let shared = self.conn.clone();
        let session = self.session;
        let ended = self.write(|tx| {
            // (The fold locks the run's row first.)
            journal::fold_last(tx, &id, journal::Last::End, Some(session))?;
            logs_sent = Some(shared.send_logs(tx)?);
            if let Some(plan) = &plan {
                store_plan(tx, &id, plan)?;
            }
            if let Some(d) = &durations {
                d.store(tx, &id)?;
            }
            tx.execute_later(
                "UPDATE runs SET status = ?2, ended_at = ?3, duration_ms = ?4, failed_step = ?5,
                        failed_error = ?6, heartbeat_at = ?3
                 WHERE id = ?1",
                params![id, status.name(), ms(end.ended_at), total, fs, fe],
            )?;
            // An event, not a column: a run's outputs are read by
            // `wfc status`, the latest session's winning (see docs/store.md).
            if let Some(o) = &outputs {
                add_event(tx, &id, now_ms(), "outputs", None, Some(o))?;
            }
            add_event(
                tx,
                &id,
                now_ms(),
                "run_ended",
                None,
                Some(&json!({ "status": status.name() }).to_string()),
            )
        });
        let journal = self.journal.take();
        match (ended, journal) {
            // Another process took the run over: its end is that
            // process's to record, and this one reports no end.
            (Err(e), _) if e.to_string().starts_with(crate::exclusive::TAKEN_OVER) => {
                Err(self.give_up(e.to_string()))
            }
            // Everything in the journal is in the store now.
            (Ok(()), _) => {
                if let Some(sent) = logs_sent {
                    self.conn.logs_sent(sent);
                }
                journal::remove(&self.conn.lock(), &self.run_id);
                appended
            }
            // The database cannot take the end (a full disk): the end slot
            // keeps it, for whoever reads the store next to apply.
            (Err(db), Some(j)) => {
                let slot = End {
                    status: status.name().to_owned(),
                    at: ms(end.ended_at),
                    duration_ms: total,
                    failed_step: fs.map(str::to_owned),
                    failed_error: fe.map(str::to_owned),
                    final_: true,
                    session: Some(session),
                    owner: self.conn.fence.owner().map(str::to_owned),
                };
                match j.write_end(&slot) {
                    Ok(()) => appended,
                    Err(e) => Err(self.give_up(format!("the run's end: {db}; its end slot: {e}"))),
                }
            }
            (Err(db), None) => Err(self.give_up(format!("the run's end: {db}"))),
        }
    }

    /// One transaction like [`Self::run_ended`]'s: the journal folded in,
    /// the `parked` row written. Nothing is recorded after it.
    fn run_parked(&mut self, parked: &wfc_contract::Parked) -> Result<(), RecordError> {
        self.append()?;
        let id = self.run_id.clone();
        let session = self.session;
        let plan = self.fingerprints(true);
        let mut logs_sent = None;
        let shared = self.conn.clone();
        let done = self.write(|tx| {
            journal::fold_last(tx, &id, journal::Last::Stop, Some(session))?;
            logs_sent = Some(shared.send_logs(tx)?);
            if let Some(plan) = &plan {
                store_plan(tx, &id, plan)?;
            }
            super::park::park_in(tx, &id, session, parked)?;
            Ok::<(), crate::Error>(())
        });
        match done {
            Ok(()) => {
                if let Some(sent) = logs_sent {
                    self.conn.logs_sent(sent);
                }
                self.journal = None;
                journal::remove(&self.conn.lock(), &id);
                Ok(())
            }
            Err(e) => Err(RecordError(format!("the run store: {e}"))),
        }
    }

    fn flush(&mut self) -> Result<(), RecordError> {
        self.append()
    }
}
/// This machine's name (for telling whether a run's pid can be checked here).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

mod late_plan;
pub use late_plan::LatePlan;

#[cfg(test)]
mod tests;
