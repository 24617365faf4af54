//! Board changes pushed to the window as the Tauri event `board-changed`, carrying the whole
//! `BoardView`, as `GET /api/stream` pushes them to browsers: one message per burst, so a
//! ceasefire that pauses 24 sessions repaints the board once, not 24 times.

use rangedesk_core::BoardView;
use rangedesk_core::app::App;
use std::time::Duration;
use tauri::{AppHandle, Emitter as _};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// The event name the UI listens for (ui/src/lib/api.ts).
pub const BOARD_CHANGED: &str = "board-changed";

/// Lets a burst of events settle into one message; the same figure as the browser stream.
const COALESCE: Duration = Duration::from_millis(100);

/// Emits the board after every change until the core's change feed closes at shutdown.
pub fn board_changes(window: AppHandle, core: App) {
    each_burst(core, move |board| {
        if let Err(e) = window.emit(BOARD_CHANGED, board) {
            tracing::warn!(error = %e, "cannot push the board to the window");
        }
    });
}

/// Calls `f` with the board once per burst of changes (after `COALESCE`) until the core's change
/// feed closes: the window's push and the tray both follow the board this way.
pub fn each_burst(core: App, mut f: impl FnMut(BoardView) + Send + 'static) {
    let mut changes = core.live().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match changes.recv().await {
                // A lagging receiver only missed ids; the view it reads next is current anyway.
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
            tokio::time::sleep(COALESCE).await;
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = changes.try_recv() {}
            f(core.board(jiff::Timestamp::now()));
        }
    });
}
