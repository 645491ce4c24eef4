//! Served workflows started through the launcher ([`wfc_launch`]): compiled
//! from the catalog's checked IR with a request's params (bound exactly as
//! `wfc run --params-file` binds them), the launcher's errors answered as
//! problems.

use crate::problem::{Code, Problem};
use wfc_language::span::SourceFile;
use wfc_launch::{Checked, Compiled, LaunchError};
use wfc_plan::ParamInput;

/// The params a request's body gives: a JSON object's text, as a params
/// file holds (duplicate keys refused), `None` for an empty body.
pub fn params_text(body: Option<String>) -> ParamInput {
    ParamInput {
        file: body.map(|p| ("<request body: params>".to_owned(), p)),
        ..ParamInput::default()
    }
}

/// Params already read as JSON values (a trigger's `params { … }`).
pub fn params_values(values: serde_json::Map<String, serde_json::Value>) -> ParamInput {
    ParamInput {
        values: (!values.is_empty()).then(|| ("<trigger params>".to_owned(), values)),
        ..ParamInput::default()
    }
}

/// Compiles `workflow` with `params` on the blocking pool; bad params and a
/// workflow that fails for every params are a 400 with the diagnostics.
pub async fn compile(workflow: Checked, params: ParamInput) -> Result<Compiled, Problem> {
    let source = workflow.source.clone();
    tokio::task::spawn_blocking(move || wfc_launch::compile(&workflow, &params))
        .await
        .map_err(Problem::store)?
        .map_err(|e| not_started(e, &source))
}

/// Why a run was not started, as an answer; `source` is the file the
/// diagnostics of an invalid run point into.
pub fn not_started(e: LaunchError, source: &SourceFile) -> Problem {
    match e {
        LaunchError::Invalid { what, diagnostics } => {
            let mut p = Problem::new(Code::Invalid, what);
            p.diagnostics = diagnostics
                .iter()
                .map(|d| crate::catalog::to_value(d, source))
                .collect();
            p
        }
        other => Problem::from(other),
    }
}

impl From<LaunchError> for Problem {
    /// (An invalid run's diagnostics lose their places here: see
    /// [`not_started`].)
    fn from(e: LaunchError) -> Problem {
        match e {
            LaunchError::Busy(detail) => {
                let mut p = Problem::new(Code::Busy, detail);
                p.retry_after = Some(5);
                p
            }
            LaunchError::LockKey(detail) => Problem::new(Code::LockKey, detail),
            e @ LaunchError::LockHeld { .. } => Problem::new(Code::LockHeld, e.to_string()),
            LaunchError::Conflict(detail) => Problem::new(Code::Conflict, detail),
            LaunchError::Store(detail) => Problem::new(Code::Store, detail),
            // The server's temp folder, like its store, is its own to fix.
            LaunchError::RunDir(detail) => Problem::new(Code::Store, detail),
            e @ LaunchError::Invalid { .. } => {
                not_started(e, &SourceFile::new("<unknown>", String::new()))
            }
        }
    }
}
