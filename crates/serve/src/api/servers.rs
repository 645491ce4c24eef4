//! `GET /api/v1/servers`: the servers sharing this server's store in a
//! database, with their leases (docs/serve.md, "Several servers"); none on
//! a SQLite store.

use super::{with_store, App};
use crate::problem::{Problem, ProblemBody};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use wfc_store::servers::ServerRow;

/// The servers and how their leases are judged.
#[derive(Serialize, ToSchema)]
pub struct Servers {
    /// Newest first: those alive, and those that stopped or died within the hour.
    pub servers: Vec<ServerRow>,
    /// The server that answered (its row's id), if it holds a lease.
    pub this: Option<String>,
    /// How old a heartbeat may be (ms, the database's clock) for a lease to hold.
    pub ttl_ms: i64,
}

/// The servers sharing the store.
#[utoipa::path(get, path = "/api/v1/servers", operation_id = "listServers", tag = "operations",
    responses((status = 200, body = Servers), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(State(app): State<App>) -> Result<Json<Servers>, Problem> {
    let lease = crate::lease::current();
    let ttl_ms = lease
        .as_ref()
        .map_or(crate::lease::Timing::default().ttl, |l| l.timing().ttl)
        .as_millis() as i64;
    let this = lease.filter(|l| l.held()).map(|l| l.id().0);
    if !wfc_store::exists(app.launcher.state_dir()) && this.is_none() {
        return Ok(Json(Servers {
            servers: Vec::new(),
            this,
            ttl_ms,
        }));
    }
    let servers = with_store(&app, move |s| {
        wfc_store::servers::list(s, ttl_ms).map_err(Problem::store)
    })
    .await?;
    Ok(Json(Servers {
        servers,
        this,
        ttl_ms,
    }))
}
