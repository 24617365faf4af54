//! The history report as the API and the window receive it: one day (`DayReport`) or a period of
//! days (`PeriodReport`). Every type here crosses to TypeScript through ts-rs; never declare one
//! by hand in the UI. Instants are RFC 3339 with the range zone's offset, durations are minutes
//! or seconds as the field's name says, money is in cents. The names are stable once published: add
//! fields, never rename them.

use rangedesk_domain::Source;
use rangedesk_domain::purchase::{Rule, Status as PurchaseStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One day in the range's time zone, from its first to its last instant (23 or 25 hours on DST days).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DayReport {
    /// `YYYY-MM-DD`, the civil date in `time_zone`.
    pub date: String,
    /// The IANA name the day was cut in (config `server.time_zone`, or the OS zone).
    pub time_zone: String,
    /// The day's first instant, RFC 3339 with the zone's offset.
    pub from: String,
    /// The next day's first instant (exclusive), RFC 3339 with the zone's offset.
    pub to: String,
    /// 23, 24 or 25.
    pub hours: u32,
    /// The headline figures, the same as a period's days carry.
    pub summary: ReportSummary,
    pub lanes: LanesSection,
    pub desk: DeskResponse,
    pub sales: Sales,
    pub arrivals: Arrivals,
    pub deliveries: DeliveriesSection,
    /// Every table of this report as CSV, with the path that downloads it.
    pub tables: Vec<CsvTable>,
}

/// The days from `from` to `to` inclusive, the same measures summed or merged, with a series per
/// day for trend charts and the previous period of equal length matched by weekday.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PeriodReport {
    /// `YYYY-MM-DD`, first day.
    pub from: String,
    /// `YYYY-MM-DD`, last day (inclusive).
    pub to: String,
    pub time_zone: String,
    /// The first day's first instant, RFC 3339 with offset.
    pub start: String,
    /// The instant after the last day (exclusive), RFC 3339 with offset.
    pub end: String,
    pub days: u32,
    /// The period's hours (a DST change makes it one more or one less than 24 × days).
    pub hours: u32,
    pub summary: ReportSummary,
    /// Per-lane figures over the whole period (no timeline bands: those are per day).
    pub lanes: LanesSection,
    pub desk: DeskResponse,
    pub sales: Sales,
    pub arrivals: Arrivals,
    pub deliveries: DeliveriesSection,
    /// One point per day, in order, for trend charts.
    pub series: Vec<DayPoint>,
    pub previous: PreviousPeriod,
    pub tables: Vec<CsvTable>,
}

/// The period just before, of the same number of days, starting on the same weekday.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PreviousPeriod {
    pub from: String,
    pub to: String,
    pub start: String,
    pub end: String,
    pub summary: ReportSummary,
    pub series: Vec<DayPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DayPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub summary: ReportSummary,
}

/// The headline figures of a day or a period: what a trend chart and a comparison show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportSummary {
    /// Sessions overlapping the period, each counted by the share of it inside (a session across
    /// midnight counts in both days, its shares adding up to one).
    pub sessions: f64,
    pub lane_minutes: f64,
    /// The denominator of `utilization`: open minutes × usable lanes (see [`Capacity`]).
    pub capacity_minutes: f64,
    /// `lane_minutes / capacity_minutes`, 0 when there is no capacity.
    pub utilization: f64,
    pub short_sessions: u32,
    pub overtime_minutes: f64,
    pub help_calls: u32,
    pub ack_median_seconds: Option<f64>,
    pub resolve_median_seconds: Option<f64>,
    pub carrier_hits: u32,
    pub purchases: PurchaseCounts,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    pub bookings: u32,
    pub check_ins: u32,
    pub scans: u32,
    pub deliveries_accepted: u32,
    pub deliveries_duplicate: u32,
    pub deliveries_refused: u32,
    /// Events the reconciler's poll recorded: what the webhooks never said.
    pub corrections: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PurchaseCounts {
    pub requested: u32,
    pub approved: u32,
    pub declined: u32,
    pub missed: u32,
}

/// The lanes: a timeline band each (days only), figures each, totals and a lane × hour heatmap.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LanesSection {
    pub capacity: Capacity,
    /// One band per lane in display order; empty in a period report.
    pub bands: Vec<LaneBand>,
    pub stats: Vec<LaneStats>,
    pub heatmap: Heatmap,
}

