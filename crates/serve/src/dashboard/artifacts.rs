//! The run page's artifacts: the files a run's steps kept, each a link to
//! `GET /runs/{id}/artifacts/{sha256}`, which downloads it through the
//! API's own handler (streamed and checked) with the page's session.

use super::session::Session;
use super::Dash;
use crate::api::artifacts;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Serialize;

/// One file as the run page lists it.
#[derive(Serialize)]
pub struct ArtifactLine {
    pub step: String,
    pub name: String,
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Run `id`'s kept files (none when they cannot be read: the page shows the rest).
pub async fn of_run(dash: &Dash, id: &str) -> Vec<ArtifactLine> {
    let dir = dash.app.launcher.state_dir().to_path_buf();
    let id = id.to_owned();
    tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open_existing(&dir).ok().flatten()?;
        wfc_store::artifacts::list(&store, &id).ok()
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default()
    .into_iter()
    .map(|a| ArtifactLine {
        step: a.step,
        name: a.name,
        path: a.path,
        size: a.size,
        sha256: a.sha256,
    })
    .collect()
}

/// `GET /runs/{id}/artifacts/{sha256}`: one file, downloaded.
pub async fn download(
    State(dash): State<Dash>,
    Extension(_session): Extension<Session>,
    Path(path): Path<(String, String)>,
) -> Response {
    match artifacts::download(State(dash.app.clone()), Path(path)).await {
        Ok(r) => r,
        Err(problem) => problem.into_response(),
    }
}
