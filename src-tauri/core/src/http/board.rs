//! The board listener's API, by area: what staff read (`reads`), what they do (`actions`), the
//! manager's history (`history`), the settings screens (`settings`) and the catalogue
//! (`products`). Every handler extracts, calls one method of the [`Desk`](crate::desk::Desk)
//! and maps the result; who may do what is checked once, in `guard` (before every route), which
//! also hands each handler the client it came from.

mod actions;
mod backups;
mod history;
mod products;
mod reads;
mod settings;

use super::error::Result;
use super::{AppState, healthz};
use crate::error::ApiError;
use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::middleware;
use axum::routing::{get, post, put};
use rangedesk_domain::{Client, Staff};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/deliveries", get(reads::deliveries))
        .route("/api/events", get(reads::events))
        .route("/api/status", get(reads::status))
        .route("/api/api-health", get(reads::api_health))
        .route("/api/board", get(reads::board))
        .route("/api/stream", get(super::stream::stream))
        .route("/api/lanes", get(reads::lanes))
        .route("/api/help", get(reads::help))
        .route("/api/help/{help_id}/ack", post(actions::help_ack))
        .route("/api/help/{help_id}/resolve", post(actions::help_resolve))
        .route("/api/products", get(products::list).put(products::replace))
        .route("/api/products/check", post(products::check))
        .route("/api/products/{id}/picture", put(products::upload_picture))
        .route("/api/backups", get(backups::status).post(backups::back_up))
        .route("/api/backups/restore", post(backups::restore))
        .route("/api/settings", get(settings::view))
        .route("/api/hook-urls", get(settings::hook_urls))
        .route("/api/diagnostics", get(settings::diagnostics))
        .route("/api/settings/test-delivery/{source}", post(settings::test_delivery))
        .route("/api/settings/{section}", put(settings::change))
        .route("/api/purchases", get(reads::purchases))
        .route("/api/purchases/{trace_id}", get(reads::purchase))
        .route("/api/purchases/{trace_id}/approve", post(actions::approve))
        .route("/api/purchases/{trace_id}/decline", post(actions::decline))
        .route("/api/tab/{item_id}/delivered", post(actions::delivered))
        .route("/api/sessions", get(reads::sessions).post(actions::start_session))
        .route("/api/sessions/{session_id}/modify", post(actions::modify_session))
        .route("/api/sessions/{session_id}/stop", post(actions::stop_session))
        .route("/api/range/refresh", post(actions::refresh_range))
        .route("/api/history", get(history::range))
        .route("/api/history/{name}", get(history::day_or_range_csv))
        .route("/api/history/{day}/{file}", get(history::day_csv))
        .route("/api/today", get(reads::visits))
        .route("/api/visits", get(reads::visits))
        .route("/healthz", get(healthz))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .fallback_service(super::ui::router(state.ui_dir.as_deref()))
        .layer(middleware::from_fn_with_state(state.clone(), super::guard::guard))
        .with_state(state)
}

fn query<T>(q: std::result::Result<Query<T>, QueryRejection>) -> std::result::Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|e| ApiError::bad_request(e.body_text()))
}

/// The body of a staff action: who acts and, for a decline, what the shooter reads.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StaffAction {
    by: Option<String>,
    user_message: Option<String>,
}

/// Who acts: `{"by": "Sam"}` in the body, or "desk" when the body is `{}`, through `client`.
fn staff(body: &[u8], client: Client) -> std::result::Result<Staff, ApiError> {
    let action: StaffAction = parse_body(body)?;
    Ok(Staff::new(staff_name(action.by)?, client))
}

fn parse_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> std::result::Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

fn staff_name(by: Option<String>) -> std::result::Result<String, ApiError> {
    match by.map(|b| b.trim().to_owned()) {
        None => Ok("desk".into()),
        Some(b) if b.is_empty() => Ok("desk".into()),
        Some(b) if b.chars().count() > 60 => Err(ApiError::bad_request("`by` is longer than 60 characters")),
        Some(b) => Ok(b),
    }
}

async fn api_not_found() -> Result {
    Err(ApiError::not_found("no such API path").into())
}