/// Visible capacity, the denominator of utilization: the range's open span × the lanes usable in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Capacity {
    /// A day's open span: the whole hours from its first to its last lane use (no opening hours
    /// are configured, so the lanes' own use marks them); `None` when nothing ran, and in a period.
    pub open_from: Option<String>,
    pub open_to: Option<String>,
    /// Open minutes (summed over the days of a period).
    pub open_minutes: f64,
    /// Lanes known to the range (the vendor's list and any lane seen in an event).
    pub lanes: u32,
    /// Σ over lanes of (open minutes − minutes the lane was unusable in them).
    pub usable_lane_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LaneBand {
    pub lane_id: String,
    pub name: Option<String>,
    /// Contiguous, in order, covering the whole day `[from, to)`.
    pub segments: Vec<BandSegment>,
    pub marks: Vec<BandMark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BandSegment {
    pub from: String,
    pub to: String,
    pub state: BandState,
    pub session_id: Option<String>,
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BandState {
    Free,
    Active,
    Paused,
    Overtime,
    Unusable,
}

/// Something that happened at one instant on a lane.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BandMark {
    pub at: String,
    pub kind: MarkKind,
    pub session_id: Option<String>,
    /// The event behind it, for the drill-down to the Activity screen.
    #[ts(type = "number")]
    pub event_id: i64,
    /// A help call's id, a purchase's trace id.
    pub subject: Option<String>,
    /// A purchase's status; a help call's "acknowledged"/"resolved"/"open".
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Help,
    Hit,
    Purchase,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct LaneStats {
    pub lane_id: String,
    pub name: Option<String>,
    /// Sessions overlapping the period, by share (see [`ReportSummary::sessions`]).
    pub sessions: f64,
    pub lane_minutes: f64,
    pub paused_minutes: f64,
    pub overtime_minutes: f64,
    pub unusable_minutes: f64,
    /// The denominator shown: open minutes − unusable minutes.
    pub usable_minutes: f64,
    /// `lane_minutes / usable_minutes`, 0 when nothing was usable.
    pub utilization: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    /// Revenue per lane-hour of use; `None` without use.
    pub revenue_per_lane_hour_cents: Option<f64>,
    /// Median free minutes between a session's end and the next one's start on this lane.
    pub median_turnaround_minutes: Option<f64>,
    /// Sessions of less than 10 minutes: a likely fault.
    pub short_sessions: u32,
    pub help_calls: u32,
    pub carrier_hits: u32,
}

/// Lane-minutes of use per lane and local hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Heatmap {
    /// Each hour's first instant, RFC 3339 with the zone's offset (on a 25-hour day one local
    /// hour appears twice, with two offsets). In a period: the 24 local hours `00`..`23`.
    pub hours: Vec<String>,
    pub lanes: Vec<String>,
    /// `minutes[lane][hour]`, 0..=60 per cell on a day.
    pub minutes: Vec<Vec<f64>>,
}

/// How fast the desk answered: help calls and the purchases held for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct DeskResponse {
    pub help_calls: Vec<HelpCallRow>,
    pub ack: Spread,
    pub resolve: Spread,
    /// The board's ageing thresholds (config `board.ageing_*_seconds`) the counts below use.
    #[ts(type = "number")]
    pub amber_seconds: u64,
    #[ts(type = "number")]
    pub red_seconds: u64,
    /// Calls acknowledged after the amber (red) threshold, or still open past it.
    pub over_amber: u32,
    pub over_red: u32,
    pub by_lane: Vec<ResponseGroup>,
    /// Keyed by the local hour the call was raised in, `00`..`23`.
    pub by_hour: Vec<ResponseGroup>,
    /// Keyed by who acknowledged.
    pub by_staff: Vec<ResponseGroup>,
    pub held_purchases: Vec<HeldPurchaseRow>,
    /// Seconds from request to decision of the held purchases that were decided.
    pub decision: Spread,
    /// Held purchases nobody decided in time: to follow up.
    pub missed: Vec<HeldPurchaseRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HelpCallRow {
    #[ts(type = "number")]
    pub help_id: i64,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub raised_at: String,
    pub acked_at: Option<String>,
    pub ack_seconds: Option<f64>,
    pub acked_by: Option<String>,
    pub resolved_at: Option<String>,
    /// From raised to resolved.
    pub resolve_seconds: Option<f64>,
    pub resolved_by: Option<String>,
}

/// Median, 90th percentile (nearest rank) and worst of some seconds; `None` without values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Spread {
    pub count: u32,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub worst: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct ResponseGroup {
    pub key: String,
    pub calls: u32,
    pub ack: Spread,
    pub resolve: Spread,
    pub over_amber: u32,
    pub over_red: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HeldPurchaseRow {
    pub trace_id: String,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub requested_at: String,
    pub decided_at: Option<String>,
    pub decision_seconds: Option<f64>,
    pub status: PurchaseStatus,
    pub decided_by: Option<String>,
    /// The items as `id×qty`, comma-separated.
    pub items: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Sales {
    pub purchases: PurchaseCounts,
    /// Per rule and product type.
    pub by_rule: Vec<SalesRow>,
    pub revenue: Vec<RevenueRow>,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    pub overtime_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SalesRow {
    /// The rule the purchase met: approve at once, ask the desk, decline; `None` when unrecorded.
    pub rule: Option<Rule>,
    /// `time`, `targets`, `ammo`, `rentals`, `unknown`.
    pub product_type: String,
    pub counts: PurchaseCounts,
}

/// Revenue from the tabs, by product type; carrier-hit fees under `carrier_hit`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RevenueRow {
    pub product_type: String,
    #[ts(type = "number")]
    pub quantity: i64,
    #[ts(type = "number")]
    pub cents: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Arrivals {
    pub bookings: u32,
    pub check_ins: u32,
    pub scans: u32,
    pub by_vendor: Vec<VendorArrivals>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VendorArrivals {
    pub source: Source,
    pub bookings: u32,
    pub check_ins: u32,
    /// Pass scans (Samna) and code scans (Enviso).
    pub scans: u32,
    /// Where the vendor says so; `None` when its data cannot tell.
    pub no_shows: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct DeliveriesSection {
    pub by_vendor: Vec<VendorDeliveries>,
    /// The reconciler's corrections by event type and vendor.
    pub corrections: Vec<CorrectionCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VendorDeliveries {
    pub source: Source,
    pub accepted: u32,
    pub duplicate: u32,
    pub refused: u32,
    pub refused_by_reason: Vec<ReasonCount>,
    /// Events of this vendor recorded by the poll, not by a webhook.
    pub corrections: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CorrectionCount {
    pub source: Source,
    /// The event type the poll recorded (`sessionObserved`, `sessionVanished`, …).
    pub kind: String,
    pub count: u32,
}

/// One table of the report as CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CsvTable {
    /// The name in the path: `lanes`, `help_calls`, …
    pub name: String,
    pub title: String,
    /// The path under the board listener, e.g. `/api/history/2026-03-29/lanes.csv`.
    pub path: String,
}
