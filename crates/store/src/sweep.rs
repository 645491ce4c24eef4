//! The servers' sweep (issue 72, docs/design/multi-server.md): what takes a
//! dead server's runs. Every server runs it every heartbeat; one at a time
//! does the work (a transaction's advisory lock, which dies with its
//! transaction — a server cut off mid-sweep holds nothing once its
//! connection is gone). In one transaction it
//!
//! 1. marks `dead` the servers whose lease expired **by the database's
//!    clock**, and those on this host whose process is gone (a server
//!    restarted at once needs not wait out its old lease);
//! 2. marks `interrupted` every run still `running` (and not parked) whose
//!    owner is dead or left: what it had folded is its record (≤ 200 ms
//!    behind its journal, which stays on the dead server's disk), its
//!    running steps `interrupted`.
//!
//! and queues each for a resume (`run_queue`, in the same transaction).
//! Any server claims queued runs as it has room for them ([`claim`]: `FOR
//! UPDATE SKIP LOCKED`, so two never claim one) and resumes them under the
//! rules a restarting server applies (`wfc_serve::recover`); a claim whose
//! server died is free again, so a run a claimer could not start is never
//! lost with it. A resume is a new session, whose start moves
//! `runs.session` on and takes the run off the queue, so the old owner —
//! if it was only cut off — writes nothing more of it (the fence,
//! `exclusive::fenced`). Only the steps that were running run again: at
//! least once, never lost.

use crate::db::Dialect;
use crate::exclusive::{try_key, Space};
use crate::{params, Store};

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// The servers it marked dead.
    pub dead: Vec<String>,
    /// The runs it marked interrupted (their owner dead or left), by
    /// start, oldest first.
    pub runs: Vec<String>,
}

/// Sweeps the store's servers: see the module docs. `ttl_ms`: how old a
/// lease may be; `host`: this machine, whose servers' pids it can check.
/// Nothing (an empty [`Swept`]) while another server sweeps.
pub fn sweep(store: &Store, ttl_ms: i64, host: &str) -> crate::Result<Swept> {
    let tx = store.conn.write()?;
    if !try_key(&tx, Space::Sweep, "servers")? {
        return Ok(Swept::default());
    }
    let now = crate::servers::now_sql(tx.dialect());
    // A run whose row a server cut off mid-transaction still locks waits
    // for the next sweep (its session ends within the database's idle
    // limit), and nothing else waits long: this runs on the lease's
    // thread, before its renewal.
    let skip_locked = match tx.dialect() {
        Dialect::Postgres => {
            tx.execute(
                &format!("SET LOCAL lock_timeout = {}", (ttl_ms / 5).max(50)),
                (),
            )?;
            "FOR UPDATE OF r SKIP LOCKED"
        }
        Dialect::Sqlite => "",
    };
    let alive: Vec<(String, String, i64, bool)> = tx
        .prepare(&format!(
            "SELECT id, host, pid, CASE WHEN heartbeat_at <= {now} - ?1 THEN 1 ELSE 0 END
             FROM servers WHERE state = 'alive' ORDER BY epoch"
        ))?
        .query_map([ttl_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<i64>(3)? == 1))
        })?
        .collect::<crate::Result<_>>()?;
    let me = crate::servers::this();
    let mut swept = Swept::default();
    for (id, on, pid, expired) in alive {
        let gone_here = on == host
            && me.as_deref() != Some(id.as_str())
            && pid != i64::from(std::process::id())
            && !crate::control::pid_alive(pid);
        if expired || gone_here {
            tx.execute(
                "UPDATE servers SET state = 'dead' WHERE id = ?1 AND state = 'alive'",
                [&id],
            )?;
            tx.execute("DELETE FROM served WHERE server = ?1", [&id])?;
            swept.dead.push(id);
        }
    }
    let orphans: Vec<String> = tx
        .prepare(&format!(
            "SELECT r.id FROM runs r JOIN servers s ON s.id = r.owner
             WHERE r.status = 'running' AND s.state IN ('dead', 'left')
               AND r.id NOT IN (SELECT run_id FROM parked)
             ORDER BY r.started_at, r.id {skip_locked}"
        ))?
        .query_map((), |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    for id in orphans {
        if crate::control::interrupt_in(&tx, &id)? {
            tx.execute(
                &format!(
                    "INSERT INTO run_queue (run_id, kind, at) VALUES (?1, 'resume', {now})
                     ON CONFLICT (run_id) DO NOTHING"
                ),
                [&id],
            )?;
            swept.runs.push(id);
        }
    }
    tx.commit()?;
    for id in &swept.runs {
        crate::journal::remove(&store.conn, id);
    }
    Ok(swept)
}

