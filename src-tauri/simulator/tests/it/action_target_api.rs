//! The fake Action Target API through real HTTP: endpoints, auth, validation, the clock, failure
//! injection and restart.

use crate::support;

use std::time::Duration;

use rangedesk_simulator::{Failure, SessionView, SimConfig};
use serde_json::{Value, json};
use support::*;

async fn create(
    sim: &rangedesk_simulator::Simulator,
    lane: usize,
    duration: i64,
    auto_start: bool,
) -> reqwest::Response {
    let lanes = sim.lanes();
    let body = json!({
        "customer_name": "Ada Lovelace",
        "lane_id": lanes[lane].lane_id,
        "group_id": sim.groups()[0].id,
        "duration": duration,
        "auto_start": auto_start,
    });
    auth(client().post(format!("{}/sessions", sim.api_base()))).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn range_setup_endpoints() {
    let sim = sim_with(SimConfig { api_key: KEY.into(), lanes: 24, ..SimConfig::default() }).await;
    let lanes: Vec<Value> =
        auth(client().get(format!("{}/lanes", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(lanes.len(), 24);
    let mut keys: Vec<&str> = lanes[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["bay_id", "is_accessible", "is_usable", "lane_id", "readable_name"], "the documented fields");
    assert_eq!(lanes.iter().filter(|l| l["is_usable"] == false).count(), 1);
    assert_eq!(lanes[23]["bay_id"], lanes[0]["bay_id"], "display order is not grouped by bay");
    for l in &lanes {
        let id = uuid::Uuid::parse_str(l["lane_id"].as_str().unwrap()).unwrap();
        assert_eq!(id.get_version_num(), 4, "all ids are UUID v4");
    }
    let bays: Vec<Value> =
        auth(client().get(format!("{}/bays", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(bays.len(), 3);
    assert!(bays[0]["bay_id"].is_string() && bays[0]["name"].is_string());
    let groups: Vec<Value> =
        auth(client().get(format!("{}/groups", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    assert!(groups[0]["id"].is_string() && groups[0]["name"].is_string());
}

#[tokio::test]
async fn auth_is_required_and_header_is_configurable() {
    let sim = sim().await;
    let url = format!("{}/sessions", sim.api_base());
    assert_eq!(client().get(&url).send().await.unwrap().status(), 401, "no key");
    let wrong = client().get(&url).header("Authorization", "Bearer nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401, "wrong key");
    assert!(wrong.json::<Value>().await.unwrap()["error"].is_string(), "errors carry {{error}}");
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 200);

    let custom =
        sim_with(SimConfig { api_key: "k2".into(), auth_header: "X-Api-Key".into(), ..SimConfig::default() }).await;
    let url = format!("{}/lanes", custom.api_base());
    let ok = client().get(&url).header("X-Api-Key", "Bearer k2").send().await.unwrap();
    assert_eq!(ok.status(), 200, "the configured header carries the key");
    let std = client().get(&url).header("Authorization", "Bearer k2").send().await.unwrap();
    assert_eq!(std.status(), 401, "the default header is not accepted when another is configured");
}

#[tokio::test]
async fn session_lifecycle_and_countdown_on_the_clock() {
    let sim = sim().await;
    let clock = sim.clock();
    let waiting: SessionView = create(&sim, 0, 60, false).await.json().await.unwrap();
    assert_eq!(waiting.began_at, None, "began_at is null until the shooter enters");
    assert_eq!(waiting.minutes_remaining, None);
    assert!(!waiting.enable_purchasing, "enable_purchasing defaults to false");

    let resp = create(&sim, 1, 30, true).await;
    assert_eq!(resp.status(), 200);
    let v: SessionView = resp.json().await.unwrap();
    assert!(v.began_at.is_some(), "auto_start starts the timer at once");
    assert_eq!(v.minutes_remaining, Some(30.0));

    clock.advance(Duration::from_secs(10 * 60));
    let url = format!("{}/sessions/{}", sim.api_base(), v.session_id);
    let now: SessionView = auth(client().get(&url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(now.minutes_remaining, Some(20.0), "ten simulated minutes ran down");

    let modify = auth(client().post(format!("{url}/modify?time=+15"))).send().await.unwrap();
    assert_eq!(modify.status(), 204);
    let modify = auth(client().post(format!("{url}/modify?time=-5"))).send().await.unwrap();
    assert_eq!(modify.status(), 204);
    let now: SessionView = auth(client().get(&url)).send().await.unwrap().json().await.unwrap();
    assert_eq!((now.duration, now.minutes_remaining), (40, Some(30.0)));

    let list: Vec<SessionView> =
        auth(client().get(format!("{}/sessions", sim.api_base()))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.len(), 2, "both sessions are active");

    // A second past the end, so float rounding of the clock cannot leave it exactly at zero.
    clock.advance(Duration::from_secs(30 * 60 + 1));
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 404, "time used up: the session ended");

    let other = format!("{}/sessions/{}", sim.api_base(), waiting.session_id);
    assert_eq!(auth(client().post(format!("{other}/stop"))).send().await.unwrap().status(), 204);
    assert_eq!(auth(client().get(&other)).send().await.unwrap().status(), 404, "a stopped session is gone");
    assert_eq!(auth(client().post(format!("{other}/stop"))).send().await.unwrap().status(), 404);
    assert!(sim.sessions().is_empty());
}

#[tokio::test]
async fn validation_errors_are_4xx_with_error() {
    let sim = sim().await;
    for (duration, status) in [(0, 400), (481, 400)] {
        let r = create(&sim, 0, duration, false).await;
        assert_eq!(r.status(), status, "duration must be 1..480");
        assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    }
    assert_eq!(create(&sim, 4, 30, false).await.status(), 409, "lane 5 of 8 is not usable");
    assert_eq!(create(&sim, 0, 30, false).await.status(), 200);
    assert_eq!(create(&sim, 0, 30, false).await.status(), 409, "one session per lane");
    let bad = auth(client().post(format!("{}/sessions", sim.api_base()))).body("{nope").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"].is_string(), "even a broken body gets {{error}}");
    let id = sim.sessions()[0].session_id;
    let url = format!("{}/sessions/{id}/modify", sim.api_base());
    assert_eq!(auth(client().post(&url)).send().await.unwrap().status(), 400, "time is required");
    assert_eq!(auth(client().post(format!("{url}?time=x"))).send().await.unwrap().status(), 400);
    let unknown = format!("{}/sessions/not-a-uuid", sim.api_base());
    assert_eq!(auth(client().get(unknown)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn injected_failures_and_restart() {
    let sim = sim().await;
    let url = format!("{}/sessions", sim.api_base());
    sim.set_failure(Failure::Unauthorized);
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 401);
    sim.set_failure(Failure::ServerError);
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 500);
    sim.set_failure(Failure::Slow(Duration::from_millis(500)));
    let slow = auth(client().get(&url)).timeout(Duration::from_millis(100)).send().await;
    assert!(slow.unwrap_err().is_timeout(), "the client gives up on a slow API");

    let fail = client().post(format!("{}/_sim/fail", sim.api_base()));
    assert_eq!(fail.json(&json!({"mode": "none"})).send().await.unwrap().status(), 204, "the control route works too");
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 200);
    let fail = client().post(format!("{}/_sim/fail", sim.api_base()));
    fail.json(&json!({"mode": "server_error"})).send().await.unwrap();
    assert_eq!(auth(client().get(&url)).send().await.unwrap().status(), 500);
    sim.set_failure(Failure::None);

    assert_eq!(create(&sim, 0, 30, false).await.status(), 200);
    sim.shutdown().await;
    let refused = auth(reqwest::Client::new().get(&url)).send().await.unwrap_err();
    assert!(refused.is_connect(), "shut down means connection refused: {refused}");
    sim.restart().await.unwrap();
    let back: Vec<SessionView> = auth(client().get(&url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(back.len(), 1, "same port, same state after the restart");
}
