//! Board changes pushed to the window as the Tauri event `board-changed`, carrying the whole
//! `BoardView`, as `GET /api/stream` pushes them to browsers: at once after a quiet spell, then at
//! most one message per frame-sized window (`rangedesk_core::Pacer`), so a ceasefire that pauses
//! 24 sessions repaints the board once or twice, not 24 times.

use rangedesk_core::app::App;
use rangedesk_core::{BoardView, Pacer};
use tauri::{AppHandle, Emitter as _};

/// The event name the UI listens for (ui/src/lib/api.ts).
pub const BOARD_CHANGED: &str = "board-changed";

/// Emits the board after every change until the core's change feed closes at shutdown.
pub fn board_changes(window: AppHandle, core: App) {
    each_burst(core, move |board| {
        if let Err(e) = window.emit(BOARD_CHANGED, board) {
            tracing::warn!(error = %e, "cannot push the board to the window");
        }
    });
}

/// Calls `f` with the board after changes, paced as the browser stream is, until the core's change
/// feed closes: the window's push and the tray both follow the board this way.
pub fn each_burst(core: App, mut f: impl FnMut(BoardView) + Send + 'static) {
    let mut pacer = Pacer::new(core.live().subscribe());
    tauri::async_runtime::spawn(async move {
        while pacer.next().await {
            let started = std::time::Instant::now();
            f(core.board(jiff::Timestamp::now()));
            pacer.cost(started.elapsed());
        }
    });
}
