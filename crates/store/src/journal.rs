//! The run's journal: how a running run records its steps, and how the
//! records reach the database.
//!
//! The store must hold every state change before the scheduler acts on it
//! (see [`super::store_recorder`]): a step recorded as running before its process
//! starts, as succeeded before its dependents start. Committing an SQLite
//! transaction on every turn of the scheduler did that, but cost ~150 µs a
//! step of the scheduler's CPU: seven statements, then every page they
//! touched (3–6 a turn, as B-tree pages split) written to the WAL.
//!
//! So each turn's records ([`Record`]) are appended to a journal file,
//! `journal/RUN.wfj` beside `runs.db`, at once: one frame per turn
//! ([`wire`]), numbered from 1, one `write` each. That write is the
//! durability point, as the commit was: the frame is in the OS page cache
//! before the scheduler acts, so it survives wfc being killed.
//!
//! `fold` applies the turns the database does not have yet, reduced to
//! the rows they leave (`record::batch`), in one transaction that also stores the
//! number of the last turn applied and the bytes read (table `journal`):
//! each turn is applied exactly once, whoever folds, however often. Many
//! turns to a transaction is what makes this cheap: a page touched by a
//! hundred steps is written to the WAL once. Folds happen
//! - every 200 ms on the running wfc's watch thread ([`super::control`]),
//! - at the start of every store command (`wfc status` sees the present),
//! - at the run's end, in the transaction that records the end, after which
//!   the file is deleted;
//! - after a crash, when `control::interrupt` marks the run
//!   interrupted: a torn last frame (wfc killed mid-write) is a turn that
//!   never happened, since the scheduler had not acted on it.

use super::record::batch::Batch;
use super::record::Record;
use super::wire;
use crate::db::{Db, Optional};
use crate::params;
use std::io::{Read as _, Seek as _};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

/// The journal file of run `run_id`, in the state folder of `conn`'s store
/// (`None` for an in-memory database).
pub(crate) fn path(conn: &Db, run_id: &str) -> Option<PathBuf> {
    Some(dir(conn)?.join(format!("{run_id}.wfj")))
}

/// The folder of the journals of `conn`'s store.
pub(crate) fn dir(conn: &Db) -> Option<PathBuf> {
    Some(conn.folder()?.join("journal"))
}

/// The end slot of run `run_id` (see [`End`]), beside its journal.
pub(crate) fn end_path(conn: &Db, run_id: &str) -> Option<PathBuf> {
    Some(path(conn, run_id)?.with_extension("end"))
}

/// How a run ended (or will: it gave up recording), when the database
/// could not be told: kept in `journal/RUN.end`, a file of [`END_SIZE`]
/// bytes written in full when the journal is created, so that writing it
/// later over the same bytes needs no new space — a full disk still takes
/// it. [`super::control::reap`] applies it to the run's row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct End {
    /// `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// When it ended (or gave up recording), ms since the epoch.
    pub at: i64,
    /// How long this session ran, ms.
    pub duration_ms: i64,
    pub failed_step: Option<String>,
    pub failed_error: Option<String>,
    /// The run ended: its process has nothing left to record. Otherwise it
    /// gave up recording and is still finishing (its rollbacks, `finally`):
    /// applied only once its process is gone.
    #[serde(rename = "final")]
    pub final_: bool,
    /// The session that wrote it: applied only while the run is in that
    /// session (absent in a slot written before sessions were fenced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<i64>,
    /// The server whose lease the session ran under (none for `wfc run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// Who writes a journal: its session and the server whose lease it runs
/// under, in the end slot from the journal's creation (an [`End`] written
/// over it keeps both). A reader folds a journal only into the session
/// that wrote it: after another server took the run over, a journal left
/// on this machine is that of a session the run is no longer in.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Writer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl Writer {
    /// Run `run_id`'s journal's writer (`None`: no slot, or one written
    /// before slots named it).
    pub(crate) fn read(conn: &Db, run_id: &str) -> Option<Writer> {
        slot(conn, run_id)
    }

    /// Whether a reader may fold this journal into the run in `session`.
    fn may_fold(&self, session: i64) -> bool {
        self.session.is_none_or(|s| s == session)
            && !self.owner.as_deref().is_some_and(crate::servers::lost)
    }
}

