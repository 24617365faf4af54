//! The fake Action Target POS API (`integrations.md` §1): range set-up, sessions, and the
//! configurable bearer-key check. Failure injection ([`crate::Failure`]) applies here, because
//! this is what the core's client calls.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use uuid::Uuid;

use crate::range::{NewSession, RangeError};
use crate::{Failure, SimError, Simulator};

/// A client error as the vendor answers it: a 4xx with `{error}`.
pub(crate) struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<SimError> for ApiError {
    fn from(e: SimError) -> Self {
        let status = match &e {
            SimError::Range(RangeError::UnknownSession) => StatusCode::NOT_FOUND,
            SimError::Range(RangeError::Invalid(_)) => StatusCode::BAD_REQUEST,
            SimError::Range(RangeError::Conflict(_)) | SimError::NoActiveSession => StatusCode::CONFLICT,
            SimError::NoTarget(_) => StatusCode::PRECONDITION_FAILED,
            SimError::Http(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

pub(crate) fn router(sim: Simulator) -> Router {
    Router::new()
        .route("/lanes", get(|State(s): State<Simulator>| async move { Json(s.lanes()) }))
        .route("/bays", get(|State(s): State<Simulator>| async move { Json(s.bays()) }))
        .route("/groups", get(|State(s): State<Simulator>| async move { Json(s.groups()) }))
        .route("/sessions", get(|State(s): State<Simulator>| async move { Json(s.sessions()) }).post(create))
        .route("/sessions/{id}", get(one))
        .route("/sessions/{id}/modify", post(modify))
        .route("/sessions/{id}/stop", post(stop))
        .layer(middleware::from_fn_with_state(sim.clone(), authorize))
        .layer(middleware::from_fn_with_state(sim.clone(), misbehave))
        .layer(middleware::from_fn_with_state(sim.clone(), record))
        .with_state(sim)
}

/// Notes every request before anything can refuse it (outermost layer).
async fn record(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    sim.record_call(crate::ApiCall {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
    });
    next.run(req).await
}

/// The injected failure, applied before anything but the call log.
async fn misbehave(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    match sim.failure() {
        Failure::None => next.run(req).await,
        Failure::Unauthorized => ApiError(StatusCode::UNAUTHORIZED, "invalid api key".into()).into_response(),
        Failure::ServerError => ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()).into_response(),
        Failure::Slow(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
    }
}

pub(crate) fn authorized(sim: &Simulator, headers: &HeaderMap) -> bool {
    let cfg = sim.config();
    let expected = format!("Bearer {}", cfg.api_key);
    headers.get(cfg.auth_header.as_str()).and_then(|v| v.to_str().ok()).is_some_and(|v| v == expected)
}

pub(crate) async fn authorize(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    if authorized(&sim, req.headers()) {
        next.run(req).await
    } else {
        ApiError(StatusCode::UNAUTHORIZED, "missing or invalid api key".into()).into_response()
    }
}

/// Parses a JSON body into `T`, answering the vendor's `{error}` shape instead of axum's text.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("invalid body: {e}")))
}

fn session_id(raw: &str) -> Result<Uuid, ApiError> {
    // An id that is not a UUID names no session: same answer as an unknown one.
    Uuid::parse_str(raw).map_err(|_| ApiError(StatusCode::NOT_FOUND, "session not found".into()))
}

async fn create(State(sim): State<Simulator>, body: Bytes) -> Result<Json<crate::SessionView>, ApiError> {
    let req: NewSession = parse(&body)?;
    Ok(Json(sim.create_session(req)?))
}

async fn one(State(sim): State<Simulator>, Path(id): Path<String>) -> Result<Json<crate::SessionView>, ApiError> {
    let id = session_id(&id)?;
    sim.session(id).map(Json).ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "session not found".into()))
}

async fn modify(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    let id = session_id(&id)?;
    let minutes = time_param(query.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "query parameter time=±minutes is required".into()))?;
    sim.modify_session(id, minutes)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn stop(State(sim): State<Simulator>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    sim.stop_session(session_id(&id)?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `time=+15`, `time=%2B15`, `time=-5`, `time=15`. A bare `+` is what clients send for a plus
/// sign, though form decoding would read it as a space; both are taken as `+`.
pub(crate) fn time_param(query: &str) -> Option<i64> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix("time="))?;
    let v = raw.replace("%2B", "+").replace("%2b", "+").replace("%2D", "-").replace("%2d", "-").replace("%20", "+");
    let v = v.trim();
    v.strip_prefix('+').unwrap_or(v).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::time_param;

    #[test]
    fn time_parameter_forms() {
        assert_eq!(time_param("time=+15"), Some(15));
        assert_eq!(time_param("time=%2B30"), Some(30));
        assert_eq!(time_param("x=1&time=-5"), Some(-5));
        assert_eq!(time_param("time=10"), Some(10));
        assert_eq!(time_param("time=abc"), None);
        assert_eq!(time_param(""), None);
    }
}
