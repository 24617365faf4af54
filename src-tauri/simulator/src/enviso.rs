//! Enviso's notifications: signed envelopes `{id, tenant, event, timestamp, data, signature}`,
//! delivered with the vendor's documented habits.
//!
//! - A delivery that does not get a 2xx within 5 s is retried: first level 20 attempts 30 s
//!   apart; then a second level (10 s, then up to 30 attempts with ×1.4 backoff).
//! - While a notification is in second-level retry, new ones queue behind it; when it clears, the
//!   queue is released as one burst in shuffled order.
//! - Now and then an accepted notification is sent again unchanged (`duplicate_share`).
//!
//! All delays run on the simulation clock.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde::Serialize;

use crate::clock::SimClock;
use crate::delivery::{self, Attempt, Delivery, DeliveryLog, Outcome};
use crate::range::uuid_from;
use crate::{SimError, Targets};

pub const FIRST_LEVEL_ATTEMPTS: usize = 20;
pub const FIRST_LEVEL_GAP: Duration = Duration::from_secs(30);
pub const SECOND_LEVEL_ATTEMPTS: usize = 30;
const SECOND_LEVEL_FIRST: Duration = Duration::from_secs(10);
const SECOND_LEVEL_FACTOR: f64 = 1.4;
/// Keeps the second level near the documented "about 7 days" instead of growing without bound.
const SECOND_LEVEL_MAX_GAP: Duration = Duration::from_secs(6 * 3600);
/// The vendor's documented delivery timeout.
pub const TIMEOUT: Duration = Duration::from_secs(5);

pub const DEFAULT_TENANT: &str = "RANGEDESK-DEMO";

/// The envelope as sent; field order follows the vendor's example.
#[derive(Clone, Debug, Serialize)]
pub struct Envelope {
    pub id: String,
    pub tenant: String,
    pub event: String,
    pub timestamp: String,
    pub data: serde_json::Value,
    pub signature: String,
}

impl Envelope {
    /// A signed envelope. `timestamp` is kept as the exact string that is signed and sent.
    pub fn signed(
        key: &str,
        id: String,
        tenant: &str,
        event: &str,
        timestamp: String,
        data: serde_json::Value,
    ) -> Self {
        let signature = crate::signing::enviso_signature(key, &id, tenant, event, &timestamp);
        Envelope { id, tenant: tenant.to_owned(), event: event.to_owned(), timestamp, data, signature }
    }
}

struct State {
    rng: StdRng,
    duplicate_share: f64,
    /// Notifications currently in second-level retry; while > 0 new ones are held.
    blocking: usize,
    held: Vec<usize>,
}

struct Inner {
    client: reqwest::Client,
    clock: SimClock,
    targets: Arc<Mutex<Targets>>,
    log: DeliveryLog,
    tenant: Mutex<String>,
    state: Mutex<State>,
}

/// The Enviso sender: a cheap `Clone` handle.
#[derive(Clone)]
pub struct Enviso {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Enviso {
    pub(crate) fn new(client: reqwest::Client, clock: SimClock, targets: Arc<Mutex<Targets>>, seed: u64) -> Self {
        let state =
            State { rng: StdRng::seed_from_u64(seed ^ 0xe4_150), duplicate_share: 0.05, blocking: 0, held: Vec::new() };
        let inner = Inner {
            client,
            clock,
            targets,
            log: DeliveryLog::default(),
            tenant: Mutex::new(DEFAULT_TENANT.into()),
            state: Mutex::new(state),
        };
        Enviso { inner: Arc::new(inner) }
    }

    /// Share (0.0–1.0) of accepted notifications that are sent a second time.
    pub fn set_duplicate_share(&self, share: f64) {
        lock(&self.inner.state).duplicate_share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    }

    pub fn set_tenant(&self, tenant: &str) {
        *lock(&self.inner.tenant) = tenant.to_owned();
    }

    pub fn log(&self) -> Vec<Delivery> {
        self.inner.log.snapshot()
    }

