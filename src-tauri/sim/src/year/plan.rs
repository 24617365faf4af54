//! One day of a range, planned before anything is sent: each lane's sessions between opening and
//! closing (weekends busier and open longer), and what each session brings — lane events, help
//! calls, carrier hits, purchases, bookings and scans, a ceasefire pausing every active session at
//! once, now and then a session only the poll saw. A day's plan depends only on the seed, the date
//! and the lanes, so a run is the same whatever the concurrency.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// splitmix64: small, fast and good enough to pick durations; a dependency would add nothing.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next_u64() % span).unwrap_or(0)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A delivery to send, as the vendor would.
#[derive(Debug, Clone)]
pub enum Send {
    Lane(Value),
    Enviso { id: String, event: &'static str, data: Value, signed: bool },
    Samna { id: String, event: &'static str, context: Value, signed: bool },
}

/// What an action does. A tag names an earlier delivery of the same chain (its trace id).
#[derive(Debug, Clone)]
pub enum What {
    Deliver {
        send: Send,
        tag: Option<usize>,
    },
    /// What the reconciler's poll records.
    Poll {
        kind: &'static str,
        lane: String,
        session: String,
        data: Value,
    },
    Acknowledge {
        help: usize,
        by: &'static str,
    },
    Resolve {
        help: usize,
        by: &'static str,
    },
    Decide {
        purchase: usize,
        approve: bool,
        by: &'static str,
    },
    Miss {
        purchase: usize,
    },
    /// Staff hand the bought item over at the lane.
    TickOff {
        purchase: usize,
        by: &'static str,
    },
}

#[derive(Debug, Clone)]
pub struct Action {
    pub at: Timestamp,
    pub what: What,
}

/// One session's actions (its lane events, the desk's answers, its booking), in time order; the
/// chains of a day run side by side, each in its order, as a range's sessions do.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub actions: Vec<Action>,
    tags: usize,
}

impl Chain {
    fn push(&mut self, at: Timestamp, what: What) {
        self.actions.push(Action { at, what });
    }

    fn deliver(&mut self, at: Timestamp, send: Send) {
        self.push(at, What::Deliver { send, tag: None });
    }

    /// A delivery whose trace id later actions need.
    fn tagged(&mut self, at: Timestamp, send: Send) -> usize {
        let tag = self.tags;
        self.tags += 1;
        self.push(at, What::Deliver { send, tag: Some(tag) });
        tag
    }

