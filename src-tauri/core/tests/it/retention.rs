//! Retention (issue 13, point 7): pruning the raw bodies of a day leaves its history report and
//! the board rebuilt from the log exactly as they were; only the bodies no reader needs go, and
//! their length and hash stay in the delivery log.

use crate::history::{busy_day, start_range};
use crate::support::eventually;
use rangedesk_core::Inbound;
use rangedesk_core::domain::Source;
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
    // A hit whose body carries a customer's detail (vendors add fields; the body keeps them).
    let at = "2026-06-10T11:00:00Z".parse::<jiff::Timestamp>().unwrap();
    let body =
        serde_json::json!({"event": "carrierHit", "lane_id": "L3", "session_id": "s1", "note": MARKER}).to_string();
    let hit = Inbound {
        source: Source::ActionTarget,
        headers: http::HeaderMap::new(),
        body: body.into_bytes(),
        remote_addr: None,
        now: at,
    };
    r.app.receive(hit).await.unwrap();
    let url = r.board("/api/history/2026-06-10");
    let before = r.get_json(&url).await;
    let c = crate::support::open_db(r.dir.path());
    let board_before = replayed(&c);
    let bodies = |sql: &str| crate::support::count(r.dir.path(), sql);
    let whole = "SELECT count(*) FROM deliveries WHERE verdict <> 'rejected' AND body IS NOT NULL AND body_len IS NULL";
    assert_eq!(bodies(whole), 11, "9 lane webhooks (2 of them purchase requests) and the Enviso order twice");

    // Forever by default: nothing goes.
    let ten_days_on = "2026-06-20T12:00:00Z".parse::<jiff::Timestamp>().unwrap();
    assert_eq!(prune_bodies(r.app.store(), 0, ten_days_on).await.unwrap(), 0);
    // A limit the day is within: nothing goes either.
    assert_eq!(prune_bodies(r.app.store(), 30, ten_days_on).await.unwrap(), 0);
    // Seven days: every body of the day goes but the purchase requests' (the report and the board
    // read their items).
    let pruned = prune_bodies(r.app.store(), 7, ten_days_on).await.unwrap();
    assert_eq!(pruned, 9, "7 lane webhooks, the accepted Enviso order and its duplicate, of 11");
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
        9,
        "a pruned body's length and SHA-256 stay"
    );
    assert_eq!(prune_bodies(r.app.store(), 7, ten_days_on).await.unwrap(), 0, "a second pass finds nothing");

    let after = r.get_json(&url).await;
    assert_eq!(after, before, "the day's report is the same, figure for figure");
    assert_eq!(replayed(&c), board_before, "the board rebuilt from the log is the same");
    // Events, verdicts and the delivery log stay: only the bodies went.
    let deliveries = r.get_json(&r.board("/api/deliveries?limit=100")).await;
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 13, "every delivery is still in the log, refusals included");
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

const MARKER: &str = "customer-detail-7f3a9c";

/// Whether `needle` is anywhere in the store's file once the WAL is checkpointed into it.
fn in_file(dir: &std::path::Path, needle: &str) -> bool {
    let c = crate::support::open_db(dir);
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let bytes = std::fs::read(dir.join("rangedesk.db")).unwrap();
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_limit_set_in_settings_prunes_in_the_background_at_once_and_the_bytes_leave_the_file() {
    let r = start_range().await;
    // Old hits whose bodies carry a customer's detail (vendors add fields; the body keeps them),
    // each beside a newer delivery that stays, so pruning leaves their pages partly in use.
    let old = "2026-06-10T11:00:00Z".parse::<jiff::Timestamp>().unwrap();
    for n in 0..20 {
        let note = format!("{MARKER}-{n:02}");
        let body = serde_json::json!({"event": "carrierHit", "lane_id": "L3", "session_id": "s1", "note": note});
        let hit = Inbound {
            source: Source::ActionTarget,
            headers: http::HeaderMap::new(),
            body: body.to_string().into_bytes(),
            remote_addr: None,
            now: old,
        };
        r.app.receive(hit).await.unwrap();
        let newer = crate::support::at_body("help", "L1", &format!("s-new-{n}"));
        let resp = r.http.post(r.at_hook()).body(newer).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    assert!(in_file(r.dir.path(), MARKER), "stored, and findable in the file");
    let resp = r
        .http
        .put(r.board("/api/settings/store"))
        .json(&serde_json::json!({"keep_bodies_days": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let whole = "SELECT count(*) FROM deliveries WHERE body IS NOT NULL";
    let pruned =
        eventually(std::time::Duration::from_secs(10), async || crate::support::count(r.dir.path(), whole) == 20).await;
    assert!(
        pruned,
        "the background task took the new limit without waiting for its hour: {}",
        crate::support::count(r.dir.path(), whole)
    );
    assert!(!in_file(r.dir.path(), MARKER), "secure_delete: the pruned body's bytes are not left in the file");
    let resp = r
        .http
        .put(r.board("/api/settings/store"))
        .json(&serde_json::json!({"keep_bodies_days": 40_000}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["key"], "store.keep_bodies_days", "{v}");
}
