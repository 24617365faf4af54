//! Samna Bookable's event deliveries: the envelope `{id, event_name, timestamp, context}` with an
//! `X-Samna-Signature: t=<unix>,v1=<hex>` header, retried with backoff up to three attempts in
//! all, then dropped (as the vendor documents).
//!
//! `t` is real unix time at each attempt, re-signed every time: the receiver's replay window is
//! measured against its own wall clock, which the compressed simulation day must not disturb.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::SeedableRng as _;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::clock::SimClock;
use crate::delivery::{self, Delivery, DeliveryLog, Outcome};
use crate::range::uuid_from;
use crate::{SimError, Targets};

pub const MAX_ATTEMPTS: usize = 3;
/// Gaps before the second and third attempts (simulated time).
pub const BACKOFF: [Duration; 2] = [Duration::from_secs(60), Duration::from_secs(300)];
const TIMEOUT: Duration = Duration::from_secs(10);
pub const SIGNATURE_HEADER: &str = "X-Samna-Signature";

#[derive(Clone, Debug, Serialize)]
pub struct Envelope {
    pub id: String,
    pub event_name: String,
    pub timestamp: String,
    pub context: serde_json::Value,
}

struct Inner {
    client: reqwest::Client,
    clock: SimClock,
    targets: Arc<Mutex<Targets>>,
    log: DeliveryLog,
    rng: Mutex<StdRng>,
}

/// The Samna sender: a cheap `Clone` handle.
#[derive(Clone)]
pub struct Samna {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A context with each named entity as `{id}`, as in the vendor's example.
pub fn context(entities: &[(&str, &str)]) -> serde_json::Value {
    let map = entities.iter().map(|(k, id)| ((*k).to_owned(), serde_json::json!({ "id": id }))).collect();
    serde_json::Value::Object(map)
}

impl Samna {
    pub(crate) fn new(client: reqwest::Client, clock: SimClock, targets: Arc<Mutex<Targets>>, seed: u64) -> Self {
        let rng = Mutex::new(StdRng::seed_from_u64(seed ^ 0x5a_77a));
        Samna { inner: Arc::new(Inner { client, clock, targets, log: DeliveryLog::default(), rng }) }
    }

    pub fn log(&self) -> Vec<Delivery> {
        self.inner.log.snapshot()
    }

    pub fn pending(&self) -> usize {
        self.inner.log.pending()
    }

    /// Queues one event; returns its envelope id.
    pub fn send(&self, event_name: &str, context: serde_json::Value) -> Result<String, SimError> {
        if lock(&self.inner.targets).samna.is_empty() {
            return Err(SimError::NoTarget("samna"));
        }
        let id = format!("evt_{}", uuid_from(&mut lock(&self.inner.rng)).simple());
        let env = Envelope {
            id: id.clone(),
            event_name: event_name.to_owned(),
            timestamp: format!("{:.0}", self.inner.clock.wall()),
            context,
        };
        let body = serde_json::to_string(&env)?;
        let index = self.inner.log.push(Delivery {
            vendor: "samna",
            id: id.clone(),
            event: event_name.to_owned(),
            body,
            duplicate: false,
            attempts: Vec::new(),
            outcome: Outcome::Pending,
        });
        tokio::spawn(deliver(self.inner.clone(), index));
        Ok(id)
    }
}

async fn deliver(inner: Arc<Inner>, index: usize) {
    let body = inner.log.snapshot().get(index).map(|d| d.body.clone()).unwrap_or_default();
    for n in 0..MAX_ATTEMPTS {
        if n > 0 {
            inner.clock.sleep(BACKOFF[n - 1]).await;
        }
        let (url, secret) = {
            let t = lock(&inner.targets);
            (t.samna.clone(), t.samna_secret.clone())
        };
        let header = crate::signing::samna_header(&secret, jiff::Timestamp::now().as_second(), &body);
        let a =
            delivery::post(&inner.client, &url, &body, &[(SIGNATURE_HEADER, header)], TIMEOUT, inner.clock.now()).await;
        let ok = a.accepted();
        inner.log.attempt(index, a);
        if ok {
            inner.log.finish(index, Outcome::Accepted);
            return;
        }
    }
    inner.log.finish(index, Outcome::GaveUp);
}
