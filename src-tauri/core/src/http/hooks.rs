//! The public listener: vendor webhook routes and `/healthz`. Each route reads the body within its
//! bounds (64 KiB, the body timeout), hands it to ingest, and answers only with what ingest returns
//! after its commit. Unknown paths and wrong tokens are a bare 404 that is counted, never logged.

use super::{AppState, error, healthz};
use crate::ingest::{Inbound, MAX_BODY, Outcome};
use crate::vendors::Source;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/hooks/action-target/{token}", post(action_target))
        .route("/hooks/enviso", post(enviso))
        .route("/hooks/samna", post(samna))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(state)
}

async fn action_target(State(s): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    if !s.ingest.hook_token_matches(&token) {
        return not_found(State(s)).await;
    }
    receive(&s, Source::ActionTarget, req).await
}

async fn enviso(State(s): State<AppState>, req: Request) -> Response {
    receive(&s, Source::Enviso, req).await
}

async fn samna(State(s): State<AppState>, req: Request) -> Response {
    receive(&s, Source::Samna, req).await
}

async fn not_found(State(s): State<AppState>) -> Response {
    s.ingest.count_not_found();
    error(StatusCode::NOT_FOUND, "not found")
}

async fn receive(s: &AppState, source: Source, req: Request) -> Response {
    let now = jiff::Timestamp::now();
    let remote_addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.to_string());
    let (parts, body) = req.into_parts();
    let outcome = match read_body(s, body, &parts.headers).await {
        Ok(body) => s.ingest.deliver(Inbound { source, headers: parts.headers, body, remote_addr, now }).await,
        Err((status, reason)) => s.ingest.refuse_unread(source, &parts.headers, remote_addr, status, reason, now).await,
    };
    match outcome {
        Ok(outcome) => answer(source, outcome),
        Err(e) => {
            tracing::error!(%source, error = %e, "delivery not stored; answering 503");
            error(StatusCode::SERVICE_UNAVAILABLE, "the delivery could not be stored; please retry")
        }
    }
}

/// The body, or why it was not read: 413 past 64 KiB (declared or actual), 408 when too slow.
async fn read_body(s: &AppState, body: Body, headers: &axum::http::HeaderMap) -> Result<Vec<u8>, (u16, &'static str)> {
    const TOO_LARGE: (u16, &str) = (413, "body over 64 KiB");
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(TOO_LARGE);
    }
    match tokio::time::timeout(s.body_timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Err(_) => Err((408, "body not received in time")),
        Ok(Ok(bytes)) => Ok(bytes.to_vec()),
        Ok(Err(e)) if is_length_limit(&e) => Err(TOO_LARGE),
        Ok(Err(_)) => Err((400, "body could not be read")),
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn answer(source: Source, outcome: Outcome) -> Response {
    match outcome {
        Outcome::Accepted { trace_id, duplicate } => match source {
            Source::ActionTarget => Json(serde_json::json!({"success": true, "trace_id": trace_id})).into_response(),
            _ => Json(serde_json::json!({"ok": true, "trace_id": trace_id, "duplicate": duplicate})).into_response(),
        },
        Outcome::PurchaseDeclined { trace_id, error, user_message } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"error": error, "user_message": user_message, "trace_id": trace_id})),
        )
            .into_response(),
        Outcome::Refused { status, reason } => {
            error(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), &reason)
        }
    }
}
