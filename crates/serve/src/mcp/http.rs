//! `/mcp` on `wfc serve`: the same tools over MCP's streamable HTTP
//! transport, behind the API's bearer keys and rate limits ([`auth`]): no
//! key is a 401, and a `read` key's `start_run` is refused (`API002`).

use super::WfcMcp;
use crate::api::App;
use crate::auth::{self, Gate};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The path the MCP endpoint is served at.
pub const PATH: &str = "/mcp";

/// The `/mcp` route: sessions end when `stopping` is cancelled, so the
/// server's drain is not held up by open streams.
pub fn router(app: App, gate: Gate, max_body: usize, stopping: CancellationToken) -> Router {
    let config = StreamableHttpServerConfig::default()
        // Every request carries a bearer key, which a rebinding page cannot
        // send: the Host check would only refuse `--listen 0.0.0.0` clients.
        .disable_allowed_hosts()
        .with_max_request_body_bytes(max_body)
        .with_cancellation_token(stopping.child_token());
    let service = StreamableHttpService::new(
        move || Ok(WfcMcp { app: app.clone() }),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route_service(PATH, service)
        .route_layer(axum::middleware::from_fn(ended_session))
        .route_layer(axum::middleware::from_fn_with_state(gate, auth::check))
}

/// A session ended by `DELETE` is answered `204`, not rmcp's `202`: MCP's
/// clients take any other answer for a failure and say so.
async fn ended_session(req: Request, next: Next) -> Response {
    let delete = req.method() == Method::DELETE;
    let mut answer = next.run(req).await;
    if delete && answer.status() == StatusCode::ACCEPTED {
        *answer.status_mut() = StatusCode::NO_CONTENT;
    }
    answer
}
