//! `rangedesk-sim year` as a person runs it: the real binary fills a store, and a real core started
//! on that directory (its config as written) answers the history over loopback HTTP. A week of a
//! small range, across the spring DST change.

use rangedesk_core::app::App;
use rusqlite::Connection;
use std::process::Command;
use tokio::net::TcpListener;

fn one(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_is_stored_as_the_live_app_stores_it_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("range");
    let out = Command::new(env!("CARGO_BIN_EXE_rangedesk-sim"))
        .args(["year", "--data-dir", data.to_str().unwrap(), "--days", "7", "--lanes", "8"])
        .args(["--start", "2026-03-25", "--time-zone", "Europe/Amsterdam", "--seed", "11"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" events, "), "a summary at the end");
    let again = Command::new(env!("CARGO_BIN_EXE_rangedesk-sim"))
        .args(["year", "--data-dir", data.to_str().unwrap(), "--days", "1"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "never adds to a store that is there");

    let c = Connection::open(data.join("rangedesk.db")).unwrap();
    let kinds = [
        ("action_target", "webhook", "sessionStarted"),
        ("action_target", "webhook", "sessionStopped"),
        ("action_target", "webhook", "sessionPaused"),
        ("action_target", "webhook", "help"),
        ("action_target", "webhook", "carrierHit"),
        ("action_target", "webhook", "purchaseRequest"),
        ("action_target", "staff", "helpAcknowledged"),
        ("action_target", "staff", "helpResolved"),
        ("action_target", "rangedesk", "purchaseHeld"),
        ("action_target", "rangedesk", "purchaseApproved"),
        ("action_target", "staff", "purchaseApproved"),
        ("action_target", "staff", "purchaseDeclined"),
        ("action_target", "rangedesk", "purchaseDeclined"),
        ("action_target", "rangedesk", "purchaseMissed"),
        ("action_target", "poll", "sessionObserved"),
        ("action_target", "poll", "sessionVanished"),
        ("action_target", "poll", "rangeSetup"),
        ("enviso", "webhook", "ORDER_CREATED"),
        ("enviso", "webhook", "PASS_SCANNED"),
        ("samna", "webhook", "booking_created"),
        ("samna", "webhook", "checkin_started"),
        ("samna", "webhook", "code_scanned"),
    ];
    for (source, origin, kind) in kinds {
        let n = one(
            &c,
            &format!(
                "SELECT count(*) FROM events WHERE source = '{source}' AND origin = '{origin}' AND kind = '{kind}'"
            ),
        );
        assert!(n > 0, "{source} {origin} {kind}: none stored");
    }
    // A duplicate is a delivery of its own, recorded as one, with no event; the first is accepted.
    let duplicates = one(&c, "SELECT count(*) FROM deliveries WHERE verdict = 'duplicate'");
    let deliveries = one(&c, "SELECT count(*) FROM deliveries");
    assert!(duplicates * 200 > deliveries && duplicates * 40 < deliveries, "about 1%: {duplicates} of {deliveries}");
    let orphan = "SELECT count(*) FROM deliveries d WHERE verdict = 'duplicate' AND (
        EXISTS (SELECT 1 FROM events e WHERE e.delivery_id = d.id) OR NOT EXISTS (SELECT 1 FROM deliveries a
        WHERE a.verdict = 'accepted' AND a.source = d.source AND a.dedup_key = d.dedup_key AND a.received_at < d.received_at))";
    assert_eq!(one(&c, orphan), 0, "each duplicate repeats an earlier accepted delivery and adds no event");
    let refused = one(&c, "SELECT count(*) FROM deliveries WHERE verdict = 'rejected' AND status = 401");
    assert!(refused * 1000 > deliveries && refused * 50 < deliveries, "about 0.5%: {refused} of {deliveries}");
    assert_eq!(
        one(
            &c,
            "SELECT count(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.verdict <> 'accepted'"
        ),
        0
    );
    drop(c);

    let file = rangedesk_core::paths::default_config(&data);
    let checked = rangedesk_core::config::load(&file).unwrap();
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = App::start_on(checked, data.clone(), public, board, Default::default()).await.unwrap();
    let http = reqwest::Client::new();
    let get = |day: &str| {
        let url = format!("http://{}/api/history/{day}", app.board_addr());
        let http = http.clone();
        async move { http.get(&url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    // Sunday 29 March 2026: clocks go forward in Amsterdam, a day of 23 hours, and a busy one.
    let dst = get("2026-03-29").await;
    assert_eq!(dst["hours"], 23, "{dst}");
    let sessions: f64 = dst["lanes"]["stats"].as_array().unwrap().iter().map(|l| l["sessions"].as_f64().unwrap()).sum();
    assert!(sessions > 8.0 * 5.0, "8 lanes at a weekend: {sessions}");
    let vendors = dst["deliveries"]["by_vendor"].as_array().unwrap();
    let accepted: u64 = vendors.iter().map(|v| v["accepted"].as_u64().unwrap()).sum();
    assert!(accepted > 100, "{vendors:?}");
    let week = get("2026-03-25").await;
    assert_eq!(week["hours"], 24);
    app.shutdown();
    app.stopped().await;
}
