//! Incremental runs in the store: each main-graph step that declares
//! `sources` and succeeded (or was up to date) has a `step_inputs` row —
//! the key it is found by, its sources' manifest, what its dependencies
//! and itself gave. A run asks [`Lookup`] for a succeeded run with the
//! same key; `wfc plan` and `wfc explain` read the rows to say why a step
//! will run or ran ([`latest`], [`of_run`]).
//!
//! A row is written just before its step's end, in the same turn; a row
//! whose step did not end succeeded (a crash in between) is never found:
//! every read joins the step's `succeeded` row.

use crate::artifacts::{of_main_step, stored_path};
use crate::db::Optional;
use crate::params;
use crate::Store;
use std::sync::Mutex;
use wfc_contract::up_to_date::{Found, UpToDate};
use wfc_contract::ArtifactFile;

/// One `step_inputs` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputsRow {
    pub run_id: String,
    pub step: String,
    pub key: String,
    pub sources: String,
    pub deps: String,
    pub gave: String,
    pub origin: Option<String>,
    pub forced: bool,
    pub at: i64,
    /// What its `up to date when` check said.
    pub checked: Option<String>,
}

const COLUMNS: &str =
    "i.run_id, i.step, i.key, i.sources, i.deps, i.gave, i.origin, i.forced, i.at, i.checked";
const SUCCEEDED: &str = "JOIN steps s ON s.run_id = i.run_id AND s.graph = 'main'
      AND s.rollback_of = '' AND s.name = i.step AND s.status = 'succeeded'";

fn row(r: &crate::db::Row) -> crate::Result<InputsRow> {
    Ok(InputsRow {
        run_id: r.get(0)?,
        step: r.get(1)?,
        key: r.get(2)?,
        sources: r.get(3)?,
        deps: r.get(4)?,
        gave: r.get(5)?,
        origin: r.get(6)?,
        forced: r.get(7)?,
        at: r.get(8)?,
        checked: r.get(9)?,
    })
}

/// The latest succeeded row of `step` in `scope`, of a run other than
/// `except` and, with `before`, recorded before that time (ms).
pub fn latest(
    store: &Store,
    scope: &str,
    step: &str,
    except: Option<&str>,
    before: Option<i64>,
) -> crate::Result<Option<InputsRow>> {
    store
        .conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM step_inputs i {SUCCEEDED}
             WHERE i.scope = ?1 AND i.step = ?2 AND i.run_id <> ?3 AND i.at < ?4
               AND i.key <> ''
             ORDER BY i.at DESC LIMIT 1"
        ))?
        .query_row(
            params![
                scope,
                step,
                except.unwrap_or(""),
                before.unwrap_or(i64::MAX)
            ],
            row,
        )
        .optional()
}

/// Step `step`'s row in run `run_id`, whatever the step's end.
pub fn of_run(store: &Store, run_id: &str, step: &str) -> crate::Result<Option<InputsRow>> {
    store
        .conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM step_inputs i WHERE i.run_id = ?1 AND i.step = ?2"
        ))?
        .query_row(params![run_id, step], row)
        .optional()
}

/// The scope of run `run_id`'s rows (any of them), if it has any.
pub fn scope_of(store: &Store, run_id: &str) -> crate::Result<Option<String>> {
    store
        .conn
        .query_row(
            "SELECT scope FROM step_inputs WHERE run_id = ?1 LIMIT 1",
            [run_id],
            |r| r.get(0),
        )
        .optional()
}

