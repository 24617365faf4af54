//! The app's background loops, each until shutdown: the 404 counter's flush, the board's
//! snapshot, and the history's day digests.

use crate::board::Live;
use crate::desk::Desk;
use crate::ingest::Ingest;
use std::time::Duration;
use tokio::sync::watch;

pub(super) async fn flush_counters(ingest: Ingest, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        if let Err(e) = ingest.flush_counters().await {
            tracing::warn!(error = %e, "could not save the 404 count");
        }
    }
}

/// Every few minutes, the board as a snapshot the next start begins from (a start after a crash
/// replays at most these minutes of log on top of it; see `board::Live::start`).
pub(super) async fn save_snapshots(live: Live, store: crate::store::Store, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(SNAPSHOT_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        if let Err(e) = live.save_snapshot(&store).await {
            tracing::warn!(error = %e, "could not save the board snapshot");
        }
    }
}

const SNAPSHOT_EVERY: Duration = Duration::from_secs(300);

/// A while after start, and every hour after, the digests of the days that closed since (and, the
/// first time on a store from before digests, of every past day), so the manager's reports read
/// them rather than fold the log day by day (`history::digest`). The first round waits for the
/// start's own work; each day folded yields to the deliveries.
pub(super) async fn warm_history(desk: Desk, mut shutdown: watch::Receiver<bool>) {
    let mut wait = DIGESTS_FIRST;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        wait = DIGESTS_EVERY;
        let warmed = tokio::select! {
            r = desk.warm_history(DIGESTS_PER_ROUND) => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match warmed {
            Ok(0) => {}
            Ok(days) => tracing::info!(days, "history: folded the digests of closed days"),
            Err(e) => tracing::warn!(error = %e, "history: could not fold the digests of closed days"),
        }
    }
}

const DIGESTS_FIRST: Duration = Duration::from_secs(15);
const DIGESTS_EVERY: Duration = Duration::from_secs(3600);
/// More than a year of days: the most a report covers, and its previous period.
const DIGESTS_PER_ROUND: usize = 2 * crate::history::MAX_DAYS as usize;
