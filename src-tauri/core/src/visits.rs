//! A day's visitors as the booking vendors tell of them: Enviso orders, bookings and pass scans,
//! Samna bookings, check-ins and code scans. Built from the stored normalized events of that day
//! in the range's time zone (`server.time_zone`, empty = the OS zone), one line per booking,
//! check-in or scan, carrying its latest state, so a booking that was made, changed and
//! cancelled is one line that says "cancelled". Unknown event names of these vendors are left out
//! here (the activity feed shows them); nothing is dropped from the log.

use crate::error::ApiError;
use crate::store::{Store, events};
use rangedesk_domain::Source;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// Events of one day read at most; a range that books more than this in a day sees `truncated`.
const DAY_LIMIT: u32 = 20_000;

/// The day's bookings, check-ins and scans, newest activity first in each list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VisitsView {
    /// `YYYY-MM-DD` in `time_zone`.
    pub day: String,
    /// The IANA name the day was cut in.
    pub time_zone: String,
    /// The day's first instant (inclusive) and the next day's (exclusive), RFC 3339 UTC.
    pub from: String,
    pub to: String,
    pub bookings: Vec<VisitView>,
    pub checkins: Vec<VisitView>,
    pub scans: Vec<VisitView>,
    /// More events than `DAY_LIMIT` that day: the lists hold the earliest ones only.
    pub truncated: bool,
}

/// One booking, check-in or scan with what happened to it last.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VisitView {
    pub source: Source,
    /// The vendor's id for the booking, order, check-in or code.
    pub subject: Option<String>,
    /// The booking a Samna check-in or scan belongs to, when the vendor named it.
    pub booking: Option<String>,
    /// What the last event says, in words: "booked", "cancelled", "checked in", "scanned"…
    pub status: String,
    /// The vendor's name for the last event, as received.
    pub last_type: String,
    pub first_at: String,
    pub last_at: String,
    /// How many events of that day it gathers.
    #[ts(type = "number")]
    pub events: u32,
    #[ts(type = "number")]
    pub last_event_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum List {
    Booking,
    Checkin,
    Scan,
}

/// Which list an event belongs to and the word for its state; `None` for events not about visits.
fn classify(source: Source, kind: &str) -> Option<(List, &'static str)> {
    use List::*;
    Some(match (source, kind) {
        (Source::Enviso, "ORDER_CREATED") => (Booking, "ordered"),
        (Source::Enviso, "ORDER_CONFIRMED") => (Booking, "confirmed"),
        (Source::Enviso, "ORDER_CANCELLED") => (Booking, "cancelled"),
        (Source::Enviso, "ORDER_PARTIALLY_CANCELLED") => (Booking, "partly cancelled"),
        (Source::Enviso, "ORDER_REBOOKED") => (Booking, "rebooked"),
        (Source::Enviso, "ORDER_REBOOK_CANCELLED") => (Booking, "rebooking cancelled"),
        (Source::Enviso, "BOOKING_CREATED") => (Booking, "booked"),
        (Source::Enviso, "BOOKING_UPDATED") => (Booking, "changed"),
        (Source::Enviso, "BOOKING_CANCELLED" | "BOOKINGS_CANCELLED") => (Booking, "cancelled"),
        (Source::Enviso, "PASS_SCANNED") => (Scan, "pass scanned"),
        (Source::Samna, "booking_created") => (Booking, "booked"),
        (Source::Samna, "booking_updated") => (Booking, "changed"),
        (Source::Samna, "booking_canceled" | "booking_deleted") => (Booking, "cancelled"),
        (Source::Samna, "booking_ended") => (Booking, "ended"),
        (Source::Samna, "checkin_created") => (Checkin, "expected"),
        (Source::Samna, "checkin_started") => (Checkin, "checked in"),
        (Source::Samna, "checkin_updated") => (Checkin, "changed"),
        (Source::Samna, "checkin_failed") => (Checkin, "check-in failed"),
        (Source::Samna, "checkout_started") => (Checkin, "checking out"),
        (Source::Samna, "checkout_completed") => (Checkin, "checked out"),
        (Source::Samna, "code_scanned") => (Scan, "code scanned"),
        _ => return None,
    })
}

/// The ids an event is about. Enviso's `BOOKINGS_CANCELLED` names several (`data.ids`), so each
/// of those bookings turns cancelled rather than one line named after the whole list.
fn subjects(e: &events::EventRow) -> Vec<Option<String>> {
    if e.source == Source::Enviso
        && let Some(ids) = e.data.get("data").and_then(|d| d.get("ids")).and_then(|v| v.as_array())
    {
        let ids: Vec<Option<String>> = ids.iter().filter_map(|v| v.as_str().map(|s| Some(s.to_owned()))).collect();
        if !ids.is_empty() {
            return ids;
        }
    }
    vec![e.subject.clone()]
}

fn samna_booking(e: &events::EventRow) -> Option<String> {
    let id = e.data.get("context")?.get("booking")?.get("id")?.as_str()?;
    Some(id.to_owned())
}

