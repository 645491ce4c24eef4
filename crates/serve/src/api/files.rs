//! `/files/{path}`: a served folder's workflow files read, written and
//! deleted, for operator keys only (a file's text may hold what a `read`
//! key is not shown). See [`crate::files`] for the rules: within the
//! served folders, checked before written, atomic, previous versions kept.

use super::App;
use crate::auth::Caller;
use crate::files::{self, Deleted, FileText, Written};
use crate::problem::{Problem, ProblemBody};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which text of the file.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// A kept version (`versions[].version`) instead of the file as it is.
    pub version: Option<u32>,
}

/// A workflow file's text (or a kept version's, `?version=N`) and the
/// versions kept of it. A deleted file's versions are still read.
#[utoipa::path(get, path = "/api/v1/files/{path}", operation_id = "readFile", tag = "files",
    params(("path" = String, Path, description = "a `.wf` file relative to a served folder (`deploy/api.wf`)"), FileQuery),
    responses((status = 200, body = FileText), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Json<FileText>, Problem> {
    caller.operator()?;
    let state = app.launcher.state_dir().to_path_buf();
    blocking(move || {
        let target = files::resolve(&app.catalog, &path)?;
        files::read(&state, &target, q.version)
    })
    .await
    .map(Json)
}

/// Writes a workflow file (the body, as is): created (201) or replaced
/// (200, the text it replaces kept as a version). The text is checked
/// first: errors refuse it (400, `API004`, with the diagnostics' codes
/// and places) and nothing is written. To restore a version, `PUT` its text.
#[utoipa::path(put, path = "/api/v1/files/{path}", operation_id = "writeFile", tag = "files",
    params(("path" = String, Path, description = "a `.wf` file relative to a served folder (`deploy/api.wf`)")),
    request_body(content = String, content_type = "text/plain", description = "the .wf file's text"),
    responses((status = 200, body = Written), (status = 201, body = Written), (status = 400, body = ProblemBody),
        (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn write(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<String>,
    body: String,
) -> Result<Response, Problem> {
    caller.operator()?;
    let state = app.launcher.state_dir().to_path_buf();
    let written = blocking(move || {
        let target = files::resolve(&app.catalog, &path)?;
        files::write(&app.catalog, &state, &target, &body, files::Mode::Any)
    })
    .await?;
    match written.kept_version {
        Some(v) => {
            tracing::info!(file = %written.file, by = %caller.name, kept_version = v, "workflow file written through the API")
        }
        None => {
            tracing::info!(file = %written.file, by = %caller.name, "workflow file written through the API")
        }
    }
    let status = if written.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(written)).into_response())
}

/// Deletes a workflow file; its text is kept as a version (a `PUT` of it
/// restores the file). It is no longer served.
#[utoipa::path(delete, path = "/api/v1/files/{path}", operation_id = "deleteFile", tag = "files",
    params(("path" = String, Path, description = "a `.wf` file relative to a served folder (`deploy/api.wf`)")),
    responses((status = 200, body = Deleted), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<String>,
) -> Result<Json<Deleted>, Problem> {
    caller.operator()?;
    let state = app.launcher.state_dir().to_path_buf();
    let deleted = blocking(move || {
        let target = files::resolve(&app.catalog, &path)?;
        files::delete(&app.catalog, &state, &target)
    })
    .await?;
    tracing::info!(file = %deleted.file, by = %caller.name, kept_version = deleted.kept_version, "workflow file deleted through the API");
    Ok(Json(deleted))
}

/// Runs `f` (file system work) on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Problem::store)?
}