/// Claims at most `n` queued runs for server `me` (this process): those
/// no one claimed, or whose claimer is no longer alive, and whose
/// workflow `me` serves (see [`crate::served`]); oldest first. Those `me`
/// claimed before come again: a claimer that failed to start what it
/// claimed (its store cut off between the claim and the start) tries
/// again rather than hold them for as long as it lives; it skips those it
/// is starting already.
pub fn claim(store: &Store, me: &str, n: usize) -> crate::Result<Vec<String>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let skip_locked = match store.conn.dialect() {
        Dialect::Postgres => "FOR UPDATE OF q SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let claimable = crate::served::CLAIMABLE;
    let tx = store.conn.write()?;
    let free: Vec<String> = tx
        .prepare(&format!(
            "SELECT q.run_id FROM run_queue q JOIN runs r ON r.id = q.run_id
             WHERE (q.claimed_by IS NULL OR q.claimed_by = ?2
                OR q.claimed_by NOT IN (SELECT id FROM servers WHERE state = 'alive'))
               AND {claimable}
             ORDER BY q.at, q.run_id LIMIT ?1 {skip_locked}"
        ))?
        .query_map(params![n as i64, me], |r| r.get(0))?
        .collect::<crate::Result<_>>()?;
    for id in &free {
        tx.execute(
            "UPDATE run_queue SET claimed_by = ?2 WHERE run_id = ?1",
            [id.as_str(), me],
        )?;
    }
    tx.commit()?;
    Ok(free)
}

/// Takes run `id` off the queue (its resume was refused, or it is not
/// interrupted any more). A resume's start does this itself.
pub fn unqueue(store: &Store, id: &str) -> crate::Result<()> {
    store
        .conn
        .execute("DELETE FROM run_queue WHERE run_id = ?1", [id])
        .map(drop)
}