/// Whether every file `step` kept in run `run_id` still has its stored
/// copy, at its recorded size (the content is checked as it is copied).
pub fn copies_kept(
    store: &Store,
    run_id: &str,
    step: &str,
) -> crate::Result<Result<Vec<(ArtifactFile, std::path::PathBuf)>, String>> {
    let mut out = Vec::new();
    for a in of_main_step(store, run_id, step)? {
        let copy = stored_path(store, run_id, &a);
        match std::fs::metadata(&copy) {
            Ok(m) if m.len() == a.size => {}
            _ => {
                return Ok(Err(format!(
                    "the kept copy of `{}` (artifact `{}`) is gone",
                    a.path, a.name
                )))
            }
        }
        let file = ArtifactFile {
            name: a.name,
            path: a.path,
            size: a.size,
            sha256: a.sha256,
        };
        out.push((file, copy));
    }
    Ok(Ok(out))
}

/// The store as a run's [`UpToDate`].
pub struct Lookup(Mutex<Store>);

impl Lookup {
    pub fn new(store: Store) -> Lookup {
        Lookup(Mutex::new(store))
    }
}

impl UpToDate for Lookup {
    fn find(&self, scope: &str, step: &str, key: &str) -> Result<Option<Found>, String> {
        let store = self.0.lock().unwrap_or_else(|p| p.into_inner());
        find(&store, scope, step, key).map_err(|e| e.to_string())
    }

    fn last(&self, scope: &str, step: &str) -> Result<Option<Found>, String> {
        let store = self.0.lock().unwrap_or_else(|p| p.into_inner());
        last(&store, scope, step).map_err(|e| e.to_string())
    }
}

/// `--from`: the latest run of `scope`'s workflow (from the same file) in
/// which main-graph step `step` succeeded, with its kept copies all there.
/// An up-to-date or restored step names the run that ran it.
pub fn last(store: &Store, scope: &str, step: &str) -> crate::Result<Option<Found>> {
    let (file, workflow) = scope.rsplit_once('#').unwrap_or((scope, ""));
    let candidates: Vec<(String, Option<String>, String, Option<String>)> = store
        .conn
        .prepare_cached(
            "SELECT s.run_id, s.outputs, r.file, i.origin FROM runs r
             JOIN steps s ON s.run_id = r.id AND s.graph = 'main' AND s.rollback_of = ''
               AND s.name = ?2 AND s.status = 'succeeded'
             LEFT JOIN step_inputs i ON i.run_id = s.run_id AND i.step = s.name
             WHERE r.workflow = ?1
             ORDER BY r.started_at DESC, r.id DESC LIMIT 32",
        )?
        .query_map(params![workflow, step], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<crate::Result<_>>()?;
    let same_file = |recorded: &str| {
        recorded == file
            || std::fs::canonicalize(recorded).is_ok_and(|p| p.to_string_lossy() == file)
    };
    for (run_id, outputs, recorded, origin) in candidates {
        if !same_file(&recorded) {
            continue;
        }
        let Ok(artifacts) = copies_kept(store, &run_id, step)? else {
            continue;
        };
        let outputs = outputs
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        return Ok(Some(Found {
            run_id: origin.unwrap_or(run_id),
            outputs,
            artifacts,
            gave: String::new(),
        }));
    }
    Ok(None)
}

/// The latest succeeded run of `step` in `scope` with key `key` whose kept
/// copies are all there.
pub fn find(store: &Store, scope: &str, step: &str, key: &str) -> crate::Result<Option<Found>> {
    let candidates: Vec<(InputsRow, Option<String>)> = store
        .conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, s.outputs FROM step_inputs i {SUCCEEDED}
             WHERE i.scope = ?1 AND i.step = ?2 AND i.key = ?3
             ORDER BY i.at DESC LIMIT 4"
        ))?
        .query_map(params![scope, step, key], |r| Ok((row(r)?, r.get(10)?)))?
        .collect::<crate::Result<_>>()?;
    for (r, outputs) in candidates {
        let Ok(artifacts) = copies_kept(store, &r.run_id, step)? else {
            continue;
        };
        let outputs = outputs
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        return Ok(Some(Found {
            run_id: r.origin.clone().unwrap_or(r.run_id),
            outputs,
            artifacts,
            gave: r.gave,
        }));
    }
    Ok(None)
}
