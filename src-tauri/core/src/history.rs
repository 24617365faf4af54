//! History: what happened on any past day or period, computed from the event log and the
//! delivery log in the range's time zone (`server.time_zone`, empty = the OS zone). Days are
//! civil days in that zone, so DST days have 23 or 25 hours. A session across midnight counts in
//! each day by the share of it inside; only accepted events are in the log, so a duplicate
//! delivery never counts twice (the delivery verdicts count it, as a duplicate). Everything is
//! read from one window of the log around the period and folded once (`facts`); each section is
//! then a pass over the slice of its period. A period's summary and trend, and the previous period
//! it is compared with, are the merge of its days' digests (`digest`), so only the period itself
//! is folded.
//!
//! Beside this file: `report` (the types the API returns), `days` (days, DST, the previous
//! period), `digest` (a closed day's figures, stored), `facts` (the fold), `lanes` and `sections` (the figures), `stats` (medians and
//! percentiles), `csv` (the exports).

mod arrivals;
mod csv;
mod days;
pub use days::MAX_DAYS;
pub mod digest;
mod facts;
mod lanes;
pub mod report;
mod sections;
mod stats;

pub use report::*;

use crate::error::ApiError;
use crate::store::{Store, history as q};
use days::Day;
use facts::Facts;

/// How far before and after a period the log is read: sessions running across its edges, and
/// help calls or purchases answered after it, are whole.
pub(crate) const MARGIN_MS: i64 = 24 * 3_600_000;
/// Windows longer than this (three days) are read in two halves at once.
const SPLIT_SECONDS: i64 = 3 * 86_400;
/// Rows read for one report at most; a period with more is refused rather than counted wrong.
const ROW_LIMIT: u32 = 5_000_000;

/// What a report needs from the config in force.
#[derive(Debug, Clone)]
pub struct Settings {
    pub time_zone: jiff::tz::TimeZone,
    pub amber_seconds: u64,
    pub red_seconds: u64,
}

/// An instant in the range's zone, RFC 3339 with its offset.
fn instant(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.display_with_offset(tz.to_offset(t)).to_string(),
        Err(_) => ms.to_string(),
    }
}

fn minutes(ms: i64) -> f64 {
    ms as f64 / 60_000.0
}

/// The part of `items` (in time order by `at`) in `[from, to)`.
fn slice<T>(items: &[T], at: impl Fn(&T) -> i64, from: i64, to: i64) -> &[T] {
    let lo = items.partition_point(|x| at(x) < from);
    let hi = items.partition_point(|x| at(x) < to).max(lo);
    &items[lo..hi]
}

struct Loaded {
    facts: Facts,
    verdicts: Vec<q::VerdictRow>,
}

async fn load(
    store: &Store,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    now: jiff::Timestamp,
) -> Result<Loaded, ApiError> {
    let margin = jiff::SignedDuration::from_millis(MARGIN_MS);
    let (from, to) = (start - margin, (end + margin).min(now.max(start)));
    // A window of more than a few days is read in two halves at once, on two reader connections
    // (the rows' JSON is parsed in the read, which is most of its cost): a month reads in about
    // half the time on two cores. The halves are disjoint in time, so in order they are the window.
    let length = to.duration_since(from);
    let mid = if length.as_secs() > SPLIT_SECONDS { from + length / 2 } else { to };
    let early = store.read(move |c| Ok((q::setup_before(c, from)?, q::events_between(c, from, mid, ROW_LIMIT)?)));
    let late = store.read(move |c| {
        let rows = if mid < to { q::events_between(c, mid, to, ROW_LIMIT)? } else { Vec::new() };
        Ok((rows, q::verdicts_between(c, start, end, ROW_LIMIT)?))
    });
    let ((setup, mut rows), (later, verdicts)) = tokio::try_join!(early, late)?;
    rows.extend(later);
    if rows.len() >= ROW_LIMIT as usize || verdicts.len() >= ROW_LIMIT as usize {
        return Err(ApiError::bad_request("the period holds too many events for one report; choose a shorter one"));
    }
    // A window that reaches the present sees sessions still running, as the board does.
    let live = to >= now;
    let facts = facts::fold(setup.as_ref(), &rows, to.as_millisecond(), live);
    Ok(Loaded { facts, verdicts })
}

