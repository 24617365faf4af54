//! The lanes section: per lane a timeline band (days only), figures, and a lane × hour heatmap,
//! with utilization against visible capacity: the open span of each day (from the start of the
//! hour of its first lane use to the end of the hour of its last) × the lanes usable in it.

use super::days::Day;
use super::facts::{Facts, SessionFact};
use super::report::{BandMark, BandSegment, BandState, Capacity, Heatmap, LaneBand, LaneStats, LanesSection, MarkKind};
use super::{instant, minutes, slice};
use std::collections::HashMap;

/// Sessions shorter than this are counted apart: a likely fault.
pub const SHORT_SESSION_MINUTES: f64 = 10.0;
/// No session is folded longer than this (the window's lookback), so candidates start after it.
const LONGEST_MS: i64 = 2 * 24 * 3_600_000;

fn overlap(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0)
}

/// The sessions that overlap `[from, to)`.
pub fn overlapping(f: &Facts, from: i64, to: i64) -> impl Iterator<Item = &SessionFact> {
    let lo = f.sessions.partition_point(|s| s.start() < from - LONGEST_MS);
    let hi = f.sessions.partition_point(|s| s.start() < to);
    f.sessions[lo..hi.max(lo)].iter().filter(move |s| s.end() > from || (s.start() >= from && s.end() == s.start()))
}

/// The open span of a day: whole local hours around its lane use; `None` when nothing ran.
fn open_span(f: &Facts, day: &Day) -> Option<(i64, i64)> {
    let (from, to) = (day.start().as_millisecond(), day.end().as_millisecond());
    let pieces = overlapping(f, from, to).flat_map(|s| s.pieces.iter()).filter(|p| overlap((p.0, p.1), (from, to)) > 0);
    let (lo, hi) = pieces.fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.0.max(from)), hi.max(p.1.min(to))));
    if lo > hi {
        return None;
    }
    let hours: Vec<i64> = day.hour_starts().iter().map(|z| z.timestamp().as_millisecond()).collect();
    let start = hours.iter().rev().find(|&&h| h <= lo).copied().unwrap_or(from);
    let end = hours.iter().find(|&&h| h >= hi).copied().unwrap_or(to);
    Some((start, end.max(start)))
}

pub fn section(f: &Facts, days: &[Day], bands: bool, tz: &jiff::tz::TimeZone) -> LanesSection {
    let mut stats: Vec<LaneStats> = f
        .lanes
        .iter()
        .map(|(id, name)| LaneStats { lane_id: id.clone(), name: name.clone(), ..Default::default() })
        .collect();
    let index: HashMap<&str, usize> = f.lanes.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    let mut capacity = Capacity { lanes: u32::try_from(f.lanes.len()).unwrap_or(0), ..Default::default() };
    let single = days.len() == 1;
    let hour_keys: Vec<String> = match days {
        [d] => d.hour_starts().iter().map(|z| instant(z.timestamp().as_millisecond(), tz)).collect(),
        _ => (0..24).map(|h| format!("{h:02}")).collect(),
    };
    let mut heat = vec![vec![0.0; hour_keys.len()]; f.lanes.len()];
    let mut turnarounds: Vec<Vec<f64>> = vec![Vec::new(); f.lanes.len()];
    let mut band_list = Vec::new();
    for day in days {
        let (from, to) = (day.start().as_millisecond(), day.end().as_millisecond());
        let open = open_span(f, day);
        if let Some((a, b)) = open {
            capacity.open_minutes += minutes(b - a);
            if single {
                capacity.open_from = Some(instant(a, tz));
                capacity.open_to = Some(instant(b, tz));
            }
        }
        let mut by_lane: Vec<Vec<&SessionFact>> = vec![Vec::new(); f.lanes.len()];
        for s in overlapping(f, from, to) {
            if let Some(&i) = index.get(s.lane_id.as_str()) {
                by_lane[i].push(s);
            }
        }
        let hours = day.hour_starts();
        for (i, st) in stats.iter_mut().enumerate() {
            let down: &[(i64, i64)] = f.unusable.get(&st.lane_id).map_or(&[], Vec::as_slice);
            if let Some(span) = open {
                let unusable: i64 = down.iter().map(|&d| overlap(d, span)).sum();
                st.unusable_minutes += minutes(unusable);
                st.usable_minutes += minutes(span.1 - span.0 - unusable);
            }
            for s in &by_lane[i] {
                let total: i64 = s.pieces.iter().map(|p| p.1 - p.0).sum();
                let inside: i64 = s.pieces.iter().map(|p| overlap((p.0, p.1), (from, to))).sum();
                let starts_here = (from..to).contains(&s.start());
                st.sessions += if total > 0 {
                    inside as f64 / total as f64
                } else if starts_here {
                    1.0
                } else {
                    0.0
                };
                // A session still running is not short yet, however new.
                if starts_here && !s.running && minutes(total) < SHORT_SESSION_MINUTES {
                    st.short_sessions += 1;
                }
                for p in &s.pieces {
                    let m = minutes(overlap((p.0, p.1), (from, to)));
                    st.lane_minutes += m;
                    match p.2 {
                        BandState::Paused => st.paused_minutes += m,
                        BandState::Overtime => st.overtime_minutes += m,
                        _ => {}
                    }
                    for (h, z) in hours.iter().enumerate() {
                        let hs = z.timestamp().as_millisecond();
                        let key = if single { h } else { usize::from(z.hour().unsigned_abs()) };
                        if let Some(cell) = heat[i].get_mut(key) {
                            *cell += minutes(overlap((p.0, p.1), (hs, (hs + 3_600_000).min(to))));
                        }
                    }
                }
            }
            let mut sorted = by_lane[i].clone();
            sorted.sort_by_key(|s| s.start());
            for w in sorted.windows(2) {
                if (from..to).contains(&w[0].end()) && w[1].start() >= w[0].end() {
                    turnarounds[i].push(minutes(w[1].start() - w[0].end()));
                }
            }
            if bands {
                band_list.push(band(f, st, &by_lane[i], down, from, to, tz));
            }
        }
        for t in slice(&f.tab, |t| t.at, from, to) {
            if let Some(st) = t.lane_id.as_deref().and_then(|l| index.get(l)).map(|&i| &mut stats[i]) {
                st.revenue_cents += t.cents;
            }
        }
        for h in slice(&f.help, |h| h.at, from, to) {
            if let Some(st) = h.lane_id.as_deref().and_then(|l| index.get(l)).map(|&i| &mut stats[i]) {
                st.help_calls += 1;
            }
        }
        for m in slice(&f.hits, |m| m.at, from, to) {
            if let Some(st) = m.lane_id.as_deref().and_then(|l| index.get(l)).map(|&i| &mut stats[i]) {
                st.carrier_hits += 1;
            }
        }
    }
    for (st, t) in stats.iter_mut().zip(&turnarounds) {
        st.utilization = if st.usable_minutes > 0.0 { st.lane_minutes / st.usable_minutes } else { 0.0 };
        st.revenue_per_lane_hour_cents =
            (st.lane_minutes > 0.0).then(|| st.revenue_cents as f64 / (st.lane_minutes / 60.0));
        st.median_turnaround_minutes = super::stats::median(t);
        capacity.usable_lane_minutes += st.usable_minutes;
    }
    let heatmap = Heatmap { hours: hour_keys, lanes: f.lanes.iter().map(|(l, _)| l.clone()).collect(), minutes: heat };
    LanesSection { capacity, bands: band_list, stats, heatmap }
}

