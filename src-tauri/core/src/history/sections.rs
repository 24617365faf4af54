//! The desk response, sales, arrivals and deliveries sections of a report over `[from, to)`.

use super::arrivals::{Visit, visit_kind};
use super::facts::{Facts, HelpFact, PurchaseFact};
use super::report::{
    Arrivals, CorrectionCount, DeliveriesSection, DeskResponse, HeldPurchaseRow, HelpCallRow, PurchaseCounts,
    ReasonCount, ResponseGroup, RevenueRow, Sales, SalesRow, VendorArrivals, VendorDeliveries,
};
use super::stats::spread;
use super::{instant, slice};
use crate::store::deliveries::Verdict;
use crate::store::history::VerdictRow;
use rangedesk_domain::Source;
use rangedesk_domain::purchase::{Rule, Status};
use std::collections::BTreeMap;

fn secs(a: i64, b: i64) -> f64 {
    (b - a) as f64 / 1000.0
}

/// How long a call waited for a person: to its acknowledgement, else to its resolution; never
/// answered is waiting still (over every threshold).
fn waited(h: &HelpFact) -> Option<f64> {
    h.acked.as_ref().or(h.resolved.as_ref()).map(|a| secs(h.at, a.0))
}

fn group(key: String, calls: &[&HelpFact], amber: u64, red: u64) -> ResponseGroup {
    let ack: Vec<f64> = calls.iter().filter_map(|h| h.acked.as_ref().map(|a| secs(h.at, a.0))).collect();
    let resolve: Vec<f64> = calls.iter().filter_map(|h| h.resolved.as_ref().map(|r| secs(h.at, r.0))).collect();
    let over = |t: u64| calls.iter().filter(|h| waited(h).is_none_or(|w| w > t as f64)).count() as u32;
    ResponseGroup {
        key,
        calls: calls.len() as u32,
        ack: spread(&ack),
        resolve: spread(&resolve),
        over_amber: over(amber),
        over_red: over(red),
    }
}

fn grouped<F: Fn(&HelpFact) -> Option<String>>(
    calls: &[&HelpFact],
    key: F,
    amber: u64,
    red: u64,
) -> Vec<ResponseGroup> {
    let mut by: BTreeMap<String, Vec<&HelpFact>> = BTreeMap::new();
    for h in calls {
        if let Some(k) = key(h) {
            by.entry(k).or_default().push(h);
        }
    }
    by.into_iter().map(|(k, v)| group(k, &v, amber, red)).collect()
}

pub fn desk(f: &Facts, from: i64, to: i64, tz: &jiff::tz::TimeZone, amber: u64, red: u64) -> DeskResponse {
    let calls: Vec<&HelpFact> = slice(&f.help, |h| h.at, from, to).iter().collect();
    let all = group(String::new(), &calls, amber, red);
    let hour = |h: &HelpFact| {
        jiff::Timestamp::from_millisecond(h.at).ok().map(|t| format!("{:02}", t.to_zoned(tz.clone()).hour()))
    };
    let held: Vec<HeldPurchaseRow> =
        slice(&f.purchases, |p| p.at, from, to).iter().filter(|p| p.held).map(|p| held_row(p, tz)).collect();
    let decisions: Vec<f64> =
        held.iter().filter(|p| p.status != Status::Missed).filter_map(|p| p.decision_seconds).collect();
    DeskResponse {
        help_calls: calls.iter().map(|h| help_row(h, tz)).collect(),
        ack: all.ack,
        resolve: all.resolve,
        amber_seconds: amber,
        red_seconds: red,
        over_amber: all.over_amber,
        over_red: all.over_red,
        by_lane: grouped(&calls, |h| Some(h.lane_id.clone().unwrap_or_default()), amber, red),
        by_hour: grouped(&calls, hour, amber, red),
        by_staff: grouped(&calls, |h| h.acked.as_ref().map(|a| a.1.clone()), amber, red),
        decision: spread(&decisions),
        missed: held.iter().filter(|p| p.status == Status::Missed).cloned().collect(),
        held_purchases: held,
    }
}

fn help_row(h: &HelpFact, tz: &jiff::tz::TimeZone) -> HelpCallRow {
    HelpCallRow {
        help_id: h.help_id,
        lane_id: h.lane_id.clone(),
        session_id: h.session_id.clone(),
        raised_at: instant(h.at, tz),
        acked_at: h.acked.as_ref().map(|a| instant(a.0, tz)),
        ack_seconds: h.acked.as_ref().map(|a| secs(h.at, a.0)),
        acked_by: h.acked.as_ref().map(|a| a.1.clone()),
        resolved_at: h.resolved.as_ref().map(|r| instant(r.0, tz)),
        resolve_seconds: h.resolved.as_ref().map(|r| secs(h.at, r.0)),
        resolved_by: h.resolved.as_ref().map(|r| r.1.clone()),
    }
}

fn status(p: &PurchaseFact) -> Status {
    p.decided.as_ref().and_then(|d| Status::parse(d.1)).unwrap_or(Status::Pending)
}

