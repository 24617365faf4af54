//! `busy-saturday`: a 12-hour day on the whole range. Each usable lane has back-to-back sessions;
//! shooters call for help, hit carriers and buy from the lane; at 14:00 a range-wide ceasefire
//! pauses everything for ten minutes; a third of the shooters booked through Enviso (order,
//! booking, pass scan, locker) and a third through Samna (booking, check-in, code scan, checkout).
//!
//! The plan is a pure function of the seed and the lane count.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;

use super::{Step, Timed};
use crate::samna::context;
use crate::webhook::Item;

pub const DAY: f64 = 12.0 * 3600.0;
const CEASEFIRE_AT: f64 = 4.0 * 3600.0;
const CEASEFIRE_FOR: f64 = 600.0;

const NAMES: [&str; 16] = [
    "Alex Morgan",
    "Sam Rivera",
    "Jordan Lee",
    "Casey Nguyen",
    "Riley Carter",
    "Taylor Brooks",
    "Morgan Diaz",
    "Jamie Patel",
    "Avery Kim",
    "Quinn Foster",
    "Drew Hansen",
    "Reese Walker",
    "Skyler Ortiz",
    "Parker Shaw",
    "Rowan Fischer",
    "Emerson Clark",
];
const DURATIONS: [i64; 6] = [30, 45, 60, 60, 90, 120];

/// Purchases cycle through every product type, so each appears on any day with five purchases.
/// The ids are those of rangedesk's seeded catalogue, so a demo prices them; `GIFTCARD-50` is in no
/// catalogue.
fn purchase_items(k: usize, rng: &mut StdRng) -> Vec<Item> {
    let item = |id: &str, qty: i64| Item { id: id.into(), qty };
    let mut items = match k % 5 {
        0 => vec![item("time", *[15, 30].choose(rng).unwrap_or(&15))],
        1 => vec![item("TARGET-B27", rng.random_range(1..=3))],
        2 => vec![item("AMMO-9MM", rng.random_range(1..=2))],
        3 => vec![item("RENTAL-HANDGUN", 1)],
        // Not in any catalogue: the desk must decide.
        _ => vec![item("GIFTCARD-50", 1)],
    };
    if rng.random_bool(0.2) {
        items.push(item("TARGET-BULLSEYE", 2));
    }
    items
}

/// `lanes`: indices of the usable lanes, in display order.
pub fn plan(lanes: &[usize], seed: u64) -> Vec<Timed> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xb05_5a7);
    let mut steps = Vec::new();
    let mut at = |t: f64, step: Step| steps.push(Timed { at: t.clamp(0.0, DAY), step });
    let (mut plan_no, mut purchases) = (0usize, 0usize);
    for &lane in lanes {
        let mut t = rng.random_range(0.0..1800.0);
        while t < DAY - 2700.0 {
            let p = plan_no;
            plan_no += 1;
            let duration = *DURATIONS.choose(&mut rng).unwrap_or(&60);
            let auto_start = rng.random_bool(0.2);
            let name = *NAMES.choose(&mut rng).unwrap_or(&NAMES[0]);
            at(t, Step::Create { plan: p, lane, name, duration, auto_start });
            let enter = if auto_start { t } else { t + rng.random_range(60.0..300.0) };
            if !auto_start {
                at(enter, Step::Enter { plan: p });
            }
            let length = duration as f64 * 60.0;
            let window = (enter + 60.0)..(enter + length * 0.8);
            if rng.random_bool(0.25) {
                at(rng.random_range(window.clone()), Step::Help { plan: p });
            }
            if rng.random_bool(0.3) {
                at(rng.random_range(window.clone()), Step::CarrierHit { plan: p });
            }
            if rng.random_bool(0.4) {
                let items = purchase_items(purchases, &mut rng);
                purchases += 1;
                at(rng.random_range(window.clone()), Step::Purchase { plan: p, items });
            }
            let mut length = length;
            if rng.random_bool(0.15) {
                // The desk adds a quarter of an hour for a shooter who asked at the counter.
                at(rng.random_range(window.clone()), Step::Modify { plan: p, minutes: 15 });
                length += 900.0;
            }
            let end = if rng.random_bool(0.3) {
                let e = enter + length * rng.random_range(0.85..0.95);
                at(e, Step::Stop { plan: p });
                e
            } else {
                enter + length
            };
            bookings(p, lane, t, end, &mut rng, &mut at);
            t = end + rng.random_range(120.0..1800.0);
        }
    }
    at(CEASEFIRE_AT, Step::Ceasefire);
    at(CEASEFIRE_AT + CEASEFIRE_FOR, Step::ResumeAll);
    steps
}

