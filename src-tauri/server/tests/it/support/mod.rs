//! What the process tests need besides the binary: the keys their config names, deliveries signed
//! as each vendor signs them, and a look into the store. The in-process fixtures (an app on port
//! 0, the simulator beside it) stay in the core's `tests/support`; these few lines are copied from
//! there rather than shared, so neither crate's tests reach into the other's folder.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rangedesk_core::testing::{enviso, samna};
use std::path::Path;

pub mod process;

pub const TOKEN: &str = "T0k3n-for-tests_abcdefghijklmnopqrstuvwxyz0";
pub const ENVISO_KEY: &str = "enviso-test-key";
pub const SAMNA_SECRET: &str = "wh_sec_test";

/// The config every test starts from.
pub fn config_text() -> String {
    format!(
        "[action_target]\nhook_token = \"{TOKEN}\"\npoll_seconds = 0\n\n[enviso]\nhmac_keys = [\"{ENVISO_KEY}\"]\n\n[samna]\nsecrets = [\"{SAMNA_SECRET}\"]\n"
    )
}

/// A signed Enviso notification with this id.
pub fn enviso_body(id: &str, event: &str) -> String {
    let ts = "2026-11-24T10:00:00.000Z";
    let sig = enviso::sign_double(ENVISO_KEY, &enviso::signed_string(id, "TENANT", event, ts));
    serde_json::json!({"id": id, "tenant": "TENANT", "event": event, "timestamp": ts, "data": {"id": format!("ord-{id}")}, "signature": sig}).to_string()
}

/// A Samna body and its signature header, signed now.
pub fn samna_delivery(id: &str, event: &str) -> (String, String) {
    let body = serde_json::json!({"id": id, "event_name": event, "timestamp": "2026-11-24T10:00:00Z", "context": {"booking": {"id": format!("b-{id}")}}}).to_string();
    let t = jiff::Timestamp::now().as_second();
    let header = format!("t={t},v1={}", samna::sign(SAMNA_SECRET, t, body.as_bytes()));
    (body, header)
}

pub fn at_body(event: &str, lane: &str, session: &str) -> String {
    serde_json::json!({"event": event, "lane_id": lane, "session_id": session}).to_string()
}

pub fn open_db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("rangedesk.db")).unwrap()
}

pub fn count(dir: &Path, sql: &str) -> i64 {
    open_db(dir).query_row(sql, [], |r| r.get(0)).unwrap()
}
