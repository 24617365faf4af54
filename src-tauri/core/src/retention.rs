//! How long raw delivery bodies are kept: `store.keep_bodies_days` (0 = forever, the default).
//!
//! Promises:
//! - Past the limit, an accepted or duplicate delivery's body goes; its length and SHA-256 stay
//!   (as for a refused delivery's cut body), and so do its row, its verdict, its events and every
//!   normalized column of them (kind, lane, session, subject, vendor time). Refused deliveries are
//!   `refusals`' business (deleted after its own limit).
//! - Kept whatever the limit: the bodies whose data a reader of old events needs, because a
//!   webhook event's data *is* its delivery's body (stored once, migration 7). These are the kinds
//!   the history reads the payload of (`store::history::WITH_DATA`: of webhook events, Action
//!   Target's `purchaseRequest`, which the board also reads for its items, and `rangeSetup`) and
//!   Enviso's `BOOKINGS_CANCELLED` (a day's visits read the bookings it cancels). So a day's
//!   history report and the board rebuilt from the log are the same after pruning (a test in
//!   `tests/it/retention.rs` compares a report before and after).
//! - What degrades for an event whose body went: the activity feed shows it without data; a day's
//!   visits no longer link a Samna check-in or scan to its booking; the delivery log shows the
//!   length and hash of the body, not the body.
//! - Pruning runs in the background, [`BATCH`] rows per writer job with a pause between: the
//!   candidates are found and hashed on a reader connection, and each job is 500 point updates, so
//!   ingest waits at most one such job. How far it got is kept (`counters`), so a pass walks only
//!   the deliveries that aged past the limit since the last one.
//!
//! Why forever by default: the event log is the truth (DESIGN.md), a body is the evidence when a
//! vendor and the range disagree, and on the year's store the bodies that may go are 156 MB of
//! 986 MB (the rest of the bodies, 23 MB, are purchase requests that stay). A range whose rules
//! limit how long it holds its customers' details sets a number. The file does not shrink (SQLite
//! reuses the freed pages for new rows), so pruning slows the store's growth rather than shrink it.

use crate::store::{self, Store, counters, deliveries};
use sha2::{Digest as _, Sha256};
use std::time::Duration;

/// Rows per writer job.
pub const BATCH: u32 = 500;
/// The pause between jobs, so deliveries waiting for the writer go first.
const PAUSE: Duration = Duration::from_millis(20);
/// How often the background task looks for bodies to prune.
pub const EVERY: Duration = Duration::from_secs(3600);
/// Where the last pass stopped (Unix ms): everything received before it has been looked at.
const MARK: &str = "retention_bodies_through_ms";

/// The kinds whose bodies stay: the history's payload kinds and the one a day's visits read.
fn keep_kinds() -> String {
    let with_data = store::history::WITH_DATA.trim_end_matches(')');
    format!("{with_data},'BOOKINGS_CANCELLED')")
}

/// Prunes the bodies received more than `days` days before `now` (nothing when `days` is 0) and
/// answers how many went.
pub async fn prune_bodies(store: &Store, days: u32, now: jiff::Timestamp) -> store::Result<u64> {
    if days == 0 {
        return Ok(0);
    }
    let before = now - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let mark = store.read(|c| counters::get(c, MARK)).await?.unwrap_or(0);
    let mut from = jiff::Timestamp::from_millisecond(mark).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if from >= before {
        return Ok(0);
    }
    let kinds = keep_kinds();
    let mut pruned = 0u64;
    loop {
        let k = kinds.clone();
        let batch = store.read(move |c| deliveries::prunable_bodies(c, from, before, &k, BATCH)).await?;
        let full = batch.len() == BATCH as usize;
        let Some(last) = batch.last().map(|p| p.received_at) else { break };
        let digests: Vec<(i64, deliveries::Digest)> = batch
            .into_iter()
            .map(|p| (p.id, deliveries::Digest { len: p.body.len(), sha256: hex::encode(Sha256::digest(&p.body)) }))
            .collect();
        pruned += store
            .writer()
            .write(move |t| {
                let mut n = 0;
                for (id, d) in &digests {
                    n += u64::from(deliveries::prune_body(t, *id, d)?);
                }
                Ok(n)
            })
            .await?;
        // Rows of the same millisecond as the last may follow: start there (pruned ones no longer match).
        from = jiff::Timestamp::from_millisecond(last).unwrap_or(from);
        if !full {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    let through = before.as_millisecond();
    store.writer().write(move |t| counters::set(t, MARK, through)).await?;
    if pruned > 0 {
        tracing::info!(bodies = pruned, days, "pruned delivery bodies older than the limit");
    }
    Ok(pruned)
}

/// Prunes now and every [`EVERY`] with the limit in force then, until `shutdown`.
pub async fn run(
    store: Store,
    config: tokio::sync::watch::Receiver<std::sync::Arc<crate::config::Config>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let days = config.borrow().store.keep_bodies_days;
        tokio::select! {
            r = prune_bodies(&store, days, jiff::Timestamp::now()) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "could not prune delivery bodies; trying again later");
                }
            }
            _ = shutdown.wait_for(|s| *s) => return,
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