    pub fn tags(&self) -> usize {
        self.tags
    }
}

pub const STAFF: [&str; 4] = ["Sam", "Alex", "Robin", "Kim"];

#[derive(Debug, Clone, Copy)]
struct Session {
    lane: u32,
    start: Timestamp,
    end: Timestamp,
}

fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_secs(m * 60)
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

/// A civil time of `date` in `tz` (in a DST gap, the later side, as jiff's default does).
fn at(date: Date, tz: &TimeZone, hour: i8, minute: i8) -> anyhow::Result<Timestamp> {
    Ok(date.at(hour, minute, 0, 0).to_zoned(tz.clone())?.timestamp())
}

pub fn lane_id(n: u32) -> String {
    format!("L{n:02}")
}

/// The first `rangeSetup`, as the poll records it: every lane usable but `unusable`.
pub fn setup(lanes: u32, unusable: Option<u32>) -> Value {
    let lanes: Vec<Value> = (1..=lanes)
        .map(|n| json!({"lane_id": lane_id(n), "name": format!("Lane {n}"), "is_usable": Some(n) != unusable}))
        .collect();
    json!({"lanes": lanes})
}

/// Closed on Christmas and New Year's Day; otherwise 10–22 on weekdays, 9–23 at weekends.
fn hours(date: Date) -> Option<(i8, i8, bool)> {
    if (date.month(), date.day()) == (12, 25) || (date.month(), date.day()) == (1, 1) {
        return None;
    }
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    let friday = date.weekday() == Weekday::Friday;
    Some(if weekend {
        (9, 23, true)
    } else if friday {
        (10, 23, false)
    } else {
        (10, 22, false)
    })
}

/// The day's chains, one per session.
pub fn day(seed: u64, index: u32, date: Date, tz: &TimeZone, lanes: u32) -> anyhow::Result<Vec<Chain>> {
    let mut rng = Rng::new(seed ^ (u64::from(index) << 32) ^ 0x5EED);
    let mut chains = Vec::new();
    let Some((open, close, weekend)) = hours(date) else { return Ok(chains) };
    let (open, close) = (at(date, tz, open, 0)?, at(date, tz, close, 0)?);
    let mut sessions = Vec::new();
    for lane in 1..=lanes {
        let mut t = open + minutes(rng.range(0, if weekend { 20 } else { 60 }));
        while t < close - minutes(30) {
            let end = t + minutes(rng.range(6, 24) * 5);
            sessions.push(Session { lane, start: t, end });
            let idle = if weekend { rng.range(5, 25) } else { rng.range(5, 40) + rng.range(0, 1) * rng.range(0, 90) };
            t = end + minutes(idle);
        }
    }
    // Ceasefires: every session live at that moment pauses together, and resumes together.
    let mut pauses: Vec<(Timestamp, Timestamp)> = Vec::new();
    if rng.chance(0.3) {
        let span = close.duration_since(open).as_secs();
        let t = open + secs(rng.range(span / 6, span * 5 / 6));
        pauses.push((t, t + minutes(rng.range(3, 10))));
    }
    for (k, s) in sessions.iter().enumerate() {
        let id = format!("s-{seed}-{index}-{}-{k}", s.lane);
        let mut chain = Chain::default();
        session(&mut rng, &mut chain, s, &id, &pauses);
        chain.actions.sort_by_key(|a| a.at);
        chains.push(chain);
    }
    Ok(chains)
}

fn lane_event(event: &str, s: &Session, id: &str) -> Send {
    Send::Lane(json!({"event": event, "lane_id": lane_id(s.lane), "session_id": id}))
}

fn session(rng: &mut Rng, c: &mut Chain, s: &Session, id: &str, pauses: &[(Timestamp, Timestamp)]) {
    let length = s.end.duration_since(s.start).as_secs();
    let inside = |rng: &mut Rng| s.start + secs(rng.range(60, (length - 120).max(61)));
    let lane = lane_id(s.lane);
    if rng.chance(0.015) {
        // Only the poll saw it: no webhook told of the start or the stop.
        let began = s.start.to_string();
        let data = json!({"session": {"session_id": id, "lane_id": lane, "began_at": began, "duration": length / 60}});
        let (kind, session) = ("sessionObserved", id.to_owned());
        c.push(s.start + secs(rng.range(20, 90)), What::Poll { kind, lane: lane.clone(), session, data });
        let data = json!({"session_id": id});
        c.push(s.end + secs(30), What::Poll { kind: "sessionVanished", lane, session: id.to_owned(), data });
        return;
    }
    c.deliver(s.start - secs(rng.range(30, 300)), lane_event("sessionCreated", s, id));
    c.deliver(s.start, lane_event("sessionStarted", s, id));
    if rng.chance(0.02) {
        // The stop webhook never came; the poll found the session gone.
        let data = json!({"session_id": id});
        c.push(s.end + secs(45), What::Poll { kind: "sessionVanished", lane, session: id.to_owned(), data });
    } else {
        c.deliver(s.end, lane_event("sessionStopped", s, id));
    }
    if rng.chance(0.15) {
        c.deliver(inside(rng), lane_event("sessionModified", s, id));
    }
    if rng.chance(0.2) {
        let p = inside(rng);
        c.deliver(p, lane_event("sessionPaused", s, id));
        c.deliver(p + secs(rng.range(60, 400)), lane_event("sessionResumed", s, id));
    }
    for &(from, to) in pauses {
        if s.start < from && to < s.end {
            c.deliver(from, lane_event("sessionPaused", s, id));
            c.deliver(to, lane_event("sessionResumed", s, id));
        }
    }
    for _ in 0..rng.range(0, 5) {
        c.deliver(inside(rng), lane_event("carrierHit", s, id));
    }
    if rng.chance(0.25) {
        let t = inside(rng);
        let by = STAFF[rng.range(0, 3) as usize];
        let help = c.tagged(t, lane_event("help", s, id));
        let mut acknowledged = t;
        if !rng.chance(0.05) {
            acknowledged = t + secs(rng.range(8, 240));
            c.push(acknowledged, What::Acknowledge { help, by });
        }
        if rng.chance(0.97) {
            c.push(acknowledged + secs(rng.range(30, 600)), What::Resolve { help, by });
        }
    }
    for _ in 0..rng.range(0, 4) {
        let t = inside(rng);
        purchase(rng, c, s, id, t);
    }
    arrivals(rng, c, s, id);
}

fn purchase(rng: &mut Rng, c: &mut Chain, s: &Session, id: &str, t: Timestamp) {
    let roll = rng.range(0, 99);
    let (item, qty, held) = match roll {
        0..=49 => {
            (["TARGET-B27", "TARGET-BULLSEYE", "TARGET-ZOMBIE"][rng.range(0, 2) as usize], rng.range(1, 4), false)
        }
        50..=79 => (["AMMO-9MM", "AMMO-22LR", "AMMO-45ACP"][rng.range(0, 2) as usize], rng.range(1, 3), true),
        80..=91 => ("RENTAL-EYE-EAR", 1, true),
        // Outside the catalogue: declined before any rule.
        _ => ("TARGET-B27", 50, false),
    };
    let body = json!({"event": "purchaseRequest", "lane_id": lane_id(s.lane), "session_id": id, "items": [{"id": item, "qty": qty}]});
    let by = STAFF[rng.range(0, 3) as usize];
    let purchase = c.tagged(t, Send::Lane(body));
    let decided = t + secs(rng.range(3, 18));
    let approved = match (held, rng.range(0, 99)) {
        (false, _) => qty <= 10,
        (true, 0..=69) => {
            c.push(decided, What::Decide { purchase, approve: true, by });
            true
        }
        (true, 70..=84) => {
            c.push(decided, What::Decide { purchase, approve: false, by });
            false
        }
        (true, _) => {
            c.push(t + secs(20), What::Miss { purchase });
            false
        }
    };
    if approved {
        c.push(decided + secs(rng.range(60, 600)), What::TickOff { purchase, by });
    }
}

/// Bookings and scans: most sessions were booked through Enviso or Samna.
fn arrivals(rng: &mut Rng, c: &mut Chain, s: &Session, id: &str) {
    let booked = s.start - minutes(rng.range(20, 300));
    let mut push = |rng: &mut Rng, at: Timestamp, send: Send| {
        if rng.chance(0.03) {
            c.deliver(at + secs(rng.range(5, 120)), send.clone());
        }
        c.deliver(at, send);
        if rng.chance(0.016) {
            let refused = match rng.range(0, 1) {
                0 => Send::Enviso {
                    id: format!("bad-{id}-{}", rng.next_u64()),
                    event: "ORDER_CREATED",
                    data: json!({}),
                    signed: false,
                },
                _ => Send::Samna {
                    id: format!("bad-{id}-{}", rng.next_u64()),
                    event: "booking_created",
                    context: json!({}),
                    signed: false,
                },
            };
            c.deliver(at + secs(rng.range(1, 30)), refused);
        }
    };
    let roll = rng.range(0, 99);
    if roll < 55 {
        let order = json!({"id": format!("ord-{id}"), "orderNumber": format!("R{}", rng.range(100_000, 999_999)),
            "visitDate": s.start.to_string(), "totalAmount": 24.0, "currency": "EUR",
            "items": [{"productId": "lane-hour", "quantity": 1}], "laneId": lane_id(s.lane)});
        for (k, (event, at)) in [
            ("ORDER_CREATED", booked),
            ("ORDER_CONFIRMED", booked + secs(40)),
            ("BOOKING_CREATED", booked + secs(60)),
            ("PASS_SCANNED", s.start - secs(rng.range(60, 600))),
        ]
        .into_iter()
        .enumerate()
        {
            let send = Send::Enviso { id: format!("n-{id}-{k}"), event, data: order.clone(), signed: true };
            push(rng, at, send);
        }
    } else if roll < 90 {
        let context = json!({"booking": {"id": format!("b-{id}")}, "bookable": {"id": lane_id(s.lane)},
            "bookable_type": {"id": "lane"}, "location": {"id": "range"}, "user": {"id": format!("u-{}", rng.range(1, 5000))}});
        let mut events = vec![("booking_created", booked)];
        if rng.chance(0.3) {
            events.push(("booking_updated", booked + minutes(rng.range(1, 15))));
        }
        events.push(("checkin_started", s.start - secs(rng.range(300, 900))));
        events.push(("code_scanned", s.start - secs(rng.range(30, 240))));
        for (k, (event, at)) in events.into_iter().enumerate() {
            push(rng, at, Send::Samna { id: format!("evt_{id}-{k}"), event, context: context.clone(), signed: true });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_the_same_for_a_seed_and_busier_at_weekends() {
        let tz = TimeZone::get("Europe/Amsterdam").unwrap();
        let (wed, sat) = (jiff::civil::date(2026, 6, 10), jiff::civil::date(2026, 6, 13));
        let a = day(7, 3, wed, &tz, 10).unwrap();
        let b = day(7, 3, wed, &tz, 10).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "deterministic");
        assert_ne!(format!("{a:?}"), format!("{:?}", day(8, 3, wed, &tz, 10).unwrap()), "the seed matters");
        assert!(day(7, 6, sat, &tz, 10).unwrap().len() > a.len(), "weekends are busier");
        assert!(day(7, 0, jiff::civil::date(2026, 12, 25), &tz, 10).unwrap().is_empty(), "closed on Christmas");
    }
}