/// All sections of `days` (one day, or a period of them).
struct Sections {
    lanes: LanesSection,
    desk: DeskResponse,
    sales: Sales,
    arrivals: Arrivals,
    deliveries: DeliveriesSection,
    summary: ReportSummary,
}

fn sections(l: &Loaded, days: &[Day], bands: bool, s: &Settings) -> Sections {
    let (from, to) = match (days.first(), days.last()) {
        (Some(a), Some(b)) => (a.start().as_millisecond(), b.end().as_millisecond()),
        _ => (0, 0),
    };
    let f = &l.facts;
    let lanes = lanes::section(f, days, bands, &s.time_zone);
    let overtime: f64 = lanes.stats.iter().map(|s| s.overtime_minutes).sum();
    let desk = sections::desk(f, from, to, &s.time_zone, s.amber_seconds, s.red_seconds);
    let sales = sections::sales(f, from, to, overtime);
    let arrivals = sections::arrivals(f, from, to);
    let deliveries = sections::deliveries(f, &l.verdicts, from, to);
    let lane_minutes: f64 = lanes.stats.iter().map(|s| s.lane_minutes).sum();
    let capacity = lanes.capacity.usable_lane_minutes;
    let summary = ReportSummary {
        sessions: lanes.stats.iter().map(|s| s.sessions).sum(),
        lane_minutes,
        capacity_minutes: capacity,
        utilization: if capacity > 0.0 { lane_minutes / capacity } else { 0.0 },
        short_sessions: lanes.stats.iter().map(|s| s.short_sessions).sum(),
        overtime_minutes: overtime,
        help_calls: desk.help_calls.len() as u32,
        ack_median_seconds: desk.ack.median,
        resolve_median_seconds: desk.resolve.median,
        carrier_hits: slice(&f.hits, |m| m.at, from, to).len() as u32,
        purchases: sales.purchases.clone(),
        revenue_cents: sales.revenue_cents,
        bookings: arrivals.bookings,
        check_ins: arrivals.check_ins,
        scans: arrivals.scans,
        deliveries_accepted: deliveries.by_vendor.iter().map(|v| v.accepted).sum(),
        deliveries_duplicate: deliveries.by_vendor.iter().map(|v| v.duplicate).sum(),
        deliveries_refused: deliveries.by_vendor.iter().map(|v| v.refused).sum(),
        corrections: deliveries.by_vendor.iter().map(|v| v.corrections).sum(),
    };
    Sections { lanes, desk, sales, arrivals, deliveries, summary }
}

fn zone_name(tz: &jiff::tz::TimeZone) -> String {
    tz.iana_name().unwrap_or("local").to_owned()
}

/// The report of `date` (`YYYY-MM-DD`) as of `now` (a day still running is cut at `now`).
pub async fn day(store: &Store, s: &Settings, date: &str, now: jiff::Timestamp) -> Result<DayReport, ApiError> {
    let day = Day::of(days::parse_date(date)?, &s.time_zone)?;
    let l = load(store, day.start(), day.end(), now).await?;
    let x = sections(&l, std::slice::from_ref(&day), true, s);
    let date = day.date.to_string();
    Ok(DayReport {
        tables: csv::tables(&format!("/api/history/{date}/"), ""),
        date,
        time_zone: zone_name(&s.time_zone),
        from: instant(day.start().as_millisecond(), &s.time_zone),
        to: instant(day.end().as_millisecond(), &s.time_zone),
        hours: day.hours(),
        summary: x.summary,
        lanes: x.lanes,
        desk: x.desk,
        sales: x.sales,
        arrivals: x.arrivals,
        deliveries: x.deliveries,
    })
}

fn series(days: &[Day], digests: &[digest::DayDigest]) -> Vec<DayPoint> {
    days.iter().zip(digests).map(|(d, g)| DayPoint { date: d.date.to_string(), summary: g.summary.clone() }).collect()
}

