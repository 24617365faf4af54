//! Shared fixtures: a simulator on port 0 and a receiver (an axum server on port 0) that records
//! every request and answers as the test says.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use rangedesk_simulator::{SimConfig, Simulator, Targets};
use serde_json::{Value, json};

pub const KEY: &str = "test-key";

#[derive(Clone, Debug)]
pub struct Received {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

type Respond = dyn Fn(&Received, usize) -> (u16, Value) + Send + Sync;

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    respond: Arc<Mutex<Arc<Respond>>>,
}

impl Receiver {
    /// Accepts everything with 200 `{"success":true,"trace_id"}`.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let ok: Arc<Respond> = Arc::new(|_, n| (200, json!({ "success": true, "trace_id": format!("tr-{n}") })));
        let r = Receiver { url, log: Arc::default(), respond: Arc::new(Mutex::new(ok)) };
        let app = Router::new().fallback(record).with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        r
    }

    /// `f(request, index of this request among all received)` → (status, JSON body).
    pub fn respond(&self, f: impl Fn(&Received, usize) -> (u16, Value) + Send + Sync + 'static) {
        *self.respond.lock().unwrap() = Arc::new(f);
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    pub fn on(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path == path).collect()
    }

    pub fn targets(&self) -> Targets {
        Targets {
            action_target_webhook: format!("{}/at", self.url),
            action_target_products: format!("{}/products", self.url),
            enviso: format!("{}/enviso", self.url),
            enviso_key: "enviso-key".into(),
            samna: format!("{}/samna", self.url),
            samna_secret: "wh_sec_test".into(),
        }
    }
}

async fn record(
    State(r): State<Receiver>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let rec = Received {
        method,
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut log = r.log.lock().unwrap();
        log.push(rec.clone());
        log.len() - 1
    };
    let f = r.respond.lock().unwrap().clone();
    let (status, body) = f(&rec, n);
    (StatusCode::from_u16(status).unwrap(), body.to_string())
}

/// A simulator on loopback port 0 whose clock is paused: time moves only when the test says.
pub async fn sim_with(cfg: SimConfig) -> Simulator {
    let sim = Simulator::start(cfg).await.unwrap();
    sim.clock().pause();
    sim
}

pub async fn sim() -> Simulator {
    sim_with(SimConfig { api_key: KEY.into(), lanes: 8, ..SimConfig::default() }).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn auth(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.header("Authorization", format!("Bearer {KEY}"))
}

/// Polls `cond` for up to two seconds of real time: deliveries are asynchronous.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(2);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