/// The end slot's size: a JSON [`End`], its error cut to fit, then zeros.
pub const END_SIZE: usize = 1024;

impl End {
    /// The bytes of the slot: the JSON, zeros after it.
    fn bytes(&self) -> Vec<u8> {
        let mut end = self.clone();
        loop {
            let json = serde_json::to_vec(&end).unwrap_or_default();
            if json.len() < END_SIZE {
                let mut out = json;
                out.resize(END_SIZE, 0);
                return out;
            }
            // Too long: the error loses its tail (at a char boundary).
            let e = end.failed_error.get_or_insert_with(String::new);
            let mut cut = e
                .len()
                .saturating_sub(json.len() - END_SIZE + 8)
                .min(e.len());
            while !e.is_char_boundary(cut) {
                cut -= 1;
            }
            e.truncate(cut);
            e.push('…');
        }
    }

    /// Reads run `run_id`'s end slot, if one was written.
    pub(crate) fn read(conn: &Db, run_id: &str) -> Option<End> {
        slot(conn, run_id)
    }
}

/// Run `run_id`'s end slot read as a `T` (its JSON, up to the zeros):
/// an [`End`] once one was written, a [`Writer`] from the start.
fn slot<T: serde::de::DeserializeOwned>(conn: &Db, run_id: &str) -> Option<T> {
    let bytes = std::fs::read(end_path(conn, run_id)?).ok()?;
    let json = &bytes[..bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len())];
    serde_json::from_slice(json).ok()
}

/// The journal of a running run, open for appending, and its end slot.
pub struct Journal {
    file: std::fs::File,
    path: PathBuf,
    /// The end slot, its [`END_SIZE`] bytes written at creation.
    end: std::fs::File,
    /// The bytes written (where the next frame goes).
    len: u64,
    /// The last turn written.
    n: u64,
}

impl Journal {
    /// Creates (empties) the journal at `path`, and its end slot: zeros,
    /// written now so that the slot's space is the run's from the start.
    pub fn create(path: PathBuf) -> std::io::Result<Journal> {
        Journal::create_by(path, &Writer::default())
    }

    /// [`Journal::create`], its slot naming its `writer`.
    pub fn create_by(path: PathBuf, writer: &Writer) -> std::io::Result<Journal> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let open = |p: &Path| {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(p)
        };
        let file = open(&path)?;
        let end = open(&path.with_extension("end"))?;
        let mut slot = serde_json::to_vec(writer).unwrap_or_default();
        slot.resize(END_SIZE, 0);
        end.write_all_at(&slot, 0)?;
        Ok(Journal {
            file,
            path,
            end,
            len: 0,
            n: 0,
        })
    }

    /// From now on every append fails as on a full disk (tests).
    #[cfg(test)]
    pub(crate) fn fail_appends(&mut self) {
        self.file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
    }

    /// Writes `end` into the end slot, over the bytes written at creation.
    pub fn write_end(&self, end: &End) -> std::io::Result<()> {
        self.end.write_all_at(&end.bytes(), 0)
    }

    /// Appends `turn` as the next frame, at once, whole or not at all.
    pub fn append(&mut self, turn: &mut wire::Turn) -> std::io::Result<()> {
        let n = self.n + 1;
        let frame = turn.frame(n);
        if let Err(e) = self.file.write_all_at(frame, self.len) {
            // A frame cut short (a full disk) would hide the ones after it.
            let _ = self.file.set_len(self.len);
            return Err(e);
        }
        self.len += frame.len() as u64;
        self.n = n;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether a fold is the journal's last (its position not written, but
/// deleted), and whether the caller writes the heartbeat after it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Last {
    No,
    /// The run parks, or is interrupted or finished for its process.
    Stop,
    /// The run ends: the caller sets the heartbeat to the end.
    End,
}

