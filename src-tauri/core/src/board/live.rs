//! The board as the running app holds it: rebuilt from the log at start, then fed every committed
//! event by the writer's after-commit hook, before any delivery of that commit is answered.
//! Subscribers hear the id of the last applied event after each change.

use super::{Board, BoardView};
use crate::store::snapshot::{self, Snapshot};
use crate::store::{self, Store, events};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events read per query while catching up.
const CHUNK: u32 = 5_000;

/// What a snapshot is good for: the board as this build folds events. A snapshot another build
/// wrote is set aside and the board rebuilt from the log once (a release may fold differently).
/// Bump the suffix when `Board`'s fields or `apply` change within a version.
const SNAPSHOT_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "/board-1");

#[derive(Clone)]
pub struct Live {
    board: Arc<Mutex<Board>>,
    changes: broadcast::Sender<i64>,
    stale: Arc<std::sync::atomic::AtomicBool>,
    /// This run of the app (its start instant): see `BoardView::run`.
    run: Arc<str>,
}

impl Live {
    /// Starts from the stored snapshot when it is this build's and matches the log, else from
    /// nothing; replays the log after it, then keeps the board current from the writer.
    pub async fn start(store: &Store) -> store::Result<Live> {
        let board = store
            .read(|conn| {
                let mut board = from_snapshot(conn).unwrap_or_default();
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
        let run: Arc<str> = jiff::Timestamp::now().as_nanosecond().to_string().into();
        let live = Live { board: Arc::new(Mutex::new(board)), changes, stale: Default::default(), run };
        let hook = live.clone();
        store.writer().set_after_commit(Box::new(move |conn, rows| hook.catch_up(conn, rows))).await?;
        Ok(live)
    }

    /// Stores the board as the snapshot the next start begins from, when it has moved on since the
    /// last one; says whether it did. The copy and its JSON are made off the async threads; the
    /// write is one row, replaced.
    pub async fn save_snapshot(&self, store: &Store) -> store::Result<bool> {
        let saved = store.read(snapshot::last_event_id).await?;
        let me = self.clone();
        let made = tokio::task::spawn_blocking(move || {
            let board = me.with(Board::clone);
            let last = board.last_event_id();
            (last != 0 && saved != Some(last)).then(|| serde_json::to_string(&board).map(|json| (last, json)))
        })
        .await;
        let (last_event_id, board) = match made {
            Ok(Some(Ok(made))) => made,
            Ok(None) => return Ok(false),
            Ok(Some(Err(e))) => return Err(store::StoreError::Corrupt(format!("board snapshot: {e}"))),
            Err(e) => return Err(store::StoreError::Corrupt(format!("board snapshot: {e}"))),
        };
        let snap = Snapshot { last_event_id, version: SNAPSHOT_VERSION.to_owned(), board };
        let at = jiff::Timestamp::now().as_millisecond();
        store.writer().write(move |t| snapshot::save(t, &snap, at)).await?;
        tracing::debug!(last_event_id, "board snapshot saved");
        Ok(true)
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
        view.run = self.run.to_string();
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

    /// The id of the last event the board has applied.
    pub fn last_event_id(&self) -> i64 {
        self.with(|b| b.last_event_id())
    }

    /// The id of each newly applied last event, as changes happen.
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.changes.subscribe()
    }
}

/// The stored snapshot as a board, when it is this build's and no further than the log.
fn from_snapshot(conn: &rusqlite::Connection) -> Option<Board> {
    let snap = match snapshot::load(conn) {
        Ok(Some(s)) => s,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the board snapshot; rebuilding the board from the log");
            return None;
        }
    };
    if snap.version != SNAPSHOT_VERSION {
        tracing::info!(snapshot = %snap.version, this = SNAPSHOT_VERSION, "board snapshot from another build; rebuilding the board from the log");
        return None;
    }
    let last = events::last_id(conn).ok()?;
    if snap.last_event_id > last {
        tracing::warn!(
            snapshot = snap.last_event_id,
            log = last,
            "board snapshot is ahead of the log (a store restored from a copy?); rebuilding the board from the log"
        );
        return None;
    }
    match serde_json::from_str::<Board>(&snap.board) {
        Ok(b) if b.last_event_id() == snap.last_event_id => Some(b),
        Ok(_) => {
            tracing::warn!("board snapshot does not say its own last event; rebuilding the board from the log");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "board snapshot does not parse; rebuilding the board from the log");
            None
        }
    }
}

#[cfg(test)]
mod tests;
