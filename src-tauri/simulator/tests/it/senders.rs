//! Enviso's and Samna's deliveries: signatures, retries, duplicates, bursts, on a fast clock.

use crate::support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rangedesk_simulator::enviso::FIRST_LEVEL_ATTEMPTS;
use rangedesk_simulator::signing::{enviso_signature, samna_header};
use rangedesk_simulator::{Outcome, Simulator};
use serde_json::json;
use support::*;

/// Retry gaps of 30 s and more pass in milliseconds at this speed.
async fn fast_sim(rx: &Receiver) -> Simulator {
    let s = sim().await;
    s.set_targets(rx.targets());
    s.clock().set_speed(10_000.0);
    s.clock().resume();
    s
}

#[tokio::test]
async fn enviso_envelope_is_signed_and_retried_until_2xx() {
    let rx = Receiver::start().await;
    rx.respond(|_, n| if n < 3 { (500, json!({})) } else { (200, json!({})) });
    let sim = fast_sim(&rx).await;
    sim.enviso().set_duplicate_share(0.0);
    let id = sim.enviso().send("ORDER_CREATED", json!({"id": "ORD-1"})).unwrap();
    eventually("accepted", || sim.enviso().pending() == 0).await;

    let got = rx.on("/enviso");
    assert_eq!(got.len(), 4, "three failures, then the 2xx; nothing after");
    assert!(got.iter().all(|r| r.body == got[0].body), "a retry resends the same body");
    let e = got[0].json();
    let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["data", "event", "id", "signature", "tenant", "timestamp"]);
    assert_eq!(e["id"], id.as_str());
    let f = |k: &str| e[k].as_str().unwrap();
    assert_eq!(f("signature"), enviso_signature("enviso-key", f("id"), f("tenant"), f("event"), f("timestamp")));
    let log = sim.enviso().log();
    assert_eq!((log[0].attempts.len(), log[0].outcome), (4, Outcome::Accepted));
    let gaps: Vec<f64> = log[0].attempts.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps.iter().all(|g| *g >= 30.0), "first-level attempts are 30 simulated seconds apart: {gaps:?}");
}

#[tokio::test]
async fn enviso_sends_duplicates_of_accepted_notifications() {
    let rx = Receiver::start().await;
    let sim = fast_sim(&rx).await;
    sim.enviso().set_duplicate_share(1.0);
    for n in 0..3 {
        sim.enviso().send("BOOKING_CREATED", json!({"id": format!("B-{n}")})).unwrap();
    }
    eventually("all sent twice", || rx.on("/enviso").len() == 6).await;
    let got = rx.on("/enviso");
    let ids: HashSet<String> = got.iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 3, "a duplicate carries the same id, the receiver's idempotency key");
    assert_eq!(sim.enviso().log().iter().filter(|d| d.duplicate).count(), 3);
}

#[tokio::test]
async fn enviso_outage_then_burst_out_of_order() {
    let rx = Receiver::start().await;
    let down = Arc::new(AtomicBool::new(true));
    let d = down.clone();
    rx.respond(move |_, _| if d.load(Ordering::SeqCst) { (503, json!({})) } else { (200, json!({})) });
    let sim = fast_sim(&rx).await;
    sim.enviso().set_duplicate_share(0.0);
    let first = sim.enviso().send("ORDER_CREATED", json!({"id": "ORD-0"})).unwrap();
    eventually("first level exhausted", || sim.enviso().log()[0].attempts.len() > FIRST_LEVEL_ATTEMPTS).await;
    let held: Vec<String> = (1..=8)
        .map(|n| sim.enviso().send("PASS_SCANNED", json!({"id": format!("P-{n}"), "scannedDate": "x"})).unwrap())
        .collect();
    down.store(false, Ordering::SeqCst);
    eventually("all delivered", || sim.enviso().pending() == 0).await;

    let ids: Vec<String> = rx.on("/enviso").iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect();
    let last = ids.iter().rposition(|i| *i == first).unwrap();
    assert!(ids[..last].iter().all(|i| *i == first), "the others wait behind the one in second-level retry");
    let burst = &ids[last + 1..];
    assert_eq!(burst.len(), 8, "each held notification is sent once, after the outage");
    assert_eq!(sorted(burst), sorted(&held));
    assert_ne!(burst, &held[..], "the queued burst arrives out of order");
    assert!(sim.enviso().log().iter().all(|d| d.outcome == Outcome::Accepted));
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[tokio::test]
async fn samna_signs_and_gives_up_after_three_attempts() {
    let rx = Receiver::start().await;
    rx.respond(
        |r, _| if r.path == "/samna" && r.body.contains("code_scanned") { (500, json!({})) } else { (200, json!({})) },
    );
    let sim = fast_sim(&rx).await;
    let ctx = rangedesk_simulator::samna::context(&[("checkin", "c-1"), ("user", "u-1")]);
    let ok = sim.samna().send("checkin_started", ctx).unwrap();
    let bad = sim.samna().send("code_scanned", json!({"code": {"id": "QR-1"}})).unwrap();
    eventually("both finished", || sim.samna().pending() == 0).await;

    let log = sim.samna().log();
    let find = |id: &str| log.iter().find(|d| d.id == id).unwrap();
    assert_eq!((find(&ok).attempts.len(), find(&ok).outcome), (1, Outcome::Accepted));
    assert_eq!((find(&bad).attempts.len(), find(&bad).outcome), (3, Outcome::GaveUp), "at most three attempts");

    for r in rx.on("/samna") {
        let e = r.json();
        let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["context", "event_name", "id", "timestamp"]);
        let header = r.headers["x-samna-signature"].to_str().unwrap();
        let t: i64 = header.strip_prefix("t=").unwrap().split(',').next().unwrap().parse().unwrap();
        assert_eq!(header, samna_header("wh_sec_test", t, &r.body), "signed over \"<t>.<raw body>\"");
        let now = jiff::Timestamp::now().as_second();
        assert!((now - t).abs() < 60, "t is real time, inside the receiver's replay window");
    }
    assert_eq!(rx.on("/samna")[0].json()["context"]["checkin"]["id"], "c-1", "context entities are {{id}}");
}
