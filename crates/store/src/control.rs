//! What other processes ask of a run, and how the store learns that a run's
//! process died.
//!
//! - **Cancel**: `wfc cancel RUN` sets `runs.cancel_requested_at`; the wfc
//!   running the run polls its row every [`POLL`] ([`Watch`]) and cancels
//!   gracefully, exactly as on a first Ctrl-C.
//! - **Pause**: `wfc pause RUN` sets `runs.paused_at` ([`super::pause`]);
//!   the same poll passes it on, and its clearing (`wfc resume`).
//! - **Approvals**: see [`super::decisions`] (re-exported here).
//! - **Liveness**: the running wfc refreshes `runs.heartbeat_at` every
//!   [`HEARTBEAT`] (and checkpoints the WAL, so the recorder never has
//!   to); it folds the run's journal into the store every [`POLL`]. [`reap`] (run at the start of every store command) marks
//!   a `running` run `interrupted` when its process is gone (same host, pid
//!   dead) or its heartbeat is older than [`STALE`] (another host, or a
//!   recycled pid): its `running` steps and attempts become `interrupted`,
//!   and `wfc resume` can continue it. A run that gave up recording (a full
//!   disk) left how it ended in its journal's end slot
//!   ([`super::journal::End`]): it is marked so instead — `failed` with the
//!   write error, never `interrupted`, so a server does not resume it and
//!   re-run a step whose success was not recorded.

pub use super::decisions::{
    check_inputs, decide, decision, gate_waits, reopen, time_out, Decision, StoreDecisions,
};
use super::now_ms;
use super::record::add_event;
use crate::db::{Db, Optional};
use crate::params;
use crate::Store;
use std::time::Duration;

/// How often a run checks for a cancel request, and a gate for a decision.
pub const POLL: Duration = Duration::from_millis(200);
/// How often a run refreshes its heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A heartbeat older than this marks the run as interrupted even if a
/// process with its pid exists.
pub const STALE: Duration = Duration::from_secs(60);

/// Whether process `pid` exists (on this machine).
pub fn pid_alive(pid: i64) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => !is_zombie(pid),
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// A zombie (killed, not yet reaped by its parent) is dead for our purposes.
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Marks runs whose process is gone as `interrupted`; returns their ids.
pub fn reap(store: &Store) -> crate::Result<Vec<String>> {
    let conn = &store.conn;
    let host = super::store_recorder::hostname();
    let now = now_ms();
    let (mut dead, mut live, mut ended) = (Vec::new(), Vec::new(), Vec::new());
    {
        let mut q = conn.prepare(
            // A parked run has no process: nothing to reap.
            "SELECT id, pid, host, heartbeat_at,
                    CASE WHEN owner IN (SELECT id FROM servers) THEN 1 ELSE 0 END
             FROM runs WHERE status = 'running' AND id NOT IN (SELECT run_id FROM parked)",
        )?;
        let rows = q.query_map((), |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<i64>(1)?,
                r.get::<String>(2)?,
                r.get::<i64>(3)?,
                r.get::<i64>(4)? == 1,
            ))
        })?;
        for row in rows {
            let (id, pid, h, beat, leased) = row?;
            // A server's run on a store in a database lives while its
            // server's lease does (by the database's clock, not this
            // one's): the servers' sweep takes it (`servers::sweep`).
            let stale = !leased && now - beat > STALE.as_millis() as i64;
            let gone = !leased && h == host && pid as u32 != std::process::id() && !pid_alive(pid);
            match super::journal::End::read(conn, &id) {
                // Its process has nothing left to record: its end is known.
                Some(end) if end.final_ => ended.push((id, end)),
                // It gave up recording, and its process is gone.
                Some(end) if stale || gone => ended.push((id, end)),
                _ if stale || gone => dead.push(id),
                _ => live.push(id),
            }
        }
    }
    for (id, end) in &ended {
        finish(conn, id, end)?;
    }
    for id in &dead {
        interrupt(conn, id)?;
    }
    // What a live run has journaled, so the caller reads the present.
    for id in &live {
        let _ = super::journal::fold(conn, id);
    }
    Ok(dead)
}

/// Marks one run interrupted (if it is still `running`), after folding in
/// what its journal holds.
pub(crate) fn interrupt(conn: &Db, id: &str) -> crate::Result<()> {
    let tx = conn.write()?;
    interrupt_in(&tx, id)?;
    tx.commit()?;
    super::journal::remove(conn, id);
    Ok(())
}

