//! Shared fixtures: a real app on loopback port 0 with a temp data directory, and signed
//! deliveries built the way each vendor builds them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rangedesk_core::app::App;
use rangedesk_core::config;
use rangedesk_core::testing::store;
use rangedesk_core::testing::{enviso, samna};
use std::path::Path;

pub const TOKEN: &str = "T0k3n-for-tests_abcdefghijklmnopqrstuvwxyz0";
pub const ENVISO_KEY: &str = "enviso-test-key";
pub const SAMNA_SECRET: &str = "wh_sec_test";

pub struct Running {
    pub app: App,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Running {
    pub fn public(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.public_addr())
    }
    pub fn board(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.board_addr())
    }
    pub fn at_hook(&self) -> String {
        self.public(&format!("/hooks/action-target/{TOKEN}"))
    }
    pub async fn get_json(&self, url: &str) -> serde_json::Value {
        let r = self.http.get(url).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.json().await.unwrap()
    }
    /// A staff action on the board with no fields: `POST` of `{}` as JSON, as the UI sends it.
    pub async fn act(&self, path: &str) -> reqwest::Response {
        self.http.post(self.board(path)).json(&serde_json::json!({})).send().await.unwrap()
    }
    pub async fn get_json_pinned(&self, url: &str, pin: &str) -> serde_json::Value {
        let r = self.http.get(url).header("x-rangedesk-pin", pin).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.json().await.unwrap()
    }
    pub async fn stop(self) -> tempfile::TempDir {
        self.app.shutdown();
        self.app.stopped().await;
        self.dir
    }
}

/// The config every test starts from; `extra` is appended (later keys in a table win in TOML? no:
/// duplicates are errors, so tests pass whole tables they change through `config`).
pub fn config_text() -> String {
    format!(
        "[action_target]\nhook_token = \"{TOKEN}\"\npoll_seconds = 0\n\n[enviso]\nhmac_keys = [\"{ENVISO_KEY}\"]\n\n[samna]\nsecrets = [\"{SAMNA_SECRET}\"]\n"
    )
}

pub async fn start() -> Running {
    start_with(&config_text(), store::Options::default()).await
}

pub async fn start_with(config: &str, options: store::Options) -> Running {
    let dir = tempfile::tempdir().unwrap();
    start_in(dir, config, options).await
}

pub async fn start_in(dir: tempfile::TempDir, config: &str, options: store::Options) -> Running {
    let file = dir.path().join("rangedesk.toml");
    std::fs::write(&file, config).unwrap();
    let checked = config::load(&file).unwrap();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = App::start_on(checked, dir.path().to_owned(), public, board, options).await.unwrap();
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    Running { app, dir, http }
}

/// This computer's address on its network (not loopback), if it has one: what a second desk's
/// browser would connect from. Connections to it never leave this machine.
pub fn lan_address() -> Option<std::net::IpAddr> {
    // A UDP "connect" sends nothing; it only picks the interface the route would use.
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.255:9").or_else(|_| s.connect("10.255.255.255:9")).ok()?;
    Some(s.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

/// As `start_with`, with the board listening on every address (the LAN), as a manager opens it.
pub async fn start_lan(config: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rangedesk.toml");
    std::fs::write(&file, config).unwrap();
    let checked = config::load(&file).unwrap();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let app = App::start_on(checked, dir.path().to_owned(), public, board, store::Options::default()).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    Running { app, dir, http }
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

pub mod property;

/// A simulator standing in for Action Target, and an app pointed at it.
pub struct WithSim {
    pub sim: rangedesk_simulator::Simulator,
    pub r: Running,
}

pub const SIM_KEY: &str = "sim-test-key";

/// Starts the simulator and an app that polls it every `poll_seconds`, with the simulator's
/// webhooks, products fetches, and Enviso/Samna deliveries aimed at the app.
pub async fn start_with_sim(poll_seconds: u64, drop_share: f64) -> WithSim {
    start_with_sim_and(poll_seconds, drop_share, "").await
}

/// As `start_with_sim`, with more config text appended (whole tables only).
pub async fn start_with_sim_and(poll_seconds: u64, drop_share: f64, extra: &str) -> WithSim {
    let sim = rangedesk_simulator::SimConfig { drop_share, seed: 7, ..Default::default() };
    start_with_sim_config(sim, poll_seconds, extra).await
}

/// The simulator as configured (its API key is always `SIM_KEY`), and an app that polls it every
/// `poll_seconds` with `extra` config appended.
pub async fn start_with_sim_config(sim: rangedesk_simulator::SimConfig, poll_seconds: u64, extra: &str) -> WithSim {
    let sim = rangedesk_simulator::Simulator::start(rangedesk_simulator::SimConfig { api_key: SIM_KEY.into(), ..sim })
        .await
        .unwrap();
    let config = format!(
        "[action_target]\nhook_token = \"{TOKEN}\"\napi_base = \"{}\"\napi_key = \"{SIM_KEY}\"\npoll_seconds = {poll_seconds}\n\n[enviso]\nhmac_keys = [\"{ENVISO_KEY}\"]\n\n[samna]\nsecrets = [\"{SAMNA_SECRET}\"]\n{extra}\n",
        sim.api_base()
    );
    let r = start_with(&config, store::Options::default()).await;
    let urls = r.app.hook_urls();
    sim.set_targets(rangedesk_simulator::Targets {
        action_target_webhook: urls.action_target,
        action_target_products: urls.action_target_products,
        enviso: urls.enviso,
        enviso_key: ENVISO_KEY.into(),
        samna: urls.samna,
        samna_secret: SAMNA_SECRET.into(),
    });
    WithSim { sim, r }
}

/// The vendor's truth: its active sessions as (session id, lane id).
pub fn sim_sessions(sim: &rangedesk_simulator::Simulator) -> std::collections::BTreeSet<(String, String)> {
    sim.sessions().iter().map(|s| (s.session_id.to_string(), s.lane_id.to_string())).collect()
}

/// The board's sessions as (session id, lane id), read through `/api/sessions`.
pub async fn board_sessions(r: &Running) -> std::collections::BTreeSet<(String, String)> {
    let v = r.get_json(&r.board("/api/sessions")).await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| (s["session_id"].as_str().unwrap().to_owned(), s["lane_id"].as_str().unwrap().to_owned()))
        .collect()
}

/// Polls `f` until it is true or `limit` passes.
pub async fn eventually(limit: std::time::Duration, mut f: impl AsyncFnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