/// Applies, inside `tx`, what run `run_id`'s journal holds beyond what the
/// store has, if the run is `running`. Returns how many turns it applied.
/// Reading starts where the last fold stopped (`journal.bytes`) and stops
/// before the first frame that is not whole ([`wire::frame`]): it is being
/// written, or was torn by a crash. With [`Last::Stop`] or [`Last::End`]
/// the journal's last: its position (table `journal`) deleted, nothing
/// left to fold.
/// `session`: the run's recorder folds, and the run must still be in its
/// session ([`crate::exclusive::fenced`]).
pub(crate) fn fold_last(
    tx: &Db,
    run_id: &str,
    last_fold: Last,
    session: Option<i64>,
) -> crate::Result<usize> {
    // The last fold's transaction writes the run's end or parking after
    // it: the run's row is locked before anything, journal or not.
    if last_fold != Last::No {
        crate::exclusive::fenced(tx, run_id, session)?;
    }
    let forget = || -> crate::Result<()> {
        if last_fold != Last::No {
            tx.execute("DELETE FROM journal WHERE run_id = ?1", [run_id])?;
        }
        Ok(())
    };
    let Some(path) = path(tx, run_id) else {
        forget()?;
        return Ok(0);
    };
    let Ok(mut file) = std::fs::File::open(&path) else {
        forget()?;
        return Ok(0);
    };
    let reader = session
        .is_none()
        .then(|| Writer::read(tx, run_id))
        .flatten();
    // Two folds of one run take turns, and the second reads where the first
    // stopped: SQLite's write transaction is one at a time already;
    // PostgreSQL's are not, so the run's row is locked first, and the read
    // below (a statement of its own, so a snapshot taken after the wait)
    // sees what the other fold committed.
    if last_fold == Last::No {
        crate::exclusive::fenced(tx, run_id, session)?;
    }
    // (With the run's last event: the fold numbers the events it adds.)
    let row: Option<(i64, i64, i64, String, i64)> = tx
        .query_row(
            "SELECT COALESCE(j.batch, 0), COALESCE(j.bytes, 0), r.session, r.status,
                    (SELECT COALESCE(MAX(seq), 0) FROM events e WHERE e.run_id = r.id)
             FROM runs r LEFT JOIN journal j ON j.run_id = r.id WHERE r.id = ?1",
            [run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((done, offset, session, status, mut seq)) = row else {
        return Ok(0);
    };
    // A reader (not the recorder): only the journal's own session's.
    if reader.is_some_and(|w| !w.may_fold(session)) {
        return Ok(0);
    }
    // (A position is written with the first turn a fold applies: none
    // before, no row to delete — the common case of a short run.)
    if done > 0 {
        forget()?;
    }
    if status != "running" {
        return Ok(0);
    }
    // What was written since: ~70 bytes a step, read at once; the records
    // borrow from it. Sized once, not grown by doubling.
    let size = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(size.saturating_sub(offset as u64) as usize);
    if file.seek(std::io::SeekFrom::Start(offset as u64)).is_err()
        || file.read_to_end(&mut bytes).is_err()
    {
        return Ok(0);
    }
    let (mut applied, mut last, mut at, mut latest) = (0, done, offset, 0);
    let (mut rest, mut records) = (&bytes[..], Vec::<Record>::new());
    let mut batch = Batch::default();
    while let Some(frame) = wire::frame(rest) {
        records.clear();
        if wire::records(frame.records, &mut records).is_none() {
            break;
        }
        rest = &rest[frame.len..];
        at += frame.len as i64;
        if frame.n as i64 <= last {
            continue;
        }
        for r in &records {
            latest = latest.max(r.at());
            seq += 1;
            batch.add(r, seq);
        }
        last = frame.n as i64;
        applied += 1;
    }
    if applied > 0 {
        batch.write(tx, run_id, session)?;
    }
    if applied > 0 && last_fold == Last::No {
        tx.execute_later(
            "INSERT INTO journal (run_id, batch, bytes) VALUES (?1, ?2, ?3) ON CONFLICT (run_id) DO UPDATE SET batch = excluded.batch, bytes = excluded.bytes",
            params![run_id, last, at],
        )?;
    }
    if applied > 0 && last_fold != Last::End {
        // A record is a sign of life as good as a heartbeat: a run killed
        // between two heartbeats (one a second) is marked interrupted with
        // the time of its last record, not of its last heartbeat.
        tx.execute_later(
            "UPDATE runs SET heartbeat_at = GREATEST(heartbeat_at, ?2) WHERE id = ?1",
            params![run_id, latest],
        )?;
    }
    Ok(applied)
}

/// [`fold_last`] in a transaction of its own. IMMEDIATE: two processes folding
/// the same run take turns, and the second finds nothing left to apply.
pub(crate) fn fold(conn: &Db, run_id: &str) -> crate::Result<usize> {
    fold_with(conn, run_id, None, None)
}

/// [`fold`], sending in its transaction the lines of the run's step logs
/// that came by the time the journal was read (`chunks`, on a store in a
/// database): a step's end is never in the store before its lines.
/// `session`: the run's recorder folds ([`fold_last`]).
pub(crate) fn fold_with(
    conn: &Db,
    run_id: &str,
    chunks: Option<&crate::logs::chunks::Chunks>,
    session: Option<i64>,
) -> crate::Result<usize> {
    let tx = conn.write()?;
    let n = fold_last(&tx, run_id, Last::No, session)?;
    let sent = chunks.map(|c| c.send_in(&tx)).transpose()?;
    tx.commit()?;
    if let (Some(c), Some(sent)) = (chunks, sent) {
        c.sent(sent);
    }
    Ok(n)
}

/// Deletes run `run_id`'s journal and end slot (once everything in them is
/// in the store).
pub(crate) fn remove(conn: &Db, run_id: &str) {
    if let Some(p) = path(conn, run_id) {
        let _ = std::fs::remove_file(p.with_extension("end"));
        let _ = std::fs::remove_file(p);
    }
}
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::record::tests::{ended, started};

    /// A store holding one running run, `r1`.
    pub(crate) fn store() -> (tempfile::TempDir, super::super::Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_store::open(dir.path());
        store
            .conn
            .execute_batch(
                "INSERT INTO runs (id, workflow, file, file_hash, params, status, jobs, steps, pid, started_at, heartbeat_at)
                 VALUES ('r1', 'w', 'w.wf', 'h', '{}', 'running', 1, 2, 1, 0, 0)",
            )
            .unwrap();
        (dir, store)
    }

    /// Appends one turn of `records`.
    fn append(j: &mut Journal, records: &[Record<'_>]) {
        j.append(&mut wire::Turn::of(records)).unwrap();
    }

    fn statuses(conn: &Db) -> Vec<(String, String)> {
        let mut q = conn
            .prepare("SELECT name, status FROM steps WHERE run_id = 'r1' ORDER BY seq")
            .unwrap();
        q.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn events(store: &super::super::Store) -> usize {
        crate::query::events(store, "r1").unwrap().len()
    }

    /// What a journal of `a` ended and `b` started leaves.
    fn a_succeeded_b_runs(store: &super::super::Store) {
        let conn = &store.conn;
        let want = [("a", "succeeded"), ("b", "running")].map(|(s, t)| (s.into(), t.into()));
        assert_eq!(statuses(conn), want);
        assert_eq!(events(store), 3);
    }

    #[test]
    fn folds_each_turn_once_in_order() {
        let (_dir, store) = store();
        let mut j = Journal::create(path(&store.conn, "r1").unwrap()).unwrap();
        append(&mut j, &[started("a", 0)]);
        assert_eq!(fold(&store.conn, "r1").unwrap(), 1);
        assert_eq!(statuses(&store.conn), [("a".into(), "running".into())]);
        append(&mut j, &[ended("a", 1), started("b", 2)]);
        // A second connection (another process) folds what is new, once.
        let other = store.reopen().unwrap();
        assert_eq!(fold(&other.conn, "r1").unwrap(), 1);
        assert_eq!(fold(&store.conn, "r1").unwrap(), 0);
        a_succeeded_b_runs(&store);
    }

    /// A run killed before its first heartbeat is interrupted at its last
    /// record, and its running step has run until then.
    #[test]
    fn a_fold_carries_the_heartbeat_to_the_last_record() {
        let (_dir, store) = store();
        let mut j = Journal::create(path(&store.conn, "r1").unwrap()).unwrap();
        append(&mut j, &[started("a", 0), ended("a", 1)]);
        append(&mut j, &[started("b", 2)]);
        // (`started` is at 10, `ended` at 15: b, started at 10, ran to 15.)
        super::super::control::interrupt(&store.conn, "r1").unwrap();
        let (status, ended, b): (String, i64, i64) = store
            .conn
            .query_row(
                "SELECT r.status, r.ended_at, s.duration_ms FROM runs r JOIN steps s
                 ON s.run_id = r.id AND s.name = 'b' WHERE r.id = 'r1'",
                (),
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), ended, b), ("interrupted", 15, 5));
    }

    #[test]
    fn a_fold_reads_on_from_where_the_last_stopped() {
        let (_dir, store) = store();
        let p = path(&store.conn, "r1").unwrap();
        let mut j = Journal::create(p.clone()).unwrap();
        append(&mut j, &[started("a", 0)]);
        assert_eq!(fold(&store.conn, "r1").unwrap(), 1);
        // Turn 1 is not read again: garbling it changes nothing.
        drop(j);
        let len = std::fs::metadata(&p).unwrap().len() as usize;
        std::fs::write(&p, vec![b'x'; len]).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        let end = std::fs::File::create(p.with_extension("end")).unwrap();
        let mut j = Journal {
            file,
            path: p,
            end,
            len: len as u64,
            n: 1,
        };
        append(&mut j, &[ended("a", 1)]);
        assert_eq!(fold(&store.conn, "r1").unwrap(), 1);
        assert_eq!(statuses(&store.conn), [("a".into(), "succeeded".into())]);
    }

    #[test]
    fn a_frame_not_whole_waits() {
        let (_dir, store) = store();
        let p = path(&store.conn, "r1").unwrap();
        let mut j = Journal::create(p.clone()).unwrap();
        append(&mut j, &[started("a", 0)]);
        // Being written (or torn by a crash): a frame is not applied until
        // all of it is there.
        let phase = Record::Phase {
            name: "finally",
            at: 20,
        };
        let frame = wire::Turn::of(&[phase]).frame(2).to_vec();
        drop(j);
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&frame[..frame.len() - 1]).unwrap();
        assert_eq!(fold(&store.conn, "r1").unwrap(), 1);
        assert_eq!(events(&store), 1);
        f.write_all(&frame[frame.len() - 1..]).unwrap();
        assert_eq!(fold(&store.conn, "r1").unwrap(), 1);
        assert_eq!(events(&store), 2);
    }

    #[test]
    fn an_ended_run_is_not_folded_again() {
        let (_dir, store) = store();
        let mut j = Journal::create(path(&store.conn, "r1").unwrap()).unwrap();
        append(&mut j, &[started("a", 0)]);
        store
            .conn
            .execute_batch("UPDATE runs SET status = 'failed' WHERE id = 'r1'")
            .unwrap();
        assert_eq!(fold(&store.conn, "r1").unwrap(), 0);
        assert!(statuses(&store.conn).is_empty());
        remove(&store.conn, "r1");
        assert!(!j.path().exists());
    }
}
