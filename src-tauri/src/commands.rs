//! The window's IPC commands. Each is one call into the core, which the browser API's handlers
//! share, so the window and a browser on the LAN always see the same answers.

use rangedesk_core::api::{ApiError, DeliveryQuery, EventQuery, HookUrls, Page, Status};
use rangedesk_core::app::App;
use rangedesk_core::store::{deliveries::DeliveryRow, events::EventRow};
use tauri::State;

// A bad filter is the caller's mistake, not the app's: warn, as the HTTP side logs 4xx.

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app))]
pub fn hook_urls(app: State<'_, App>) -> HookUrls {
    app.hook_urls()
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn status(app: State<'_, App>) -> Result<Status, ApiError> {
    app.status().await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn deliveries(app: State<'_, App>, query: DeliveryQuery) -> Result<Page<DeliveryRow>, ApiError> {
    app.deliveries(query).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(app), err(level = "warn", Debug))]
pub async fn events(app: State<'_, App>, query: EventQuery) -> Result<Page<EventRow>, ApiError> {
    app.events(query).await
}
