//! A stand-in for the three vendor clouds rangedesk talks to, built only from their documentation
//! (`integrations.md`, `vendor-docs/`): Action Target's POS API with its playground `simulate`
//! endpoints and fire-once webhooks, Enviso's signed and retried notifications, Samna's signed
//! deliveries, and scenarios that drive all three like a busy day at a range.
//!
//! It promises to behave as the vendors document, including their awkward habits (lost webhooks,
//! retries, duplicates, bursts out of order), so the core can be tested against them. It does not
//! depend on the core: its signers are an independent check of the core's verifiers.

mod action_target;
pub mod clock;
mod control;
pub mod delivery;
pub mod enviso;
mod playground;
pub mod range;
pub mod samna;
pub mod scenario;
pub mod signing;
mod webhook;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::SimClock;
pub use delivery::{Attempt, Delivery, Outcome};
pub use enviso::Enviso;
pub use range::{Bay, Group, Lane, NewSession, RangeError, SessionView};
pub use samna::Samna;
pub use scenario::ScenarioReport;
pub use webhook::{Answer, Item, Payload, WebhookRecord};

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where the fake Action Target API listens; port 0 picks a free one.
    pub listen: SocketAddr,
    pub api_key: String,
    /// The header carrying `Bearer <api_key>` (the vendor does not document it; ours is configurable).
    pub auth_header: String,
    /// Share (0.0–1.0) of Action Target webhooks silently lost.
    pub drop_share: f64,
    /// Simulated seconds per real second: 1.0 is real time, demos use 10.
    pub speed: f64,
    pub seed: u64,
    pub lanes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: "sim-api-key".into(),
            auth_header: "Authorization".into(),
            drop_share: 0.0,
            speed: 1.0,
            seed: 1,
            lanes: 24,
        }
    }
}

/// Where the simulator sends things. An empty string means "not configured": nothing is sent there.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    pub action_target_webhook: String,
    /// The integrator's products URL (`…/products`); `?type=` is appended.
    pub action_target_products: String,
    pub enviso: String,
    pub enviso_key: String,
    pub samna: String,
    pub samna_secret: String,
}

/// How the fake Action Target API misbehaves, for tests of the core's client.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Failure {
    #[default]
    None,
    /// Every API call answers 401, as with a revoked key.
    Unauthorized,
    /// Every API call answers 500.
    ServerError,
    /// Every API call waits this long (real time) before answering.
    Slow(Duration),
}

/// One request to the fake Action Target API, as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
    /// The raw query string (`time=%2B15`), undecoded.
    pub query: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown scenario {0:?}")]
    UnknownScenario(String),
    #[error("no target configured for {0}")]
    NoTarget(&'static str),
    #[error("no active session")]
    NoActiveSession,
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

struct Server {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

pub(crate) struct Inner {
    cfg: SimConfig,
    /// The address actually bound, kept so a restart comes back on the same port.
    addr: SocketAddr,
    clock: SimClock,
    range: Mutex<range::Range>,
    hooks: webhook::Webhooks,
    targets: Arc<Mutex<Targets>>,
    failure: Mutex<Failure>,
    /// Every request the fake API received, so tests can tell a call that was never made from
    /// one the fake refused.
    api_calls: Mutex<Vec<ApiCall>>,
    client: reqwest::Client,
    enviso: Enviso,
    samna: Samna,
    server: Mutex<Option<Server>>,
}

/// The simulator: a cheap `Clone` handle over shared state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every guarded value here stays consistent between statements, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Simulator {
    /// Binds `cfg.listen` and serves the fake Action Target API (and the playground) on it.
    pub async fn start(cfg: SimConfig) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let client = reqwest::Client::builder().build().map_err(std::io::Error::other)?;
        let clock = SimClock::new(cfg.speed);
        let targets = Arc::new(Mutex::new(Targets::default()));
        let inner = Inner {
            addr,
            range: Mutex::new(range::Range::new(cfg.lanes, cfg.seed)),
            hooks: webhook::Webhooks::start(client.clone(), targets.clone(), cfg.drop_share, cfg.seed),
            enviso: Enviso::new(client.clone(), clock.clone(), targets.clone(), cfg.seed),
            samna: Samna::new(client.clone(), clock.clone(), targets.clone(), cfg.seed),
            failure: Mutex::new(Failure::None),
            api_calls: Mutex::new(Vec::new()),
            server: Mutex::new(None),
            cfg,
            clock,
            targets,
            client,
        };
        let sim = Simulator { inner: Arc::new(inner) };
        sim.serve(listener);
        tokio::spawn(tick(Arc::downgrade(&sim.inner)));
        Ok(sim)
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (stop, stopped) = oneshot::channel::<()>();
        let app = action_target::router(self.clone()).merge(playground::router(self.clone()));
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::warn!(error = %e, "simulator server stopped");
            }
        });
        *lock(&self.inner.server) = Some(Server { stop, task });
    }

    /// `http://ADDR`, the core's `api_base`.
    pub fn api_base(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.cfg
    }

    pub fn set_targets(&self, t: Targets) {
        *lock(&self.inner.targets) = t;
    }

    pub fn targets(&self) -> Targets {
        lock(&self.inner.targets).clone()
    }

    pub fn set_failure(&self, f: Failure) {
        *lock(&self.inner.failure) = f;
    }

    pub(crate) fn failure(&self) -> Failure {
        *lock(&self.inner.failure)
    }

    /// Every request the fake Action Target API has received so far, oldest first, whatever it
    /// was answered (refused calls and injected failures included).
    pub fn api_calls(&self) -> Vec<ApiCall> {
        lock(&self.inner.api_calls).clone()
    }

    pub(crate) fn record_call(&self, call: ApiCall) {
        lock(&self.inner.api_calls).push(call);
    }

    pub fn set_drop_share(&self, share: f64) {
        self.inner.hooks.set_drop_share(share);
    }

    /// The simulation clock: tests `pause()` and `advance()` it instead of sleeping.
    pub fn clock(&self) -> SimClock {
        self.inner.clock.clone()
    }

    pub fn enviso(&self) -> Enviso {
        self.inner.enviso.clone()
    }

    pub fn samna(&self) -> Samna {
        self.inner.samna.clone()
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Every Action Target webhook so far, sent or dropped, with our answer.
    pub fn webhook_log(&self) -> Vec<WebhookRecord> {
        self.inner.hooks.log()
    }

    /// Waits until every Action Target webhook queued so far has been sent or dropped.
    pub async fn flush_webhooks(&self) {
        self.inner.hooks.flush().await;
    }

    /// Stops serving (callers then see "connection refused"); state, clock and senders live on.
    pub async fn shutdown(&self) {
        let server = lock(&self.inner.server).take();
        if let Some(Server { stop, mut task }) = server {
            let _ = stop.send(());
            // Graceful shutdown waits for requests in flight; a slow one must not hold the port.
            if tokio::time::timeout(Duration::from_secs(1), &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Serves again on the same address after [`shutdown`](Self::shutdown).
    pub async fn restart(&self) -> std::io::Result<()> {
        self.shutdown().await;
        let listener = tokio::net::TcpListener::bind(self.inner.addr).await?;
        self.serve(listener);
        Ok(())
    }

    pub fn is_serving(&self) -> bool {
        lock(&self.inner.server).is_some()
    }
}

/// Lets sessions run out while nobody is asking: the lane stops by itself when time is up.
async fn tick(sim: Weak<Inner>) {
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let Some(inner) = sim.upgrade() else { return };
        Simulator { inner }.expire_due();
    }
}
