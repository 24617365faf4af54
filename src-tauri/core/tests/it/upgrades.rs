//! Upgrades (issue 13, point 6): a store of the oldest schema (migration 1: the delivery log and
//! the event log), with rows in both tables, is copied before it is migrated and comes through
//! to the current schema with every row as it was written; a store written by a newer version is
//! refused in one line and left untouched.

use crate::support::{config_text, start_in};
use rangedesk_core::app::App;
use rangedesk_core::config;
use rangedesk_core::testing::store::{self, backup, migrations};
use rusqlite::params;
use serde_json::{Value, json};

/// What version 1 held, row by row, as that version wrote it.
struct Delivery {
    trace_id: &'static str,
    received_at: i64,
    source: &'static str,
    verdict: &'static str,
    status: i64,
    reason: Option<&'static str>,
    dedup_key: Option<&'static str>,
    body: Option<Value>,
}

fn deliveries() -> Vec<Delivery> {
    let d = |trace_id, received_at, source, verdict, status, reason, dedup_key, body| Delivery {
        trace_id,
        received_at,
        source,
        verdict,
        status,
        reason,
        dedup_key,
        body,
    };
    vec![
        d(
            "t-1",
            1_764_000_000_000,
            "action_target",
            "accepted",
            200,
            None,
            None,
            Some(json!({"event": "sessionStarted", "lane_id": "L1", "session_id": "s-1"})),
        ),
        d(
            "t-2",
            1_764_000_060_000,
            "action_target",
            "accepted",
            200,
            None,
            None,
            Some(json!({"event": "help", "lane_id": "L1", "session_id": "s-1"})),
        ),
        d(
            "t-3",
            1_764_000_120_000,
            "enviso",
            "accepted",
            200,
            None,
            Some("TENANT:n-1"),
            Some(
                json!({"id": "n-1", "tenant": "TENANT", "event": "ORDER_CREATED", "timestamp": "2025-11-24T16:02:00Z", "data": {"id": "o-1"}}),
            ),
        ),
        d(
            "t-4",
            1_764_000_130_000,
            "enviso",
            "duplicate",
            200,
            None,
            Some("TENANT:n-1"),
            Some(
                json!({"id": "n-1", "tenant": "TENANT", "event": "ORDER_CREATED", "timestamp": "2025-11-24T16:02:00Z", "data": {"id": "o-1"}}),
            ),
        ),
        d("t-5", 1_764_000_140_000, "samna", "rejected", 401, Some("bad signature"), None, Some(json!({"id": "x"}))),
        d("t-6", 1_764_000_150_000, "samna", "rejected", 413, Some("body over 64 KiB"), None, None),
    ]
}

/// (delivery trace id, at, source, origin, kind, lane, session, subject, data).
type Event = (
    Option<&'static str>,
    i64,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Value,
);

fn events() -> Vec<Event> {
    vec![
        (
            Some("t-1"),
            1_764_000_000_000,
            "action_target",
            "webhook",
            "sessionStarted",
            Some("L1"),
            Some("s-1"),
            None,
            json!({"event": "sessionStarted", "lane_id": "L1", "session_id": "s-1"}),
        ),
        (
            Some("t-2"),
            1_764_000_060_000,
            "action_target",
            "webhook",
            "help",
            Some("L1"),
            Some("s-1"),
            None,
            json!({"event": "help", "lane_id": "L1", "session_id": "s-1"}),
        ),
        (
            Some("t-3"),
            1_764_000_120_000,
            "enviso",
            "webhook",
            "ORDER_CREATED",
            None,
            None,
            Some("o-1"),
            json!({"id": "n-1", "tenant": "TENANT", "event": "ORDER_CREATED", "timestamp": "2025-11-24T16:02:00Z", "data": {"id": "o-1"}}),
        ),
        (
            None,
            1_764_000_090_000,
            "action_target",
            "staff",
            "helpAcknowledged",
            Some("L1"),
            Some("s-1"),
            Some("2"),
            json!({"by": "Sam", "help_id": 2}),
        ),
        (
            None,
            1_764_000_200_000,
            "action_target",
            "poll",
            "sessionObserved",
            Some("L1"),
            Some("s-1"),
            None,
            json!({"session": {"session_id": "s-1", "minutes": 60}}),
        ),
    ]
}

fn oldest_store(db: &std::path::Path) {
    let mut c = rusqlite::Connection::open(db).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    migrations().to_version(&mut c, 1).unwrap();
    for d in deliveries() {
        c.execute(
            "INSERT INTO deliveries (trace_id, received_at, source, verdict, status, reason, dedup_key, remote_addr, headers, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '203.0.113.9', '{\"content-type\":\"application/json\"}', ?8)",
            params![d.trace_id, d.received_at, d.source, d.verdict, d.status, d.reason, d.dedup_key, d.body.map(|b| b.to_string().into_bytes())],
        )
        .unwrap();
    }
    for (trace, at, source, origin, kind, lane, session, subject, data) in events() {
        c.execute(
            "INSERT INTO events (delivery_id, at, source, origin, kind, known, lane_id, session_id, subject, vendor_time, data)
             VALUES ((SELECT id FROM deliveries WHERE trace_id = ?1), ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, NULL, ?9)",
            params![trace, at, source, origin, kind, lane, session, subject, data.to_string()],
        )
        .unwrap();
    }
}

