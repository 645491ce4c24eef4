//! `/mcp` on `wfc serve`: the same tools over MCP's streamable HTTP
//! transport, behind the API's bearer keys and rate limits ([`auth`]): no
//! key is a 401, and a `read` key's `start_run` is refused (`API002`).

use super::WfcMcp;
use crate::api::App;
use crate::auth::{self, Gate};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
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
/// clients take any other answer for a failure and say so. rmcp's errors
/// (a missing session, a wrong `Accept`) are plain text without a media
/// type: they are given `text/plain`, as the OpenAPI document says.
async fn ended_session(req: Request, next: Next) -> Response {
    let delete = req.method() == Method::DELETE;
    let mut answer = next.run(req).await;
    if delete && answer.status() == StatusCode::ACCEPTED {
        *answer.status_mut() = StatusCode::NO_CONTENT;
    }
    let failed = answer.status().is_client_error();
    let headers = answer.headers_mut();
    if failed && !headers.contains_key(header::CONTENT_TYPE) {
        let plain = HeaderValue::from_static("text/plain; charset=utf-8");
        headers.insert(header::CONTENT_TYPE, plain);
    }
    answer
}

/// The operations of `/mcp` in the OpenAPI document: rmcp's service answers
/// them, these functions only carry their description.
pub mod doc {
    use crate::problem::ProblemBody;

    /// A JSON-RPC 2.0 message of MCP's streamable HTTP transport (its
    /// version 2025-03-26): `initialize` first (the answer carries
    /// `Mcp-Session-Id`, sent back with every later message), then
    /// `tools/list`, `tools/call`, `resources/read`, `prompts/get`… The
    /// tools are `wfc mcp`'s (docs/mcp.md); a `read` key's `start_run` is
    /// refused (`API002`). Send `Accept: application/json, text/event-stream`.
    #[utoipa::path(post, path = "/mcp", operation_id = "mcpMessage", tag = "mcp",
        request_body(content = Object, description = "a JSON-RPC 2.0 request, notification or response", content_type = "application/json"),
        responses(
            (status = 200, description = "the JSON-RPC answer, as an event stream that ends with it (or as JSON)",
                content((String = "text/event-stream"), (Object = "application/json"))),
            (status = 202, description = "a notification or a response, taken"),
            (status = 400, body = String, content_type = "text/plain", description = "not a JSON-RPC message, no `Mcp-Session-Id` after `initialize`, or a malformed one"),
            (status = 403, body = ProblemBody, description = "a `read` key (`API002`)"),
            (status = 404, body = String, content_type = "text/plain", description = "no such session (it ended, or the server restarted)"),
            (status = 406, body = String, content_type = "text/plain", description = "`Accept` lacks `application/json` or `text/event-stream`"),
            (status = 413, body = String, content_type = "text/plain", description = "a body over `--max-body`"),
            (status = 415, body = String, content_type = "text/plain", description = "`Content-Type` is not `application/json`")),
        security(("bearer" = [])))]
    pub fn message() {}

    /// The session's stream of messages from the server (Server-Sent Events).
    #[utoipa::path(get, path = "/mcp", operation_id = "mcpStream", tag = "mcp",
        params(("Mcp-Session-Id" = String, Header, description = "the session `initialize` answered")),
        responses(
            (status = 200, body = String, content_type = "text/event-stream", description = "the server's messages"),
            (status = 400, body = String, content_type = "text/plain", description = "no `Mcp-Session-Id`"),
            (status = 404, body = String, content_type = "text/plain", description = "no such session"),
            (status = 405, body = String, content_type = "text/plain", description = "not offered"),
            (status = 406, body = String, content_type = "text/plain", description = "`Accept` lacks `text/event-stream`")),
        security(("bearer" = [])))]
    pub fn stream() {}

    /// Ends the session.
    #[utoipa::path(delete, path = "/mcp", operation_id = "mcpEnd", tag = "mcp",
        params(("Mcp-Session-Id" = String, Header, description = "the session to end")),
        responses(
            (status = 204, description = "ended"),
            (status = 400, body = String, content_type = "text/plain", description = "no `Mcp-Session-Id`"),
            (status = 404, body = String, content_type = "text/plain", description = "no such session"),
            (status = 405, body = String, content_type = "text/plain", description = "not offered")),
        security(("bearer" = [])))]
    pub fn end() {}
}