/// The lane's day as contiguous segments: a session's piece wins over "not usable", free fills the rest.
fn band(
    f: &Facts,
    st: &LaneStats,
    sessions: &[&SessionFact],
    down: &[(i64, i64)],
    from: i64,
    to: i64,
    tz: &jiff::tz::TimeZone,
) -> LaneBand {
    let mut cuts = vec![from, to];
    for s in sessions {
        cuts.extend(s.pieces.iter().flat_map(|p| [p.0, p.1]));
    }
    cuts.extend(down.iter().flat_map(|d| [d.0, d.1]));
    cuts.retain(|c| (from..=to).contains(c));
    cuts.sort_unstable();
    cuts.dedup();
    let mut segments: Vec<BandSegment> = Vec::new();
    let mut last: Option<(BandState, Option<String>)> = None;
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece = sessions.iter().find_map(|s| s.pieces.iter().find(|p| p.0 <= a && p.1 >= b).map(|p| (s, p.2)));
        let (state, session) = match piece {
            Some((s, state)) => (state, Some(*s)),
            None if down.iter().any(|d| d.0 <= a && d.1 >= b) => (BandState::Unusable, None),
            None => (BandState::Free, None),
        };
        let key = (state, session.map(|s| s.session_id.clone()));
        if last.as_ref() == Some(&key)
            && let Some(seg) = segments.last_mut()
        {
            seg.to = instant(b, tz);
            continue;
        }
        segments.push(BandSegment {
            from: instant(a, tz),
            to: instant(b, tz),
            state,
            session_id: key.1.clone(),
            customer: session.and_then(|s| s.customer.clone()),
        });
        last = Some(key);
    }
    let lane = Some(st.lane_id.as_str());
    let mut marks: Vec<(i64, BandMark)> = Vec::new();
    for h in slice(&f.help, |h| h.at, from, to).iter().filter(|h| h.lane_id.as_deref() == lane) {
        let detail = if h.resolved.is_some() {
            "resolved"
        } else if h.acked.is_some() {
            "acknowledged"
        } else {
            "open"
        };
        marks.push((
            h.at,
            mark(h.at, MarkKind::Help, &h.session_id, h.help_id, Some(h.help_id.to_string()), detail, tz),
        ));
    }
    for m in slice(&f.hits, |m| m.at, from, to).iter().filter(|m| m.lane_id.as_deref() == lane) {
        marks.push((m.at, mark(m.at, MarkKind::Hit, &m.session_id, m.event_id, None, "carrier hit", tz)));
    }
    for p in slice(&f.purchases, |p| p.at, from, to).iter().filter(|p| p.lane_id.as_deref() == lane) {
        let detail = p.decided.as_ref().map_or("pending", |d| d.1);
        marks.push((
            p.at,
            mark(p.at, MarkKind::Purchase, &p.session_id, p.event_id, Some(p.trace_id.clone()), detail, tz),
        ));
    }
    marks.sort_by_key(|m| m.0);
    LaneBand {
        lane_id: st.lane_id.clone(),
        name: st.name.clone(),
        segments,
        marks: marks.into_iter().map(|m| m.1).collect(),
    }
}

fn mark(
    at: i64,
    kind: MarkKind,
    session_id: &Option<String>,
    event_id: i64,
    subject: Option<String>,
    detail: &str,
    tz: &jiff::tz::TimeZone,
) -> BandMark {
    BandMark {
        at: instant(at, tz),
        kind,
        session_id: session_id.clone(),
        event_id,
        subject,
        detail: Some(detail.into()),
    }
}
