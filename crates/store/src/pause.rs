//! Pausing: a run (`wfc pause RUN`) and a workflow's triggers (`wfc
//! triggers pause WORKFLOW [KIND]`).
//!
//! A paused run lets its running steps finish and starts nothing new — no
//! step, no retry — until `wfc resume RUN`. The pause is a column of the
//! run's row (`runs.paused_at`, `runs.paused_by`), which the process running
//! it reads every [`super::control::POLL`] (as it reads a cancel request):
//! so `wfc pause` works from any terminal, the API and the dashboard alike,
//! and outlives the process — a paused run that a restart resumes comes
//! back paused. Each change is an event of the run (`paused`, `unpaused`,
//! with who).
//!
//! The process running the run marks when it took the pause
//! (`runs.pause_taken_at`); `wfc pause` waits for that ([`taken`]), so that
//! once it returns nothing new starts.
//!
//! A paused trigger (`paused_triggers`, by workflow and kind, `*` for every
//! kind) starts nothing: `wfc serve` records a paused schedule's slots as
//! ignored firings, ignores changed files, and answers a webhook 409.

use super::now_ms;
use super::record::add_event;
use crate::db::Db;
use crate::db::Optional;
use crate::params;
use crate::Store;

/// Who paused a run, and when (ms since the epoch).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Paused {
    pub by: String,
    pub at: i64,
}

/// Run `id`'s pause, if it is paused.
pub fn paused(store: &Store, id: &str) -> crate::Result<Option<Paused>> {
    paused_on(&store.conn, id)
}

pub(crate) fn paused_on(conn: &Db, id: &str) -> crate::Result<Option<Paused>> {
    conn.query_row(
        "SELECT paused_at, COALESCE(paused_by, '') FROM runs WHERE id = ?1 AND paused_at IS NOT NULL",
        [id],
        |r| {
            Ok(Paused {
                at: r.get(0)?,
                by: r.get(1)?,
            })
        },
    )
    .optional()
}

/// `wfc pause`: pauses running run `id` for `by`. Refused for a run that
/// is not running, or is paused already (the message says by whom).
pub fn pause(store: &Store, id: &str, by: &str) -> Result<(), String> {
    let conn = &store.conn;
    // (SQLite's errors and the store's, as text.)
    fn s(e: impl std::fmt::Display) -> String {
        e.to_string()
    }
    let at = now_ms();
    let n = conn
        .execute(
            "UPDATE runs SET paused_at = ?2, paused_by = ?3
             WHERE id = ?1 AND status = 'running' AND paused_at IS NULL",
            params![id, at, by],
        )
        .map_err(s)?;
    if n == 0 {
        if let Some(p) = paused(store, id).map_err(s)? {
            return Err(format!(
                "run {id} is paused already (by {} at {}); `wfc resume {id}` lets it go on",
                p.by,
                when(p.at)
            ));
        }
        let status = super::control::run_status(store, id).map_err(s)?;
        return Err(format!(
            "run {id} is not running (it is {}); nothing to pause",
            status.as_deref().unwrap_or("unknown")
        ));
    }
    let detail = serde_json::json!({ "by": by }).to_string();
    add_event(conn, id, at, "paused", None, Some(&detail)).map_err(s)
}

/// A time of the store as `wfc status` writes it (UTC, RFC 3339).
pub fn when(ms: i64) -> String {
    wfc_contract::time::timestamp(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64),
    )
}

/// Lets paused run `id` go on; `Ok(false)` when it was not paused.
pub fn unpause(store: &Store, id: &str, by: &str) -> Result<bool, String> {
    let conn = &store.conn;
    // (SQLite's errors and the store's, as text.)
    fn s(e: impl std::fmt::Display) -> String {
        e.to_string()
    }
    let n = conn
        .execute(
            "UPDATE runs SET paused_at = NULL, paused_by = NULL, pause_taken_at = NULL
             WHERE id = ?1 AND paused_at IS NOT NULL",
            [id],
        )
        .map_err(s)?;
    if n == 0 {
        return Ok(false);
    }
    let detail = serde_json::json!({ "by": by }).to_string();
    add_event(conn, id, now_ms(), "unpaused", None, Some(&detail)).map_err(s)?;
    Ok(true)
}

/// Whether the process running run `id` took its pause (it looks every
/// [`super::control::POLL`]); also true once the run is no longer running,
/// since then nothing more starts anyway, or while it is parked.
pub fn taken(store: &Store, id: &str) -> crate::Result<bool> {
    store
        .conn
        .query_row(
            // A parked run starts nothing until it is woken, and a woken
            // run reads its pause first.
            "SELECT pause_taken_at IS NOT NULL OR status <> 'running'
                    OR EXISTS (SELECT 1 FROM parked WHERE run_id = ?1)
             FROM runs WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map(|t| t.unwrap_or(true))
}

/// The kinds of trigger that can be paused; `*` is every kind.
pub const TRIGGER_KINDS: [&str; 3] = ["schedule", "webhook", "change"];

/// A paused trigger of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PausedTrigger {
    pub workflow: String,
    /// `schedule`, `webhook`, `change`, or `*` (every kind).
    pub kind: String,
    pub by: String,
    pub at: i64,
}

/// Pauses `workflow`'s triggers of `kind` (`None`: every kind) for `by`.
/// Pausing what is paused already keeps the first pause.
pub fn pause_triggers(
    store: &Store,
    workflow: &str,
    kind: Option<&str>,
    by: &str,
) -> crate::Result<()> {
    store.conn.execute(
        "INSERT INTO paused_triggers (workflow, kind, by, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workflow, kind) DO NOTHING",
        params![workflow, kind.unwrap_or("*"), by, now_ms()],
    )?;
    Ok(())
}

