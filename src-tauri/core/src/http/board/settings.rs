//! The settings screens. Anyone the guard lets in reads them (a PIN on the LAN); the hook URLs
//! (they carry the hook token) are for this computer only, and so is every change (the guard
//! refuses LAN writes to settings before a handler runs).

use super::super::AppState;
use super::super::error::Result;
use super::staff_name;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use rangedesk_domain::{Client, Source, Staff};

pub(super) async fn view(State(s): State<AppState>, Extension(client): Extension<Client>) -> Result {
    Ok(Json(s.desk.settings(client).await?).into_response())
}

/// `GET /api/hook-urls`: what to paste into each vendor's portal, for this computer only.
pub(super) async fn hook_urls(State(s): State<AppState>, Extension(client): Extension<Client>) -> Result {
    Ok(Json(s.desk.hook_urls_for(client)?).into_response())
}

/// `GET /api/diagnostics`: the diagnostics zip, as a download, for this computer only (it holds
/// the logs, which name clients and lanes).
pub(super) async fn diagnostics(State(s): State<AppState>, Extension(client): Extension<Client>) -> Result {
    if !client.is_local() {
        return Err(ApiError::forbidden("diagnostics are exported on the desk PC only").into());
    }
    let (filename, bytes) = s.desk.diagnostics().await?;
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok(([(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// `PUT /api/settings/{section}`: a JSON object of the keys to change, plus `by` (who).
pub(super) async fn change(
    State(s): State<AppState>,
    Extension(client): Extension<Client>,
    Path(section): Path<String>,
    body: Bytes,
) -> Result {
    let mut patch: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
    let by = match patch.as_object_mut().and_then(|o| o.remove("by")) {
        Some(serde_json::Value::String(b)) => staff_name(Some(b))?,
        Some(_) => return Err(ApiError::bad_request("`by` must be a string").into()),
        None => "desk".into(),
    };
    Ok(Json(s.desk.change_settings(&section, patch, &Staff::new(by, client)).await?).into_response())
}

pub(super) async fn test_delivery(State(s): State<AppState>, Path(source): Path<String>) -> Result {
    let source = Source::parse(&source)
        .ok_or_else(|| ApiError::not_found(format!("unknown vendor {source:?}; use action_target, enviso or samna")))?;
    Ok(Json(s.desk.send_test_delivery(source).await).into_response())
}
