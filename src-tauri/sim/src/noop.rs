//! The baseline the benchmark divides by: the webhook routes with handlers that read the body under
//! the same bounds as the real ones (64 KiB, the body timeout) and answer 200 `{"ok":true}` without
//! verifying or storing anything. It is served by the core's own `serve` with the server's default
//! limits, so routing, hyper, the connection cap and the header timeout cost the same on both sides
//! and only the handler differs.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rangedesk_core::MAX_BODY;
use rangedesk_core::testing::{Limits, serve};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

pub fn router() -> Router {
    Router::new()
        .route("/hooks/action-target/{token}", post(action_target))
        .route("/hooks/enviso", post(read_and_answer))
        .route("/hooks/samna", post(read_and_answer))
        .route("/healthz", get(|| async { Json(serde_json::json!({"ok": true})) }))
}

/// The limits `rangedesk-server` runs with when its config leaves them at their defaults.
pub fn limits() -> Limits {
    let server = rangedesk_core::config::Server::default();
    let purchases = rangedesk_core::config::Purchases::default();
    Limits {
        header_timeout: Duration::from_secs(server.header_timeout_seconds),
        max_connections: server.max_connections,
        per_client: server.per_client_connections(),
        drain_timeout: Duration::from_secs(purchases.approval_window_seconds + 10),
    }
}

/// Serves the no-op routes on `listener` until `shutdown` resolves.
pub async fn run(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    serve(listener, router(), limits(), None, shutdown).await;
}

async fn action_target(Path(_token): Path<String>, body: Body) -> Response {
    read_and_answer(body).await
}

async fn read_and_answer(body: Body) -> Response {
    match read_body(body).await {
        Ok(_) => Json(serde_json::json!({"ok": true})).into_response(),
        Err(refused) => refused,
    }
}

/// Reads a body under the server's bounds (64 KiB, the default body timeout), or the refusal to
/// answer with; shared with the durable floor so both read exactly as `rangedesk-server` does.
pub async fn read_body(body: Body) -> Result<bytes::Bytes, Response> {
    let timeout = Duration::from_secs(rangedesk_core::config::Server::default().body_timeout_seconds);
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
        Err(_) => Err(StatusCode::REQUEST_TIMEOUT.into_response()),
    }
}
