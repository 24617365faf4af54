//! What the board's screens read, over real HTTP: the day's bookings, check-ins and scans cut in
//! the range's time zone, the ageing thresholds and vendor health in the board view, waiting
//! lanes' ages, and purchase items named from the catalogue.

use crate::support;

use rangedesk_core::testing::{enviso, samna};
use serde_json::{Value, json};
use std::time::Duration;
use support::*;

/// A signed Enviso notification about `data`.
async fn enviso_post(r: &Running, id: &str, event: &str, data: Value) {
    let ts = "2026-11-24T10:00:00.000Z";
    let sig = enviso::sign_double(ENVISO_KEY, &enviso::signed_string(id, "TENANT", event, ts));
    let body = json!({"id": id, "tenant": "TENANT", "event": event, "timestamp": ts, "data": data, "signature": sig});
    let resp = r.http.post(r.public("/hooks/enviso")).body(body.to_string()).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{event}");
}

/// A signed Samna event with this context.
async fn samna_post(r: &Running, id: &str, event: &str, context: Value) {
    let body =
        json!({"id": id, "event_name": event, "timestamp": "2026-11-24T10:00:00Z", "context": context}).to_string();
    let t = jiff::Timestamp::now().as_second();
    let header = format!("t={t},v1={}", samna::sign(SAMNA_SECRET, t, body.as_bytes()));
    let resp =
        r.http.post(r.public("/hooks/samna")).header("x-samna-signature", header).body(body).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{event}");
}

