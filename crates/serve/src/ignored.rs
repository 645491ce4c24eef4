//! Firings a trigger's `when` turned down: a webhook delivery (answered
//! `202` with `"status": "ignored"` and the reason), a schedule's slot or a
//! change trigger's batch — and those of a paused trigger (`wfc triggers
//! pause`: a webhook is answered `409`). Each is logged and kept in the run
//! store's `ignored_firings` with its reason; none creates a run.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use wfc_launch::Launcher;
use wfc_store::ignored::Ignored;

/// The code an ignored delivery's answer carries.
pub const CODE: &str = "API100";

/// What an ignored delivery is answered.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = HookIgnored)]
pub struct IgnoredAnswer<'a> {
    /// Always `ignored`.
    status: &'static str,
    /// Always `API100`.
    code: &'static str,
    /// Why the trigger's `when` turned it down.
    reason: &'a str,
}

/// `202 {"status": "ignored", "code": "API100", "reason": …}`.
pub fn answer(reason: &str) -> Response {
    let body = IgnoredAnswer {
        status: "ignored",
        code: CODE,
        reason,
    };
    (
        StatusCode::ACCEPTED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

/// Logs `firing` and keeps it in the store; a store that fails is logged
/// (the firing still starts nothing).
pub async fn record(launcher: &Launcher, firing: Ignored) {
    tracing::info!(
        workflow = %firing.workflow, trigger = %firing.trigger,
        "ignored, no run: {}", firing.reason
    );
    let dir = launcher.state_dir().to_path_buf();
    let kept = tokio::task::spawn_blocking(move || {
        let store = wfc_store::Store::open(&dir).map_err(|e| e.to_string())?;
        wfc_store::ignored::record(&store, &firing).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    if let Err(e) = kept {
        tracing::warn!("cannot keep an ignored firing in the run store: {e}");
    }
}

/// Why `workflow`'s triggers of `kind` (`schedule`, `webhook`, `change`)
/// start nothing now, if they are paused (`wfc triggers pause`). A store
/// that cannot be read pauses nothing (it is logged).
pub async fn paused(launcher: &Launcher, workflow: &str, kind: &'static str) -> Option<String> {
    let dir = launcher.state_dir().to_path_buf();
    let wf = workflow.to_owned();
    let read = tokio::task::spawn_blocking(move || {
        // Asked on every delivery: a plain connection to the store the
        // server opened (and migrated) at its start, not `open_existing`,
        // whose reaping of dead runs is the serve loop's to do.
        if !wfc_store::exists(&dir) {
            return Ok(None);
        }
        let store = wfc_store::Store::at(&dir).map_err(|e| e.to_string())?;
        wfc_store::pause::trigger_paused(&store, &wf, kind).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match read {
        Ok(p) => p.map(|p| {
            let what = if p.kind == "*" {
                "triggers".to_owned()
            } else {
                format!("{} triggers", p.kind)
            };
            format!(
                "the workflow's {what} are paused (by {} at {}); `wfc triggers resume {workflow}` lets them fire",
                p.by,
                wfc_store::pause::when(p.at)
            )
        }),
        Err(e) => {
            tracing::warn!(%workflow, "cannot read whether its triggers are paused: {e}");
            None
        }
    }
}

/// An [`Ignored`] of workflow `workflow` of `file`, by `trigger`, for `reason`.
pub fn firing(file: &str, workflow: &str, trigger: String, reason: String) -> Ignored {
    Ignored {
        at: 0,
        file: file.to_owned(),
        workflow: workflow.to_owned(),
        trigger,
        reason,
        delivery: None,
    }
}
