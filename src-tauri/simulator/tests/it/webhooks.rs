//! Action Target webhooks and the playground reach a real receiver with the documented payloads.

use crate::support;

use std::time::Duration;

use rangedesk_simulator::{NewSession, SimConfig, Simulator};
use serde_json::{Value, json};
use support::*;

fn new_session(sim: &Simulator, lane: usize, auto_start: bool) -> NewSession {
    NewSession {
        customer_name: "Grace Hopper".into(),
        lane_id: sim.lanes()[lane].lane_id,
        group_id: sim.groups()[0].id,
        duration: 60,
        enable_purchasing: true,
        auto_start,
    }
}

#[tokio::test]
async fn every_state_change_posts_its_webhook_in_order() {
    let (sim, rx) = (sim().await, Receiver::start().await);
    sim.set_targets(rx.targets());
    let body = json!({
        "customer_name": "Grace", "lane_id": sim.lanes()[0].lane_id, "group_id": sim.groups()[0].id, "duration": 30
    });
    let v: Value = auth(client().post(format!("{}/sessions", sim.api_base())))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: uuid::Uuid = v["session_id"].as_str().unwrap().parse().unwrap();
    sim.start_session(id).unwrap();
    assert_eq!(sim.ceasefire(), 1);
    assert_eq!(sim.resume_all(), 1);
    let url = format!("{}/sessions/{id}", sim.api_base());
    auth(client().post(format!("{url}/modify?time=+15"))).send().await.unwrap();
    auth(client().post(format!("{url}/stop"))).send().await.unwrap();
    sim.flush_webhooks().await;

    let got = rx.on("/at");
    let events: Vec<String> = got.iter().map(|r| r.json()["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        events,
        ["sessionCreated", "sessionStarted", "sessionPaused", "sessionResumed", "sessionModified", "sessionStopped"]
    );
    for r in &got {
        let p = r.json();
        assert_eq!(p.as_object().unwrap().len(), 3, "session events are {{event, session_id, lane_id}} only: {p}");
        assert_eq!(p["session_id"], json!(id));
        assert_eq!(p["lane_id"], json!(sim.lanes()[0].lane_id));
        assert_eq!(r.method, "POST");
    }
}

#[tokio::test]
async fn time_running_out_stops_the_session_by_itself() {
    let (sim, rx) = (sim().await, Receiver::start().await);
    sim.set_targets(rx.targets());
    let v = sim.create_session(new_session(&sim, 0, true)).unwrap();
    sim.clock().advance(Duration::from_secs(3600));
    eventually("sessionStopped after the hour", || rx.on("/at").iter().any(|r| r.json()["event"] == "sessionStopped"))
        .await;
    assert!(sim.session(v.session_id).is_none());
}

#[tokio::test]
async fn drop_share_loses_webhooks_silently() {
    let (sim, rx) =
        (sim_with(SimConfig { drop_share: 1.0, lanes: 8, ..SimConfig::default() }).await, Receiver::start().await);
    sim.set_targets(rx.targets());
    for lane in [0, 1, 2] {
        sim.create_session(new_session(&sim, lane, true)).unwrap();
    }
    sim.flush_webhooks().await;
    assert!(rx.received().is_empty(), "drop_share 1.0 drops every webhook");
    let log = sim.webhook_log();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|w| w.dropped), "the log still shows what was lost");

    sim.set_drop_share(0.0);
    let id = sim.sessions()[0].session_id;
    sim.ceasefire();
    sim.resume_all();
    sim.stop_session(id).unwrap();
    sim.flush_webhooks().await;
    assert_eq!(rx.received().len(), 7, "drop_share 0.0 drops none: 3 paused, 3 resumed, 1 stopped");

    sim.set_drop_share(0.5);
    for _ in 0..20 {
        sim.ceasefire();
        sim.resume_all();
    }
    sim.flush_webhooks().await;
    let dropped = sim.webhook_log().iter().skip(13).filter(|w| w.dropped).count();
    assert!((30..90).contains(&dropped), "about half of 120 are lost, got {dropped}");
}

#[tokio::test]
async fn simulate_purchase_returns_our_answer() {
    let (sim, rx) = (sim().await, Receiver::start().await);
    sim.set_targets(rx.targets());
    rx.respond(|r, _| match r.json()["event"].as_str() {
        Some("purchaseRequest") => {
            (422, json!({"error": "declined", "user_message": "Please see the front desk", "trace_id": "p-1"}))
        }
        _ => (200, json!({"success": true, "trace_id": "x"})),
    });
    let v = sim.create_session(new_session(&sim, 2, true)).unwrap();
    let items = json!([{"id": "time", "qty": 15}, {"id": "AMMO-380", "qty": 1}]);
    let resp = auth(client().post(format!("{}/simulate/purchaseRequest", sim.api_base())))
        .json(&json!({ "session_id": v.session_id, "items": items }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let got: Value = resp.json().await.unwrap();
    assert_eq!(got["status"], 422, "the lane screen sees our status");
    assert_eq!(got["body"]["user_message"], "Please see the front desk");
    let sent = rx.on("/at").into_iter().find(|r| r.json()["event"] == "purchaseRequest").unwrap().json();
    assert_eq!(sent["items"], items);
    assert_eq!(sent["session_id"], json!(v.session_id));

    // Without session_id a random active session is used; help goes through the same way.
    let help: Value =
        auth(client().post(format!("{}/simulate/help", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    assert_eq!((help["status"].as_u64(), &help["sent"]["session_id"]), (Some(200), &json!(v.session_id)));
    let hit = auth(client().post(format!("{}/simulate/carrierHit", sim.api_base())))
        .json(&json!({"session_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap();
    assert_eq!(hit.status(), 404, "an unknown session is refused");
}

#[tokio::test]
async fn simulate_products_fetches_our_catalogue() {
    let (sim, rx) = (sim().await, Receiver::start().await);
    sim.set_targets(rx.targets());
    rx.respond(|r, _| {
        (200, json!([{ "id": r.query.clone().unwrap_or_default(), "max_qty": 1, "display_name": "x", "price": 1 }]))
    });
    let v = sim.create_session(new_session(&sim, 0, false)).unwrap();
    let one: Value =
        auth(client().get(format!("{}/simulate/products/time?session_id={}", sim.api_base(), v.session_id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(one["status"], 200);
    assert_eq!(one["body"][0]["id"], "type=time");
    let asked = rx.on("/products");
    assert_eq!(asked[0].headers["session-id"], v.session_id.to_string().as_str(), "the session-id header is sent");
    let all: Value =
        auth(client().get(format!("{}/simulate/products", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    for kind in ["time", "targets", "ammo", "rentals"] {
        assert_eq!(all[kind]["body"][0]["id"], format!("type={kind}"));
    }
}