/// The booking trail of a shooter who booked ahead: Enviso for plans 0, 3, 6…, Samna for 1, 4, 7…
fn bookings(p: usize, lane: usize, start: f64, end: f64, rng: &mut StdRng, at: &mut impl FnMut(f64, Step)) {
    let booked = (start - rng.random_range(1800.0..7200.0)).max(0.0);
    let enviso = |event: &'static str, data| Step::Enviso { event, data };
    match p % 3 {
        0 => {
            let (order, booking) = (format!("ORD-{}", 10_000 + p), format!("BKG-{}", 20_000 + p));
            at(booked, enviso("ORDER_CREATED", json!({ "id": order })));
            at(booked + 40.0, enviso("ORDER_CONFIRMED", json!({ "id": order })));
            at(booked + 45.0, enviso("BOOKING_CREATED", json!({ "id": booking })));
            if p.is_multiple_of(4) {
                at(booked + 600.0, enviso("BOOKING_UPDATED", json!({ "id": booking })));
            }
            at(start - 90.0, Step::PassScan { pass: format!("PASS-{}", 30_000 + p) });
            if p.is_multiple_of(2) {
                at(
                    start + 30.0,
                    enviso("LOCKER_STATE_CHANGED", json!({ "lockId": format!("LOCK-{:02}", lane % 40 + 1) })),
                );
            }
            if p.is_multiple_of(5) {
                // Someone else's order for the same slot, abandoned and cancelled.
                let (o2, b2) = (format!("ORD-{}", 50_000 + p), format!("BKG-{}", 60_000 + p));
                at(booked + 5.0, enviso("ORDER_CREATED", json!({ "id": o2 })));
                at(booked + 900.0, enviso("ORDER_CANCELLED", json!({ "id": o2, "reason": "Visitor" })));
                at(booked + 905.0, enviso("BOOKING_CANCELLED", json!({ "ids": [b2] })));
            }
        }
        1 => {
            let booking = format!("sb-{}", 40_000 + p);
            let checkin = format!("ci-{}", 40_000 + p);
            let (bookable, user, code) = (format!("lane-{}", lane + 1), format!("user-{}", p % 97), format!("QR-{p}"));
            let base = [
                ("booking", booking.as_str()),
                ("bookable", bookable.as_str()),
                ("bookable_type", "shooting-lane"),
                ("location", "loc-main"),
                ("organization", "org-range"),
                ("user", user.as_str()),
            ];
            let ctx = context(&base);
            let with_checkin = context(&[&[("checkin", checkin.as_str())], &base[..]].concat());
            let samna = |event: &'static str, context| Step::Samna { event, context };
            at(booked, samna("booking_created", ctx.clone()));
            if p % 4 == 1 {
                at(booked + 300.0, samna("booking_updated", ctx.clone()));
            }
            at(start - 120.0, samna("code_scanned", context(&[("code", &code), ("booking", &booking)])));
            at(start - 60.0, samna("checkin_created", with_checkin.clone()));
            at(start - 55.0, samna("checkin_started", with_checkin.clone()));
            at(end + 30.0, samna("checkout_completed", with_checkin));
            if p % 5 == 1 {
                let other_booking = format!("sb-{}", 70_000 + p);
                let other = context(&[("booking", &other_booking), ("location", "loc-main")]);
                at(booked + 10.0, samna("booking_created", other.clone()));
                at(booked + 1200.0, samna("booking_canceled", other));
            }
        }
        _ => {}
    }
}
