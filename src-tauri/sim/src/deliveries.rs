//! Deliveries built before the clock starts. A load run only picks the next one from a `Pool` and
//! sends it, so what is timed is the server, not JSON formatting or HMACs in the generator. Enviso
//! and Samna deliveries each carry an id the run has never sent before, because both are
//! deduplicated on it and a repeat would take the server's cheaper duplicate path.

use crate::signing;
use bytes::Bytes;
use http::{HeaderValue, Uri};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// Whose webhook a delivery imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    ActionTarget,
    Enviso,
    Samna,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::ActionTarget, Vendor::Enviso, Vendor::Samna];

    pub fn name(self) -> &'static str {
        match self {
            Vendor::ActionTarget => "action-target",
            Vendor::Enviso => "enviso",
            Vendor::Samna => "samna",
        }
    }

    /// Whether the server deduplicates this vendor's deliveries, so each one sent must be new.
    pub fn deduplicated(self) -> bool {
        self != Vendor::ActionTarget
    }
}

/// The keys the server under test was configured with.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub hook_token: String,
    pub enviso_key: String,
    pub samna_secret: String,
}

/// One request ready to send: body and, for Samna, its signature header.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub body: Bytes,
    pub signature: Option<HeaderValue>,
}

/// Ids no earlier delivery of this process used (a random run prefix and a counter), and the
/// range the lane events come from.
#[derive(Debug)]
pub struct Sequence {
    prefix: String,
    next: AtomicU64,
    /// Seeds the range's lane and session ids, so they repeat the way a real range's do.
    seed: u128,
}

impl Default for Sequence {
    fn default() -> Self {
        let seed = uuid::Uuid::new_v4().as_u128();
        Sequence { prefix: format!("{:012x}", seed >> 80), next: AtomicU64::new(0), seed }
    }
}

/// Lanes of the simulated range, and lane events per session before a lane gets a new one.
const LANES: u64 = 24;
const EVENTS_PER_SESSION: u64 = 40;

impl Sequence {
    fn take(&self) -> (String, u64) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (format!("{}-{n:010}", self.prefix), n)
    }

    /// The lane and session the `n`th lane event is about. A range has a few dozen lanes and each
    /// session sends many events, so these ids repeat; a fresh random id on every event would put
    /// each insert into the lane and session indexes on a different page, which no range does.
    fn lane_and_session(&self, n: u64) -> (String, String) {
        let lane = n % LANES;
        let session = n / (LANES * EVENTS_PER_SESSION);
        let id = |kind: u128, k: u64| {
            let bits = self.seed ^ (kind << 126) ^ (u128::from(lane) << 64) ^ u128::from(k);
            uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid().to_string()
        };
        (id(1, 0), id(2, session + 1))
    }
}

/// Deliveries for one run, all to one path.
#[derive(Debug)]
pub struct Pool {
    pub uri: Uri,
    items: Vec<Delivery>,
    /// When set, each delivery is sent at most once and the pool runs out; otherwise it cycles.
    once: bool,
}

/// Distinct bodies a cycling pool holds; enough that no cache sees one body twice in a row.
const CYCLE: usize = 4096;

impl Pool {
    /// `count` fresh deliveries for the server under test: each sent once when the vendor
    /// deduplicates, cycled otherwise (Action Target has no delivery id).
    pub fn fresh(vendor: Vendor, secrets: &Secrets, seq: &Sequence, count: usize) -> anyhow::Result<Pool> {
        let once = vendor.deduplicated();
        let n = if once { count.max(1) } else { count.clamp(1, CYCLE) };
        Pool::build(vendor, secrets, seq, n, once)
    }

    /// A pool that cycles, for the no-op route, which stores nothing and so cannot tell a repeat.
    pub fn cycling(vendor: Vendor, secrets: &Secrets, seq: &Sequence) -> anyhow::Result<Pool> {
        Pool::build(vendor, secrets, seq, CYCLE, false)
    }

