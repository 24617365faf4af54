//! Day digests: a closed day's headline figures, folded once from its window of the log and kept
//! in `history_days`, so a period's summary, its trend line and the previous period it is compared
//! with are read back instead of folded again (a month and its previous period were two folds of
//! ~190,000 events each; docs/PERFORMANCE.md).
//!
//! A day is closed once its window (the day and [`MARGIN_MS`] after it) lies in the past; only
//! then is its digest stored, because only then can nothing the clock brings still change it.
//! The store deletes a digest whenever something is recorded into its window later (see
//! `store::history_days`), so a digest always equals a fresh fold of its day; the property test
//! in `tests/it/history_digest.rs` holds them to that. A period's summary is the merge of its days:
//! counts and minutes add up, utilization is their quotient, medians come from the days' raw
//! response times. So a month says what its days say, added.

use super::days::Day;
use super::report::{PurchaseCounts, ReportSummary};
use super::{MARGIN_MS, Settings, load, sections, stats};
use crate::error::ApiError;
use crate::store::{Store, history_days as q};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The digest format, with the version that folds it: a digest of another version is folded again.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "/day-1");

/// One day's figures, with the raw response times its medians were taken from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayDigest {
    pub summary: ReportSummary,
    /// Seconds from each help call raised that day to its acknowledgement (acknowledged calls).
    pub ack_seconds: Vec<f64>,
    /// Seconds from each help call raised that day to its resolution (resolved calls).
    pub resolve_seconds: Vec<f64>,
}

/// The zone a digest is filed under; a zone without a name (a bare offset, an unnamed system
/// zone) gets none, and its days are always folded.
fn zone_key(tz: &jiff::tz::TimeZone) -> Option<String> {
    tz.iana_name().map(str::to_owned)
}

fn closed(day: &Day, now: jiff::Timestamp) -> bool {
    day.end().as_millisecond().saturating_add(MARGIN_MS) <= now.as_millisecond()
}

/// Folds `day` from its own window of the log.
pub(super) async fn fold(store: &Store, s: &Settings, day: &Day, now: jiff::Timestamp) -> Result<DayDigest, ApiError> {
    let l = load(store, day.start(), day.end(), now).await?;
    Ok(of_day(&l, day, s))
}

/// The digest of `day` from a window already loaded (which must hold the day).
pub(super) fn of_day(l: &super::Loaded, day: &Day, s: &Settings) -> DayDigest {
    let x = sections(l, std::slice::from_ref(day), false, s);
    DayDigest {
        ack_seconds: x.desk.help_calls.iter().filter_map(|h| h.ack_seconds).collect(),
        resolve_seconds: x.desk.help_calls.iter().filter_map(|h| h.resolve_seconds).collect(),
        summary: x.summary,
    }
}

/// Folds `day` and stores its digest when the day is closed and nothing was recorded into its
/// window meanwhile.
async fn fold_and_keep(
    store: &Store,
    s: &Settings,
    zone: &str,
    day: &Day,
    now: jiff::Timestamp,
) -> Result<DayDigest, ApiError> {
    // The mark is read before the window, so anything recorded after the window was read has a
    // later id and is seen by `put`.
    let mark = store.read(q::mark).await?;
    let digest = fold(store, s, day, now).await?;
    let json = serde_json::to_string(&digest)
        .map_err(|e| ApiError::from(crate::store::StoreError::Corrupt(format!("day digest: {e}"))))?;
    let row = q::Digest {
        zone: zone.to_owned(),
        day: day.date.to_string(),
        from: day.start() - jiff::SignedDuration::from_millis(MARGIN_MS),
        until: day.end() + jiff::SignedDuration::from_millis(MARGIN_MS),
        version: VERSION.to_owned(),
        digest: json,
        mark,
    };
    store.writer().write(move |t| q::put(t, &row)).await?;
    Ok(digest)
}

/// The digests of `days` that are stored and of this version, by date.
async fn stored(store: &Store, zone: &str, days: &[&Day]) -> Result<HashMap<String, DayDigest>, ApiError> {
    let (zone, dates) = (zone.to_owned(), days.iter().map(|d| d.date.to_string()).collect::<Vec<_>>());
    let rows = store.read(move |c| q::get(c, &zone, &dates)).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.version == VERSION)
        .filter_map(|r| serde_json::from_str(&r.digest).ok().map(|d| (r.day, d)))
        .collect())
}