/// [`interrupt`] in transaction `tx`; whether the run was `running`.
pub(crate) fn interrupt_in(tx: &Db, id: &str) -> crate::Result<bool> {
    crate::exclusive::run(tx, id)?;
    super::journal::fold_last(tx, id, super::journal::Last::Stop, None)?;
    let n = tx.execute(
        "UPDATE runs SET status = 'interrupted', ended_at = heartbeat_at,
                duration_ms = prior_ms + GREATEST(0, heartbeat_at - COALESCE(session_started_at, started_at))
         WHERE id = ?1 AND status = 'running'",
        [id],
    )?;
    if n > 0 {
        tx.execute(
            "UPDATE steps SET status = 'interrupted', detail = NULL,
                    duration_ms = GREATEST(0, (SELECT heartbeat_at FROM runs WHERE id = ?1) - started_at)
             WHERE run_id = ?1 AND status IN ('running', 'waiting')",
            [id],
        )?;
        tx.execute(
            "UPDATE attempts SET status = 'interrupted',
                    duration_ms = GREATEST(0, (SELECT heartbeat_at FROM runs WHERE id = ?1) - started_at)
             WHERE run_id = ?1 AND status = 'running'",
            [id],
        )?;
        add_event(tx, id, now_ms(), "run_interrupted", None, None)?;
    }
    Ok(n > 0)
}

/// An interrupted run, as a server that starts considers resuming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupted {
    pub id: String,
    /// What started it (`manual` for `wfc run`).
    pub trigger: String,
    /// When it was last known alive (its end, else its last heartbeat).
    pub last_ms: i64,
    /// How many sessions it has had.
    pub sessions: i64,
    /// How many of them a stopping server left to the next start ([`left`]).
    pub left: i64,
}

/// Runs `ids`, still going when a stopping server's grace ran out, are left
/// as they are for the next start to resume, as after `kill -9`: the
/// sessions they were in are counted, so that they are not taken for
/// crashes.
pub fn left(store: &Store, ids: &[String]) -> crate::Result<()> {
    let mut q = store.conn.prepare(
        "UPDATE runs SET left_sessions = left_sessions + 1 WHERE id = ?1 AND status = 'running'",
    )?;
    for id in ids {
        q.execute([id])?;
    }
    Ok(())
}

/// The runs that are `interrupted` and were last alive at `since_ms` or
/// later, oldest start first.
pub fn interrupted_since(store: &Store, since_ms: i64) -> crate::Result<Vec<Interrupted>> {
    let mut q = store.conn.prepare(
        "SELECT r.id, COALESCE(t.trigger, ?2), COALESCE(r.ended_at, r.heartbeat_at), r.session,
                r.left_sessions
           FROM runs r LEFT JOIN run_triggers t ON t.run_id = r.id
          WHERE r.status = 'interrupted' AND COALESCE(r.ended_at, r.heartbeat_at) >= ?1
          ORDER BY r.started_at, r.id",
    )?;
    let rows = q.query_map(params![since_ms, super::listing::MANUAL], |r| {
        Ok(Interrupted {
            id: r.get(0)?,
            trigger: r.get(1)?,
            last_ms: r.get(2)?,
            sessions: r.get(3)?,
            left: r.get(4)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

/// Records run `id`'s end from its end slot (if it is still `running`),
/// after folding in what its journal holds: the steps its record left
/// running or waiting are `interrupted`.
fn finish(conn: &Db, id: &str, end: &super::journal::End) -> crate::Result<bool> {
    let tx = conn.write()?;
    // A slot a session left after another process took the run over is
    // not the run's end: left alone.
    if let Err(e) = crate::exclusive::fenced(&tx, id, end.session) {
        if e.to_string().starts_with(crate::exclusive::TAKEN_OVER) {
            tracing::debug!("{e} (its end slot is not applied)");
            return Ok(false);
        }
        return Err(e);
    }
    super::journal::fold_last(&tx, id, super::journal::Last::Stop, None)?;
    let n = tx.execute(
        "UPDATE runs SET status = ?2, ended_at = ?3, duration_ms = ?4, failed_step = ?5,
                failed_error = ?6, heartbeat_at = GREATEST(heartbeat_at, ?3)
         WHERE id = ?1 AND status = 'running'",
        params![
            id,
            end.status,
            end.at,
            end.duration_ms,
            end.failed_step,
            end.failed_error
        ],
    )?;
    if n > 0 {
        tx.execute(
            "UPDATE steps SET status = 'interrupted', detail = NULL,
                    duration_ms = GREATEST(0, ?2 - started_at)
             WHERE run_id = ?1 AND status IN ('running', 'waiting')",
            params![id, end.at],
        )?;
        tx.execute(
            "UPDATE attempts SET status = 'interrupted', duration_ms = GREATEST(0, ?2 - started_at)
             WHERE run_id = ?1 AND status = 'running'",
            params![id, end.at],
        )?;
        let detail = serde_json::json!({ "status": end.status, "recorded_from": "end slot" });
        add_event(
            &tx,
            id,
            now_ms(),
            "run_ended",
            None,
            Some(&detail.to_string()),
        )?;
    }
    tx.commit()?;
    super::journal::remove(conn, id);
    Ok(true)
}

/// Applies the final end slots this state folder's journals hold: the
/// ends that runs' processes could not write when their runs ended (the
/// database was cut off, or failing over to a standby; the disk full).
/// A server calls it every heartbeat, so a run's end reaches the store as
/// soon as the store takes it — never left `running` under a live owner,
/// whom no sweep judges. A slot a session left after another took the run
/// over is not applied (as [`reap`] leaves it). The runs whose end it applied.
pub fn settle(store: &Store) -> crate::Result<Vec<String>> {
    let dir = super::journal::dir(&store.conn);
    let Some(Ok(entries)) = dir.map(std::fs::read_dir) else {
        return Ok(Vec::new());
    };
    let mut settled = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".end")) else {
            continue;
        };
        let Some(end) = super::journal::End::read(&store.conn, id).filter(|e| e.final_) else {
            continue;
        };
        if finish(&store.conn, id, &end)? {
            settled.push(id.to_owned());
        } else {
            // Another session's run now, elsewhere: this journal is stale.
            super::journal::remove(&store.conn, id);
        }
    }
    Ok(settled)
}

/// A run's status, if it exists.
pub fn run_status(store: &Store, id: &str) -> crate::Result<Option<String>> {
    let conn = &store.conn;
    conn.query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0))
        .optional()
}

