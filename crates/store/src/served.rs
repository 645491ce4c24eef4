//! What each server serves (issue 72; docs/design/multi-server.md,
//! "Catalog"): the workflows it checked, with their files and the files'
//! hashes (`runs.file_hash`'s). A server says it at each join and each
//! change of its catalog; a server claims only the queued runs whose
//! workflow it serves ([`crate::sweep::claim`]), at the run's hash when
//! any live server serves that version (a run no live server serves is
//! anyone's to refuse); and `wfc servers` shows whether the servers serve
//! the same versions.

use crate::Store;
use std::collections::BTreeMap;

/// A workflow a server serves, as checked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Served {
    pub workflow: String,
    /// The file, as runs record it.
    pub file: String,
    /// [`crate::file_hash`] of its text.
    pub file_hash: String,
}

/// Server `id` serves `workflows` now, in place of what it said before.
pub fn publish(store: &Store, id: &str, workflows: &[Served]) -> crate::Result<()> {
    let tx = store.conn.write()?;
    tx.execute("DELETE FROM served WHERE server = ?1", [id])?;
    for w in workflows {
        tx.execute_later(
            "INSERT INTO served (server, workflow, file, file_hash) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (server, workflow) DO NOTHING",
            [id, &w.workflow, &w.file, &w.file_hash],
        )?;
    }
    tx.commit()
}

/// Per server, how many workflows it serves and a digest of which, at
/// which hashes (two servers serving the same versions have the same).
pub fn catalogs(store: &Store) -> crate::Result<BTreeMap<String, (i64, String)>> {
    let rows: Vec<(String, String, String)> = store
        .conn
        .prepare("SELECT server, workflow, file_hash FROM served ORDER BY server, workflow")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::Result<_>>()?;
    let mut texts: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for (server, workflow, hash) in rows {
        let e = texts.entry(server).or_default();
        e.0 += 1;
        e.1.push_str(&format!("{workflow}\t{hash}\n"));
    }
    Ok(texts
        .into_iter()
        .map(|(s, (n, text))| (s, (n, crate::file_hash(&text))))
        .collect())
}

/// The condition, on a queued run `r` (a `runs` row) and server `?2`,
/// that the server may claim it: it serves the run's workflow, at the
/// run's hash — or at another when no live server serves that one (the
/// resume's check then says whether the steps that succeeded changed);
/// or no live server serves the workflow at all, and the claimer refuses
/// it, saying why (a server that serves it resumes it when it starts).
pub(crate) const CLAIMABLE: &str = "(EXISTS (
    SELECT 1 FROM served m WHERE m.server = ?2 AND m.workflow = r.workflow
      AND (m.file_hash = r.file_hash OR NOT EXISTS (
        SELECT 1 FROM served o JOIN servers v ON v.id = o.server AND v.state = 'alive'
        WHERE o.workflow = r.workflow AND o.file_hash = r.file_hash)))
  OR NOT EXISTS (
    SELECT 1 FROM served o JOIN servers v ON v.id = o.server AND v.state = 'alive'
    WHERE o.workflow = r.workflow))";
