//! Incremental runs for a launched run: on when the run is recorded and
//! one of its main-graph steps declares `sources`. The scope that runs
//! share up-to-date steps in is the workflow file's real path and the
//! workflow's name; `sources` globs are relative to the file's folder.

mod explain;
mod predict;
pub use explain::{explain, Explanation};
pub use predict::{inputs_of, predict, Predicted};

use crate::run::Rerun;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wfc_language::ir::sources;
use wfc_plan::Plan;
use wfc_run::up_to_date::Incremental;

/// Whether a main-graph step of `plan` may be up to date: it declares
/// `sources` or an `up to date when` check.
pub fn uses_sources(plan: &Plan) -> bool {
    plan.main.steps.iter().any(may_be_up_to_date)
}

/// Whether `step` declares `sources` or an `up to date when` check.
pub fn may_be_up_to_date(step: &wfc_plan::PlannedStep) -> bool {
    use wfc_language::check::kinds::{UP_TO_DATE_SHELL, UP_TO_DATE_SQL};
    let decides = |name: &str| [sources::FIELD, UP_TO_DATE_SHELL, UP_TO_DATE_SQL].contains(&name);
    step.fields.iter().any(|f| decides(&f.name))
}

/// The scope and folder of workflow `workflow` of file `file` (as the run
/// records it: relative to the working directory, or absolute).
pub fn scope_of(file: &str, workflow: &str) -> (String, PathBuf) {
    let real = std::fs::canonicalize(file).unwrap_or_else(|_| PathBuf::from(file));
    let root = real
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    (format!("{}#{workflow}", real.display()), root)
}

/// The run's settings, `None` when it has nothing to skip or the store
/// cannot be opened for lookups (then every step runs, as it always may).
pub fn settings(
    state_dir: &Path,
    plan: &Plan,
    file: &str,
    rerun: &Rerun,
    resumed: Option<&str>,
) -> Option<Arc<Incremental>> {
    if !uses_sources(plan) && plan.earlier.is_empty() {
        return None;
    }
    let store = match wfc_store::Store::open(state_dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("up-to-date steps cannot be looked up, so every step runs: {e}");
            return None;
        }
    };
    let mut restored_files = std::collections::HashMap::<String, Vec<_>>::new();
    for a in resumed
        .and_then(|id| wfc_store::artifacts::list(&store, id).ok())
        .into_iter()
        .flatten()
        .filter(|a| a.graph == "main")
    {
        let file = wfc_contract::ArtifactFile {
            name: a.name,
            path: a.path,
            size: a.size,
            sha256: a.sha256,
        };
        restored_files.entry(a.step).or_default().push(file);
    }
    let lookup = Arc::new(wfc_store::up_to_date::Lookup::new(store));
    let (scope, root) = scope_of(file, &plan.workflow);
    match Incremental::new(lookup, state_dir, scope, root) {
        Ok(mut inc) => {
            inc.force = rerun.all;
            inc.rerun = rerun.steps.clone();
            inc.restored_files = restored_files;
            Some(Arc::new(inc))
        }
        Err(e) => {
            tracing::warn!("up-to-date steps cannot be looked up, so every step runs: {e}");
            None
        }
    }
}

/// `--from`: the steps of [`Plan::earlier`] that no recorded run of the
/// workflow has succeeded (with their files kept) to take them from —
/// what a front end refuses the run for (E0806) before creating it.
pub fn missing_earlier(state_dir: &Path, plan: &Plan, file: &str) -> Result<Vec<String>, String> {
    if plan.earlier.is_empty() {
        return Ok(Vec::new());
    }
    let store = wfc_store::Store::open(state_dir).map_err(|e| e.to_string())?;
    let (scope, _) = scope_of(file, &plan.workflow);
    let mut missing = Vec::new();
    for &v in &plan.earlier {
        let name = &plan.main.steps[v].name;
        if wfc_store::up_to_date::last(&store, &scope, name)
            .map_err(|e| e.to_string())?
            .is_none()
        {
            missing.push(name.clone());
        }
    }
    Ok(missing)
}

/// E0806 for [`missing_earlier`]'s steps.
pub fn missing_earlier_error(missing: &[String]) -> wfc_language::diag::Diagnostic {
    let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    wfc_language::diag::Diagnostic::error(
        "E0806",
        format!(
            "--from: no earlier run of this workflow has {} succeeded (with its files kept) to take it from; nothing ran",
            names.join(", ")
        ),
    )
    .help("run them first (`--target STEP`), or start from them too (`--from STEP`)")
}