/// The runs in the queue, each with the server that claimed it.
pub fn queue(store: &Store) -> crate::Result<Vec<(String, Option<String>)>> {
    store
        .conn
        .prepare("SELECT run_id, claimed_by FROM run_queue ORDER BY at, run_id")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// How many runs wait in the queue.
pub fn queued(store: &Store) -> crate::Result<i64> {
    store
        .conn
        .query_row("SELECT COUNT(*) FROM run_queue", (), |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servers::{join, Joining};

    fn joining(id: &str, host: &str, pid: u32) -> Joining {
        Joining {
            id: id.into(),
            host: host.into(),
            pid,
            version: "0".into(),
            listen: "127.0.0.1:1".into(),
        }
    }

    fn run(store: &Store, id: &str, owner: &str, started: i64) {
        store
            .conn
            .execute(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at, owner)
                 VALUES (?1, 'w', 'f', 'h', '{}', 'running', 1, 1, 1, ?2, ?2, ?3)",
                crate::params![id, started, owner],
            )
            .unwrap();
    }

    fn serves(store: &Store, server: &str, workflow: &str, hash: &str) {
        let w = crate::served::Served {
            workflow: workflow.into(),
            file: "f".into(),
            file_hash: hash.into(),
        };
        crate::served::publish(store, server, &[w]).unwrap();
    }

    /// The queued runs `me` may claim, claiming none.
    fn claimable(db: &crate::db::Db, me: &str) -> Vec<String> {
        db.prepare(&format!(
            "SELECT q.run_id FROM run_queue q JOIN runs r ON r.id = q.run_id
             WHERE ?1 = ?1 AND {}",
            crate::served::CLAIMABLE
        ))
        .unwrap()
        .query_map(params![1, me], |r| r.get(0))
        .unwrap()
        .collect::<crate::Result<_>>()
        .unwrap()
    }

    fn status(store: &Store, id: &str) -> String {
        store
            .conn
            .query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_dead_servers_runs_are_interrupted_once_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        // `a` and `b` elsewhere; `c` here, its process gone (pid 0 is none).
        join(&store, &joining("a", "elsewhere", 7)).unwrap();
        join(&store, &joining("b", "elsewhere", 8)).unwrap();
        join(&store, &joining("c", "here", 0)).unwrap();
        run(&store, "r-a", "a", 2);
        run(&store, "r-b", "b", 1);
        run(&store, "r-c", "c", 3);
        // `b`'s lease is 20 s old by the database's clock.
        store
            .conn
            .execute(
                "UPDATE servers SET heartbeat_at = heartbeat_at - 20000 WHERE id = 'b'",
                (),
            )
            .unwrap();
        let swept = sweep(&store, 10_000, "here").unwrap();
        assert_eq!(swept.dead, ["b", "c"]);
        assert_eq!(swept.runs, ["r-b", "r-c"], "oldest first");
        assert_eq!(status(&store, "r-a"), "running");
        assert_eq!(status(&store, "r-b"), "interrupted");
        // Nothing twice: the next sweep finds nothing to do.
        assert_eq!(sweep(&store, 10_000, "here").unwrap(), Swept::default());
        // A server that left leaves its runs to the next sweep.
        run(&store, "r-a2", "a", 4);
        crate::servers::leave(&store, "a").unwrap();
        let swept = sweep(&store, 10_000, "here").unwrap();
        assert_eq!(swept.runs, ["r-a", "r-a2"]);
        assert!(swept.dead.is_empty(), "{swept:?}");

        // Each is queued once; a claim takes the oldest, and a claimer's
        // death frees what it claimed.
        assert_eq!(queued(&store).unwrap(), 4);
        join(&store, &joining("d", "here", std::process::id())).unwrap();
        for who in ["d", "e"] {
            serves(&store, who, "w", "h");
        }
        assert_eq!(claim(&store, "d", 1).unwrap().len(), 1);
        let got = claim(&store, "d", 10).unwrap();
        assert_eq!(got.len(), 4, "the one before and 3 more: {got:?}");
        // All claimed by d: none for e while d lives; d's again for d (a
        // claimer whose start failed tries again).
        join(&store, &joining("e", "here", std::process::id())).unwrap();
        serves(&store, "e", "w", "h");
        assert!(claim(&store, "e", 10).unwrap().is_empty(), "all d's");
        assert_eq!(claim(&store, "d", 10).unwrap().len(), 4);
        crate::servers::leave(&store, "d").unwrap();
        assert_eq!(claim(&store, "e", 10).unwrap().len(), 4, "d left: free");
        unqueue(&store, "r-b").unwrap();
        assert_eq!(queued(&store).unwrap(), 3);
    }

    #[test]
    fn a_server_claims_only_the_runs_it_serves_at_their_version_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        join(&store, &joining("gone", "elsewhere", 7)).unwrap();
        run(&store, "r", "gone", 1);
        crate::servers::leave(&store, "gone").unwrap();
        assert_eq!(sweep(&store, 10_000, "here").unwrap().runs, ["r"]);
        // `old` serves the run's workflow at another version, `other`
        // another workflow, `same` the run's version.
        for id in ["old", "other", "same"] {
            join(&store, &joining(id, "elsewhere", 9)).unwrap();
        }
        // Served by no one yet: anyone's, to refuse.
        serves(&store, "other", "x", "h");
        let tx = store.conn.write().unwrap();
        let anyones = claimable(&tx, "other");
        drop(tx);
        assert_eq!(anyones, ["r"]);
        serves(&store, "old", "w", "h-edited");
        serves(&store, "same", "w", "h");
        assert!(claim(&store, "other", 10).unwrap().is_empty());
        assert!(
            claim(&store, "old", 10).unwrap().is_empty(),
            "same serves h"
        );
        // Once no live server serves the run's version, another may try.
        crate::servers::leave(&store, "same").unwrap();
        assert_eq!(claim(&store, "old", 10).unwrap(), ["r"]);
        // What a server says it serves replaces what it said before; one
        // that left says nothing.
        let cats = crate::served::catalogs(&store).unwrap();
        assert!(!cats.contains_key("same"), "{cats:?}");
        assert_ne!(cats["old"], cats["other"]);
        serves(&store, "other", "w", "h-edited");
        let cats = crate::served::catalogs(&store).unwrap();
        assert_eq!(cats["old"], cats["other"]);
        assert_eq!(cats["old"].0, 1);
    }

    #[test]
    fn a_role_stays_with_its_leader_while_it_is_alive() {
        use crate::servers::lead;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        for id in ["a", "b"] {
            join(&store, &joining(id, "elsewhere", 9)).unwrap();
        }
        assert!(lead(&store, "changes", "a").unwrap(), "the first takes it");
        assert!(!lead(&store, "changes", "b").unwrap());
        assert!(lead(&store, "changes", "a").unwrap(), "and keeps it");
        assert!(lead(&store, "other", "b").unwrap(), "roles are apart");
        crate::servers::leave(&store, "a").unwrap();
        assert!(lead(&store, "changes", "b").unwrap(), "a left: b's");
        assert!(!lead(&store, "changes", "a").unwrap());
    }
}
