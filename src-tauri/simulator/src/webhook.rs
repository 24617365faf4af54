//! Action Target's webhooks: fire-once POSTs of `{event, session_id, lane_id}` (plus `items` for
//! `purchaseRequest`) to the integrator's URL, never retried.
//!
//! State changes queue their webhooks to one worker, which sends them in order and drops
//! `drop_share` of them (seeded, so a run is repeatable) as a lossy network would. Lane actions
//! that wait for our answer (`purchaseRequest`, the playground's simulate calls) post directly
//! and return what we answered.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::SimError;
use crate::Targets;

/// A line of a lane purchase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub qty: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub event: String,
    pub session_id: Uuid,
    pub lane_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub items: Option<Vec<Item>>,
}

/// How the integrator answered a webhook: what the lane screen sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    /// The body as JSON, or as a JSON string when it was not JSON.
    pub body: serde_json::Value,
}

/// One webhook and its fate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WebhookRecord {
    pub payload: Payload,
    /// Lost on purpose (`drop_share`): never sent.
    pub dropped: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
}

enum Job {
    Send(Payload),
    Flush(oneshot::Sender<()>),
}

struct Shared {
    client: reqwest::Client,
    targets: Arc<Mutex<Targets>>,
    log: Mutex<Vec<WebhookRecord>>,
    drop: Mutex<(f64, StdRng)>,
}

#[derive(Clone)]
pub(crate) struct Webhooks {
    shared: Arc<Shared>,
    queue: mpsc::UnboundedSender<Job>,
}

/// Ordinary webhooks are answered at once; a purchase may wait for the desk's approval window
/// (at most 60 s), so the lane screen waits a little longer than that.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
const PURCHASE_TIMEOUT: Duration = Duration::from_secs(65);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Webhooks {
    /// Starts the sending worker; it ends when the last handle is dropped.
    pub(crate) fn start(client: reqwest::Client, targets: Arc<Mutex<Targets>>, drop_share: f64, seed: u64) -> Self {
        let shared = Arc::new(Shared {
            client,
            targets,
            log: Mutex::new(Vec::new()),
            drop: Mutex::new((drop_share.clamp(0.0, 1.0), StdRng::seed_from_u64(seed ^ 0x5eed_d809))),
        });
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(worker(shared.clone(), rx));
        Webhooks { shared, queue }
    }

    pub(crate) fn set_drop_share(&self, share: f64) {
        lock(&self.shared.drop).0 = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    }

    /// Queues a fire-once webhook.
    pub(crate) fn enqueue(&self, p: Payload) {
        // The worker only stops when every handle is gone, so a send cannot fail while `self` lives.
        let _ = self.queue.send(Job::Send(p));
    }

    /// Waits until every webhook queued so far has been sent or dropped.
    pub(crate) async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Job::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    pub(crate) fn log(&self) -> Vec<WebhookRecord> {
        lock(&self.shared.log).clone()
    }

    /// Posts now, never dropped, and returns our answer (the lane screen's view).
    pub(crate) async fn post_now(&self, p: Payload) -> Result<Answer, SimError> {
        let timeout = if p.items.is_some() { PURCHASE_TIMEOUT } else { EVENT_TIMEOUT };
        let result = send(&self.shared, &p, timeout).await;
        let (status, error) = match &result {
            Ok(a) => (Some(a.status), None),
            Err(e) => (None, Some(e.to_string())),
        };
        lock(&self.shared.log).push(WebhookRecord { payload: p, dropped: false, status, error });
        result
    }
}

async fn worker(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = rx.recv().await {
        let p = match job {
            Job::Send(p) => p,
            Job::Flush(done) => {
                let _ = done.send(());
                continue;
            }
        };
        let dropped = {
            let mut d = lock(&shared.drop);
            let share = d.0;
            d.1.random::<f64>() < share
        };
        let record = if dropped {
            WebhookRecord { payload: p, dropped: true, status: None, error: None }
        } else {
            match send(&shared, &p, EVENT_TIMEOUT).await {
                Ok(a) => WebhookRecord { payload: p, dropped: false, status: Some(a.status), error: None },
                Err(e) => WebhookRecord { payload: p, dropped: false, status: None, error: Some(e.to_string()) },
            }
        };
        if let Some(e) = &record.error {
            tracing::debug!(event = %record.payload.event, error = %e, "webhook not delivered (never retried)");
        }
        lock(&shared.log).push(record);
    }
}

async fn send(shared: &Shared, p: &Payload, timeout: Duration) -> Result<Answer, SimError> {
    let url = lock(&shared.targets).action_target_webhook.clone();
    if url.is_empty() {
        return Err(SimError::NoTarget("action_target_webhook"));
    }
    let resp = shared.client.post(&url).timeout(timeout).json(p).send().await?;
    let status = resp.status().as_u16();
    let text = resp.text().await?;
    Ok(Answer { status, body: body_value(&text) })
}

pub(crate) fn body_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}
