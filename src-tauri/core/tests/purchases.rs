//! Lane purchases end to end through real HTTP: every rule, every race, the tab.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::*;

const SEE_THE_DESK: &str = "Please see the front desk to complete your purchase.";

fn config(window: u64, rules: &str) -> String {
    format!("{}\n[purchases]\napproval_window_seconds = {window}\n\n[purchases.rules]\n{rules}\n", config_text())
}

fn purchase(items: Value) -> String {
    json!({"event": "purchaseRequest", "session_id": "s-1", "lane_id": "lane-1", "items": items}).to_string()
}

/// Sends a purchase in the background, as the lane screen does, and waits until it is pending.
async fn held(r: &Running, items: Value) -> (String, tokio::task::JoinHandle<(u16, Value)>) {
    let (http, url, body) = (r.http.clone(), r.at_hook(), purchase(items));
    let answer = tokio::spawn(async move {
        let resp = http.post(url).body(body).send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    });
    for _ in 0..200 {
        let pending = r.get_json(&r.board("/api/purchases?status=pending")).await;
        if let Some(p) = pending.as_array().unwrap().first() {
            assert!(p["deadline"].is_string(), "a held purchase shows its deadline");
            return (p["trace_id"].as_str().unwrap().to_owned(), answer);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the purchase never showed as pending");
}

#[tokio::test]
async fn approve_at_once_answers_success_and_puts_it_on_the_tab() {
    let r = start().await;
    let created = r.http.post(r.at_hook()).body(at_body("sessionCreated", "lane-1", "s-1")).send().await.unwrap();
    assert_eq!(created.status(), 200);
    // Defaults: time and targets approve at once. TARGET-B27 costs 1.50 in the seeded catalogue.
    let resp = r
        .http
        .post(r.at_hook())
        .body(purchase(json!([{"id": "time", "qty": 30}, {"id": "TARGET-B27", "qty": 2}])))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["success"], true);
    let trace = v["trace_id"].as_str().unwrap();
    let p = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
    assert_eq!(p["status"], "approved");
    assert_eq!(p["decided_by"], "rule");
    let board = r.get_json(&r.board("/api/board")).await;
    let tab = board["tab"].as_array().unwrap();
    let target = tab.iter().find(|t| t["product_id"] == "TARGET-B27").expect("targets on the tab");
    assert_eq!(target["total_cents"], 300, "priced from our catalogue");
    assert_eq!(target["to_deliver"], true, "a physical item waits to be taken to the lane");
    let time = tab.iter().find(|t| t["product_id"] == "time").unwrap();
    assert_eq!(time["to_deliver"], false, "time is not carried to the lane");
}

#[tokio::test]
async fn decline_rule_answers_422_with_the_user_message() {
    let r = start_with(&config(20, "ammo = \"decline\""), Default::default()).await;
    let resp = r.http.post(r.at_hook()).body(purchase(json!([{"id": "AMMO-9MM", "qty": 1}]))).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["user_message"], SEE_THE_DESK);
    let p = r.get_json(&r.board(&format!("/api/purchases/{}", v["trace_id"].as_str().unwrap()))).await;
    assert_eq!(p["status"], "declined");
}

#[tokio::test]
async fn the_strictest_rule_of_a_request_wins() {
    let r = start_with(&config(20, "rentals = \"decline\""), Default::default()).await;
    let resp = r
        .http
        .post(r.at_hook())
        .body(purchase(json!([{"id": "time", "qty": 15}, {"id": "RENTAL-HANDGUN", "qty": 1}])))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422, "time alone approves, a rental declines: decline wins");
}

