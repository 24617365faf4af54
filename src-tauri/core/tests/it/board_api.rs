//! The board over real HTTP: webhook events show on it by the time they are answered, staff act
//! on help calls exactly once, and a restart rebuilds the same board from the log (sessions,
//! help calls, purchases and their tab lines).

use crate::support;

use rangedesk_core::domain::purchase::Status;
use rangedesk_core::testing::SessionState;
use serde_json::{Value, json};
use support::*;

async fn hook(r: &Running, event: &str, lane: &str, session: &str) {
    let resp = r.http.post(r.at_hook()).body(at_body(event, lane, session)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{event}");
}

#[tokio::test]
async fn webhooks_move_the_board_before_they_are_answered() {
    let r = start().await;
    hook(&r, "sessionCreated", "lane-7", "s-1").await;
    // No waiting: the 2xx is sent after the board applied the commit.
    let lanes = r.get_json(&r.board("/api/lanes")).await;
    assert_eq!(lanes[0]["lane_id"], "lane-7", "an event's unknown lane is shown, not dropped");
    assert_eq!(lanes[0]["state"], "waiting");
    assert_eq!(lanes[0]["session_id"], "s-1");
    hook(&r, "sessionStarted", "lane-7", "s-1").await;
    hook(&r, "carrierHit", "lane-7", "s-1").await;
    let sessions = r.get_json(&r.board("/api/sessions")).await;
    assert_eq!(sessions[0]["state"], "active");
    assert_eq!(sessions[0]["carrier_hits"], 1);
    hook(&r, "sessionPaused", "lane-7", "s-1").await;
    assert_eq!(r.get_json(&r.board("/api/sessions")).await[0]["state"], "paused");
    hook(&r, "sessionStopped", "lane-7", "s-1").await;
    assert!(r.get_json(&r.board("/api/sessions")).await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn help_is_acknowledged_once_and_resolved_once() {
    let r = start().await;
    hook(&r, "sessionCreated", "lane-1", "s-1").await;
    hook(&r, "help", "lane-1", "s-1").await;
    let open = r.get_json(&r.board("/api/help")).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let id = open[0]["help_id"].as_i64().unwrap();
    assert!(open[0]["acknowledged_at"].is_null());
    assert_eq!(open[0]["lane_id"], "lane-1");

    // Two people click at once: one acknowledgement stands, the other is told 409.
    let url = r.board(&format!("/api/help/{id}/ack"));
    let (a, b) = tokio::join!(
        r.http.post(&url).json(&json!({"by": "Sam"})).send(),
        r.http.post(&url).json(&json!({"by": "Kim"})).send()
    );
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let acked = r.get_json(&r.board("/api/help")).await;
    assert!(acked[0]["acknowledged_at"].is_string());
    let by = acked[0]["acknowledged_by"].as_str().unwrap();
    assert!(by == "Sam" || by == "Kim");

    let resolve = r.act(&format!("/api/help/{id}/resolve")).await;
    assert_eq!(resolve.status(), 200);
    let v: Value = resolve.json().await.unwrap();
    assert_eq!(v["resolved_by"], "desk", "no name given: the desk");
    assert!(r.get_json(&r.board("/api/help")).await.as_array().unwrap().is_empty());
    assert_eq!(r.act(&format!("/api/help/{id}/resolve")).await.status(), 409);
    assert_eq!(r.act(&format!("/api/help/{id}/ack")).await.status(), 409);
    assert_eq!(r.act("/api/help/999999/ack").await.status(), 404);
    let bad = r
        .http
        .post(r.board(&format!("/api/help/{id}/ack")))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Each step is an event with who and when.
    let staff = r.get_json(&r.board("/api/events?source=action_target&type=helpAcknowledged")).await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 1);
    assert_eq!(staff["items"][0]["origin"], "staff");
}

/// A lane purchase sent in the background, as the lane screen does: it waits for the desk. Returns
/// its trace id once the board shows it pending, and the lane's answer to come.
async fn held(r: &Running, body: Value) -> (String, tokio::task::JoinHandle<u16>) {
    let (http, url) = (r.http.clone(), r.at_hook());
    let answer =
        tokio::spawn(async move { http.post(url).body(body.to_string()).send().await.unwrap().status().as_u16() });
    for _ in 0..500 {
        if let Some(p) = r.app.live().with(|b| b.purchases(Some(Status::Pending))).pop() {
            return (p.trace_id, answer);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the purchase never showed as pending");
}

async fn post(r: &Running, path: &str, body: Value) {
    let resp = r.http.post(r.board(path)).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
}

/// Everything the desk is in the middle of survives a restart: the same sessions and lanes, help
/// calls (one acknowledged, one not), a purchase held and then approved by a person, its tab lines
/// (one delivered, one still to deliver) and a carrier hit's line, all rebuilt from the log.
#[tokio::test]
async fn a_restart_rebuilds_the_same_board_from_the_log() {
    let config = format!("{}\n[purchases]\napproval_window_seconds = 60\n\n[carrier_hits]\nfee = 2.5\n", config_text());
    let r = start_with(&config, Default::default()).await;
    for (lane, s) in [("a", "s-a"), ("b", "s-b")] {
        hook(&r, "sessionCreated", lane, s).await;
        hook(&r, "sessionStarted", lane, s).await;
    }
    hook(&r, "sessionPaused", "b", "s-b").await;
    hook(&r, "help", "a", "s-a").await;
    hook(&r, "help", "b", "s-b").await;
    hook(&r, "carrierHit", "b", "s-b").await;
    let first_call = r.app.live().with(|b| b.view(jiff::Timestamp::now()).help[0].help_id);
    post(&r, &format!("/api/help/{first_call}/ack"), json!({"by": "Sam"})).await;
    // Ammunition is asked of the desk (the default rule), so the whole request is held.
    let items = json!([{"id": "AMMO-9MM", "qty": 2}, {"id": "TARGET-B27", "qty": 1}]);
    let (trace, answer) =
        held(&r, json!({"event": "purchaseRequest", "session_id": "s-a", "lane_id": "a", "items": items})).await;
    post(&r, &format!("/api/purchases/{trace}/approve"), json!({"by": "Kim"})).await;
    assert_eq!(answer.await.unwrap(), 200, "the lane was told yes");
    post(&r, &format!("/api/tab/{trace}:0/delivered"), json!({"by": "Lee"})).await;

    // One instant for both views, so countdowns and the 12-hour window of decided purchases agree.
    let at = jiff::Timestamp::now();
    let before = r.app.live().view(at);
    let before_http = r.get_json(&r.board("/api/board")).await;
    let dir = r.stop().await;
    let r = start_in(dir, &config, Default::default()).await;
    let after = r.app.live().view(at);
    let after_http = r.get_json(&r.board("/api/board")).await;

    // What the board held before the restart, so that an empty board cannot pass.
    let session = |id: &str| before.sessions.iter().find(|s| s.session_id == id).unwrap();
    assert_eq!(session("s-a").state, SessionState::Active);
    assert_eq!(session("s-b").state, SessionState::Paused);
    assert_eq!(session("s-b").carrier_hits, 1);
    let lanes: Vec<_> = before.lanes.iter().map(|l| (l.lane_id.as_str(), l.open_help, l.carrier_hits)).collect();
    assert_eq!(lanes, [("a", 1, 0), ("b", 1, 1)], "both lanes, each with its open call");
    let acks: Vec<_> = before.help.iter().map(|h| h.acknowledged_by.as_deref()).collect();
    assert_eq!(acks, [Some("Sam"), None], "one call acknowledged, one still open");
    let [p] = &before.purchases[..] else { panic!("one purchase: {:?}", before.purchases) };
    assert_eq!(
        (p.trace_id.as_str(), p.status, p.decided_by.as_deref()),
        (trace.as_str(), Status::Approved, Some("Kim"))
    );
    let mut tab: Vec<_> = before
        .tab
        .iter()
        .map(|t| (t.product_id.as_str(), t.to_deliver, t.delivered_by.as_deref(), t.total_cents))
        .collect();
    tab.sort_unstable();
    assert_eq!(
        tab,
        [("AMMO-9MM", false, Some("Lee"), 3798), ("TARGET-B27", true, None, 150), ("carrier_hit", false, None, 250)],
        "the purchase's two lines, one delivered and one to deliver, and the carrier hit's fee"
    );

    // …and the restarted board holds all of it, part for part.
    assert_eq!(after.lanes, before.lanes, "lanes survive a restart unchanged");
    assert_eq!(after.sessions, before.sessions, "sessions survive a restart unchanged");
    assert_eq!(after.help, before.help, "help calls, acknowledged or not, survive a restart");
    assert_eq!(after.purchases, before.purchases, "the decided purchase survives a restart");
    assert_eq!(after.tab, before.tab, "tab lines, delivered or not, survive a restart");
    assert_eq!(after.vendors, before.vendors, "the last delivery per vendor survives a restart");
    assert_ne!(after.run, before.run, "a restart is another run of the app");
    let after = rangedesk_core::BoardView { run: before.run.clone(), ..after };
    assert_eq!(after, before, "the whole board at one instant is the same after a restart");
    for key in ["lanes", "sessions", "help", "purchases", "tab", "ceasefire", "last_event_id"] {
        assert_eq!(before_http[key], after_http[key], "{key} survives a restart unchanged");
    }
}

/// Reads Server-Sent Events from a streaming response until one named `board` is complete.
async fn next_board(resp: &mut reqwest::Response, buf: &mut String) -> Value {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: board") {
                let data: String = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                return serde_json::from_str(&data).unwrap();
            }
            continue;
        }
        let chunk =
            tokio::time::timeout(std::time::Duration::from_secs(5), resp.chunk()).await.unwrap().unwrap().unwrap();
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_stream_pushes_the_board_at_once_and_on_every_change() {
    let r = start().await;
    let mut resp = r.http.get(r.board("/api/stream")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    let first = next_board(&mut resp, &mut buf).await;
    assert!(first["lanes"].as_array().unwrap().is_empty(), "a new client gets the current board at once");
    // A burst of changes arrives as one message, not one per event.
    for i in 0..5 {
        hook(&r, "sessionCreated", &format!("lane-{i}"), &format!("s-{i}")).await;
    }
    let mut seen = next_board(&mut resp, &mut buf).await;
    while seen["sessions"].as_array().unwrap().len() < 5 {
        seen = next_board(&mut resp, &mut buf).await;
    }
    assert_eq!(seen["lanes"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn the_stream_sets_a_short_retry_and_a_graceful_stop_ends_it() {
    let r = start().await;
    let mut resp = r.http.get(r.board("/api/stream")).send().await.unwrap();
    let mut buf = String::new();
    while !buf.contains("\n\n") {
        buf.push_str(std::str::from_utf8(&resp.chunk().await.unwrap().unwrap()).unwrap());
    }
    // Browsers then reopen an ended stream within half a second, well inside the page's 3 s grace
    // before "connection lost" (their own default, about 3 s, raced it).
    assert!(buf.lines().any(|l| l == "retry: 500"), "the first event sets the reconnect delay: {buf:.200}");
    next_board(&mut resp, &mut buf).await;
    let began = std::time::Instant::now();
    r.app.shutdown();
    // The stream is an in-flight response: were it not ended, the stop would wait out the whole
    // drain timeout (the approval window and 10 s: 30 s by default) for every open browser.
    tokio::time::timeout(std::time::Duration::from_secs(5), r.app.stopped()).await.expect("stopped within 5 s");
    let rest = tokio::time::timeout(std::time::Duration::from_secs(5), resp.chunk()).await.expect("the stream ended");
    assert!(matches!(rest, Ok(None)), "the stream ends cleanly, not cut off: {rest:?}");
    assert!(began.elapsed() < std::time::Duration::from_secs(5));
}
