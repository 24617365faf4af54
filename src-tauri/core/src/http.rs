//! The two HTTP faces of the core: the public listener (vendor webhooks, the lane shop, health)
//! and the board listener (the browser API behind its guard). Both are plain axum routers over one
//! cheap-to-clone state whose heart is the [`Desk`]; they are served by `serve`, which adds what
//! `axum::serve` lacks: a header-read timeout and connection caps.

mod board;
pub mod error;
pub mod guard;
mod hooks;
pub mod serve;
mod stream;
pub mod ui;

use crate::desk::Desk;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use board::router as board_router;
pub use guard::BoardAccess;
pub use hooks::router as public_router;

/// Everything a handler may need; clone freely.
#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub body_timeout: Duration,
    pub board: Arc<BoardAccess>,
    /// Where the built web UI was found, if anywhere.
    pub ui_dir: Option<PathBuf>,
    /// Turns true when the app stops. Responses that never end by themselves (the board stream)
    /// end on it, or a graceful stop would wait its whole drain timeout for every open browser.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// `{"error": …}` with a status: the shape every refusal of the public listener has.
pub(crate) fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({"error": message}))).into_response()
}

/// `GET /healthz`: 200 while the store accepts writes, 503 otherwise.
pub(crate) async fn healthz(axum::extract::State(s): axum::extract::State<AppState>) -> Response {
    if s.desk.store_accepts_writes().await {
        Json(serde_json::json!({"ok": true})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"ok": false, "error": "the store cannot commit"})))
            .into_response()
    }
}
