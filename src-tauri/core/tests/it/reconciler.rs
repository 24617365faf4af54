//! The board against the simulator's Action Target: range set-up, healing from the API when
//! webhooks are lost, staff session actions, and API failures shown in words.

use crate::support;

use rangedesk_simulator::{Failure, NewSession};
use serde_json::{Value, json};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn range_set_up_is_read_at_start_in_display_order() {
    let WithSim { sim, r } = start_with_sim(1, 0.0).await;
    let want: Vec<String> = sim.lanes().iter().map(|l| l.lane_id.to_string()).collect();
    let ok = eventually(Duration::from_secs(10), async || {
        let lanes = r.get_json(&r.board("/api/lanes")).await;
        lanes.as_array().unwrap().iter().map(|l| l["lane_id"].as_str().unwrap().to_owned()).collect::<Vec<_>>() == want
    })
    .await;
    assert!(ok, "lanes in the vendor's display order");
    let lanes = r.get_json(&r.board("/api/lanes")).await;
    let unusable: Vec<&Value> = lanes.as_array().unwrap().iter().filter(|l| l["state"] == "unusable").collect();
    let sim_unusable = sim.lanes().iter().filter(|l| !l.is_usable).count();
    assert_eq!(unusable.len(), sim_unusable, "unusable lanes are shown as such");
    assert!(lanes[0]["bay"].is_string(), "each lane with its bay's name");
    assert!(lanes[0]["name"].is_string());
}

/// A run that loses 30% of the webhooks: within two poll periods of the last change, the
/// board's sessions are the simulator's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciler_heals_a_board_that_lost_30_percent_of_webhooks() {
    let poll = 1;
    let WithSim { sim, r } = start_with_sim(poll, 0.3).await;
    let group = sim.groups()[0].id;
    let usable: Vec<_> = sim.lanes().into_iter().filter(|l| l.is_usable).collect();
    let mut ids = Vec::new();
    for (n, lane) in usable.iter().take(16).enumerate() {
        let s = sim
            .create_session(NewSession {
                customer_name: format!("Shooter {n}"),
                lane_id: lane.lane_id,
                group_id: group,
                duration: 30 + n as i64,
                enable_purchasing: true,
                auto_start: n % 2 == 0,
            })
            .unwrap();
        ids.push(s.session_id);
    }
    for id in ids.iter().skip(1).step_by(2) {
        sim.start_session(*id).unwrap();
    }
    for id in ids.iter().take(5) {
        sim.stop_session(*id).unwrap();
    }
    sim.modify_session(ids[7], 15).unwrap();
    for id in ids.iter().skip(8).take(4) {
        let _ = sim.lane_event("help", Some(*id));
        let _ = sim.lane_event("carrierHit", Some(*id));
    }
    sim.flush_webhooks().await;
    let dropped = sim.webhook_log().iter().filter(|w| w.dropped).count();
    assert!(dropped > 0, "the network lost some webhooks");
    let want = sim_sessions(&sim);
    let healed = eventually(Duration::from_secs(2 * poll + 1), async || board_sessions(&r).await == want).await;
    assert!(healed, "board {:?} != vendor {:?}", board_sessions(&r).await, want);
    // The changed duration is the vendor's.
    let sessions = r.get_json(&r.board("/api/sessions")).await;
    let modified =
        sessions.as_array().unwrap().iter().find(|s| s["session_id"] == ids[7].to_string().as_str()).unwrap();
    assert_eq!(modified["duration"], 37 + 15);
    let polled = r.get_json(&r.board("/api/events?source=action_target&limit=1000")).await;
    assert!(
        polled["items"].as_array().unwrap().iter().any(|e| e["origin"] == "poll"),
        "what the webhooks missed is recorded as events from the poll"
    );
}