/// Folds a day's events (oldest first) into its lists.
fn fold(rows: &[events::EventRow]) -> (Vec<VisitView>, Vec<VisitView>, Vec<VisitView>) {
    let mut lines: Vec<(List, VisitView)> = Vec::new();
    let mut index: HashMap<(List, Source, String), usize> = HashMap::new();
    for e in rows {
        let Some((list, status)) = classify(e.source, &e.kind) else { continue };
        for subject in subjects(e) {
            // A scan is a moment, not a thing with a state: each is its own line.
            let key = match (&subject, list) {
                (Some(s), List::Booking | List::Checkin) => Some((list, e.source, s.clone())),
                _ => None,
            };
            let booking = if e.source == Source::Samna { samna_booking(e) } else { None };
            match key.as_ref().and_then(|k| index.get(k)) {
                Some(&i) => {
                    let line = &mut lines[i].1;
                    line.status = status.into();
                    line.last_type = e.kind.clone();
                    line.last_at = e.at.clone();
                    line.events += 1;
                    line.last_event_id = e.id;
                    if line.booking.is_none() {
                        line.booking = booking;
                    }
                }
                None => {
                    if let Some(k) = key {
                        index.insert(k, lines.len());
                    }
                    lines.push((
                        list,
                        VisitView {
                            source: e.source,
                            subject,
                            booking,
                            status: status.into(),
                            last_type: e.kind.clone(),
                            first_at: e.at.clone(),
                            last_at: e.at.clone(),
                            events: 1,
                            last_event_id: e.id,
                        },
                    ));
                }
            }
        }
    }
    lines.sort_by_key(|(_, v)| std::cmp::Reverse(v.last_event_id));
    let take = |l: List| lines.iter().filter(|(k, _)| *k == l).map(|(_, v)| v.clone()).collect();
    (take(List::Booking), take(List::Checkin), take(List::Scan))
}

/// The range's time zone: the configured IANA name, or the OS zone when it is empty (config.rs
/// has checked the name at start; one that no longer resolves falls back to the OS zone too).
pub fn time_zone(name: &str) -> jiff::tz::TimeZone {
    if name.is_empty() {
        return jiff::tz::TimeZone::system();
    }
    jiff::tz::TimeZone::get(name).unwrap_or_else(|_| jiff::tz::TimeZone::system())
}

/// The visits of `day` (`YYYY-MM-DD`), or of today when `None`, in time zone `tz`.
pub async fn of_day(
    store: &Store,
    tz: jiff::tz::TimeZone,
    day: Option<&str>,
    now: jiff::Timestamp,
) -> Result<VisitsView, ApiError> {
    let date = match day {
        None => now.to_zoned(tz.clone()).date(),
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::bad_request(format!("`day` is not a date such as 2026-11-24: {d:?}")))?,
    };
    let bad = |e: jiff::Error| ApiError::bad_request(format!("`day` {date} has no start in this time zone: {e}"));
    // Start of day through jiff, so a DST change at midnight still gives the day's real first instant.
    let from = date.to_zoned(tz.clone()).map_err(bad)?.timestamp();
    let to = date.tomorrow().and_then(|d| d.to_zoned(tz.clone())).map_err(bad)?.timestamp();
    let (mut rows, truncated) = store
        .read(move |c| {
            let (mut rows, mut truncated) = (Vec::new(), false);
            for source in [Source::Enviso, Source::Samna] {
                let mut some = events::between(c, source, from, to, DAY_LIMIT + 1)?;
                truncated |= some.len() > DAY_LIMIT as usize;
                some.truncate(DAY_LIMIT as usize);
                rows.extend(some);
            }
            Ok((rows, truncated))
        })
        .await?;
    rows.sort_by_key(|r| r.id);
    let (bookings, checkins, scans) = fold(&rows);
    Ok(VisitsView {
        day: date.to_string(),
        time_zone: tz.iana_name().unwrap_or("local").to_owned(),
        from: from.to_string(),
        to: to.to_string(),
        bookings,
        checkins,
        scans,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::{EventRow, Origin};
    use serde_json::json;

    fn row(id: i64, source: Source, kind: &str, subject: Option<&str>, data: serde_json::Value) -> EventRow {
        EventRow {
            id,
            delivery_id: Some(id),
            at: format!("2026-11-24T10:00:{id:02}Z"),
            source,
            origin: Origin::Webhook,
            kind: kind.into(),
            known: true,
            lane_id: None,
            session_id: None,
            subject: subject.map(str::to_owned),
            vendor_time: None,
            data,
        }
    }

    #[test]
    fn a_booking_is_one_line_with_its_last_state_and_scans_stay_apart() {
        let rows = [
            row(1, Source::Enviso, "BOOKING_CREATED", Some("b1"), json!({"data": {"id": "b1"}})),
            row(2, Source::Enviso, "BOOKING_CREATED", Some("b2"), json!({"data": {"id": "b2"}})),
            row(3, Source::Enviso, "PASS_SCANNED", Some("p1"), json!({"data": {"id": "p1"}})),
            row(4, Source::Enviso, "PASS_SCANNED", Some("p1"), json!({"data": {"id": "p1"}})),
            row(5, Source::Enviso, "BOOKINGS_CANCELLED", Some("[\"b1\"]"), json!({"data": {"ids": ["b1"]}})),
            row(6, Source::Enviso, "SOMETHING_NEW", Some("x"), json!({})),
            row(7, Source::Samna, "checkin_started", Some("c1"), json!({"context": {"booking": {"id": "sb"}}})),
        ];
        let (bookings, checkins, scans) = fold(&rows);
        let b: Vec<_> = bookings.iter().map(|v| (v.subject.as_deref(), v.status.as_str(), v.events)).collect();
        assert_eq!(b, [(Some("b1"), "cancelled", 2), (Some("b2"), "booked", 1)], "cancelled by the list of ids");
        assert_eq!(scans.len(), 2, "two scans of one pass are two moments");
        assert_eq!(checkins[0].booking.as_deref(), Some("sb"));
        assert_eq!(checkins[0].status, "checked in");
    }
}