/// A delivery row as stored: trace id, received at, source, verdict, status, reason, dedup key, body.
type DeliveryRow = (String, i64, String, String, i64, Option<String>, Option<String>, Option<Vec<u8>>);

fn rows(c: &rusqlite::Connection) -> (Vec<DeliveryRow>, i64) {
    let d = c
        .prepare("SELECT trace_id, received_at, source, verdict, status, reason, dedup_key, body FROM deliveries ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let e = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    (d, e)
}

#[tokio::test]
async fn a_store_of_the_oldest_schema_is_copied_then_upgraded_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rangedesk.db");
    oldest_store(&db);
    let (before, n_events) = rows(&rusqlite::Connection::open(&db).unwrap());
    assert_eq!((before.len(), n_events), (6, 5));

    let r = start_in(dir, &config_text(), store::Options::default()).await;
    let c = crate::support::open_db(r.dir.path());
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, backup::known_schema(), "migrated to the current schema");

    // The copy made before migrating: schema 1, checked, with every row.
    let copies: Vec<std::path::PathBuf> = std::fs::read_dir(r.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("rangedesk.db.schema-1."))
        .collect();
    assert_eq!(copies.len(), 1, "one copy, named with the old schema: {copies:?}");
    assert_eq!(backup::check(&copies[0]).unwrap().schema, 1);
    assert_eq!(rows(&rusqlite::Connection::open(&copies[0]).unwrap()), (before.clone(), n_events));

    // Deliveries: every row and column as version 1 wrote it (migration 6's digest columns stay
    // NULL: each body is whole).
    let (after, _) = rows(&c);
    assert_eq!(after, before, "the delivery log, row by row");
    let digests: i64 = c
        .query_row("SELECT count(*) FROM deliveries WHERE body_len IS NOT NULL OR body_sha256 IS NOT NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(digests, 0);
    // Events: each one reads back as written, data included (a webhook event's from its body now).
    let page = r.get_json(&r.board("/api/events?limit=50")).await;
    let mut got: Vec<Value> = page["items"].as_array().unwrap().clone();
    got.sort_by_key(|e| e["at"].as_str().unwrap().to_owned());
    let mut want = events();
    want.sort_by_key(|e| e.1);
    assert_eq!(got.len(), want.len(), "{page}");
    for (g, (_, at, source, origin, kind, lane, session, subject, data)) in got.iter().zip(want) {
        let at = jiff::Timestamp::from_millisecond(at).unwrap().to_string();
        assert_eq!(
            (g["at"].as_str(), g["source"].as_str(), g["origin"].as_str(), g["type"].as_str()),
            (Some(at.as_str()), Some(source), Some(origin), Some(kind))
        );
        assert_eq!((g["lane_id"].as_str(), g["session_id"].as_str(), g["subject"].as_str()), (lane, session, subject));
        assert_eq!(g["data"], data, "{kind}'s data");
    }
    // The tables later versions added are there and usable: the catalogue is seeded once.
    let products: i64 = c.query_row("SELECT count(*) FROM products", [], |r| r.get(0)).unwrap();
    assert_eq!(products, 9);
    let board = r.get_json(&r.board("/api/board")).await;
    assert_eq!(board["help"][0]["session_id"], "s-1", "the board is built from the migrated log");
    let dir = r.stop().await;

    // A second start has nothing to migrate: no second copy.
    let again = start_in(dir, &config_text(), store::Options::default()).await;
    let n = std::fs::read_dir(again.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".schema-"))
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_store_from_a_newer_version_is_refused_in_one_line_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rangedesk.db");
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        migrations().to_latest(&mut c).unwrap();
        c.pragma_update(None, "user_version", backup::known_schema() + 3).unwrap();
    }
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let bytes = std::fs::read(&db).unwrap();
    let files = listing();
    let file = dir.path().join("rangedesk.toml");
    std::fs::write(&file, config_text()).unwrap();
    let files_with_config = listing();
    let checked = config::load(&file).unwrap();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = match App::start_on(checked, dir.path().to_owned(), public, board, store::Options::default()).await {
        Ok(_) => panic!("a newer store was opened"),
        Err(e) => e,
    };
    let line = err.to_string();
    let (newer, known) = (backup::known_schema() + 3, backup::known_schema());
    assert_eq!(
        line,
        format!(
            "{}: cannot open the store: this store was written by a newer rangedesk (schema {newer}, this version knows {known}); install the newer version or restore a backup",
            db.display()
        )
    );
    assert!(!line.contains('\n'), "one line");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the store's bytes are as they were");
    assert_eq!(listing(), files_with_config, "no WAL, SHM or copy made beside it");
    assert!(files.iter().all(|f| files_with_config.contains(f)));
}
