//! When to push the board: at once when the board changes after a quiet spell, and at most once per
//! `PUSH_WINDOW` while changes keep coming, so a burst (a ceasefire pausing 24 sessions, a load
//! test) is a message per frame rather than a message per event. The browser stream
//! (`GET /api/stream`), the window's `board-changed` event and the tray all follow the board this way.

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{Duration, Instant};

/// The shortest gap between two pushes: one frame at 60 Hz. A change that comes sooner after the
/// last push waits for the end of the window and goes out with whatever else came meanwhile.
pub const PUSH_WINDOW: Duration = Duration::from_millis(16);

/// A board that costs more to build and send than a frame's worth widens the window: the gap after
/// a push is at least this many times what that push cost (`Pacer::cost`), so pushing a big board
/// (a store of years, hundreds of open items) takes at most a tenth of a core, and the window
/// parsing it as much again, however busy the range.
const COST_FACTOR: u32 = 10;
/// The widest window a costly board gets: a change is never held longer than this.
const MAX_WINDOW: Duration = Duration::from_millis(250);

/// Paces pushes of the board over a feed of changes (`Live::subscribe`).
pub struct Pacer {
    changes: Receiver<i64>,
    last_push: Option<Instant>,
    window: Duration,
}

impl Pacer {
    pub fn new(changes: Receiver<i64>) -> Pacer {
        Pacer { changes, last_push: None, window: PUSH_WINDOW }
    }

    /// What building and sending the last push took: the next window is `PUSH_WINDOW`, or ten
    /// times that cost when it is more (at most `MAX_WINDOW`).
    pub fn cost(&mut self, spent: Duration) {
        self.window = (spent * COST_FACTOR).clamp(PUSH_WINDOW, MAX_WINDOW);
    }

    /// The gap the next push keeps after the last one.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Waits until the board should be pushed: for a change, then for the rest of the window since
    /// the last push, if any; every change that came meanwhile is taken with it. `false` when the
    /// feed has closed (the app is stopping). The caller builds the view after this returns, so
    /// the push carries everything up to then.
    pub async fn next(&mut self) -> bool {
        match self.changes.recv().await {
            // A lagging receiver only missed ids; the view built next is current anyway.
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return false,
        }
        if let Some(last) = self.last_push {
            let due = last + self.window;
            if Instant::now() < due {
                tokio::time::sleep_until(due).await;
            }
        }
        loop {
            match self.changes.try_recv() {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty) => break,
                // The changes so far are still pushed; the next call sees the feed closed.
                Err(TryRecvError::Closed) => break,
            }
        }
        self.last_push = Some(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    //! On tokio's paused clock, so "at once" and "one window later" are exact, not timings.
    use super::*;
    use tokio::sync::broadcast;

    #[tokio::test(start_paused = true)]
    async fn a_change_after_a_quiet_spell_is_pushed_at_once() {
        let (tx, rx) = broadcast::channel(16);
        let mut pacer = Pacer::new(rx);
        let start = Instant::now();
        tx.send(1).unwrap();
        assert!(pacer.next().await);
        assert_eq!(Instant::now(), start, "the first change waited");

        // A second change long after the first push: at once again.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let later = Instant::now();
        tx.send(2).unwrap();
        assert!(pacer.next().await);
        assert_eq!(Instant::now(), later, "a change after a quiet second waited");
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_push_per_window() {
        let (tx, rx) = broadcast::channel(1024);
        let mut pacer = Pacer::new(rx);
        tx.send(0).unwrap();
        assert!(pacer.next().await);
        let first = Instant::now();

        // 100 changes within the window after a push: one more push, at the window's end.
        for id in 1..=100 {
            tx.send(id).unwrap();
        }
        assert!(pacer.next().await);
        assert_eq!(Instant::now(), first + PUSH_WINDOW);
        // Nothing is left over for a third push.
        let more = tokio::time::timeout(Duration::from_secs(5), pacer.next()).await;
        assert!(more.is_err(), "the burst was pushed twice after its first change");

        // A steady stream of a change every millisecond for 160 ms: one push per window, 10 in all.
        let mut pushes: u128 = 0;
        let feeder = tokio::spawn(async move {
            for id in 0..160 {
                tx.send(id).unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let start = Instant::now();
        // Until a second passes with no push, or the feed closes (the feeder is done and dropped it).
        while let Ok(true) = tokio::time::timeout(Duration::from_secs(1), pacer.next()).await {
            pushes += 1;
        }
        feeder.await.unwrap();
        let spent = Instant::now() - start;
        assert!(pushes <= spent.as_millis().div_ceil(PUSH_WINDOW.as_millis()) + 1, "{pushes} pushes in {spent:?}");
        assert!(pushes >= 160 / PUSH_WINDOW.as_millis(), "{pushes} pushes in {spent:?}: changes were held back");
    }

    #[tokio::test(start_paused = true)]
    async fn a_costly_board_widens_the_window_and_a_cheap_one_narrows_it_again() {
        let (tx, rx) = broadcast::channel(16);
        let mut pacer = Pacer::new(rx);
        tx.send(0).unwrap();
        assert!(pacer.next().await);
        // The push took 8 ms to build and send: the next waits 80 ms after it.
        pacer.cost(Duration::from_millis(8));
        let pushed = Instant::now();
        tx.send(1).unwrap();
        assert!(pacer.next().await);
        assert_eq!(Instant::now(), pushed + Duration::from_millis(80));
        // However costly, a change waits at most 250 ms.
        pacer.cost(Duration::from_secs(2));
        assert_eq!(pacer.window(), MAX_WINDOW);
        // A cheap push: back to a frame.
        pacer.cost(Duration::from_micros(300));
        assert_eq!(pacer.window(), PUSH_WINDOW);
        // A change after a quiet spell still goes out at once, whatever the window.
        pacer.cost(Duration::from_millis(20));
        tokio::time::sleep(Duration::from_secs(1)).await;
        let quiet = Instant::now();
        tx.send(2).unwrap();
        assert!(pacer.next().await);
        assert_eq!(Instant::now(), quiet);
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_feed_ends_the_pushes() {
        let (tx, rx) = broadcast::channel(16);
        let mut pacer = Pacer::new(rx);
        tx.send(1).unwrap();
        drop(tx);
        assert!(pacer.next().await, "the change before the close is still pushed");
        assert!(!pacer.next().await);
    }
}