fn bounds(days: &[Day], tz: &jiff::tz::TimeZone) -> (String, String) {
    let at = |t: Option<jiff::Timestamp>| t.map(|t| instant(t.as_millisecond(), tz)).unwrap_or_default();
    (at(days.first().map(Day::start)), at(days.last().map(Day::end)))
}

/// The report of the days from `from` to `to` inclusive, with the previous period by weekday.
pub async fn range(
    store: &Store,
    s: &Settings,
    from: &str,
    to: &str,
    now: jiff::Timestamp,
) -> Result<PeriodReport, ApiError> {
    let (first, last) = (days::parse_date(from)?, days::parse_date(to)?);
    let span = days::span(first, last, &s.time_zone)?;
    let (pf, pt) = days::previous(first, last)?;
    let before = days::span(pf, pt, &s.time_zone)?;
    let (Some(a), Some(b)) = (span.first(), span.last()) else {
        return Err(ApiError::bad_request("an empty period"));
    };
    // The period is folded for its sections; its summary and trend, and the previous period's,
    // are its days' digests merged (days still open are taken from this period's fold).
    // The previous period's digests are read while this period is.
    let (l, those) =
        tokio::try_join!(load(store, a.start(), b.end(), now), digest::days(store, s, &before, None, now))?;
    let x = sections(&l, &span, false, s);
    let these = digest::days(store, s, &span, Some(&l), now).await?;
    let ((start, end), (pstart, pend)) = (bounds(&span, &s.time_zone), bounds(&before, &s.time_zone));
    let query = format!("?from={first}&to={last}");
    Ok(PeriodReport {
        from: first.to_string(),
        to: last.to_string(),
        time_zone: zone_name(&s.time_zone),
        start,
        end,
        days: span.len() as u32,
        hours: span.iter().map(Day::hours).sum(),
        summary: digest::merge(&these),
        lanes: x.lanes,
        desk: x.desk,
        sales: x.sales,
        arrivals: x.arrivals,
        deliveries: x.deliveries,
        series: series(&span, &these),
        previous: PreviousPeriod {
            from: pf.to_string(),
            to: pt.to_string(),
            start: pstart,
            end: pend,
            summary: digest::merge(&those),
            series: series(&before, &those),
        },
        tables: csv::tables("/api/history/", &query),
    })
}

/// One table of a day's report as CSV (UTF-8 with BOM); 404 for a table the report has not.
pub async fn day_csv(
    store: &Store,
    s: &Settings,
    date: &str,
    table: &str,
    now: jiff::Timestamp,
) -> Result<Vec<u8>, ApiError> {
    csv::known(table)?;
    let r = day(store, s, date, now).await?;
    csv::render(table, &csv::Parts::of_day(&r))
}

/// One table of a period's report as CSV.
pub async fn range_csv(
    store: &Store,
    s: &Settings,
    from: &str,
    to: &str,
    table: &str,
    now: jiff::Timestamp,
) -> Result<Vec<u8>, ApiError> {
    csv::known(table)?;
    let r = range(store, s, from, to, now).await?;
    csv::render(table, &csv::Parts::of_period(&r))
}

/// Which report a CSV table is of: one day, or the days from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    Day(String),
    Range { from: String, to: String },
}

/// A CSV table and the file name it downloads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// One table of a report as a file, `rangedesk-<period>-<table>.csv`.
pub async fn csv_file(
    store: &Store,
    s: &Settings,
    period: &Period,
    table: &str,
    now: jiff::Timestamp,
) -> Result<CsvFile, ApiError> {
    let (name, bytes) = match period {
        Period::Day(d) => (d.clone(), day_csv(store, s, d, table, now).await?),
        Period::Range { from, to } => (format!("{from}_{to}"), range_csv(store, s, from, to, table, now).await?),
    };
    // Both parts were checked (a date that exists, a table the report has), so the name is plain.
    Ok(CsvFile { filename: format!("rangedesk-{name}-{table}.csv"), bytes })
}
