//! The status screen's facts: whether the store commits, where the app listens, what the vendors
//! sent (counts by verdict, refusals counted without a row) and how Action Target's API answers.

use crate::error::ApiError;
use crate::ingest::Ingest;
use crate::reconciler::ApiHealth;
use crate::store::{Store, counters, deliveries};
use serde::Serialize;
use std::time::Duration;
use ts_rs::TS;

/// Where this instance runs, as the status screen shows it.
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub public_addr: String,
    pub board_addr: String,
    pub data_dir: String,
}

/// Counts of deliveries by source and verdict, and of refusals that leave no row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Status {
    pub store_ok: bool,
    pub public_addr: String,
    pub board_addr: String,
    pub data_dir: String,
    pub deliveries: Vec<DeliveryCount>,
    #[ts(type = "number")]
    pub refused_not_found: i64,
    pub action_target_api: ApiHealth,
    /// Refused deliveries counted without a row in the delivery log: past a client's rate of
    /// refusals, or while the disk was below its free-space floor.
    #[ts(type = "number")]
    pub refused_unlogged: i64,
    /// Whether refused deliveries are logged now.
    pub refusals_logging: crate::refusals::RefusalLogging,
    /// Free bytes on the data directory's filesystem, as last read; null when it cannot say.
    #[ts(type = "number | null")]
    pub data_free_bytes: Option<u64>,
    /// Below this many free bytes refusals are counted, not logged.
    #[ts(type = "number")]
    pub refusal_floor_bytes: u64,
    /// The last successful backup, the folder's backups, and whether one is overdue.
    pub backup: crate::backups::BackupStatus,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeliveryCount {
    pub source: String,
    pub verdict: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// The status screen's facts.
pub async fn status(
    store: &Store,
    ingest: &Ingest,
    place: &Place,
    api: ApiHealth,
    backup: crate::backups::BackupStatus,
) -> Result<Status, ApiError> {
    let store_ok = store_accepts_writes(store).await;
    let unsaved = ingest.not_found_since_start() as i64;
    let refusals = ingest.refusal_log();
    let unlogged_unsaved = i64::try_from(refusals.unsaved()).unwrap_or(i64::MAX);
    let (counts, saved, unlogged_saved) = store
        .read(|c| {
            let counts = deliveries::count_by_verdict(c)?;
            let all = counters::all(c)?;
            let named = |names: &[&str]| -> i64 {
                all.iter().filter(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v).sum()
            };
            let saved = named(&["refused_not_found"]);
            let unlogged = named(&[crate::refusals::COUNTED_RATE_LIMITED, crate::refusals::COUNTED_LOW_DISK]);
            Ok((counts, saved, unlogged))
        })
        .await?;
    let now = jiff::Timestamp::now();
    Ok(Status {
        store_ok,
        public_addr: place.public_addr.clone(),
        board_addr: place.board_addr.clone(),
        data_dir: place.data_dir.clone(),
        deliveries: counts
            .into_iter()
            .map(|(source, verdict, count)| DeliveryCount { source, verdict, count })
            .collect(),
        refused_not_found: saved + unsaved,
        action_target_api: api,
        refused_unlogged: unlogged_saved + unlogged_unsaved,
        refusals_logging: refusals.state(store, now),
        data_free_bytes: store.space().free_bytes(),
        refusal_floor_bytes: store.space().floor(),
        backup,
    })
}

/// Whether a write commits right now: a tiny real transaction through the writer, so a full disk
/// or a broken file shows here.
pub async fn store_accepts_writes(store: &Store) -> bool {
    let probe = store.writer().write(|t| counters::add(t, "health_probe", 1));
    matches!(tokio::time::timeout(Duration::from_secs(2), probe).await, Ok(Ok(()))) && store.writer().healthy()
}