    /// Deliveries still being tried (including those held behind a second-level retry).
    pub fn pending(&self) -> usize {
        self.inner.log.pending()
    }

    /// Signs and queues one notification; returns its envelope id.
    pub fn send(&self, event: &str, data: serde_json::Value) -> Result<String, SimError> {
        let (url, key) = {
            let t = lock(&self.inner.targets);
            (t.enviso.clone(), t.enviso_key.clone())
        };
        if url.is_empty() {
            return Err(SimError::NoTarget("enviso"));
        }
        let id = uuid_from(&mut lock(&self.inner.state).rng).to_string();
        let tenant = lock(&self.inner.tenant).clone();
        let timestamp = format!("{:.3}", self.inner.clock.wall());
        let env = Envelope::signed(&key, id.clone(), &tenant, event, timestamp, data);
        let body = serde_json::to_string(&env)?;
        let index = self.inner.log.push(Delivery {
            vendor: "enviso",
            id: id.clone(),
            event: event.to_owned(),
            body,
            duplicate: false,
            attempts: Vec::new(),
            outcome: Outcome::Pending,
        });
        let held = {
            let mut s = lock(&self.inner.state);
            if s.blocking > 0 {
                s.held.push(index);
            }
            s.blocking > 0
        };
        if !held {
            spawn_delivery(self.inner.clone(), index);
        }
        Ok(id)
    }
}

async fn attempt(inner: &Inner, index: usize) -> Attempt {
    let url = lock(&inner.targets).enviso.clone();
    let body = inner.log.snapshot().get(index).map(|d| d.body.clone()).unwrap_or_default();
    let a = delivery::post(&inner.client, &url, &body, &[], TIMEOUT, inner.clock.now()).await;
    inner.log.attempt(index, a.clone());
    a
}

async fn deliver(inner: Arc<Inner>, index: usize) {
    for n in 0..FIRST_LEVEL_ATTEMPTS {
        if n > 0 {
            inner.clock.sleep(FIRST_LEVEL_GAP).await;
        }
        if attempt(&inner, index).await.accepted() {
            accepted(&inner, index).await;
            return;
        }
    }
    // Second level: everything sent after this point waits behind this notification.
    lock(&inner.state).blocking += 1;
    let mut gap = SECOND_LEVEL_FIRST;
    let mut ok = false;
    for _ in 0..SECOND_LEVEL_ATTEMPTS {
        inner.clock.sleep(gap).await;
        if attempt(&inner, index).await.accepted() {
            ok = true;
            break;
        }
        gap = gap.mul_f64(SECOND_LEVEL_FACTOR).min(SECOND_LEVEL_MAX_GAP);
    }
    if ok {
        accepted(&inner, index).await;
    } else {
        inner.log.finish(index, Outcome::GaveUp);
    }
    let burst = {
        let mut s = lock(&inner.state);
        s.blocking -= 1;
        if s.blocking == 0 {
            let mut held = std::mem::take(&mut s.held);
            held.shuffle(&mut s.rng);
            held
        } else {
            Vec::new()
        }
    };
    for i in burst {
        spawn_delivery(inner.clone(), i);
    }
}

/// Boxed so that `deliver` may release the burst it held back without a recursive future type.
fn spawn_delivery(inner: Arc<Inner>, index: usize) {
    let fut: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(deliver(inner, index));
    tokio::spawn(fut);
}

async fn accepted(inner: &Arc<Inner>, index: usize) {
    inner.log.finish(index, Outcome::Accepted);
    let again = {
        let mut s = lock(&inner.state);
        let share = s.duplicate_share;
        s.rng.random::<f64>() < share
    };
    let Some(original) = inner.log.snapshot().get(index).cloned() else { return };
    if !again {
        return;
    }
    // A duplicate is the same body, same id and signature, sent once more without retries.
    let dup = inner.log.push(Delivery { duplicate: true, attempts: Vec::new(), ..original });
    let a = attempt(inner, dup).await;
    inner.log.finish(dup, if a.accepted() { Outcome::Accepted } else { Outcome::GaveUp });
}
