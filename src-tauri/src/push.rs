//! Board changes told to the window as the Tauri event `board-changed`, paced as `GET /api/stream`
//! pushes them to browsers (`rangedesk_core::Pacer`): at once after a quiet spell, then at most one
//! per frame-sized window. The event carries only the board's new `last_event_id`; the page reads
//! the board with the `board` command. Tauri delivers an event by evaluating a script with its
//! payload in it, and a whole board per push grew the web process by about 35 KB a push; an IPC
//! answer does not (docs/PERFORMANCE.md, issue 14).

use rangedesk_core::app::App;
use rangedesk_core::{BoardView, Pacer};
use tauri::{AppHandle, Emitter as _};

/// The event name the UI listens for (ui/src/lib/api/board.ts).
pub const BOARD_CHANGED: &str = "board-changed";

/// Tells the window of every change (its new last event id) until the core's change feed closes.
pub fn board_changes(window: AppHandle, core: App) {
    let mut pacer = Pacer::new(core.live().subscribe());
    tauri::async_runtime::spawn(async move {
        while pacer.next().await {
            if let Err(e) = window.emit(BOARD_CHANGED, core.live().last_event_id()) {
                tracing::warn!(error = %e, "cannot tell the window the board changed");
            }
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