fn subjects(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| (v["subject"].as_str().unwrap_or("").to_owned(), v["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn today_lists_bookings_checkins_and_scans_in_the_ranges_time_zone() {
    // UTC+14: for ten hours of every UTC day, "today" here is already tomorrow in UTC terms, so
    // a day cut in UTC instead of the range's zone would be a different date.
    let zone = "Pacific/Kiritimati";
    let r = start_with(&format!("{}\n[server]\ntime_zone = \"{zone}\"\n", config_text()), Default::default()).await;
    enviso_post(&r, "n1", "BOOKING_CREATED", json!({"id": "bk-1"})).await;
    enviso_post(&r, "n2", "BOOKING_CREATED", json!({"id": "bk-2"})).await;
    enviso_post(&r, "n3", "BOOKINGS_CANCELLED", json!({"ids": ["bk-1"]})).await;
    enviso_post(&r, "n4", "PASS_SCANNED", json!({"id": "pass-9"})).await;
    enviso_post(&r, "n5", "SOMETHING_NEW", json!({"id": "x"})).await;
    samna_post(&r, "e1", "checkin_created", json!({"checkin": {"id": "ci-1"}, "booking": {"id": "sb-1"}})).await;
    samna_post(&r, "e2", "checkin_started", json!({"checkin": {"id": "ci-1"}, "booking": {"id": "sb-1"}})).await;
    samna_post(&r, "e3", "code_scanned", json!({"code": {"id": "code-7"}, "booking": {"id": "sb-1"}})).await;
    samna_post(&r, "e4", "booking_created", json!({"booking": {"id": "sb-1"}})).await;

    let today = r.get_json(&r.board("/api/today")).await;
    let expected_day = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).date().to_string();
    assert_eq!(today["day"], expected_day.as_str(), "the day is today where the range is");
    assert_eq!(today["time_zone"], zone);
    let from: jiff::Timestamp = today["from"].as_str().unwrap().parse().unwrap();
    let to: jiff::Timestamp = today["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(to.as_second() - from.as_second(), 86_400, "a whole day, no DST in Kiribati");
    let midnight = from.to_zoned(jiff::tz::TimeZone::get(zone).unwrap());
    assert_eq!((midnight.hour(), midnight.minute()), (0, 0), "the day starts at midnight in the range's zone");

    // Newest activity first; a booking made then cancelled is one line that says so.
    assert_eq!(
        subjects(&today["bookings"]),
        [("sb-1".into(), "booked".into()), ("bk-1".into(), "cancelled".into()), ("bk-2".into(), "booked".into())]
    );
    assert_eq!(today["bookings"][1]["events"], 2);
    assert_eq!(subjects(&today["checkins"]), [("ci-1".into(), "checked in".into())]);
    assert_eq!(today["checkins"][0]["booking"], "sb-1", "a check-in names its booking");
    assert_eq!(
        subjects(&today["scans"]),
        [("code-7".into(), "code scanned".into()), ("pass-9".into(), "pass scanned".into())]
    );
    assert_eq!(today["scans"][1]["source"], "enviso");

    // Another day has none of them; the same route answers for it; a bad day is refused.
    let yesterday = jiff::civil::Date::strptime("%Y-%m-%d", &expected_day).unwrap().yesterday().unwrap();
    let other = r.get_json(&r.board(&format!("/api/visits?day={yesterday}"))).await;
    assert_eq!(other["day"], yesterday.to_string().as_str());
    assert!(other["bookings"].as_array().unwrap().is_empty());
    let bad = r.http.get(r.board("/api/visits?day=24-11-2026")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let v: Value = bad.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("day"), "{v}");
}

#[tokio::test]
async fn a_day_is_cut_at_local_midnight_across_a_dst_change() {
    let r = start_with(&format!("{}\n[server]\ntime_zone = \"Europe/Brussels\"\n", config_text()), Default::default())
        .await;
    // Clocks go forward on 2026-03-29 and back on 2026-10-25 in Brussels: 23 and 25 hours.
    for (day, from, hours) in [("2026-03-29", "2026-03-28T23:00:00Z", 23), ("2026-10-25", "2026-10-24T22:00:00Z", 25)] {
        let v = r.get_json(&r.board(&format!("/api/visits?day={day}"))).await;
        let (f, t): (jiff::Timestamp, jiff::Timestamp) =
            (v["from"].as_str().unwrap().parse().unwrap(), v["to"].as_str().unwrap().parse().unwrap());
        assert_eq!(f, from.parse::<jiff::Timestamp>().unwrap(), "{day} starts at local midnight");
        assert_eq!((t.as_second() - f.as_second()) / 3600, hours, "{day} is {hours} hours long");
    }
}

#[tokio::test]
async fn the_board_view_carries_ageing_vendor_health_and_waiting_lanes() {
    let extra =
        "\n[board]\nageing_amber_seconds = 30\nageing_red_seconds = 90\n\n[notifications]\nvendor_silent_minutes = 7\n";
    let r = start_with(&format!("{}{extra}", config_text()), Default::default()).await;
    let board = r.get_json(&r.board("/api/board")).await;
    assert_eq!((board["ageing_amber_seconds"].as_u64(), board["ageing_red_seconds"].as_u64()), (Some(30), Some(90)));
    assert_eq!(board["vendor_silent_minutes"], 7);
    let vendors = board["vendors"].as_array().unwrap();
    assert_eq!(
        vendors.iter().map(|v| v["source"].as_str().unwrap()).collect::<Vec<_>>(),
        ["action_target", "enviso", "samna"]
    );
    assert!(vendors.iter().all(|v| v["last_delivery_at"].is_null()), "nothing has arrived yet");

    let before = jiff::Timestamp::now();
    let resp = r.http.post(r.at_hook()).body(at_body("sessionCreated", "lane-1", "s-1")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let board = r.get_json(&r.board("/api/board")).await;
    let since: jiff::Timestamp =
        board["lanes"][0]["waiting_since"].as_str().expect("a waiting lane ages").parse().unwrap();
    assert!(since >= before - Duration::from_secs(1) && since <= jiff::Timestamp::now(), "{since}");
    let at: jiff::Timestamp = board["vendors"][0]["last_delivery_at"].as_str().unwrap().parse().unwrap();
    assert!(at >= before - Duration::from_secs(1), "the lane event is Action Target's last delivery");
    assert!(board["vendors"][1]["last_delivery_at"].is_null(), "Enviso has still sent nothing");

    enviso_post(&r, "n1", "ORDER_CREATED", json!({"id": "o-1"})).await;
    let resp = r.http.post(r.at_hook()).body(at_body("sessionStarted", "lane-1", "s-1")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let board = r.get_json(&r.board("/api/board")).await;
    assert!(board["lanes"][0]["waiting_since"].is_null(), "the shooter arrived: the lane no longer waits");
    assert!(board["vendors"][1]["last_delivery_at"].is_string());

    // The window's stream carries the same view as the board route.
    let mut stream = r.http.get(r.board("/api/stream")).send().await.unwrap();
    let chunk = String::from_utf8(stream.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(chunk.contains("\"ageing_red_seconds\":90"), "{chunk}");
}

#[tokio::test]
async fn purchase_items_are_named_from_the_catalogue() {
    let r = start().await;
    let created = r.http.post(r.at_hook()).body(at_body("sessionCreated", "lane-1", "s-1")).send().await.unwrap();
    assert_eq!(created.status(), 200);
    // Ammo asks the desk by default: the purchase waits on the board with its items named.
    let body = json!({"event": "purchaseRequest", "session_id": "s-1", "lane_id": "lane-1",
        "items": [{"id": "AMMO-9MM", "qty": 2}, {"id": "NOT-IN-CATALOGUE", "qty": 1}]})
    .to_string();
    let (http, url) = (r.http.clone(), r.at_hook());
    let answer = tokio::spawn(async move { http.post(url).body(body).send().await.unwrap().status().as_u16() });
    let pending = eventually(Duration::from_secs(5), async || {
        r.get_json(&r.board("/api/board")).await["purchases"].as_array().is_some_and(|p| !p.is_empty())
    })
    .await;
    assert!(pending, "the purchase shows as pending");
    let board = r.get_json(&r.board("/api/board")).await;
    let items = &board["purchases"][0]["items"];
    assert_eq!(items[0]["display_name"], "9mm FMJ 115 gr, box of 50");
    assert_eq!(items[0]["product_type"], "ammo");
    assert!(items[1]["display_name"].is_null(), "an id the catalogue does not list has no name");
    assert_eq!(items[1]["product_type"], "unknown");
    let trace = board["purchases"][0]["trace_id"].as_str().unwrap().to_owned();
    let ok = r.act(&format!("/api/purchases/{trace}/approve")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(answer.await.unwrap(), 200);
    let decided = r.get_json(&r.board(&format!("/api/purchases/{trace}"))).await;
    assert_eq!(decided["items"][0]["display_name"], "9mm FMJ 115 gr, box of 50", "still named once decided");
}
