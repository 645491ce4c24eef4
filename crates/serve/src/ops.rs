//! What an operator's tools ask of the process: `GET /healthz` (it is up)
//! and `GET /readyz` (it can take runs: not stopping, its state folder
//! still locked by it, its lease held on a store in a database, its store
//! opens). Outside the API's key gate, so a
//! load balancer or systemd's watchdog needs no key; they name no run,
//! workflow or path.

use crate::problem::{Code, Problem, ProblemBody};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use utoipa::ToSchema;
use wfc_launch::Launcher;
use wfc_store::server_lock::ServerLock;

/// What `/healthz`, `/readyz` and `/metrics` read.
#[derive(Clone)]
pub struct Ops {
    pub launcher: Launcher,
    pub catalog: Arc<crate::catalog::Catalog>,
    pub lock: Arc<ServerLock>,
    /// On a store in a database: this server's lease there.
    pub lease: Option<crate::lease::Lease>,
    pub started: Instant,
}

/// The answer of a probe that passed.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` (`/healthz`) or `ready` (`/readyz`).
    pub status: &'static str,
}

/// `GET /healthz`: the process answers.
#[utoipa::path(get, path = "/healthz", operation_id = "health", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: the server can take runs now.
#[utoipa::path(get, path = "/readyz", operation_id = "ready", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = ProblemBody)))]
pub async fn ready(State(ops): State<Ops>) -> Result<Json<Health>, Problem> {
    let not_ready = |why: String| {
        let mut p = Problem::new(Code::NotReady, why);
        p.retry_after = Some(5);
        p
    };
    if ops.launcher.stopping().is_cancelled() {
        return Err(not_ready("the server is stopping".into()));
    }
    if !ops.lock.holds() {
        return Err(not_ready(format!(
            "the state folder's lock file ({}) is no longer the one this server locked",
            wfc_store::server_lock::FILE
        )));
    }
    if ops.lease.as_ref().is_some_and(|l| !l.held()) {
        return Err(not_ready(
            "the server holds no lease on the store: it cannot reach the database, or joins it again".into(),
        ));
    }
    let dir = ops.launcher.state_dir().to_path_buf();
    let opened = tokio::task::spawn_blocking(move || wfc_store::Store::open(&dir).map(drop))
        .await
        .map_err(|e| not_ready(e.to_string()))?;
    opened.map_err(|e| not_ready(format!("the run store does not open: {e}")))?;
    Ok(Json(Health { status: "ready" }))
}