/// The digest of each of `days`, in order: stored ones read back, closed days missing one folded
/// and stored, and days still open taken from `open_from` (a window loaded around them) when it is
/// given, folded on their own otherwise.
pub(super) async fn days(
    store: &Store,
    s: &Settings,
    days: &[Day],
    open_from: Option<&super::Loaded>,
    now: jiff::Timestamp,
) -> Result<Vec<DayDigest>, ApiError> {
    let zone = zone_key(&s.time_zone);
    let closed_days: Vec<&Day> = days.iter().filter(|d| closed(d, now)).collect();
    let mut have = match &zone {
        Some(z) if !closed_days.is_empty() => stored(store, z, &closed_days).await?,
        _ => HashMap::new(),
    };
    let mut out = Vec::with_capacity(days.len());
    for day in days {
        let d = match (have.remove(&day.date.to_string()), &zone, open_from) {
            (Some(d), _, _) => d,
            (None, Some(z), _) if closed(day, now) => fold_and_keep(store, s, z, day, now).await?,
            (None, _, Some(l)) => of_day(l, day, s),
            (None, _, None) => fold(store, s, day, now).await?,
        };
        out.push(d);
    }
    Ok(out)
}

/// The summary of a period made of `days`: what they say, added.
pub fn merge(days: &[DayDigest]) -> ReportSummary {
    let mut m = ReportSummary::default();
    let (mut ack, mut resolve) = (Vec::new(), Vec::new());
    for d in days {
        let s = &d.summary;
        m.sessions += s.sessions;
        m.lane_minutes += s.lane_minutes;
        m.capacity_minutes += s.capacity_minutes;
        m.short_sessions += s.short_sessions;
        m.overtime_minutes += s.overtime_minutes;
        m.help_calls += s.help_calls;
        m.carrier_hits += s.carrier_hits;
        add(&mut m.purchases, &s.purchases);
        m.revenue_cents += s.revenue_cents;
        m.bookings += s.bookings;
        m.check_ins += s.check_ins;
        m.scans += s.scans;
        m.deliveries_accepted += s.deliveries_accepted;
        m.deliveries_duplicate += s.deliveries_duplicate;
        m.deliveries_refused += s.deliveries_refused;
        m.corrections += s.corrections;
        ack.extend_from_slice(&d.ack_seconds);
        resolve.extend_from_slice(&d.resolve_seconds);
    }
    m.utilization = if m.capacity_minutes > 0.0 { m.lane_minutes / m.capacity_minutes } else { 0.0 };
    m.ack_median_seconds = stats::median(&ack);
    m.resolve_median_seconds = stats::median(&resolve);
    m
}

fn add(to: &mut PurchaseCounts, c: &PurchaseCounts) {
    to.requested += c.requested;
    to.approved += c.approved;
    to.declined += c.declined;
    to.missed += c.missed;
}

/// Folds and stores the digests of up to `limit` closed days without one, newest first, from the
/// day before `now` back to the first day the log holds; says how many it stored. Run in the
/// background so the first report of a year-old store does not fold its days one by one.
pub async fn warm(store: &Store, s: &Settings, now: jiff::Timestamp, limit: usize) -> Result<usize, ApiError> {
    let Some(zone) = zone_key(&s.time_zone) else { return Ok(0) };
    let Some(first) = store.read(crate::store::history::first_event_at).await? else { return Ok(0) };
    let first = first.to_zoned(s.time_zone.clone()).date();
    let mut date = now.to_zoned(s.time_zone.clone()).date();
    let mut done = 0;
    while done < limit && date > first {
        let Ok(prev) = date.yesterday() else { break };
        date = prev;
        let day = Day::of(date, &s.time_zone)?;
        if !closed(&day, now) {
            continue;
        }
        if !stored(store, &zone, &[&day]).await?.is_empty() {
            continue;
        }
        fold_and_keep(store, s, &zone, &day, now).await?;
        done += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(done)
}