#[tokio::test]
async fn ask_the_desk_then_approve_answers_the_waiting_lane_at_once() {
    let r = start().await;
    let (trace, answer) = held(&r, json!([{"id": "AMMO-9MM", "qty": 2}])).await;
    let lanes = r.get_json(&r.board("/api/lanes")).await;
    assert_eq!(lanes[0]["pending_purchases"], 1, "the lane tile shows the pending purchase");
    let started = std::time::Instant::now();
    let decided = r
        .http
        .post(r.board(&format!("/api/purchases/{trace}/approve")))
        .json(&json!({"by": "Sam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 200);
    assert_eq!(decided.json::<Value>().await.unwrap()["status"], "approved");
    let (status, body) = answer.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "answered the moment staff decided, not at the deadline");
    assert_eq!(status, 200);
    assert_eq!(body["trace_id"], trace.as_str());
    let p = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
    assert_eq!(p["decided_by"], "Sam");
    // The tab: 2 boxes of 9mm at 18.99, to deliver to the lane until ticked off.
    let board = r.get_json(&r.board("/api/board")).await;
    let item = board["tab"].as_array().unwrap().iter().find(|t| t["trace_id"] == trace.as_str()).unwrap().clone();
    assert_eq!(item["total_cents"], 3798);
    assert_eq!(item["to_deliver"], true);
    let tick = r
        .http
        .post(r.board(&format!("/api/tab/{}/delivered", item["item_id"].as_str().unwrap())))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(tick.status(), 200);
    let ticked: Value = tick.json().await.unwrap();
    assert_eq!(ticked["to_deliver"], false);
    assert_eq!(ticked["delivered_by"], "desk");
    let again = r
        .http
        .post(r.board(&format!("/api/tab/{}/delivered", item["item_id"].as_str().unwrap())))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    // A second decision is refused.
    let second = r
        .http
        .post(r.board(&format!("/api/purchases/{trace}/decline")))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 409);
    assert_eq!(
        r.http
            .post(r.board("/api/purchases/no-such-trace/approve"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn ask_the_desk_then_decline_sends_staffs_message_to_the_lane() {
    let r = start().await;
    let (trace, answer) = held(&r, json!([{"id": "RENTAL-HANDGUN", "qty": 1}])).await;
    let msg = "Handgun rentals need ID at the desk";
    let decided = r
        .http
        .post(r.board(&format!("/api/purchases/{trace}/decline")))
        .json(&json!({"user_message": msg}))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 200);
    let (status, body) = answer.await.unwrap();
    assert_eq!(status, 422);
    assert_eq!(body["user_message"], msg);
    assert_eq!(r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await["status"], "declined");
}

#[tokio::test]
async fn nobody_deciding_in_time_is_a_decline_and_a_missed_purchase() {
    let r = start_with(&config(1, ""), Default::default()).await;
    let (trace, answer) = held(&r, json!([{"id": "AMMO-22LR", "qty": 1}])).await;
    let (status, body) = answer.await.unwrap();
    assert_eq!(status, 422);
    assert_eq!(body["user_message"], SEE_THE_DESK);
    let p = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
    assert_eq!(p["status"], "missed", "left on the board to follow up");
    let late = r
        .http
        .post(r.board(&format!("/api/purchases/{trace}/approve")))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409, "too late: it was already answered");
}

/// A decision sent right at the deadline: whichever wins, the lane gets exactly one answer, the
/// board shows that same one, and the decision is told whether it counted.
#[tokio::test]
async fn a_decision_racing_the_deadline_yields_exactly_one_answer() {
    let r = start_with(&config(1, ""), Default::default()).await;
    let mut outcomes = std::collections::HashSet::new();
    for i in 0..8u64 {
        let (trace, answer) = held(&r, json!([{"id": "AMMO-9MM", "qty": 1}])).await;
        let p = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
        let deadline: jiff::Timestamp = p["deadline"].as_str().unwrap().parse().unwrap();
        // Aim around the deadline: some before, some after.
        let offset = jiff::SignedDuration::from_millis(-40 + 12 * i as i64);
        let wait = (deadline + offset).duration_since(jiff::Timestamp::now());
        if wait.is_positive() {
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
        let decision = r
            .http
            .post(r.board(&format!("/api/purchases/{trace}/approve")))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let (lane_status, _) = answer.await.unwrap();
        let shown =
            r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await["status"].as_str().unwrap().to_owned();
        match (decision, lane_status, shown.as_str()) {
            (200, 200, "approved") => outcomes.insert("approved"),
            (409, 422, "missed") => outcomes.insert("missed"),
            other => panic!("inconsistent outcome for {trace}: {other:?}"),
        };
        // Clear the board's pending list for the next round.
        assert!(r.get_json(&r.board("/api/purchases?status=pending")).await.as_array().unwrap().is_empty());
    }
    assert!(!outcomes.is_empty());
}

#[tokio::test]
async fn purchases_list_filters_by_status() {
    let r = start_with(&config(20, "ammo = \"decline\""), Default::default()).await;
    r.http.post(r.at_hook()).body(purchase(json!([{"id": "time", "qty": 15}]))).send().await.unwrap();
    r.http.post(r.at_hook()).body(purchase(json!([{"id": "AMMO-9MM", "qty": 1}]))).send().await.unwrap();
    let approved = r.get_json(&r.board("/api/purchases?status=approved")).await;
    assert_eq!(approved.as_array().unwrap().len(), 1);
    let p = &approved[0];
    for field in ["trace_id", "session_id", "lane_id", "status", "items", "requested_at"] {
        assert!(!p[field].is_null(), "INTERFACES.md names `{field}`");
    }
    assert_eq!((&p["items"][0]["id"], &p["items"][0]["qty"]), (&json!("time"), &json!(15)), "the fixed fields");
    assert_eq!(p["items"][0]["product_type"], "time", "added: the catalogue's type beside the id");
    assert_eq!(r.get_json(&r.board("/api/purchases")).await.as_array().unwrap().len(), 2);
    assert_eq!(r.http.get(r.board("/api/purchases?status=maybe")).send().await.unwrap().status(), 400);
}
