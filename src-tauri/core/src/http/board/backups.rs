//! Backups: the panel's facts, "Back up now" and staging a restore. Writes come from this
//! computer only (the guard refuses LAN browsers, as for settings): a backup names paths on the
//! desk PC, and a restore replaces the range's data.

use super::super::AppState;
use super::super::error::Result;
use super::parse_body;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;

pub(super) async fn status(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.backup_status().await?).into_response())
}

/// `POST /api/backups`: `{}`.
pub(super) async fn back_up(State(s): State<AppState>) -> Result {
    Ok(Json(s.desk.back_up_now().await?).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Restore {
    file: String,
}

/// `POST /api/backups/restore`: `{"file": "/media/backup/rangedesk-20261202-030000Z.db"}`.
pub(super) async fn restore(State(s): State<AppState>, body: Bytes) -> Result {
    let r: Restore = parse_body(&body)?;
    if r.file.is_empty() || r.file.len() > 4096 {
        return Err(crate::error::ApiError::bad_request("`file` must be the backup file's whole path").into());
    }
    Ok(Json(s.desk.restore_backup(&r.file).await?).into_response())
}
