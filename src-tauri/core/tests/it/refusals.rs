//! Refused deliveries cannot fill the disk (issue 10, point 4), through real HTTP on loopback into
//! the real store: a refused body is kept only in part (with its length and hash), a client past
//! its rate of refusals is counted without rows, old refusals are pruned, and below the free-space
//! floor refusals leave no row. Accepted deliveries are kept whole throughout.

use crate::support;

use futures::StreamExt;
use rangedesk_core::testing::refusals::{KEPT_BODY_BYTES, ROWS_PER_CLIENT_PER_MINUTE};
use rangedesk_core::testing::samna;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use support::*;

const FLOOD: usize = 200;

/// A Samna-shaped body of about 60 KB whose first bytes say which post it was.
fn padded_samna_body(id: &str, size: usize) -> String {
    let head = format!(
        "{{\"id\":\"{id}\",\"event_name\":\"booking_created\",\"timestamp\":\"2026-11-24T10:00:00Z\",\"context\":{{\"booking\":{{\"id\":\"b-{id}\"}}}},\"pad\":\""
    );
    let pad = "p".repeat(size - head.len() - 2);
    format!("{head}{pad}\"}}")
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The size the store file has once its log is checkpointed: its pages as a reader sees them,
/// committed log included (the log itself is transient, bounded by the writer's checkpoints).
fn store_size(dir: &std::path::Path) -> u64 {
    let c = open_db(dir);
    let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let page_size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    (pages * page_size) as u64
}

async fn rejected_rows(r: &Running, source: &str) -> Vec<Value> {
    let log = r.get_json(&r.board(&format!("/api/deliveries?source={source}&verdict=rejected&limit=1000"))).await;
    log["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unsigned_samna_posts_keeps_little_and_a_signed_one_after_is_kept_whole() {
    let r = start().await;
    let before = store_size(r.dir.path());
    let bodies: Vec<String> = (0..FLOOD).map(|i| padded_samna_body(&format!("evt-{i:03}"), 60 * 1024)).collect();
    let expected: HashMap<String, (usize, String)> =
        bodies.iter().enumerate().map(|(i, b)| (format!("evt-{i:03}"), (b.len(), sha256_hex(b.as_bytes())))).collect();
    let statuses: Vec<u16> = futures::stream::iter(bodies.clone())
        .map(|b| {
            let req = r.http.post(r.public("/hooks/samna")).body(b);
            async move { req.send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 401), "the vendor's answer does not change: {statuses:?}");

    let grown = store_size(r.dir.path()) - before;
    // 200 whole bodies are 12.3 MB (main kept them all: 12.9 MB). At most 60 rows of at most
    // 2 KiB of body and a few hundred bytes of headers and reason are ~170 KB; 1.5 MB leaves room
    // for index and free pages and still fails if even a tenth of the bodies were kept whole.
    assert!(grown < 1_500_000, "the flood grew the store by {grown} bytes");

    let rows = rejected_rows(&r, "samna").await;
    assert!(!rows.is_empty(), "refusals are still logged, up to the rate");
    for row in &rows {
        let body = row["body"].as_str().unwrap();
        assert!(body.len() <= KEPT_BODY_BYTES, "at most {KEPT_BODY_BYTES} bytes of a refused body: {}", body.len());
        let id = &body[7..14];
        let (len, sha) = &expected[id];
        assert!(bodies.iter().any(|b| b.starts_with(body)), "the kept bytes are the body's first ones");
        assert_eq!(row["body_bytes"], *len as u64, "{id}: the length is the whole body's");
        assert_eq!(row["body_sha256"], sha.as_str(), "{id}: the hash is the whole body's, so it can be matched");
        assert_eq!(row["body_truncated"], true, "{id}: the log says the body was cut");
    }

    // A real delivery after the flood is not held back by it, and is kept whole.
    let body = padded_samna_body("evt-real", 10 * 1024);
    let t = jiff::Timestamp::now().as_second();
    let header = format!("t={t},v1={}", samna::sign(SAMNA_SECRET, t, body.as_bytes()));
    let ok = r.http.post(r.public("/hooks/samna")).header("x-samna-signature", header).body(body.clone()).send().await;
    assert_eq!(ok.unwrap().status(), 200, "a signed delivery is accepted after a flood of refusals");
    let log = r.get_json(&r.board("/api/deliveries?source=samna&verdict=accepted")).await;
    let row = &log["items"][0];
    assert_eq!(row["body"], body.as_str(), "an accepted delivery keeps its whole body");
    assert_eq!(row["body_bytes"], body.len() as u64);
    assert_eq!(row["body_truncated"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_its_rate_a_client_is_counted_without_rows_and_status_says_how_many() {
    let r = start().await;
    let sent = 100;
    for i in 0..sent {
        let resp = r.http.post(r.public("/hooks/enviso")).body(format!("<not json {i}/>")).send().await.unwrap();
        assert_eq!(resp.status(), 400, "the vendor's answer does not change past the rate");
        assert!(resp.json::<Value>().await.unwrap()["error"].is_string());
    }
    let rows = rejected_rows(&r, "enviso").await.len();
    assert_eq!(rows, ROWS_PER_CLIENT_PER_MINUTE, "one client gets this many refused rows a minute");
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["refused_unlogged"], (sent - rows) as u64, "every refusal past the rate is counted");
    assert_eq!(status["refusals_logging"], "rate_limited", "{status}");

    // Another address is its own client: one flooding client does not silence the log for others.
    let other = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
    let resp = other.post(r.public("/hooks/enviso")).body("<other/>").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let kept = rejected_rows(&r, "enviso").await;
    assert_eq!(kept.len(), rows + 1, "the other client's refusal has its row");
    assert!(kept[0]["remote_addr"].as_str().unwrap().starts_with("127.0.0.2:"), "{}", kept[0]);

    let dir = r.stop().await;
    assert_eq!(
        count(dir.path(), "SELECT coalesce(sum(value), 0) FROM counters WHERE name LIKE 'refused_unlogged%'"),
        (sent - rows) as i64,
        "the count is saved and survives a restart"
    );
}

#[tokio::test]
async fn refused_rows_are_pruned_after_30_days_and_accepted_ones_never() {
    let r = start().await;
    let refused = r.http.post(r.public("/hooks/samna")).body("{}").send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = r.http.post(r.public("/hooks/enviso")).body(enviso_body("n-1", "ORDER_CREATED")).send().await;
    assert_eq!(accepted.unwrap().status(), 200);
    let verdicts = async || -> Vec<String> {
        let log = r.get_json(&r.board("/api/deliveries")).await;
        log["items"].as_array().unwrap().iter().map(|d| d["verdict"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(verdicts().await, ["accepted", "rejected"]);

    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);
    rangedesk_core::testing::refusals::prune(r.app.store(), now + day * 29).await.unwrap();
    assert_eq!(verdicts().await, ["accepted", "rejected"], "a 29-day-old refusal is kept");
    let removed = rangedesk_core::testing::refusals::prune(r.app.store(), now + day * 31).await.unwrap();
    assert_eq!(removed, 1, "one refused row was older than 30 days");
    assert_eq!(verdicts().await, ["accepted"], "the refusal is pruned, the accepted delivery of the same age is not");
    let events = r.get_json(&r.board("/api/events")).await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "the accepted delivery's event is untouched");
}

#[tokio::test]
async fn below_the_free_space_floor_refusals_leave_no_row_and_accepted_ones_still_commit() {
    // A floor above any disk's free space is a disk that is always nearly full.
    let options = rangedesk_core::testing::store::Options { refusal_floor_bytes: u64::MAX, ..Default::default() };
    let r = start_with(&config_text(), options).await;
    for _ in 0..3 {
        let resp = r.http.post(r.public("/hooks/samna")).body("{}").send().await.unwrap();
        assert_eq!(resp.status(), 401, "the vendor's answer does not change on a full disk");
    }
    assert!(rejected_rows(&r, "samna").await.is_empty(), "no refusal row is written below the floor");
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["refusals_logging"], "paused_low_disk", "{status}");
    assert_eq!(status["refused_unlogged"], 3, "the refusals are counted instead");
    assert!(status["data_free_bytes"].is_u64(), "Status shows the free space it judged by: {status}");

    let (body, header) = samna_delivery("evt-1", "booking_created");
    let ok = r.http.post(r.public("/hooks/samna")).header("x-samna-signature", header).body(body).send().await;
    assert_eq!(ok.unwrap().status(), 200, "an accepted delivery is never dropped for lack of room for refusals");
    let log = r.get_json(&r.board("/api/deliveries?source=samna")).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["verdict"], "accepted");
}
