//! What staff read: the board and its parts, the logs, the status screen, today's visitors.

use super::super::AppState;
use super::super::error::Result;
use super::query;
use crate::error::ApiError;
use crate::logs::{DeliveryQuery, EventQuery};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use rangedesk_domain::purchase::Status;

pub(super) async fn deliveries(
    State(s): State<AppState>,
    q: std::result::Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result {
    Ok(Json(s.desk.deliveries(query(q)?).await?).into_response())
}

pub(super) async fn events(
    State(s): State<AppState>,
    q: std::result::Result<Query<EventQuery>, QueryRejection>,
) -> Result {
    Ok(Json(s.desk.events(query(q)?).await?).into_response())
}

pub(super) async fn status(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.status().await?).into_response())
}

/// `GET /api/api-health`: Action Target's API as the last poll found it, and nothing else: what the
/// board's vendor chips poll every few seconds, which must stay cheap on a store of years (the
/// whole status counts every delivery).
pub(super) async fn api_health(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.api_health()).into_response())
}

pub(super) async fn board(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.board(jiff::Timestamp::now())).into_response())
}

pub(super) async fn lanes(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.lanes(jiff::Timestamp::now())).into_response())
}

pub(super) async fn sessions(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.sessions(jiff::Timestamp::now())).into_response())
}

pub(super) async fn help(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.help_calls(jiff::Timestamp::now())).into_response())
}

/// `pin` is accepted (and ignored: the guard read it) so `?pin=` never makes a query invalid.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct DayQuery {
    day: Option<String>,
    #[allow(dead_code)]
    pin: Option<String>,
}

/// `GET /api/today`, `GET /api/visits?day=YYYY-MM-DD`: bookings, check-ins and scans of a day.
pub(super) async fn visits(
    State(s): State<AppState>,
    q: std::result::Result<Query<DayQuery>, QueryRejection>,
) -> Result {
    let q = query(q)?;
    Ok(Json(s.desk.visits(q.day.as_deref()).await?).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct PurchaseFilter {
    status: Option<String>,
    #[allow(dead_code)]
    pin: Option<String>,
}

pub(super) async fn purchases(
    State(s): State<AppState>,
    q: std::result::Result<Query<PurchaseFilter>, QueryRejection>,
) -> Result {
    let status = query(q)?
        .status
        .map(|v| {
            Status::parse(&v).ok_or_else(|| {
                ApiError::bad_request(format!("unknown status {v:?}; use pending, approved, declined or missed"))
            })
        })
        .transpose()?;
    Ok(Json(s.desk.purchases(status)).into_response())
}

pub(super) async fn purchase(State(s): State<AppState>, Path(trace_id): Path<String>) -> Result {
    Ok(Json(s.desk.purchase(&trace_id)?).into_response())
}