/// Resumes `workflow`'s triggers of `kind` (`None`: every pause of the
/// workflow, of any kind); how many pauses were lifted. Resuming one kind
/// while every kind is paused (`*`) resumes that kind: the pause of all
/// becomes a pause of each other kind (by whom and when kept) first, so
/// a failure in between leaves more paused, never less.
pub fn resume_triggers(store: &Store, workflow: &str, kind: Option<&str>) -> crate::Result<usize> {
    Ok(match kind {
        Some(k) => {
            // (`*` itself is the pause of all: lifted alone.)
            let others = TRIGGER_KINDS.iter().filter(|o| **o != k && k != "*");
            for other in others {
                store.conn.execute(
                    "INSERT INTO paused_triggers (workflow, kind, by, at)
                     SELECT workflow, ?2, by, at FROM paused_triggers
                      WHERE workflow = ?1 AND kind = '*'
                     ON CONFLICT (workflow, kind) DO NOTHING",
                    params![workflow, other],
                )?;
            }
            store.conn.execute(
                "DELETE FROM paused_triggers WHERE workflow = ?1 AND kind IN (?2, '*')",
                params![workflow, k],
            )?
        }
        None => store.conn.execute(
            "DELETE FROM paused_triggers WHERE workflow = ?1",
            [workflow],
        )?,
    })
}

/// Whether `workflow`'s trigger of `kind` is paused: its own pause or the
/// workflow's `*`.
pub fn trigger_paused(
    store: &Store,
    workflow: &str,
    kind: &str,
) -> crate::Result<Option<PausedTrigger>> {
    store
        .conn
        .prepare_cached(
            "SELECT workflow, kind, by, at FROM paused_triggers
             WHERE workflow = ?1 AND kind IN (?2, '*') ORDER BY kind = '*' LIMIT 1",
        )?
        .query_row(params![workflow, kind], row)
        .optional()
}

/// Every paused trigger, by workflow and kind.
pub fn paused_triggers(store: &Store) -> crate::Result<Vec<PausedTrigger>> {
    let mut q = store
        .conn
        .prepare("SELECT workflow, kind, by, at FROM paused_triggers ORDER BY workflow, kind")?;
    let rows = q.query_map((), row)?;
    rows.collect::<crate::Result<_>>()
}

fn row(r: &crate::db::Row<'_>) -> crate::Result<PausedTrigger> {
    Ok(PausedTrigger {
        workflow: r.get(0)?,
        kind: r.get(1)?,
        by: r.get(2)?,
        at: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_run(status: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        store
            .conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at)
                 VALUES ('r1', 'w', 'f.wf', '', '{}', ?1, 1, 1, 0, 1, 1)",
                [status],
            )
            .unwrap();
        (dir, store)
    }

    fn events(store: &Store) -> Vec<String> {
        let mut q = store
            .conn
            .prepare("SELECT kind || ' ' || COALESCE(detail, '') FROM events ORDER BY seq")
            .unwrap();
        q.query_map((), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_running_run_pauses_once_and_goes_on_once() {
        let (_dir, store) = store_with_run("running");
        pause(&store, "r1", "ana").unwrap();
        let p = paused(&store, "r1").unwrap().unwrap();
        assert_eq!(p.by, "ana");
        let again = pause(&store, "r1", "bo").unwrap_err();
        assert!(again.contains("paused already (by ana"), "{again}");
        assert!(unpause(&store, "r1", "bo").unwrap());
        assert!(!unpause(&store, "r1", "bo").unwrap());
        assert_eq!(paused(&store, "r1").unwrap(), None);
        assert_eq!(
            events(&store),
            ["paused {\"by\":\"ana\"}", "unpaused {\"by\":\"bo\"}"]
        );
    }

    #[test]
    fn a_run_that_is_not_running_is_not_paused() {
        let (_dir, store) = store_with_run("failed");
        let e = pause(&store, "r1", "ana").unwrap_err();
        assert!(e.contains("is not running (it is failed)"), "{e}");
        let e = pause(&store, "nope", "ana").unwrap_err();
        assert!(e.contains("(it is unknown)"), "{e}");
        assert!(events(&store).is_empty());
    }

    #[test]
    fn a_workflow_s_triggers_pause_by_kind_or_all_at_once() {
        let (_dir, store) = store_with_run("running");
        pause_triggers(&store, "w", Some("schedule"), "ana").unwrap();
        assert!(trigger_paused(&store, "w", "schedule").unwrap().is_some());
        assert!(trigger_paused(&store, "w", "webhook").unwrap().is_none());
        pause_triggers(&store, "w", None, "bo").unwrap();
        let hook = trigger_paused(&store, "w", "webhook").unwrap().unwrap();
        assert_eq!((hook.kind.as_str(), hook.by.as_str()), ("*", "bo"));
        // Its own pause says more than the workflow's.
        let own = trigger_paused(&store, "w", "schedule").unwrap().unwrap();
        assert_eq!(own.kind, "schedule");
        assert_eq!(resume_triggers(&store, "w", Some("*")).unwrap(), 1);
        assert!(trigger_paused(&store, "w", "webhook").unwrap().is_none());
        assert_eq!(paused_triggers(&store).unwrap().len(), 1);
        assert_eq!(resume_triggers(&store, "w", None).unwrap(), 1);
        assert!(paused_triggers(&store).unwrap().is_empty());
        assert!(trigger_paused(&store, "other", "schedule")
            .unwrap()
            .is_none());
    }
}