/// Resolves what the user typed to a run id: the exact id, a unique prefix,
/// or `last` (the newest run).
pub fn find_run(store: &Store, typed: &str) -> Result<String, String> {
    let conn = &store.conn;
    if typed == "last" || typed == "latest" {
        return conn
            .query_row(
                "SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1",
                (),
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no runs recorded yet".to_owned());
    }
    if typed.trim().is_empty() {
        // An empty prefix is a prefix of every run: name one.
        return Err("no run given: name a run id, a prefix of one, or `last`".to_owned());
    }
    let mut q = conn
        .prepare("SELECT id FROM runs WHERE id = ?1 OR id LIKE ?2 ESCAPE '\\' ORDER BY id LIMIT 5")
        .map_err(|e| e.to_string())?;
    let like = format!(
        "{}%",
        typed
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let ids: Vec<String> = q
        .query_map(params![typed, like], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| e.to_string())?;
    if ids.iter().any(|i| i == typed) {
        return Ok(typed.to_owned());
    }
    match ids.len() {
        0 => Err(format!(
            "no run `{typed}` in the store (`wfc history` lists the runs)"
        )),
        1 => Ok(ids[0].clone()),
        _ => Err(format!(
            "`{typed}` matches several runs: {}",
            ids.join(", ")
        )),
    }
}

/// `wfc cancel`: asks the run's process to cancel.
pub fn request_cancel(store: &Store, id: &str) -> Result<(), String> {
    let conn = &store.conn;
    let n = conn
        .execute(
            "UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?2)
             WHERE id = ?1 AND status = 'running'",
            params![id, now_ms()],
        )
        .map_err(|e| e.to_string())?;
    if n == 0 {
        let status = run_status(store, id).map_err(|e| e.to_string())?;
        return Err(format!(
            "run {id} is not running (it is {}); nothing to cancel",
            status.as_deref().unwrap_or("unknown")
        ));
    }
    add_event(conn, id, now_ms(), "cancel_requested", None, None).map_err(|e| e.to_string())
}

/// A word as typed at a shell prompt (quoted when it needs to be).
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The running wfc's side: heartbeat, cancel requests and the journal's
/// folds, on a thread of its own (on the run recorder's connection). Stops
/// when dropped.
pub struct Watch {
    /// Dropping it wakes the thread at once (no wait for the next poll).
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watch {
    /// Watches run `run_id` on `conn`, the run recorder's connection
    /// ([`super::store_recorder::StoreRecorder::connection`]): folds its journal,
    /// refreshes its heartbeat, passes on what others ask of the run
    /// ([`Asks`]), and records the plan's fingerprints when they come from
    /// their thread.
    pub fn start_on(
        conn: super::store_recorder::Shared,
        run_id: &str,
        asks: Asks,
        late_plan: super::store_recorder::LatePlan,
    ) -> Result<Watch, String> {
        let (stop, stopped) = std::sync::mpsc::channel();
        let id = run_id.to_owned();
        let thread = std::thread::Builder::new()
            .name("wfc-store-watch".into())
            .spawn(move || watch(&conn, &id, asks, &late_plan, &stopped))
            .map_err(|e| e.to_string())?;
        Ok(Watch {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What other processes ask of a run, as the watch passes it on.
pub struct Asks {
    /// Called once, when `wfc cancel` asks.
    pub cancel: Box<dyn FnOnce() + Send>,
    /// Called with whether the run is paused (`wfc pause`), at the first
    /// look and at each change.
    pub pause: Box<dyn FnMut(bool) + Send>,
    /// Called once, with why, when this process may no longer write the
    /// run's record (E0607: its server lost the lease the run started
    /// under, or another server took the run over): its steps must stop
    /// at once — compensations and `finally` too, which are the new
    /// owner's to run.
    pub taken: Box<dyn FnOnce(String) + Send>,
}

fn watch(
    shared: &super::store_recorder::Shared,
    id: &str,
    asks: Asks,
    late_plan: &super::store_recorder::LatePlan,
    stop: &std::sync::mpsc::Receiver<()>,
) {
    let Asks {
        cancel,
        mut pause,
        taken,
    } = asks;
    let mut cancel = Some(cancel);
    let mut paused: Option<bool> = None;
    let mut last_beat = std::time::Instant::now();
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(POLL) {
        // Before the database, which a server that lost its lease may
        // not reach.
        if let Err(e) = shared.held(id) {
            taken(e.to_string());
            break;
        }
        let conn = shared.lock();
        let asked: Option<(Option<i64>, bool)> = conn
            .prepare_cached(
                "SELECT cancel_requested_at, paused_at IS NOT NULL FROM runs WHERE id = ?1",
            )
            .and_then(|mut q| q.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))))
            .optional()
            .unwrap_or(None);
        if let Some((cancel_at, now_paused)) = asked {
            if cancel_at.is_some() {
                if let Some(cancel) = cancel.take() {
                    tracing::info!("`wfc cancel` asked to cancel this run (stopping running steps; compensations and `finally` still run)");
                    cancel();
                }
            }
            if paused != Some(now_paused) {
                if paused.is_some() {
                    if now_paused {
                        tracing::info!("paused (`wfc pause`): running steps finish, nothing new starts until `wfc resume`");
                    } else {
                        tracing::info!("going on (`wfc resume`)");
                    }
                }
                paused = Some(now_paused);
                pause(now_paused);
                // Told the scheduler: `wfc pause` waits for this.
                let _ = conn.execute(
                    "UPDATE runs SET pause_taken_at = CASE WHEN paused_at IS NULL THEN NULL ELSE CAST(?2 AS BIGINT) END
                     WHERE id = ?1",
                    params![id, now_ms()],
                );
            }
        }
        // Often, so the run's end has little left to fold, and the work
        // falls in the gaps between steps rather than after the last one.
        if let Err(e) = shared.fold_on(&conn, id) {
            if e.to_string().starts_with(crate::exclusive::TAKEN_OVER) {
                taken(e.to_string());
                break;
            }
        }
        // Not left for the scheduler's next turn, which a long step delays.
        let _ = late_plan.record(&conn, id);
        if last_beat.elapsed() >= HEARTBEAT {
            last_beat = std::time::Instant::now();
            let _ = conn.execute(
                "UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'running'",
                params![id, now_ms()],
            );
            // The run's recorder leaves checkpoints to this thread.
            if let Some(c) = conn.as_sqlite() {
                let _ = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", (), |_| Ok(()));
            }
        }
    }
    tracing::trace!(target: "wfc::timing", thread = "watch", "thread ended");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_when_needed() {
        assert_eq!(shell_word("approve"), "approve");
        assert_eq!(shell_word("approve[eu-west]"), "'approve[eu-west]'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn this_process_is_alive() {
        assert!(pid_alive(i64::from(std::process::id())));
        assert!(!pid_alive(0));
        assert!(!pid_alive(i64::from(i32::MAX)));
    }
}
