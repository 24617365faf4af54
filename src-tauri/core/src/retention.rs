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
//! - The bytes go from the file too: every store connection zeroes what its writes free
//!   (`secure_delete = FAST`, `store::configure`) and the pruning updates run with it fully on;
//!   without that a pruned body stayed readable in its page's free space and in the copies the
//!   b-tree's rebalancing left (the test looks for the bytes in the file).
//! - Pruning runs in the background, [`BATCH`] rows per writer job with a pause between: the
//!   candidates are found and hashed on a reader connection, and each job is 500 point updates, so
//!   ingest waits at most one such job. How far it got is kept (`counters`), so a pass walks only
//!   the deliveries that aged past the limit since the last one.
//!
//! Why forever by default: the event log is the truth (DESIGN.md), a body is the evidence when a
//! vendor and the range disagree, and pruning does not give disk space back. Measured on a copy of
//! the year's store (docs/PERFORMANCE.md): a 30-day limit pruned 913,583 bodies (about 145 MB of
//! the 986 MB) in 124 s, and the file did not shrink, nor will new deliveries fill the space: a
//! body lives inline in its row, so pruning leaves room inside old pages (no page came free) and
//! new rows are appended at the end of the table. Only a `VACUUM` (a rewrite of the whole file
//! that holds the writer meanwhile; not done here) would return it. So a limit is for a range
//! whose rules limit how long it holds its customers' details, not for disk space.

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
        // Read and hashed on the blocking pool, off the async workers and the writer.
        let (digests, last) = store
            .read(move |c| {
                let batch = deliveries::prunable_bodies(c, from, before, &k, BATCH)?;
                let last = batch.last().map(|p| p.received_at);
                let digests: Vec<(i64, deliveries::Digest)> = batch
                    .into_iter()
                    .map(|p| {
                        (p.id, deliveries::Digest { len: p.body.len(), sha256: hex::encode(Sha256::digest(&p.body)) })
                    })
                    .collect();
                Ok((digests, last))
            })
            .await?;
        let full = digests.len() == BATCH as usize;
        let Some(last) = last else { break };
        pruned += store.writer().write(move |t| deliveries::prune_bodies(t, &digests)).await?;
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

/// Prunes now, every [`EVERY`], and when the limit is changed, with the limit in force then,
/// until `shutdown`.
pub async fn run(
    store: Store,
    mut config: tokio::sync::watch::Receiver<std::sync::Arc<crate::config::Config>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let days = config.borrow_and_update().store.keep_bodies_days;
        tokio::select! {
            r = prune_bodies(&store, days, jiff::Timestamp::now()) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "could not prune delivery bodies; trying again later");
                }
            }
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let next = tokio::time::Instant::now() + EVERY;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(next) => break,
                changed = config.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if config.borrow().store.keep_bodies_days != days {
                        break;
                    }
                }
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}
