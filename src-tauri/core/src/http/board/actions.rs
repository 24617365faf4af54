//! What staff do from the board: help calls, purchases, the tab, sessions, the range's set-up.
//! Each records who (`by`, claimed) and through which client (known) in its staff event.

use super::super::AppState;
use super::super::error::Result;
use super::{StaffAction, parse_body, staff, staff_name};
use crate::error::ApiError;
use crate::sessions::{ModifySession, StartSession};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rangedesk_domain::{Client, Staff};

pub(super) async fn help_ack(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result {
    Ok(Json(s.desk.acknowledge_help(id, staff(&body, client)?).await?).into_response())
}

pub(super) async fn help_resolve(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result {
    Ok(Json(s.desk.resolve_help(id, staff(&body, client)?).await?).into_response())
}

pub(super) async fn approve(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(trace_id): Path<String>,
    body: Bytes,
) -> Result {
    decide(s, trace_id, true, &body, client).await
}

pub(super) async fn decline(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(trace_id): Path<String>,
    body: Bytes,
) -> Result {
    decide(s, trace_id, false, &body, client).await
}

async fn decide(s: AppState, trace_id: String, approve: bool, body: &[u8], client: Client) -> Result {
    let action: StaffAction = parse_body(body)?;
    let who = Staff::new(staff_name(action.by)?, client);
    Ok(Json(s.desk.decide_purchase(trace_id, approve, who, action.user_message).await?).into_response())
}

pub(super) async fn delivered(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(item_id): Path<String>,
    body: Bytes,
) -> Result {
    Ok(Json(s.desk.tick_off(item_id, staff(&body, client)?).await?).into_response())
}

pub(super) async fn start_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    body: Bytes,
) -> Result {
    let req: StartSession = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let who = Staff::new(staff_name(req.by.clone())?, client);
    Ok((StatusCode::CREATED, Json(s.desk.start_session(req, who).await?)).into_response())
}

pub(super) async fn modify_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result {
    let req: ModifySession = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let who = Staff::new(staff_name(req.by.clone())?, client);
    Ok(Json(s.desk.modify_session(id, req, who).await?).into_response())
}

pub(super) async fn stop_session(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result {
    Ok(Json(s.desk.stop_session(id, staff(&body, client)?).await?).into_response())
}

/// Reads lanes, bays and groups from Action Target now, instead of at the daily refresh.
pub(super) async fn refresh_range(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.refresh_range().await?).into_response())
}