    fn build(vendor: Vendor, secrets: &Secrets, seq: &Sequence, n: usize, once: bool) -> anyhow::Result<Pool> {
        let path = match vendor {
            Vendor::ActionTarget => signing::action_target_path(&secrets.hook_token),
            Vendor::Enviso => "/hooks/enviso".to_owned(),
            Vendor::Samna => "/hooks/samna".to_owned(),
        };
        let now = jiff::Timestamp::now();
        let items = (0..n).map(|_| one(vendor, secrets, seq, now)).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Pool { uri: path.parse()?, items, once })
    }

    /// The `i`th delivery of the run, or `None` once a send-once pool is used up.
    pub fn get(&self, i: usize) -> Option<&Delivery> {
        if self.once { self.items.get(i) } else { self.items.get(i % self.items.len().max(1)) }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

const ENVISO_EVENTS: [&str; 4] = ["ORDER_CREATED", "PASS_SCANNED", "BOOKING_CREATED", "ORDER_CONFIRMED"];
const SAMNA_EVENTS: [&str; 4] = ["booking_created", "checkin_started", "code_scanned", "booking_updated"];
const LANE_EVENTS: [&str; 6] =
    ["help", "carrierHit", "sessionStarted", "sessionPaused", "sessionResumed", "sessionModified"];

fn one(vendor: Vendor, secrets: &Secrets, seq: &Sequence, now: jiff::Timestamp) -> anyhow::Result<Delivery> {
    let (id, n) = seq.take();
    let pick = |names: &[&'static str]| names[n as usize % names.len()];
    let uuid = || uuid::Uuid::new_v4().to_string();
    let stamp = now.to_string();
    Ok(match vendor {
        Vendor::ActionTarget => {
            let (lane_id, session_id) = seq.lane_and_session(n);
            let body = json!({"event": pick(&LANE_EVENTS), "session_id": session_id, "lane_id": lane_id});
            Delivery { body: body.to_string().into(), signature: None }
        }
        Vendor::Enviso => {
            let data = json!({
                "id": format!("ord-{id}"), "orderNumber": format!("B{n:08}"), "visitDate": &stamp,
                "totalAmount": 42.5, "currency": "EUR", "items": [{"productId": "lane-hour", "quantity": 1}],
            });
            let body =
                signing::enviso_body(&secrets.enviso_key, &id, "bench-range", pick(&ENVISO_EVENTS), &stamp, data);
            Delivery { body: body.into(), signature: None }
        }
        Vendor::Samna => {
            let entity = |_| json!({"id": uuid()});
            let context: serde_json::Map<_, _> =
                ["booking", "bookable", "bookable_type", "location", "organization", "user"]
                    .iter()
                    .map(|k| ((*k).to_owned(), entity(k)))
                    .collect();
            let body = json!({"id": format!("evt_{id}"), "event_name": pick(&SAMNA_EVENTS), "timestamp": &stamp, "context": context}).to_string();
            let header = signing::samna_header(&secrets.samna_secret, now.as_second(), body.as_bytes());
            Delivery { body: body.into(), signature: Some(HeaderValue::from_str(&header)?) }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rangedesk_core::testing::{action_target, enviso, samna};
    use std::collections::HashSet;

    fn secrets() -> Secrets {
        Secrets { hook_token: "t".repeat(43), enviso_key: "k".into(), samna_secret: "wh_sec_s".into() }
    }

    #[test]
    fn every_delivery_is_accepted_by_the_server_code() {
        let (s, seq) = (secrets(), Sequence::default());
        let now = jiff::Timestamp::now().as_second();
        for vendor in Vendor::ALL {
            let pool = Pool::fresh(vendor, &s, &seq, 8).unwrap();
            for i in 0..pool.len() {
                let d = pool.get(i).unwrap();
                let ok = match vendor {
                    Vendor::ActionTarget => action_target::parse(&d.body).map(|_| ()),
                    Vendor::Enviso => {
                        enviso::verify_and_parse(&d.body, std::slice::from_ref(&s.enviso_key)).map(|_| ())
                    }
                    Vendor::Samna => {
                        let h = d.signature.as_ref().and_then(|h| h.to_str().ok());
                        samna::verify(h, &d.body, std::slice::from_ref(&s.samna_secret), 300, now)
                            .and_then(|()| samna::parse(&d.body).map(|_| ()))
                    }
                };
                assert!(ok.is_ok(), "a benchmark that sends refusals measures the wrong path: {vendor:?} {ok:?}");
            }
        }
    }

    #[test]
    fn lane_events_come_from_a_range_of_lanes() {
        let seq = Sequence::default();
        let lanes: HashSet<String> = (0..1000).map(|n| seq.lane_and_session(n).0).collect();
        let sessions: HashSet<String> = (0..1000).map(|n| seq.lane_and_session(n).1).collect();
        assert_eq!(lanes.len(), LANES as usize, "a range has a fixed set of lanes");
        assert!(
            sessions.len() > lanes.len() && sessions.len() < 200,
            "sessions change, far less often than events: {}",
            sessions.len()
        );
        assert!(lanes.is_disjoint(&sessions), "lane and session ids never collide");
    }

    #[test]
    fn deduplicated_vendors_never_repeat_an_id() {
        let (s, seq) = (secrets(), Sequence::default());
        let a = Pool::fresh(Vendor::Enviso, &s, &seq, 3).unwrap();
        let b = Pool::fresh(Vendor::Enviso, &s, &seq, 3).unwrap();
        let ids: HashSet<String> = [&a, &b]
            .iter()
            .flat_map(|p| {
                (0..3).map(|i| {
                    serde_json::from_slice::<serde_json::Value>(&p.get(i).unwrap().body).unwrap()["id"].to_string()
                })
            })
            .collect();
        assert_eq!(ids.len(), 6, "a repeat would be answered as a duplicate, a cheaper path");
        assert!(a.get(3).is_none(), "a send-once pool runs out rather than repeat");
        assert!(Pool::fresh(Vendor::ActionTarget, &s, &seq, 2).unwrap().get(5).is_some(), "Action Target pools cycle");
    }
}
