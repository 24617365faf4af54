//! The settings screens' IPC commands: read and change settings, send a test delivery, and edit
//! the lane shop catalogue. Each is one call into the core, as the browser API's handlers are.
//! The window is on the desk computer, so it may change settings (browsers only from loopback).

use rangedesk_core::ApiError;
use rangedesk_core::ApiErrorCode;
use rangedesk_core::app::App;
use rangedesk_core::domain::{Client, Source, Staff};
use rangedesk_core::{Patch, SettingsChanged, SettingsRefusal, SettingsView, TestDeliveryResult};
use rangedesk_core::{Picture, Product, ProductsError};
use tauri::State;

/// Who the window acts as, as in `commands.rs`.
const DESK: &str = "desk";

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn settings(app: State<'_, App>) -> Result<SettingsView, ApiError> {
    app.settings(Client::Window).await
}

// `patch` is not logged: it may hold a key being entered.
#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app, patch), err(level = "warn", Debug))]
pub async fn change_settings(
    app: State<'_, App>,
    section: String,
    patch: Patch,
) -> Result<SettingsChanged, SettingsRefusal> {
    app.change_settings(&section, patch, &Staff::window(DESK)).await
}

#[tauri::command(rename_all = "snake_case")]
#[tracing::instrument(level = "debug", skip(app))]
pub async fn send_test_delivery(app: State<'_, App>, source: Source) -> Result<TestDeliveryResult, ApiError> {
    // Never an error: a refused or unreachable delivery is a verdict. Tauri wants a Result here.
    Ok(app.send_test_delivery(source).await)
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn products(app: State<'_, App>) -> Result<Vec<Product>, ProductsError> {
    app.products(Client::Window).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, catalogue), err(level = "warn", Debug))]
pub async fn replace_products(app: State<'_, App>, catalogue: Vec<Product>) -> Result<Vec<Product>, ProductsError> {
    app.replace_products(catalogue).await
}

#[tauri::command]
#[tracing::instrument(level = "trace", skip(app, catalogue), err(level = "debug", Debug))]
pub async fn check_products(app: State<'_, App>, catalogue: Vec<Product>) -> Result<(), ProductsError> {
    app.check_products(&catalogue).await
}

/// A product picture, sent as raw bytes (not a JSON array of numbers); the product id and the
/// image type ride in the headers `x-product-id` and `x-picture-type`.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(app, request), err(level = "warn", Debug))]
pub async fn upload_picture(app: State<'_, App>, request: tauri::ipc::Request<'_>) -> Result<Picture, ProductsError> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bad = |message: &str| ProductsError::Api(ApiError { code: ApiErrorCode::BadRequest, message: message.into() });
    let id = header("x-product-id").ok_or_else(|| bad("the x-product-id header is missing"))?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(bad("send the picture as raw bytes"));
    };
    app.upload_picture(&id, header("x-picture-type").as_deref(), bytes.clone()).await
}
