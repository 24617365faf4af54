//! busy-saturday, a whole compressed day, against a receiver that accepts everything.

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use rangedesk_simulator::{SimConfig, SimError, Simulator};
use support::*;

async fn saturday_sim(seed: u64) -> (Simulator, Receiver) {
    let sim = sim_with(SimConfig { lanes: 24, seed, ..SimConfig::default() }).await;
    let rx = Receiver::start().await;
    sim.set_targets(rx.targets());
    (sim, rx)
}

fn counts(rx: &Receiver, path: &str, field: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in rx.on(path) {
        *m.entry(r.json()[field].as_str().unwrap().to_owned()).or_default() += 1;
    }
    m
}

#[tokio::test]
async fn busy_saturday_produces_every_event_type() {
    let (sim, rx) = saturday_sim(7).await;
    let report = sim.run_scenario("busy-saturday", std::future::pending()).await.unwrap();
    assert!(report.completed);
    assert!(report.simulated_seconds >= 11.0 * 3600.0, "a whole day was simulated");
    assert!(report.sessions_created > 100, "23 usable lanes all day: {}", report.sessions_created);

    let at = counts(&rx, "/at", "event");
    for event in [
        "sessionCreated",
        "sessionStarted",
        "sessionPaused",
        "sessionResumed",
        "sessionStopped",
        "sessionModified",
        "help",
        "carrierHit",
        "purchaseRequest",
    ] {
        assert!(at.get(event).copied().unwrap_or(0) > 0, "no {event} in {at:?}");
    }
    assert_eq!(at, report.action_target, "the report counts what the receiver got");
    assert_eq!(at["sessionCreated"], report.sessions_created);
    assert!(at["sessionPaused"] > 5, "the ceasefire paused every running session at once");

    let ids: Vec<String> = report.purchases.iter().flat_map(|p| p.items.iter().map(|i| i.id.clone())).collect();
    for id in ["time", "TARGET-B27", "AMMO-9MM", "RENTAL-HANDGUN", "GIFTCARD-50"] {
        assert!(ids.iter().any(|i| i == id), "a purchase of {id}");
    }
    assert!(report.purchases.iter().any(|p| p.items.iter().any(|i| i.id == "time" && [15, 30].contains(&i.qty))));
    assert!(report.purchases.iter().all(|p| p.status == Some(200)), "our answers are recorded");

    let mut enviso = counts(&rx, "/enviso", "event");
    for event in [
        "ORDER_CREATED",
        "ORDER_CONFIRMED",
        "ORDER_CANCELLED",
        "PASS_SCANNED",
        "BOOKING_CREATED",
        "BOOKING_UPDATED",
        "BOOKING_CANCELLED",
        "LOCKER_STATE_CHANGED",
    ] {
        assert!(enviso.get(event).copied().unwrap_or(0) > 0, "no {event} in {enviso:?}");
    }
    let received: usize = enviso.values().sum();
    assert_eq!(received, report.enviso.values().sum::<usize>() + report.enviso_duplicates, "duplicates arrive too");
    enviso.clear();

    let samna = counts(&rx, "/samna", "event_name");
    for event in [
        "booking_created",
        "booking_updated",
        "booking_canceled",
        "checkin_started",
        "checkout_completed",
        "code_scanned",
    ] {
        assert!(samna.get(event).copied().unwrap_or(0) > 0, "no {event} in {samna:?}");
    }
    assert_eq!(samna, report.samna);
}

#[tokio::test]
async fn same_seed_same_day() {
    let (a, _ra) = saturday_sim(3).await;
    let (b, _rb) = saturday_sim(3).await;
    let ra = a.run_scenario("busy-saturday", std::future::pending()).await.unwrap();
    let rb = b.run_scenario("busy-saturday", std::future::pending()).await.unwrap();
    assert_eq!(ra.action_target, rb.action_target);
    assert_eq!(ra.samna, rb.samna);
    assert_eq!(ra.enviso, rb.enviso);
    let ids = |s: &Simulator| {
        s.webhook_log().iter().map(|w| (w.payload.event.clone(), w.payload.session_id)).collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b), "the same webhooks for the same sessions, in the same order");
}

#[tokio::test]
async fn shutdown_ends_the_scenario_early() {
    let (sim, _rx) = saturday_sim(1).await;
    sim.clock().resume();
    let report = sim.run_scenario("busy-saturday", tokio::time::sleep(Duration::from_millis(200))).await.unwrap();
    assert!(!report.completed, "real time at speed 1: the day is far from over");
    assert!(matches!(sim.run_scenario("nope", std::future::pending()).await, Err(SimError::UnknownScenario(_))));
}
