//! The `wfc serve` processes that share a store in a database (issue 72),
//! and their leases: a row a process start (table `servers`), whose
//! heartbeat the process renews; it holds its lease while that heartbeat is
//! younger than the TTL **on the database's clock** — every time here is
//! the database's, never a server's, so a server whose clock is off judges
//! no one wrongly. A server that could not renew for most of the TTL stops
//! acting on its own (it cannot know whether others still see it), and
//! joins again as a new row, with the next epoch (docs/design/multi-server.md).

use crate::db::{Db, Dialect, Optional};
use crate::params;
use crate::Store;
use serde::Serialize;

/// The database's clock, in ms since the epoch, as SQL.
pub(crate) fn now_sql(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    }
}

/// The database's clock, now (ms since the epoch).
pub(crate) fn db_now(db: &Db) -> crate::Result<i64> {
    db.query_row(&format!("SELECT {}", now_sql(db.dialect())), (), |r| {
        r.get(0)
    })
}

/// The server this process is (its row's id), once it joined: what a run
/// it records names as its owner (`runs.owner`).
static THIS: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Every server this process was (a lease lost makes it a new one).
static WAS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// This process is server `id` from now on (`None`: it holds no lease).
pub fn set_this(id: Option<String>) {
    if let Some(id) = &id {
        WAS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id.clone());
    }
    *THIS.lock().unwrap_or_else(|e| e.into_inner()) = id;
}

/// Whether this process is a server on a store in a database (it joined
/// the store's servers once).
pub fn serving() -> bool {
    !WAS.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
}

/// Whether this process was server `id` and no longer is: what it ran
/// under that lease may be another server's now.
pub fn lost(id: &str) -> bool {
    this().as_deref() != Some(id)
        && WAS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|w| w == id)
}

