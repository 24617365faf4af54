//! The two HTTP faces of the core: the public listener (vendor webhooks, health) and the board
//! listener (the browser API). Both are plain axum routers over one cheap-to-clone state, served by
//! `serve`, which adds what `axum::serve` lacks: a header-read timeout and a connection cap.

mod board;
pub mod guard;
mod hooks;
pub mod serve;
mod stream;
pub mod ui;

use crate::ingest::Ingest;
use crate::store::Store;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use board::decide_purchase;
pub use board::router as board_router;
pub use guard::BoardAccess;
pub use hooks::router as public_router;

/// Everything a handler may need; clone freely.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub live: crate::board::Live,
    pub reconciler: crate::reconciler::Reconciler,
    pub ingest: Ingest,
    pub settings: crate::settings::Settings,
    pub body_timeout: Duration,
    pub board: Arc<BoardAccess>,
    pub info: Arc<Info>,
    /// Turns true when the app stops. Responses that never end by themselves (the board stream)
    /// end on it, or a graceful stop would wait its whole drain timeout for every open browser.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The current config; read at request time, so a settings change applies to the next view.
    pub config: tokio::sync::watch::Receiver<Arc<crate::config::Config>>,
}

impl AppState {
    pub fn config(&self) -> Arc<crate::config::Config> {
        self.config.borrow().clone()
    }

    /// The board as of `now`, with the thresholds the current config sets for it.
    pub fn board_view(&self, now: jiff::Timestamp) -> crate::board::BoardView {
        let mut view = self.live.view(now);
        let c = self.config();
        view.ageing_amber_seconds = c.board.ageing_amber_seconds;
        view.ageing_red_seconds = c.board.ageing_red_seconds;
        view.vendor_silent_minutes = c.notifications.vendor_silent_minutes;
        view
    }

    /// A day's bookings, check-ins and scans, cut in the range's time zone.
    pub async fn visits(&self, day: Option<&str>) -> Result<crate::visits::VisitsView, crate::api::ApiError> {
        let tz = crate::visits::time_zone(&self.config().server.time_zone);
        crate::visits::of_day(&self.store, tz, day, jiff::Timestamp::now()).await
    }
}

/// Facts about this running instance that the status screen shows.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub public_addr: String,
    pub board_addr: String,
    pub data_dir: String,
    /// Where the built web UI was found, if anywhere.
    pub ui_dir: Option<std::path::PathBuf>,
}

impl IntoResponse for crate::api::ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(serde_json::json!({"error": self.message, "code": self.code}))).into_response()
    }
}

/// `{"error": …}` with a status: the shape every refusal of the public listener has.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({"error": message}))).into_response()
}

/// `GET /healthz`: 200 while the store accepts writes, 503 otherwise.
pub(crate) async fn healthz(axum::extract::State(s): axum::extract::State<AppState>) -> Response {
    if crate::app::store_accepts_writes(&s.store).await {
        Json(serde_json::json!({"ok": true})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"ok": false, "error": "the store cannot commit"})))
            .into_response()
    }
}
