//! The files steps kept as artifacts: their rows (`artifacts`), their
//! copies (`artifacts/RUN/SHA256` in the state folder or the folder named
//! for them, [`root`]; written by the run), and what reads them
//! back — `wfc status`, `wfc artifacts`, the API, and `wfc resume`, which
//! puts a restored step's files back where its dependents expect them.
//! Every copy out is checked against the recorded SHA-256 as it streams:
//! a stored file changed since (or gone) is refused, never handed on.

use super::record::Key;
use super::Store;
use crate::db::Db;
use crate::params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A stored copy changed or gone: refused.
pub const TAMPERED: &str = "E0845";
/// A resumed step's files that cannot be put back.
pub const NOT_RESTORED: &str = "E0846";

/// One kept file, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredArtifact {
    /// `main`, `rollback`, `on_failure`, …
    pub graph: String,
    pub step: String,
    pub name: String,
    /// Where the step left it.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Why a kept file cannot be handed on.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("{TAMPERED}: the stored copy of `{path}` ({what}) was changed or removed since the run kept it: {why}")]
    Tampered {
        path: String,
        what: String,
        why: String,
    },
    #[error("{0}")]
    Io(String),
}

/// Writes one row (see [`super::record::Record::Artifact`]).
pub(crate) fn record(
    tx: &Db,
    run_id: &str,
    key: Key<'_>,
    (name, path, size, sha256): (&str, &str, u64, &str),
    first: bool,
) -> crate::Result<()> {
    if first {
        tx.prepare_cached(
            "DELETE FROM artifacts WHERE run_id = ?1 AND graph = ?2 AND rollback_of = ?3 AND step = ?4",
        )?
        .execute(params![run_id, key.graph, key.rollback_of, key.name])?;
    }
    tx.prepare_cached(
        "INSERT INTO artifacts (run_id, graph, rollback_of, step, name, path, size, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (run_id, graph, rollback_of, step, name, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256",
    )?
    .execute(params![run_id, key.graph, key.rollback_of, key.name, name, path, size as i64, sha256])
    .map(drop)
}

/// Run `run_id`'s kept files, in the order its steps first ran.
pub fn list(store: &Store, run_id: &str) -> crate::Result<Vec<StoredArtifact>> {
    let mut q = store.conn.prepare_cached(
        "SELECT a.graph, a.step, a.name, a.path, a.size, a.sha256
         FROM artifacts a LEFT JOIN steps s
           ON s.run_id = a.run_id AND s.graph = a.graph AND s.rollback_of = a.rollback_of AND s.name = a.step
         WHERE a.run_id = ?1
         ORDER BY s.seq, a.step, a.name, a.path",
    )?;
    let rows = q.query_map([run_id], |r| {
        Ok(StoredArtifact {
            graph: r.get(0)?,
            step: r.get(1)?,
            name: r.get(2)?,
            path: r.get(3)?,
            size: r.get::<i64>(4)? as u64,
            sha256: r.get(5)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

/// The files main-graph step `step` kept in run `run_id` (one step's, by
/// the table's key: not the whole run's, read once per step).
pub fn of_main_step(store: &Store, run_id: &str, step: &str) -> crate::Result<Vec<StoredArtifact>> {
    let mut q = store.conn.prepare_cached(
        "SELECT name, path, size, sha256 FROM artifacts
         WHERE run_id = ?1 AND graph = 'main' AND rollback_of = '' AND step = ?2
         ORDER BY name, path",
    )?;
    let rows = q.query_map(params![run_id, step], |r| {
        Ok(StoredArtifact {
            graph: "main".to_owned(),
            step: step.to_owned(),
            name: r.get(0)?,
            path: r.get(1)?,
            size: r.get::<i64>(2)? as u64,
            sha256: r.get(3)?,
        })
    })?;
    rows.collect::<crate::Result<_>>()
}

/// The folder of every run's artifacts for the store of state folder
/// `state_dir`: `$WFC_ARTIFACTS`, else the store's `?artifacts=` (a
/// PostgreSQL URL's: a folder every server sharing the database mounts),
/// else `artifacts` in the state folder. A relative folder is the current
/// folder's.
pub fn root(state_dir: &Path) -> PathBuf {
    let named = std::env::var_os("WFC_ARTIFACTS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| crate::remote::bound(state_dir).and_then(|b| b.artifacts.clone()));
    match named {
        Some(dir) => std::path::absolute(&dir).unwrap_or(dir),
        None => state_dir.join(wfc_contract::artifacts::ARTIFACTS_DIR),
    }
}

/// Run `run_id`'s artifact folder (in [`root`]).
pub fn run_folder(state_dir: &Path, run_id: &str) -> PathBuf {
    root(state_dir).join(run_id)
}

/// The stored copy of `a`, a file of run `run_id`.
pub fn stored_path(store: &Store, run_id: &str, a: &StoredArtifact) -> PathBuf {
    let folder = run_folder(store.dir(), run_id);
    wfc_contract::artifacts::stored(&folder, &a.sha256)
}

/// Streams the stored copy of `a` into `out`, checking its size and
/// SHA-256; `Tampered` when they differ (what was written must then be
/// thrown away by the caller).
pub fn stream(source: &Path, a: &StoredArtifact, out: &mut dyn Write) -> Result<(), ArtifactError> {
    let tampered = |why: String| ArtifactError::Tampered {
        path: a.path.clone(),
        what: format!("artifact `{}` of step `{}`", a.name, a.step),
        why,
    };
    let mut f = File::open(source).map_err(|e| tampered(e.to_string()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| ArtifactError::Io(format!("{}: {e}", source.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| ArtifactError::Io(e.to_string()))?;
        size += n as u64;
    }
    let sha: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if size != a.size || sha != a.sha256 {
        return Err(tampered(format!(
            "its content no longer has the recorded SHA-256 {}",
            a.sha256
        )));
    }
    Ok(())
}

/// Copies the stored copy of `a` to `dest` whole or not at all: through a
/// temporary file beside it, checked, synced, then renamed over `dest`.
pub fn copy_to(
    store: &Store,
    run_id: &str,
    a: &StoredArtifact,
    dest: &Path,
) -> Result<(), ArtifactError> {
    let io = |e: std::io::Error| ArtifactError::Io(format!("{}: {e}", dest.display()));
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wfc-artifact-")
        .tempfile_in(dir)
        .map_err(io)?;
    stream(&stored_path(store, run_id, a), a, tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(dest).map_err(|e| io(e.error))?;
    Ok(())
}

/// Puts back the files the main-graph steps `steps` kept in run `run_id`,
/// where they were (a resumed run's restored steps: their dependents read
/// them there). The number of files put back.
pub fn restore(store: &Store, run_id: &str, steps: &[&str]) -> Result<usize, String> {
    let all = list(store, run_id).map_err(|e| e.to_string())?;
    let mut n = 0;
    for a in all
        .iter()
        .filter(|a| a.graph == "main" && steps.contains(&a.step.as_str()))
    {
        copy_to(store, run_id, a, Path::new(&a.path)).map_err(|e| match e {
            ArtifactError::Tampered { .. } => format!(
                "{NOT_RESTORED}: step `{}` succeeded before, but its artifact cannot be put back: {e}",
                a.step
            ),
            ArtifactError::Io(why) => format!(
                "{NOT_RESTORED}: step `{}` succeeded before, but its artifact `{}` cannot be put back at {}: {why}",
                a.step, a.name, a.path
            ),
        })?;
        n += 1;
    }
    Ok(n)
}