#[tokio::test]
async fn staff_start_extend_shorten_and_stop_a_session() {
    let WithSim { sim, r } = start_with_sim(30, 0.0).await;
    let lane = sim.lanes().into_iter().find(|l| l.is_usable).unwrap().lane_id.to_string();
    assert!(
        eventually(Duration::from_secs(10), async || r
            .get_json(&r.board("/api/lanes"))
            .await
            .as_array()
            .unwrap()
            .len()
            > 1)
        .await
    );
    let started = r
        .http
        .post(r.board("/api/sessions"))
        .json(&json!({"lane_id": lane, "customer_name": "Dana Scully", "duration": 60, "enable_purchasing": true, "by": "Sam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    let s: Value = started.json().await.unwrap();
    let id = s["session_id"].as_str().unwrap().to_owned();
    assert_eq!(s["customer_name"], "Dana Scully");
    assert_eq!(sim_sessions(&sim).len(), 1, "the session exists at the vendor");
    let busy = r
        .http
        .post(r.board("/api/sessions"))
        .json(&json!({"lane_id": lane, "customer_name": "X", "duration": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 409, "a lane with a session cannot take another");
    for bad in [
        json!({"lane_id": lane, "customer_name": "X", "duration": 0}),
        json!({"lane_id": lane, "customer_name": "X", "duration": 481}),
        json!({"lane_id": lane, "customer_name": " ", "duration": 30}),
    ] {
        assert_eq!(r.http.post(r.board("/api/sessions")).json(&bad).send().await.unwrap().status(), 400, "{bad}");
    }

    let extended =
        r.http.post(r.board(&format!("/api/sessions/{id}/modify"))).json(&json!({"minutes": 15})).send().await.unwrap();
    assert_eq!(extended.status(), 200);
    assert_eq!(extended.json::<Value>().await.unwrap()["duration"], 75);
    let shortened = r
        .http
        .post(r.board(&format!("/api/sessions/{id}/modify")))
        .json(&json!({"minutes": -10}))
        .send()
        .await
        .unwrap();
    assert_eq!(shortened.status(), 200);
    assert_eq!(shortened.json::<Value>().await.unwrap()["duration"], 65);
    assert_eq!(sim.sessions()[0].duration, 65);

    let stopped =
        r.http.post(r.board(&format!("/api/sessions/{id}/stop"))).json(&json!({"by": "Sam"})).send().await.unwrap();
    assert_eq!(stopped.status(), 200);
    assert!(sim.sessions().is_empty());
    assert!(board_sessions(&r).await.is_empty(), "the board follows at once, webhook or not");
    assert_eq!(r.act(&format!("/api/sessions/{id}/stop")).await.status(), 404);

    let events = r.get_json(&r.board(&format!("/api/events?session={id}&limit=100"))).await;
    let staff: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["origin"] == "staff" && e["type"].as_str().unwrap().starts_with("staff"))
        .collect();
    assert_eq!(staff.len(), 4, "start, extend, shorten and stop are each recorded");
    assert!(staff.iter().all(|e| e["data"]["outcome"] == "ok"));
    assert!(staff.iter().any(|e| e["data"]["by"] == "Sam"));
}

async fn start_attempt(r: &Running, lane: &str) -> (u16, String) {
    let resp = r
        .http
        .post(r.board("/api/sessions"))
        .json(&json!({"lane_id": lane, "customer_name": "Fox", "duration": 30}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_failures_are_shown_in_words_and_recorded() {
    let WithSim { sim, r } = start_with_sim(1, 0.0).await;
    let lane = sim.lanes().into_iter().find(|l| l.is_usable).unwrap().lane_id.to_string();
    assert!(
        eventually(Duration::from_secs(10), async || r
            .get_json(&r.board("/api/lanes"))
            .await
            .as_array()
            .unwrap()
            .len()
            > 1)
        .await
    );

    sim.set_failure(Failure::Unauthorized);
    assert_eq!(start_attempt(&r, &lane).await, (502, "Action Target refused the key".to_owned()));
    sim.set_failure(Failure::ServerError);
    assert_eq!(start_attempt(&r, &lane).await, (502, "Action Target had an internal error (HTTP 500)".to_owned()));
    sim.set_failure(Failure::Slow(Duration::from_secs(7)));
    let (status, words) = start_attempt(&r, &lane).await;
    assert_eq!((status, words.as_str()), (502, "Action Target did not answer in 5 s"));
    sim.set_failure(Failure::None);

    // A session the board has but the vendor does not know.
    let ghost = "5f8e2a34-0000-4000-8000-000000000001";
    let created = r.http.post(r.at_hook()).body(at_body("sessionCreated", &lane, ghost)).send().await.unwrap();
    assert_eq!(created.status(), 200);
    let resp = r
        .http
        .post(r.board(&format!("/api/sessions/{ghost}/modify")))
        .json(&json!({"minutes": 5}))
        .send()
        .await
        .unwrap();
    // The board may already have healed (the vendor says the session does not exist): 404 then.
    assert!(resp.status() == 502 || resp.status() == 404, "{}", resp.status());
    if resp.status() == 502 {
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], "Action Target does not know that session");
    }

    // The vendor goes away: connection refused, the board is marked stale and health says so.
    sim.shutdown().await;
    let (status, words) = start_attempt(&r, &lane).await;
    assert_eq!(status, 502);
    assert!(words.starts_with("Action Target could not be reached"), "{words}");
    assert!(
        eventually(Duration::from_secs(5), async || r.get_json(&r.board("/api/board")).await["stale"] == true).await
    );
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["action_target_api"]["stale"], true);
    assert!(status["action_target_api"]["last_error"].as_str().unwrap().contains("could not be reached"));
    // The board's chips read the same health alone, without the status screen's delivery counts.
    let health = r.get_json(&r.board("/api/api-health")).await;
    assert_eq!(health, status["action_target_api"], "the chips' route and the status screen agree");
    assert_eq!(
        r.http.get(r.public("/healthz")).send().await.unwrap().status(),
        200,
        "the store is fine; nothing crashed"
    );
    // It comes back and the board heals.
    sim.restart().await.unwrap();
    assert!(
        eventually(Duration::from_secs(5), async || r.get_json(&r.board("/api/board")).await["stale"] == false).await
    );

    let failed = r.get_json(&r.board("/api/events?type=staffStartSession&limit=100")).await;
    let failed: Vec<&Value> =
        failed["items"].as_array().unwrap().iter().filter(|e| e["data"]["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 4, "each failed attempt is recorded with the vendor's reason");
    assert!(failed.iter().all(|e| e["data"]["error"].is_string()));
}

async fn sim_session(sim: &rangedesk_simulator::Simulator, lane_index: usize, minutes: i64) -> (String, String) {
    let lane = sim.lanes().into_iter().filter(|l| l.is_usable).nth(lane_index).unwrap();
    let s = sim
        .create_session(NewSession {
            customer_name: "Pat".into(),
            lane_id: lane.lane_id,
            group_id: sim.groups()[0].id,
            duration: minutes,
            enable_purchasing: true,
            auto_start: true,
        })
        .unwrap();
    sim.flush_webhooks().await;
    (s.session_id.to_string(), lane.lane_id.to_string())
}

#[tokio::test]
async fn approved_lane_time_extends_the_session_and_the_outcome_is_recorded() {
    let WithSim { sim, r } = start_with_sim(30, 0.0).await;
    let (session, lane) = sim_session(&sim, 0, 30).await;
    let body = json!({"event": "purchaseRequest", "session_id": session, "lane_id": lane, "items": [{"id": "time", "qty": 15}]});
    let resp = r.http.post(r.at_hook()).body(body.to_string()).send().await.unwrap();
    assert_eq!(resp.status(), 200, "time approves at once by default");
    let trace = resp.json::<Value>().await.unwrap()["trace_id"].as_str().unwrap().to_owned();
    let added = eventually(Duration::from_secs(5), async || sim.sessions()[0].duration == 45).await;
    assert!(added, "the vendor's session was extended by 15 minutes");
    assert!(
        eventually(Duration::from_secs(5), async || {
            r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await["time_extension"] == "added"
        })
        .await
    );
    // A purchase for a session the vendor does not know: the failure shows on the board.
    let ghost = json!({"event": "purchaseRequest", "session_id": "5f8e2a34-0000-4000-8000-0000000000ff", "lane_id": lane, "items": [{"id": "time", "qty": 15}]});
    let resp = r.http.post(r.at_hook()).body(ghost.to_string()).send().await.unwrap();
    let trace = resp.json::<Value>().await.unwrap()["trace_id"].as_str().unwrap().to_owned();
    assert!(
        eventually(Duration::from_secs(5), async || {
            let p = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
            p["time_extension"]
                .as_str()
                .is_some_and(|t| t.starts_with("not added: Action Target does not know that session"))
        })
        .await
    );
}

#[tokio::test]
async fn events_for_unknown_sessions_and_session_modified_ask_the_vendor() {
    // Polling every 30 s: anything that changes the board sooner came from the lookup.
    let WithSim { sim, r } = start_with_sim(30, 1.0).await;
    let (session, lane) = sim_session(&sim, 1, 40).await;
    assert!(board_sessions(&r).await.is_empty(), "every webhook was lost");
    let help = r.http.post(r.at_hook()).body(at_body("help", &lane, &session)).send().await.unwrap();
    assert_eq!(help.status(), 200);
    let found = eventually(Duration::from_secs(5), async || {
        board_sessions(&r).await.contains(&(session.clone(), lane.clone()))
    })
    .await;
    assert!(found, "a help call for an unknown session looked the session up");
    sim.modify_session(session.parse().unwrap(), 20).unwrap();
    let modified = r.http.post(r.at_hook()).body(at_body("sessionModified", &lane, &session)).send().await.unwrap();
    assert_eq!(modified.status(), 200);
    let refreshed =
        eventually(Duration::from_secs(5), async || r.get_json(&r.board("/api/sessions")).await[0]["duration"] == 60)
            .await;
    assert!(refreshed, "sessionModified carries no duration, so the vendor was asked");
}

#[tokio::test]
async fn range_set_up_can_be_refreshed_on_demand() {
    let WithSim { sim, r } = start_with_sim(30, 0.0).await;
    assert!(
        eventually(Duration::from_secs(10), async || r
            .get_json(&r.board("/api/lanes"))
            .await
            .as_array()
            .unwrap()
            .len()
            == sim.lanes().len())
        .await
    );
    let resp = r.act("/api/range/refresh").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["changed"], false, "nothing changed since start");
    sim.shutdown().await;
    let resp = r.act("/api/range/refresh").await;
    assert_eq!(resp.status(), 502);
    assert!(
        resp.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .starts_with("Action Target could not be reached")
    );
}

#[tokio::test]
async fn lane_time_approved_at_the_desk_extends_the_session_too() {
    let WithSim { sim, r } = start_with_sim_and(30, 0.0, "[purchases.rules]\ntime = \"ask\"\n").await;
    let (session, lane) = sim_session(&sim, 2, 30).await;
    let body = json!({"event": "purchaseRequest", "session_id": session, "lane_id": lane, "items": [{"id": "time", "qty": 30}]});
    let (http, url) = (r.http.clone(), r.at_hook());
    let lane_answer = tokio::spawn(async move { http.post(url).body(body.to_string()).send().await.unwrap().status() });
    let mut trace = String::new();
    assert!(
        eventually(Duration::from_secs(5), async || {
            let pending = r.get_json(&r.board("/api/purchases?status=pending")).await;
            trace = pending[0]["trace_id"].as_str().unwrap_or_default().to_owned();
            !trace.is_empty()
        })
        .await
    );
    let approved = r.act(&format!("/api/purchases/{trace}/approve")).await;
    assert_eq!(approved.status(), 200);
    assert_eq!(lane_answer.await.unwrap(), 200);
    assert!(eventually(Duration::from_secs(5), async || sim.sessions()[0].duration == 60).await, "30 minutes added");
}
