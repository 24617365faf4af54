//! The public listener: vendor webhook routes, the lane shop's products URL and pictures, and
//! `/healthz`. Each webhook route reads the body within its bounds (64 KiB, the body timeout),
//! hands it to ingest, and answers only with what ingest returns after its commit. Unknown paths
//! and wrong tokens are a bare 404 that is counted, never logged.

use super::{AppState, healthz, refusal};
use crate::ingest::{Inbound, MAX_BODY, Outcome};
use crate::products::{self, ProductsError};
use crate::purchases;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rangedesk_domain::Source;
use std::net::SocketAddr;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/hooks/action-target/{token}", post(action_target))
        .route("/hooks/action-target/{token}/products", get(lane_products))
        .route("/hooks/action-target/{token}/pictures/{id}", get(lane_picture))
        .route("/hooks/enviso", post(enviso))
        .route("/hooks/samna", post(samna))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(state)
}

async fn action_target(State(s): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    if !s.desk.ingest().hook_token_matches(&token) {
        return not_found(State(s)).await;
    }
    receive(&s, Source::ActionTarget, req).await
}

#[derive(Debug, serde::Deserialize)]
struct LaneQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET …/products?type=…`: what a lane screen's shop shows. The query is read leniently (a bad
/// one is a missing type) so the answer is always the vendor's `{"error"}` shape.
async fn lane_products(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    q: Result<Query<LaneQuery>, QueryRejection>,
) -> Response {
    if !s.desk.ingest().hook_token_matches(&token) {
        return not_found(State(s)).await;
    }
    let session = headers.get("session-id").and_then(|v| v.to_str().ok());
    let kind = q.ok().and_then(|Query(q)| q.kind);
    tracing::debug!(session_id = session, kind = kind.as_deref(), "lane screen asked for products");
    match products::for_lane(s.desk.store(), kind.as_deref()).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => products_refusal(e),
    }
}

/// `GET …/pictures/{id}`: a picture we host, with the content type read from its bytes.
async fn lane_picture(State(s): State<AppState>, Path((token, id)): Path<(String, String)>) -> Response {
    if !s.desk.ingest().hook_token_matches(&token) {
        return not_found(State(s)).await;
    }
    match products::picture(s.desk.store(), &id).await {
        Ok(Some((content_type, bytes))) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => refusal(StatusCode::NOT_FOUND, "not found"),
        Err(e) => products_refusal(e),
    }
}

/// The vendor-facing `{"error"}` shape for a products failure.
fn products_refusal(e: ProductsError) -> Response {
    match e {
        ProductsError::Rule(e) => refusal(StatusCode::BAD_REQUEST, &e.message),
        ProductsError::Api(e) => {
            refusal(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), &e.message)
        }
    }
}

async fn enviso(State(s): State<AppState>, req: Request) -> Response {
    receive(&s, Source::Enviso, req).await
}

async fn samna(State(s): State<AppState>, req: Request) -> Response {
    receive(&s, Source::Samna, req).await
}

async fn not_found(State(s): State<AppState>) -> Response {
    s.desk.ingest().count_not_found();
    refusal(StatusCode::NOT_FOUND, "not found")
}

async fn receive(s: &AppState, source: Source, req: Request) -> Response {
    let now = jiff::Timestamp::now();
    let remote_addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.to_string());
    let (parts, body) = req.into_parts();
    let outcome = match read_body(s, body, &parts.headers).await {
        Ok(body) => s.desk.receive(Inbound { source, headers: parts.headers, body, remote_addr, now }).await,
        Err((status, reason)) => {
            s.desk.ingest().refuse_unread(source, &parts.headers, remote_addr, status, reason, now).await
        }
    };
    match outcome {
        Ok(Outcome::Purchase { trace_id, verdict: purchases::Verdict::Held { deadline } }) => {
            match s.desk.await_decision(&trace_id, deadline).await {
                Ok(a) => purchase_answer(&trace_id, a),
                Err(e) => {
                    tracing::error!(error = %e, "purchase answer not stored; answering 503");
                    refusal(StatusCode::SERVICE_UNAVAILABLE, "the purchase could not be recorded; please retry")
                }
            }
        }
        Ok(outcome) => answer(source, outcome),
        Err(e) => {
            tracing::error!(%source, error = %e, "delivery not stored; answering 503");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "the delivery could not be stored; please retry")
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

fn purchase_answer(trace_id: &str, a: rangedesk_domain::purchase::Answer) -> Response {
    match a {
        rangedesk_domain::purchase::Answer::Approved => {
            Json(serde_json::json!({"success": true, "trace_id": trace_id})).into_response()
        }
        rangedesk_domain::purchase::Answer::Declined { error, user_message } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"error": error, "user_message": user_message, "trace_id": trace_id})),
        )
            .into_response(),
    }
}

fn answer(source: Source, outcome: Outcome) -> Response {
    match outcome {
        Outcome::Accepted { trace_id, duplicate } => match source {
            Source::ActionTarget => Json(serde_json::json!({"success": true, "trace_id": trace_id})).into_response(),
            _ => Json(serde_json::json!({"ok": true, "trace_id": trace_id, "duplicate": duplicate})).into_response(),
        },
        Outcome::Purchase { trace_id, verdict: purchases::Verdict::Answered(a) } => purchase_answer(&trace_id, a),
        Outcome::Purchase { trace_id, verdict: purchases::Verdict::Held { .. } } => {
            // `receive` waits for held purchases; reaching here would be a bug, so fail safe.
            purchase_answer(
                &trace_id,
                rangedesk_domain::purchase::Answer::Declined {
                    error: "held purchase answered without waiting".into(),
                    user_message: rangedesk_domain::purchase::SEE_THE_DESK.into(),
                },
            )
        }
        Outcome::Refused { status, reason } => {
            refusal(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), &reason)
        }
    }
}
