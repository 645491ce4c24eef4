//! Saving from the editor: the text formatted (when it parses), then
//! written exactly as `PUT /api/v1/files/{path}` writes ([`files::write`]:
//! checked — errors refuse it with their codes and places, nothing
//! written —, atomic, the replaced text kept as a version, served at
//! once), unless the file changed since the editor opened it; and a kept
//! version's text read back, to restore it by saving.

use super::{admit, operator, EditBody};
use crate::api::files::blocking;
use crate::dashboard::session::Session;
use crate::dashboard::Dash;
use crate::files::{self, Mode};
use crate::problem::{Code, Problem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

/// `POST /editor/save` (`{path, text, format, create, base}`): `200`
/// (`201` created) with what the files API answers plus the `text`
/// written, its `base` and the `versions` kept now; refused, the problem
/// (`API004` with the diagnostics for a text with errors, `API006` for a
/// file changed since `base`).
pub async fn save(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    let body = match admit(&dash, &session, &headers, body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    let catalog = dash.app.catalog.clone();
    let state = dash.app.launcher.state_dir().to_path_buf();
    let written = blocking(move || {
        let target = files::resolve(&catalog, &body.path)?;
        if let Some(base) = &body.base {
            unchanged_since(&state, &target, base)?;
        }
        // Formatting is the formatter's or nothing: a text that does not
        // parse is written as typed (and refused by the check).
        let text = match body.format {
            true => wfc_language::fmt::format_source(&body.text).unwrap_or(body.text),
            false => body.text,
        };
        let mode = if body.create { Mode::Create } else { Mode::Any };
        let written = files::write(&catalog, &state, &target, &text, mode)?;
        let versions = files::versions_of(&state, &target).list();
        Ok((written, text, versions))
    })
    .await;
    match written {
        Ok((written, text, versions)) => {
            tracing::info!(file = %written.file, by = %session.name, kept_version = ?written.kept_version, "workflow file written from the dashboard editor");
            let status = match written.created {
                true => StatusCode::CREATED,
                false => StatusCode::OK,
            };
            let mut answer = serde_json::to_value(&written).unwrap_or_default();
            answer["base"] = super::text_hash(&text).into();
            answer["text"] = text.into();
            answer["versions"] = serde_json::to_value(versions).unwrap_or_default();
            (status, Json(answer)).into_response()
        }
        Err(p) => p.into_response(),
    }
}

/// Refuses (`409` `API006`) when `target`'s text is no longer the one
/// whose hash is `base`: someone saved it (or deleted it) since the
/// editor opened it. A guard against a stale page, not a lock: a write
/// between this look and the save's own is still taken.
fn unchanged_since(
    state: &std::path::Path,
    target: &files::Target,
    base: &str,
) -> Result<(), Problem> {
    let now = match files::read(state, target, None) {
        Ok(t) => Some(t.text),
        Err(p) if p.code == Code::NotFound => None,
        Err(p) => return Err(p),
    };
    if now.as_deref().map(super::text_hash).as_deref() == Some(base) {
        return Ok(());
    }
    let what = match now {
        Some(_) => "was changed",
        None => "was deleted",
    };
    Err(Problem::new(
        Code::Conflict,
        format!(
            "{} {what} since this editor opened it; nothing was written. Open it again to see \
             the change, or save again to replace it with this text",
            target.path
        ),
    ))
}

#[derive(Deserialize)]
pub struct VersionQuery {
    path: String,
    version: u32,
}

/// `GET /editor/version?path=P&version=N`: `{version, text}` of a kept
/// version (the page puts it in the editor; saving restores it).
pub async fn version(
    State(dash): State<Dash>,
    Extension(session): Extension<Session>,
    Query(q): Query<VersionQuery>,
) -> Response {
    if let Err(p) = operator(&session) {
        return p.into_response();
    }
    let catalog = dash.app.catalog.clone();
    let state = dash.app.launcher.state_dir().to_path_buf();
    let read = blocking(move || {
        let target = files::resolve(&catalog, &q.path)?;
        files::read(&state, &target, Some(q.version))
    })
    .await;
    match read {
        Ok(t) => Json(json!({"version": t.version, "text": t.text})).into_response(),
        Err(p) => p.into_response(),
    }
}
