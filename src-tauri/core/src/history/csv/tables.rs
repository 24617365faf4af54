//! The rows of each table: a header and one line per figure, text cells neutralised.

use super::Parts;
use crate::history::report::Spread;

/// A text cell, neutralised when a spreadsheet would read it as a formula.
fn t(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

fn o(s: &Option<String>) -> String {
    s.as_deref().map(t).unwrap_or_default()
}

fn n<T: ToString>(v: T) -> String {
    v.to_string()
}

fn on(v: Option<f64>) -> String {
    v.map(n).unwrap_or_default()
}

fn spread(s: &Spread) -> [String; 3] {
    [on(s.median), on(s.p90), on(s.worst)]
}

pub(super) fn rows(table: &str, p: &Parts<'_>) -> (Vec<&'static str>, Vec<Vec<String>>) {
    match table {
        "summary" => (
            vec![
                "date",
                "sessions",
                "lane_minutes",
                "capacity_minutes",
                "utilization",
                "short_sessions",
                "overtime_minutes",
                "help_calls",
                "ack_median_seconds",
                "resolve_median_seconds",
                "carrier_hits",
                "purchases_requested",
                "purchases_approved",
                "purchases_declined",
                "purchases_missed",
                "revenue_cents",
                "bookings",
                "check_ins",
                "scans",
                "deliveries_accepted",
                "deliveries_duplicate",
                "deliveries_refused",
                "corrections",
            ],
            p.days
                .iter()
                .map(|d| {
                    let s = &d.summary;
                    vec![
                        t(&d.date),
                        n(s.sessions),
                        n(s.lane_minutes),
                        n(s.capacity_minutes),
                        n(s.utilization),
                        n(s.short_sessions),
                        n(s.overtime_minutes),
                        n(s.help_calls),
                        on(s.ack_median_seconds),
                        on(s.resolve_median_seconds),
                        n(s.carrier_hits),
                        n(s.purchases.requested),
                        n(s.purchases.approved),
                        n(s.purchases.declined),
                        n(s.purchases.missed),
                        n(s.revenue_cents),
                        n(s.bookings),
                        n(s.check_ins),
                        n(s.scans),
                        n(s.deliveries_accepted),
                        n(s.deliveries_duplicate),
                        n(s.deliveries_refused),
                        n(s.corrections),
                    ]
                })
                .collect(),
        ),
        "lanes" => (
            vec![
                "lane_id",
                "name",
                "sessions",
                "lane_minutes",
                "paused_minutes",
                "overtime_minutes",
                "unusable_minutes",
                "usable_minutes",
                "utilization",
                "revenue_cents",
                "revenue_per_lane_hour_cents",
                "median_turnaround_minutes",
                "short_sessions",
                "help_calls",
                "carrier_hits",
            ],
            p.lanes
                .stats
                .iter()
                .map(|l| {
                    vec![
                        t(&l.lane_id),
                        o(&l.name),
                        n(l.sessions),
                        n(l.lane_minutes),
                        n(l.paused_minutes),
                        n(l.overtime_minutes),
                        n(l.unusable_minutes),
                        n(l.usable_minutes),
                        n(l.utilization),
                        n(l.revenue_cents),
                        on(l.revenue_per_lane_hour_cents),
                        on(l.median_turnaround_minutes),
                        n(l.short_sessions),
                        n(l.help_calls),
                        n(l.carrier_hits),
                    ]
                })
                .collect(),
        ),
        "timeline" => (
            vec!["lane_id", "from", "to", "state", "session_id", "customer"],
            p.lanes
                .bands
                .iter()
                .flat_map(|b| {
                    b.segments.iter().map(|s| {
                        vec![
                            t(&b.lane_id),
                            t(&s.from),
                            t(&s.to),
                            n(serde_json::to_value(s.state)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()),
                            o(&s.session_id),
                            o(&s.customer),
                        ]
                    })
                })
                .collect(),
        ),
        "marks" => (
            vec!["lane_id", "at", "kind", "session_id", "event_id", "subject", "detail"],
            p.lanes
                .bands
                .iter()
                .flat_map(|b| {
                    b.marks.iter().map(|m| {
                        vec![
                            t(&b.lane_id),
                            t(&m.at),
                            n(format!("{:?}", m.kind).to_lowercase()),
                            o(&m.session_id),
                            n(m.event_id),
                            o(&m.subject),
                            o(&m.detail),
                        ]
                    })
                })
                .collect(),
        ),
        "heatmap" => (
            vec!["lane_id", "hour", "minutes"],
            p.lanes
                .heatmap
                .lanes
                .iter()
                .zip(&p.lanes.heatmap.minutes)
                .flat_map(|(l, row)| p.lanes.heatmap.hours.iter().zip(row).map(move |(h, m)| vec![t(l), t(h), n(m)]))
                .collect(),
        ),
        "help_calls" => (
            vec![
                "help_id",
                "lane_id",
                "session_id",
                "raised_at",
                "acked_at",
                "ack_seconds",
                "acked_by",
                "resolved_at",
                "resolve_seconds",
                "resolved_by",
            ],
            p.desk
                .help_calls
                .iter()
                .map(|h| {
                    vec![
                        n(h.help_id),
                        o(&h.lane_id),
                        o(&h.session_id),
                        t(&h.raised_at),
                        o(&h.acked_at),
                        on(h.ack_seconds),
                        o(&h.acked_by),
                        o(&h.resolved_at),
                        on(h.resolve_seconds),
                        o(&h.resolved_by),
                    ]
                })
                .collect(),
        ),
        "response" => (
            vec![
                "group_by",
                "key",
                "calls",
                "ack_median",
                "ack_p90",
                "ack_worst",
                "resolve_median",
                "resolve_p90",
                "resolve_worst",
                "over_amber",
                "over_red",
            ],
            [("lane", &p.desk.by_lane), ("hour", &p.desk.by_hour), ("staff", &p.desk.by_staff)]
                .iter()
                .flat_map(|(by, groups)| {
                    groups.iter().map(move |g| {
                        let mut r = vec![n(by), t(&g.key), n(g.calls)];
                        r.extend(spread(&g.ack));
                        r.extend(spread(&g.resolve));
                        r.extend([n(g.over_amber), n(g.over_red)]);
                        r
                    })
                })
                .collect(),
        ),
        "held_purchases" => (
            vec![
                "trace_id",
                "lane_id",
                "session_id",
                "requested_at",
                "decided_at",
                "decision_seconds",
                "status",
                "decided_by",
                "items",
            ],
            p.desk
                .held_purchases
                .iter()
                .map(|h| {
                    vec![
                        t(&h.trace_id),
                        o(&h.lane_id),
                        o(&h.session_id),
                        t(&h.requested_at),
                        o(&h.decided_at),
                        on(h.decision_seconds),
                        n(h.status.as_str()),
                        o(&h.decided_by),
                        t(&h.items),
                    ]
                })
                .collect(),
        ),
        "sales" => (
            vec!["rule", "product_type", "requested", "approved", "declined", "missed"],
            p.sales
                .by_rule
                .iter()
                .map(|s| {
                    vec![
                        n(s.rule.map(|r| format!("{r:?}").to_lowercase()).unwrap_or_default()),
                        t(&s.product_type),
                        n(s.counts.requested),
                        n(s.counts.approved),
                        n(s.counts.declined),
                        n(s.counts.missed),
                    ]
                })
                .collect(),
        ),
        "revenue" => (
            vec!["product_type", "quantity", "cents"],
            p.sales.revenue.iter().map(|r| vec![t(&r.product_type), n(r.quantity), n(r.cents)]).collect(),
        ),
        "arrivals" => (
            vec!["source", "bookings", "check_ins", "scans", "no_shows"],
            p.arrivals
                .by_vendor
                .iter()
                .map(|a| {
                    vec![n(a.source), n(a.bookings), n(a.check_ins), n(a.scans), a.no_shows.map(n).unwrap_or_default()]
                })
                .collect(),
        ),
        "deliveries" => (
            vec!["source", "accepted", "duplicate", "refused", "corrections"],
            p.deliveries
                .by_vendor
                .iter()
                .map(|d| vec![n(d.source), n(d.accepted), n(d.duplicate), n(d.refused), n(d.corrections)])
                .collect(),
        ),
        "refusals" => (
            vec!["source", "reason", "count"],
            p.deliveries
                .by_vendor
                .iter()
                .flat_map(|d| d.refused_by_reason.iter().map(move |r| vec![n(d.source), t(&r.reason), n(r.count)]))
                .collect(),
        ),
        _ => (
            vec!["source", "kind", "count"],
            p.deliveries.corrections.iter().map(|c| vec![n(c.source), t(&c.kind), n(c.count)]).collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(t(bad), format!("'{bad}"), "{bad:?}");
        }
        assert_eq!(t("Ada, \"the\" shooter"), "Ada, \"the\" shooter", "quoting is the writer's job");
        assert_eq!(t(""), "");
    }
}