/// The server this process is, if it holds a lease.
pub fn this() -> Option<String> {
    THIS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// What a server tells about itself when it joins.
#[derive(Clone, Debug)]
pub struct Joining {
    /// A fresh random id (a process start).
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub version: String,
    /// Where it answers.
    pub listen: String,
}

/// Adds server `s`, alive from now; its epoch (one more than any server
/// of this store had, in the order the joins commit).
pub fn join(store: &Store, s: &Joining) -> crate::Result<i64> {
    let tx = store.conn.write()?;
    let epoch: i64 = tx.query_row(
        "INSERT INTO counters (name, n) VALUES ('servers', 1)
         ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n",
        (),
        |r| r.get(0),
    )?;
    let now = now_sql(tx.dialect());
    tx.execute(
        &format!(
            "INSERT INTO servers (id, epoch, host, pid, version, listen, started_at, heartbeat_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, {now}, {now}, 'alive')"
        ),
        params![s.id, epoch, s.host, s.pid, s.version, s.listen],
    )?;
    tx.commit()?;
    Ok(epoch)
}

/// Renews server `id`'s lease: whether it still holds one (`false` once
/// it left or was marked dead: it must join again). It also learns how far
/// this machine's clock is from the database's ([`clock_offset_ms`]).
pub fn renew(store: &Store, id: &str) -> crate::Result<bool> {
    let db = &store.conn;
    let before = crate::now_ms();
    let at: Option<i64> = db
        .query_row(
            &format!(
                "UPDATE servers SET heartbeat_at = {} WHERE id = ?1 AND state = 'alive'
                 RETURNING heartbeat_at",
                now_sql(db.dialect())
            ),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(at) = at {
        // (The database read its clock between the two reads of ours.)
        let here = before + (crate::now_ms() - before) / 2;
        OFFSET.store(at - here, std::sync::atomic::Ordering::Release);
    }
    Ok(at.is_some())
}

/// See [`clock_offset_ms`].
static OFFSET: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// How far the database's clock is ahead of this machine's, in ms, as the
/// last renewal of this server's lease measured it (0 before any).
pub fn clock_offset_ms() -> i64 {
    OFFSET.load(std::sync::atomic::Ordering::Acquire)
}

/// The time by the database's clock, read on this machine's (ms since the
/// epoch): what decides when a schedule's slot is due, so that servers whose
/// clocks disagree fire each slot at the same moment.
pub fn store_now_ms() -> i64 {
    crate::now_ms() + clock_offset_ms()
}

/// Server `id` stops: its lease is given up at once.
pub fn leave(store: &Store, id: &str) -> crate::Result<()> {
    let tx = store.conn.write()?;
    tx.execute(
        "UPDATE servers SET state = 'left' WHERE id = ?1 AND state = 'alive'",
        [id],
    )?;
    tx.execute_later("DELETE FROM served WHERE server = ?1", [id])?;
    tx.commit()
}

/// Server `id` claims role `role` (what one server does for all: `on
/// change` triggers): it keeps it while it is alive, and takes it from a
/// server that is not. Whether `id` holds it now. One statement: a
/// follower asks every heartbeat at no more cost than the leader.
pub fn lead(store: &Store, role: &str, id: &str) -> crate::Result<bool> {
    let db = &store.conn;
    let now = now_sql(db.dialect());
    Ok(db
        .query_row(
            &format!(
                "INSERT INTO leaders (role, server, at) VALUES (?1, ?2, {now})
                 ON CONFLICT (role) DO UPDATE SET server = excluded.server, at = excluded.at
                 WHERE leaders.server = excluded.server
                    OR leaders.server NOT IN (SELECT id FROM servers WHERE state = 'alive')
                 RETURNING server"
            ),
            [role, id],
            |r| r.get::<String>(0),
        )
        .optional()?
        .is_some())
}

/// One server, as `wfc servers` and `GET /api/v1/servers` show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerRow {
    pub id: String,
    pub epoch: i64,
    pub host: String,
    pub pid: i64,
    pub version: String,
    pub listen: String,
    /// When it joined (ms since the epoch, the database's clock).
    pub started_at: i64,
    /// How long ago its lease was last renewed, in ms (the database's clock).
    pub heartbeat_age_ms: i64,
    /// `alive` (holds its lease), `expired` (alive, but not renewed
    /// within the TTL), `left` or `dead`.
    pub state: String,
    /// Its runs going on (`running`, not parked).
    pub runs: i64,
    /// How many workflows it serves ([`crate::served`]).
    pub workflows: i64,
    /// A digest of which workflows it serves, at which versions: servers
    /// that serve the same files have the same.
    pub catalog: String,
}

/// The servers that joined the store, newest first: those alive, and
/// those that stopped or died within the last hour. `ttl_ms`: how old a
/// heartbeat may be for its lease to hold.
pub fn list(store: &Store, ttl_ms: i64) -> crate::Result<Vec<ServerRow>> {
    let db = &store.conn;
    let now = db_now(db)?;
    let mut q = db.prepare(
        "SELECT id, epoch, host, pid, version, listen, started_at, heartbeat_at, state,
                (SELECT COUNT(*) FROM runs r WHERE r.owner = s.id AND r.status = 'running'
                   AND r.id NOT IN (SELECT run_id FROM parked))
         FROM servers s WHERE state = 'alive' OR heartbeat_at > ?1 ORDER BY epoch DESC",
    )?;
    let rows = q.query_map([now - 3_600_000], |r| {
        let heartbeat: i64 = r.get(7)?;
        let mut state: String = r.get(8)?;
        if state == "alive" && now - heartbeat > ttl_ms {
            state = "expired".into();
        }
        Ok(ServerRow {
            id: r.get(0)?,
            epoch: r.get(1)?,
            host: r.get(2)?,
            pid: r.get(3)?,
            version: r.get(4)?,
            listen: r.get(5)?,
            started_at: r.get(6)?,
            heartbeat_age_ms: (now - heartbeat).max(0),
            state,
            runs: r.get(9)?,
            workflows: 0,
            catalog: String::new(),
        })
    })?;
    let mut rows: Vec<ServerRow> = rows.collect::<crate::Result<_>>()?;
    let catalogs = crate::served::catalogs(store)?;
    for row in &mut rows {
        if let Some((n, digest)) = catalogs.get(&row.id) {
            (row.workflows, row.catalog) = (*n, digest.clone());
        }
    }
    Ok(rows)
}

/// Server `id`'s row, if it has one.
pub fn get(store: &Store, id: &str, ttl_ms: i64) -> crate::Result<Option<ServerRow>> {
    Ok(list(store, ttl_ms)?.into_iter().find(|s| s.id == id))
}

/// Whether a server other than this process is `alive` on the store.
pub fn others_alive(store: &Store) -> crate::Result<bool> {
    let me = this().unwrap_or_default();
    Ok(store
        .conn
        .query_row(
            "SELECT 1 FROM servers WHERE state = 'alive' AND id != ?1 LIMIT 1",
            [me],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether server `id` holds its lease now (by the database's clock).
pub fn holds(store: &Store, id: &str, ttl_ms: i64) -> crate::Result<bool> {
    let db = &store.conn;
    let now = now_sql(db.dialect());
    Ok(db
        .query_row(
            &format!(
                "SELECT 1 FROM servers WHERE id = ?1 AND state = 'alive' AND heartbeat_at > {now} - ?2"
            ),
            params![id, ttl_ms],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The database's connections: how many it takes from clients (its
/// `max_connections` less those kept for superusers) and how many are open
/// now; `None` on SQLite, which has no such bound.
pub fn connections(store: &Store) -> crate::Result<Option<(i64, i64)>> {
    let db = &store.conn;
    if db.dialect() != Dialect::Postgres {
        return Ok(None);
    }
    db.query_row(
        "SELECT current_setting('max_connections')::bigint
                - current_setting('superuser_reserved_connections')::bigint,
                (SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend')",
        (),
        |r| Ok(Some((r.get(0)?, r.get(1)?))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joining(id: &str) -> Joining {
        Joining {
            id: id.into(),
            host: "h".into(),
            pid: 7,
            version: "0".into(),
            listen: "127.0.0.1:1".into(),
        }
    }

    #[test]
    fn a_lease_holds_while_renewed_on_the_database_clock() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        let db = &store;
        let before = db_now(&store.conn).unwrap();
        assert!((before - crate::now_ms()).abs() < 5_000, "{before}");
        assert_eq!(join(db, &joining("a")).unwrap(), 1);
        assert_eq!(join(db, &joining("b")).unwrap(), 2);
        assert!(holds(db, "a", 10_000).unwrap());
        assert!(renew(db, "a").unwrap());
        // Its heartbeat ten seconds old: expired, though still `alive`.
        store
            .conn
            .execute(
                "UPDATE servers SET heartbeat_at = heartbeat_at - 20000 WHERE id = 'b'",
                (),
            )
            .unwrap();
        assert!(!holds(db, "b", 10_000).unwrap());
        let rows = list(&store, 10_000).unwrap();
        let states: Vec<(&str, i64, &str)> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.epoch, r.state.as_str()))
            .collect();
        assert_eq!(states, [("b", 2, "expired"), ("a", 1, "alive")]);
        assert!(rows[0].heartbeat_age_ms >= 20_000, "{rows:?}");
        // A renewal brings it back; one that left renews nothing.
        assert!(renew(db, "b").unwrap());
        assert!(holds(db, "b", 10_000).unwrap());
        leave(db, "a").unwrap();
        assert!(!renew(db, "a").unwrap());
        assert!(!holds(db, "a", 10_000).unwrap());
        assert_eq!(get(&store, "a", 10_000).unwrap().unwrap().state, "left");
        assert_eq!(join(db, &joining("a2")).unwrap(), 3, "epochs only grow");
        // A run a server runs counts as its own.
        store
            .conn
            .execute_batch(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid,
                                   started_at, heartbeat_at, owner)
                 VALUES ('r1', 'w', 'f', 'h', '{}', 'running', 1, 1, 1, 0, 0, 'a2'),
                        ('r2', 'w', 'f', 'h', '{}', 'succeeded', 1, 1, 1, 0, 0, 'a2')",
            )
            .unwrap();
        assert_eq!(get(&store, "a2", 10_000).unwrap().unwrap().runs, 1);
    }

    #[test]
    fn the_database_says_how_many_connections_it_takes() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        match connections(&store).unwrap() {
            None => assert_eq!(store.conn.dialect(), Dialect::Sqlite),
            Some((allowed, open)) => {
                // (PostgreSQL's default is 100, 3 of them for superusers.)
                assert!(allowed > 0, "{allowed}");
                // This one at least, and the second (other tests' add more).
                assert!(open >= 1, "{open}");
                let _other = store.reopen().unwrap();
                let (_, more) = connections(&store).unwrap().unwrap();
                assert!(more >= 2, "{more}");
            }
        }
    }
}
