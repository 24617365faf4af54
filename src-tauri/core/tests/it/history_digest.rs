//! The day digests are kept exact (issue 12, point 5): for random streams of deliveries over eleven
//! days around a DST change — sessions with help calls and carrier hits, sessions only the poll
//! saw, Enviso orders some of them sent twice, refused deliveries — delivered in random order
//! (so later deliveries land inside days whose digests are already stored), a period report read
//! from the digests must equal the same report once every digest is dropped and each day is
//! folded afresh from the log: its summary, its trend, and the previous period with its trend.
//!
//! It also holds the merge to the fold of the whole period: a period's summary is its days'
//! digests added up, and for streams whose sessions last under a day it must say what the
//! period's own sections say. Capacity is left out of that comparison on purpose: a day counts
//! the lanes it saw, while a fold of the whole period counts every lane of the period on every
//! day of it (a lane first used on the 30th would lower the utilization of the 20th).
//!
//! Prints `property history_digests_equal_a_fresh_fold: N cases passed` (run with `--nocapture`).

use crate::history::{deliver, enviso_at, start_range};
use crate::support::{self, Running};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rangedesk_core::domain::{Client, NewEvent, Source, Staff};
use rangedesk_core::testing::store::events;
use serde_json::{Value, json};

const CASES: u32 = 24;
/// The period asked for (its previous period is the same weekdays a week earlier: 20–23 March).
const FROM: &str = "2026-03-27";
const TO: &str = "2026-03-30";

/// Minutes from 2026-03-20 00:00 in Amsterdam, the first day either period holds, to 2026-03-31.
const SPAN_MINUTES: i64 = 11 * 24 * 60 - 60;

fn at(minute: i64) -> jiff::Timestamp {
    crate::history::local("2026-03-20 00:00") + jiff::SignedDuration::from_mins(minute)
}

/// One thing that happens, as one or more deliveries.
#[derive(Debug, Clone)]
enum Step {
    /// A lane session of `len` minutes, with a help call `help` minutes in acknowledged after
    /// `ack` seconds, and a carrier hit.
    Session { lane: u8, start: i64, len: i64, help: Option<(i64, i64)>, hit: Option<i64> },
    /// A session only the reconciler's poll saw: observed at `start`, booked for `booked`
    /// minutes, gone after `len`.
    Polled { lane: u8, start: i64, booked: i64, len: i64 },
    /// An Enviso order, sent twice when `twice`.
    Order { at: i64, twice: bool },
    /// A delivery whose signature is wrong.
    Refused { at: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    let minute = 0..SPAN_MINUTES - 12 * 60;
    prop_oneof![
        4 => (0u8..4, minute.clone(), 1i64..600, proptest::option::of((0i64..60, 5i64..900)), proptest::option::of(0i64..60))
            .prop_map(|(lane, start, len, help, hit)| Step::Session { lane, start, len, help, hit }),
        1 => (0u8..4, minute.clone(), 10i64..120, 5i64..200).prop_map(|(lane, start, booked, len)| Step::Polled { lane, start, booked, len }),
        2 => (minute.clone(), any::<bool>()).prop_map(|(at, twice)| Step::Order { at, twice }),
        1 => minute.prop_map(|at| Step::Refused { at }),
    ]
}

/// The steps, and where the stream is cut: the first part is delivered before the first report.
fn stream() -> impl Strategy<Value = (Vec<Step>, usize)> {
    proptest::collection::vec(step(), 1..24).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), 0..=n)
    })
}

async fn lane_event(r: &Running, minute: i64, event: &str, lane: u8, session: &str) {
    let body = json!({"event": event, "lane_id": format!("L{lane}"), "session_id": session});
    deliver(r, Source::ActionTarget, at(minute), body.to_string()).await;
}

async fn poll(r: &Running, minute: i64, kind: &str, lane: u8, session: &str, data: Value) {
    let e = NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: Some(format!("L{lane}")),
        session_id: Some(session.into()),
        subject: None,
        vendor_time: None,
        data,
    };
    let when = at(minute);
    r.app
        .store()
        .writer()
        .write(move |t| events::insert(t, None, when, Source::ActionTarget, events::Origin::Poll, &e).map(|_| ()))
        .await
        .unwrap();
}

