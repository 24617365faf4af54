//! Retention (issue 13, point 7): pruning the raw bodies of a day leaves its history report and
//! the board rebuilt from the log exactly as they were; only the bodies no reader needs go, and
//! their length and hash stay in the delivery log.

use crate::history::{busy_day, start_range};
use rangedesk_core::testing::Board;
use rangedesk_core::testing::retention::prune_bodies;
use rangedesk_core::testing::store::events;

fn replayed(c: &rusqlite::Connection) -> Board {
    let mut b = Board::default();
    for e in events::after(c, 0, u32::MAX).unwrap() {
        b.apply(&e);
    }
    b
}

#[tokio::test]
async fn a_days_report_and_the_board_are_unchanged_after_its_bodies_are_pruned() {
    let r = start_range().await;
    busy_day(&r).await;
    let url = r.board("/api/history/2026-06-10");
    let before = r.get_json(&url).await;
    let c = crate::support::open_db(r.dir.path());
    let board_before = replayed(&c);
    let bodies = |sql: &str| crate::support::count(r.dir.path(), sql);
    let whole = "SELECT count(*) FROM deliveries WHERE verdict <> 'rejected' AND body IS NOT NULL AND body_len IS NULL";
    assert_eq!(bodies(whole), 10, "8 lane webhooks (2 of them purchase requests) and the Enviso order twice");

    // Forever by default: nothing goes.
    let ten_days_on = "2026-06-20T12:00:00Z".parse::<jiff::Timestamp>().unwrap();
    assert_eq!(prune_bodies(r.app.store(), 0, ten_days_on).await.unwrap(), 0);
    // A limit the day is within: nothing goes either.
    assert_eq!(prune_bodies(r.app.store(), 30, ten_days_on).await.unwrap(), 0);
    // Seven days: every body of the day goes but the purchase requests' (the report and the board
    // read their items).
    let pruned = prune_bodies(r.app.store(), 7, ten_days_on).await.unwrap();
    assert_eq!(pruned, 8, "6 lane webhooks, the accepted Enviso order and its duplicate, of 10");
    assert_eq!(bodies(whole), 2);
    assert_eq!(
        bodies(
            "SELECT count(*) FROM deliveries d JOIN events e ON e.delivery_id = d.id AND e.kind = 'purchaseRequest' WHERE d.body IS NOT NULL"
        ),
        2,
        "the purchase requests keep theirs"
    );
    assert_eq!(
        bodies("SELECT count(*) FROM deliveries WHERE body IS NULL AND body_len > 0 AND length(body_sha256) = 64"),
        8,
        "a pruned body's length and SHA-256 stay"
    );
    assert_eq!(prune_bodies(r.app.store(), 7, ten_days_on).await.unwrap(), 0, "a second pass finds nothing");

    let after = r.get_json(&url).await;
    assert_eq!(after, before, "the day's report is the same, figure for figure");
    assert_eq!(replayed(&c), board_before, "the board rebuilt from the log is the same");
    // Events, verdicts and the delivery log stay: only the bodies went.
    let deliveries = r.get_json(&r.board("/api/deliveries?limit=100")).await;
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 12, "every delivery is still in the log, refusals included");
    let order = items.iter().find(|d| d["source"] == "enviso" && d["verdict"] == "accepted").unwrap();
    assert_eq!((order["body"].clone(), order["body_truncated"].as_bool()), (serde_json::Value::Null, Some(true)));
    assert!(order["body_bytes"].as_i64().unwrap() > 100, "its length as received");
    let feed = r.get_json(&r.board("/api/events?limit=100")).await;
    let carrier = feed["items"].as_array().unwrap().iter().find(|e| e["type"] == "carrierHit").unwrap();
    assert_eq!(
        (carrier["lane_id"].as_str(), carrier["data"].is_null()),
        (Some("L3"), true),
        "what degrades: the feed shows no data"
    );
}
