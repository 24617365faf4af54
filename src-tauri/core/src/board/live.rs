//! The board as the running app holds it: rebuilt from the log at start, then fed every committed
//! event by the writer's after-commit hook, before any delivery of that commit is answered.
//! Subscribers hear the id of the last applied event after each change.

use super::{Board, BoardView};
use crate::store::{self, Store, events};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events read per query while catching up.
const CHUNK: u32 = 5_000;

#[derive(Clone)]
pub struct Live {
    board: Arc<Mutex<Board>>,
    changes: broadcast::Sender<i64>,
    stale: Arc<std::sync::atomic::AtomicBool>,
}

impl Live {
    /// Replays the whole log, then keeps the board current from the writer.
    pub async fn start(store: &Store) -> store::Result<Live> {
        let board = store
            .read(|conn| {
                let mut board = Board::default();
                loop {
                    let chunk = events::after(conn, board.last_event_id(), CHUNK)?;
                    if chunk.is_empty() {
                        return Ok(board);
                    }
                    for e in &chunk {
                        board.apply(e);
                    }
                }
            })
            .await?;
        let (changes, _) = broadcast::channel(256);
        let live = Live { board: Arc::new(Mutex::new(board)), changes, stale: Default::default() };
        let hook = live.clone();
        store.writer().set_after_commit(Box::new(move |conn, rows| hook.catch_up(conn, rows))).await?;
        Ok(live)
    }

    /// Applies what a commit inserted (`rows`, straight from the writer) when it follows on from
    /// the board's last event; otherwise reads whatever the board has not seen from the store.
    fn catch_up(&self, conn: &rusqlite::Connection, rows: &[events::EventRow]) {
        let Ok(mut board) = self.board.lock() else { return };
        let before = board.last_event_id();
        if rows.first().is_some_and(|r| r.id == before + 1) && rows.windows(2).all(|w| w[1].id == w[0].id + 1) {
            rows.iter().for_each(|e| board.apply(e));
        }
        loop {
            match events::after(conn, board.last_event_id(), CHUNK) {
                Ok(chunk) if chunk.is_empty() => break,
                Ok(chunk) => chunk.iter().for_each(|e| board.apply(e)),
                Err(e) => {
                    tracing::error!(error = %e, "board: cannot read new events");
                    break;
                }
            }
        }
        let after = board.last_event_id();
        drop(board);
        if after != before {
            let _ = self.changes.send(after);
        }
    }

    pub fn view(&self, now: jiff::Timestamp) -> BoardView {
        let mut view = self.with(|b| b.view(now));
        view.stale = self.stale.load(std::sync::atomic::Ordering::Relaxed);
        view
    }

    /// The board as of `now`, with the thresholds `config` sets for showing it (read at call
    /// time, so a settings change applies to the next view).
    pub fn view_for(&self, now: jiff::Timestamp, config: &crate::config::Config) -> BoardView {
        let mut view = self.view(now);
        view.ageing_amber_seconds = config.board.ageing_amber_seconds;
        view.ageing_red_seconds = config.board.ageing_red_seconds;
        view.vendor_silent_minutes = config.notifications.vendor_silent_minutes;
        view
    }

    /// Marks the board as possibly out of date (the vendor's API did not answer), or current again.
    pub fn set_stale(&self, stale: bool) {
        let was = self.stale.swap(stale, std::sync::atomic::Ordering::Relaxed);
        if was != stale {
            let _ = self.changes.send(self.with(|b| b.last_event_id()));
        }
    }

    /// Runs `f` on the current board.
    pub fn with<T>(&self, f: impl FnOnce(&Board) -> T) -> T {
        match self.board.lock() {
            Ok(b) => f(&b),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// The id of each newly applied last event, as changes happen.
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.changes.subscribe()
    }
}