fn held_row(p: &PurchaseFact, tz: &jiff::tz::TimeZone) -> HeldPurchaseRow {
    HeldPurchaseRow {
        trace_id: p.trace_id.clone(),
        lane_id: p.lane_id.clone(),
        session_id: p.session_id.clone(),
        requested_at: instant(p.at, tz),
        decided_at: p.decided.as_ref().map(|d| instant(d.0, tz)),
        decision_seconds: p.decided.as_ref().map(|d| secs(p.at, d.0)),
        status: status(p),
        decided_by: p.decided.as_ref().map(|d| d.2.clone()),
        items: p.items.iter().map(|(id, q)| format!("{id}×{q}")).collect::<Vec<_>>().join(", "),
    }
}

/// The rule a purchase met, as its events tell: held = ask; answered at once by rule = approve
/// or decline; declined for the catalogue's limits = no rule.
fn rule(p: &PurchaseFact) -> Option<Rule> {
    if p.held {
        return Some(Rule::Ask);
    }
    match p.decided.as_ref().map(|d| (d.1, d.2.as_str())) {
        Some(("approved", "rule")) => Some(Rule::Approve),
        Some(("declined", "rule")) => Some(Rule::Decline),
        _ => None,
    }
}

fn count(c: &mut PurchaseCounts, s: Status) {
    c.requested += 1;
    match s {
        Status::Approved => c.approved += 1,
        Status::Declined => c.declined += 1,
        Status::Missed => c.missed += 1,
        Status::Pending => {}
    }
}

pub fn sales(f: &Facts, from: i64, to: i64, overtime_minutes: f64) -> Sales {
    let mut out = Sales { overtime_minutes, ..Default::default() };
    let mut by: BTreeMap<(Option<Rule>, String), PurchaseCounts> = BTreeMap::new();
    for p in slice(&f.purchases, |p| p.at, from, to) {
        count(&mut out.purchases, status(p));
        let mut types = p.product_types.clone();
        if types.is_empty() {
            types.push("unknown".into());
        }
        types.sort();
        types.dedup();
        for t in types {
            count(by.entry((rule(p), t)).or_default(), status(p));
        }
    }
    out.by_rule =
        by.into_iter().map(|((rule, product_type), counts)| SalesRow { rule, product_type, counts }).collect();
    let mut revenue: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for t in slice(&f.tab, |t| t.at, from, to) {
        let r = revenue.entry(t.product_type.clone()).or_default();
        r.0 += t.qty;
        r.1 += t.cents;
        out.revenue_cents += t.cents;
    }
    out.revenue = revenue
        .into_iter()
        .map(|(product_type, (quantity, cents))| RevenueRow { product_type, quantity, cents })
        .collect();
    out
}

pub fn arrivals(f: &Facts, from: i64, to: i64) -> Arrivals {
    let mut out = Arrivals::default();
    for source in [Source::Enviso, Source::Samna] {
        let mut v = VendorArrivals { source, bookings: 0, check_ins: 0, scans: 0, no_shows: None };
        let mut seen = std::collections::HashSet::new();
        for m in slice(&f.visits, |m| m.at, from, to).iter().filter(|m| m.source == source) {
            match visit_kind(m.source, &m.kind) {
                // A booking or check-in told of twice (created by two events) is one.
                Some(Visit::Booking) if m.subject.is_none() || seen.insert((0, m.subject.clone())) => v.bookings += 1,
                Some(Visit::CheckIn) if m.subject.is_none() || seen.insert((1, m.subject.clone())) => v.check_ins += 1,
                Some(Visit::Scan) => v.scans += 1,
                _ => {}
            }
        }
        out.bookings += v.bookings;
        out.check_ins += v.check_ins;
        out.scans += v.scans;
        out.by_vendor.push(v);
    }
    out
}

pub fn deliveries(f: &Facts, verdicts: &[VerdictRow], from: i64, to: i64) -> DeliveriesSection {
    let mut out = DeliveriesSection::default();
    let corrections = slice(&f.corrections, |m| m.at, from, to);
    let verdicts = slice(verdicts, |v| v.at, from, to);
    for source in Source::ALL {
        let mut v = VendorDeliveries {
            source,
            accepted: 0,
            duplicate: 0,
            refused: 0,
            refused_by_reason: Vec::new(),
            corrections: 0,
        };
        let mut reasons: BTreeMap<String, u32> = BTreeMap::new();
        for d in verdicts.iter().filter(|d| d.source == source) {
            match d.verdict {
                Verdict::Accepted => v.accepted += 1,
                Verdict::Duplicate => v.duplicate += 1,
                Verdict::Rejected => {
                    v.refused += 1;
                    *reasons.entry(d.reason.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
                }
            }
        }
        v.refused_by_reason = reasons.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect();
        let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
        for c in corrections.iter().filter(|c| c.source == source) {
            v.corrections += 1;
            *kinds.entry(c.kind.clone()).or_default() += 1;
        }
        out.corrections.extend(kinds.into_iter().map(|(kind, count)| CorrectionCount { source, kind, count }));
        out.by_vendor.push(v);
    }
    out
}