async fn play(r: &Running, n: usize, s: &Step) {
    let session = format!("s-{n}");
    match *s {
        Step::Session { lane, start, len, help, hit } => {
            lane_event(r, start, "sessionStarted", lane, &session).await;
            if let Some((m, ack)) = help.filter(|h| h.0 < len) {
                lane_event(r, start + m, "help", lane, &session).await;
                let id = crate::history::last_id(r, "help");
                let when = at(start + m) + jiff::SignedDuration::from_secs(ack);
                let sam = Staff::new("Sam", Client::Loopback);
                rangedesk_core::testing::help::acknowledge(r.app.store(), r.app.live(), id, sam, when).await.unwrap();
            }
            if let Some(m) = hit.filter(|m| *m < len) {
                lane_event(r, start + m, "carrierHit", lane, &session).await;
            }
            lane_event(r, start + len, "sessionStopped", lane, &session).await;
        }
        Step::Polled { lane, start, booked, len } => {
            let s = json!({"session": {"session_id": session, "lane_id": format!("L{lane}"),
                "began_at": at(start).to_string(), "duration": booked}});
            poll(r, start, "sessionObserved", lane, &session, s).await;
            poll(r, start + len, "sessionVanished", lane, &session, json!({"session_id": session})).await;
        }
        Step::Order { at: m, twice } => {
            let body = enviso_at(&format!("o-{n}"), "ORDER_CREATED", at(m), true);
            for _ in 0..if twice { 2 } else { 1 } {
                deliver(r, Source::Enviso, at(m), body.clone()).await;
            }
        }
        Step::Refused { at: m } => {
            deliver(r, Source::Enviso, at(m), enviso_at(&format!("bad-{n}"), "ORDER_CREATED", at(m), false)).await;
        }
    }
}

async fn period(r: &Running) -> Value {
    r.get_json(&r.board(&format!("/api/history?from={FROM}&to={TO}"))).await
}

fn digests(r: &Running) -> i64 {
    support::count(r.dir.path(), "SELECT count(*) FROM history_days")
}

/// What the period's own sections (one fold of the whole period) say of its headline figures.
fn from_sections(p: &Value) -> Value {
    let stats = p["lanes"]["stats"].as_array().cloned().unwrap_or_default();
    let sum = |k: &str| stats.iter().map(|s| s[k].as_f64().unwrap_or(0.0)).sum::<f64>();
    let vendors = p["deliveries"]["by_vendor"].as_array().cloned().unwrap_or_default();
    let verdict = |k: &str| vendors.iter().map(|v| v[k].as_u64().unwrap_or(0)).sum::<u64>();
    json!({
        "sessions": sum("sessions"),
        "lane_minutes": sum("lane_minutes"),
        "overtime_minutes": sum("overtime_minutes"),
        "short_sessions": sum("short_sessions"),
        "help_calls": p["desk"]["help_calls"].as_array().map_or(0, Vec::len),
        "ack_median_seconds": p["desk"]["ack"]["median"],
        "resolve_median_seconds": p["desk"]["resolve"]["median"],
        "carrier_hits": sum("carrier_hits"),
        "purchases": p["sales"]["purchases"],
        "revenue_cents": p["sales"]["revenue_cents"],
        "bookings": p["arrivals"]["bookings"],
        "deliveries_accepted": verdict("accepted"),
        "deliveries_duplicate": verdict("duplicate"),
        "deliveries_refused": verdict("refused"),
        "corrections": verdict("corrections"),
    })
}

/// Numbers equal to a part in a billion (minutes are sums of shares in another order), the rest exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

async fn run_case((steps, cut): (Vec<Step>, usize), kept: &std::sync::atomic::AtomicU32) -> Result<(), TestCaseError> {
    let r = start_range().await;
    for (n, s) in steps.iter().enumerate().take(cut) {
        play(&r, n, s).await;
    }
    let first = period(&r).await;
    prop_assert!(digests(&r) > 0, "the first report stored the digests of its closed days");
    for (n, s) in steps.iter().enumerate().skip(cut) {
        play(&r, n, s).await;
    }
    let cached = period(&r).await;
    kept.fetch_add(u32::try_from(digests(&r)).unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    support::open_db(r.dir.path()).execute("DELETE FROM history_days", []).unwrap();
    let fresh = period(&r).await;
    for key in ["summary", "series", "previous"] {
        prop_assert_eq!(
            &cached[key],
            &fresh[key],
            "{} from digests vs folded afresh (first report: {})",
            key,
            first[key]
        );
    }
    let summary = &fresh["summary"];
    let sections = from_sections(&fresh);
    for (k, v) in sections.as_object().into_iter().flatten() {
        prop_assert!(same(&summary[k], v), "{}: the days added up say {}, the period's fold {}", k, summary[k], v);
    }
    r.stop().await;
    Ok(())
}

#[test]
fn history_digests_equal_a_fresh_fold() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let kept = std::sync::atomic::AtomicU32::new(0);
    support::property::property("history_digests_equal_a_fresh_fold", CASES, stream(), |s| {
        rt.block_on(run_case(s, &kept))
    });
    println!("  digests still stored before they were dropped, over all cases: {kept:?}");
}
