//! The lane shop catalogue, as staff edit it (this computer only; the guard refuses LAN writes).

use super::super::AppState;
use super::super::error::Result;
use crate::error::ApiError;
use crate::products::Product;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::response::IntoResponse;
use base64::Engine as _;
use rangedesk_domain::Client;

pub(super) async fn list(State(s): State<AppState>, Extension(client): Extension<Client>) -> Result {
    Ok(Json(s.desk.products(client).await?).into_response())
}

pub(super) async fn replace(
    State(s): State<AppState>,
    body: std::result::Result<Json<Vec<Product>>, JsonRejection>,
) -> Result {
    let Json(catalogue) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    Ok(Json(s.desk.replace_products(catalogue).await?).into_response())
}

/// `POST /api/products/check`: the refusal a PUT of this list would get (400 naming the rule and
/// the row), or `{"ok": true}`; nothing is saved. The editor calls it as staff type.
pub(super) async fn check(
    State(s): State<AppState>,
    body: std::result::Result<Json<Vec<Product>>, JsonRejection>,
) -> Result {
    let Json(catalogue) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    s.desk.check_products(&catalogue).await?;
    Ok(Json(serde_json::json!({"ok": true})).into_response())
}

/// A picture upload as JSON, like every write the board takes (see `guard`): the bytes as base64.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PictureUpload {
    content_type: String,
    data_base64: String,
}

pub(super) async fn upload_picture(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: std::result::Result<Json<PictureUpload>, JsonRejection>,
) -> Result {
    let Json(up) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(up.data_base64.as_bytes())
        .map_err(|_| ApiError::bad_request("`data_base64` is not base64"))?;
    Ok(Json(s.desk.upload_picture(&id, Some(&up.content_type), bytes).await?).into_response())
}
