//! `GET /runs/{id}/artifacts` (the files a run's steps kept) and
//! `GET /runs/{id}/artifacts/{sha256}` (one, downloaded). Any key may read
//! them, as a run's logs. A download is streamed from disk a chunk at a
//! time, hashed as it goes; the last chunk is held back until the whole
//! file proved to have its recorded SHA-256, so a copy changed since the
//! run kept it never reaches a client whole: its answer is cut short (and
//! one whose size already differs is refused at once, `API121`).

use super::{find_run, with_store, App};
use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use utoipa::ToSchema;
use wfc_store::artifacts::{self, StoredArtifact};

/// One kept file.
#[derive(Serialize, ToSchema)]
pub struct ArtifactJson {
    /// `main`, `rollback`, `on_failure`, `on_success` or `finally`.
    pub graph: String,
    pub step: String,
    /// The artifact's name, as declared.
    pub name: String,
    /// Where the step left the file.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Where to download it (this API).
    pub url: String,
}

/// The files a run's steps kept as artifacts, in the order the steps ran.
#[utoipa::path(get, path = "/api/v1/runs/{id}/artifacts", operation_id = "listArtifacts", tag = "runs",
    params(("id" = String, Path, description = "the run")),
    responses((status = 200, body = [ArtifactJson]), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Path(typed): Path<String>,
) -> Result<Json<Vec<ArtifactJson>>, Problem> {
    let (id, all) = with_store(&app, move |s| {
        let id = find_run(s, &typed)?;
        let all = artifacts::list(s, &id).map_err(Problem::store)?;
        Ok((id, all))
    })
    .await?;
    let json = all
        .into_iter()
        .map(|a| ArtifactJson {
            url: format!("{}/runs/{id}/artifacts/{}", super::PREFIX, a.sha256),
            graph: a.graph,
            step: a.step,
            name: a.name,
            path: a.path,
            size: a.size,
            sha256: a.sha256,
        })
        .collect();
    Ok(Json(json))
}

/// One kept file, by its SHA-256 (as the list gives it), streamed.
#[utoipa::path(get, path = "/api/v1/runs/{id}/artifacts/{sha256}", operation_id = "getArtifact", tag = "runs",
    params(("id" = String, Path, description = "the run"), ("sha256" = String, Path, description = "the file's SHA-256, as listed")),
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = ProblemBody), (status = 500, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(app): State<App>,
    Path((typed, sha256)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let (file, a) = with_store(&app, move |s| {
        let id = find_run(s, &typed)?;
        let all = artifacts::list(s, &id).map_err(Problem::store)?;
        let Some(a) = all.into_iter().find(|a| a.sha256 == sha256) else {
            return Err(Problem::new(
                Code::NoArtifact,
                format!("run {id} kept no file of SHA-256 `{sha256}` (`GET /runs/{id}/artifacts` lists them)"),
            ));
        };
        let path = artifacts::stored_path(s, &id, &a);
        let tampered = |why: String| {
            Problem::new(
                Code::ArtifactTampered,
                format!("{}: the stored copy of `{}` (artifact `{}` of step `{}`) {why}", artifacts::TAMPERED, a.path, a.name, a.step),
            )
        };
        let file = std::fs::File::open(&path).map_err(|e| tampered(format!("cannot be read: {e}")))?;
        let len = file.metadata().map_err(Problem::store)?.len();
        if len != a.size {
            return Err(tampered(format!("has {len} bytes, not the {} recorded", a.size)));
        }
        Ok((file, a))
    })
    .await?;
    let name = std::path::Path::new(&a.path)
        .file_name()
        .map(|n| n.to_string_lossy().replace(['"', '\\', '\r', '\n'], "_"))
        .unwrap_or_else(|| a.sha256.clone());
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
        (header::CONTENT_LENGTH, a.size.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
        (
            header::HeaderName::from_static("wfc-artifact-sha256"),
            a.sha256.clone(),
        ),
    ];
    Ok((headers, axum::body::Body::from_stream(checked(file, a))).into_response())
}

/// What the stream holds between chunks.
struct Reading {
    file: std::fs::File,
    hasher: Sha256,
    /// The chunk read last, sent once the next is read (or the hash holds).
    held: Option<Vec<u8>>,
    a: StoredArtifact,
}

/// The file's bytes, a chunk at a time, the last one only once the whole
/// file's SHA-256 is the recorded one (else an error, which cuts the answer).
fn checked(
    file: std::fs::File,
    a: StoredArtifact,
) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> {
    let start = Reading {
        file,
        hasher: Sha256::new(),
        held: None,
        a,
    };
    futures::stream::unfold(Some(start), |state| async move {
        let mut r = state?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let n = r.file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((r, buf))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|x| x);
        let (mut r, buf) = match read {
            Ok(x) => x,
            Err(e) => return Some((Err(e), None)),
        };
        if buf.is_empty() {
            let sha: String = std::mem::take(&mut r.hasher)
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if sha != r.a.sha256 {
                tracing::warn!(artifact = %r.a.path, "{}: a stored artifact no longer has its recorded SHA-256; its download was cut", artifacts::TAMPERED);
                return Some((
                    Err(std::io::Error::other(
                        "the artifact's stored copy was changed",
                    )),
                    None,
                ));
            }
            let last = r.held.take()?;
            return Some((Ok(last.into()), None));
        }
        r.hasher.update(&buf);
        let out = r.held.replace(buf).unwrap_or_default();
        Some((Ok(out.into()), Some(r)))
    })
}
