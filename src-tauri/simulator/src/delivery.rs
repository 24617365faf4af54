//! What the simulator sent and how each receiver answered: the delivery log tests read, and the
//! one HTTP post every sender uses.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

/// One try at delivering a notification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attempt {
    /// Simulated second the attempt was made.
    pub at: f64,
    /// The receiver's status; `None` when it did not answer (refused, timed out).
    pub status: Option<u16>,
    pub error: Option<String>,
}

impl Attempt {
    pub fn accepted(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still being tried.
    Pending,
    /// A 2xx arrived.
    Accepted,
    /// The vendor gave up on it.
    GaveUp,
}

/// One notification (Enviso or Samna) and its attempts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delivery {
    pub vendor: &'static str,
    /// The envelope `id`: the receiver's idempotency key.
    pub id: String,
    pub event: String,
    /// The exact body sent.
    pub body: String,
    /// A resend of a notification that was already accepted (Enviso does this now and then).
    pub duplicate: bool,
    pub attempts: Vec<Attempt>,
    pub outcome: Outcome,
}

/// Shared, append-only log; indices stay valid.
#[derive(Clone, Debug, Default)]
pub struct DeliveryLog {
    entries: Arc<Mutex<Vec<Delivery>>>,
}

impl DeliveryLog {
    fn lock(&self) -> MutexGuard<'_, Vec<Delivery>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, d: Delivery) -> usize {
        let mut e = self.lock();
        e.push(d);
        e.len() - 1
    }

    pub(crate) fn attempt(&self, index: usize, a: Attempt) {
        if let Some(d) = self.lock().get_mut(index) {
            d.attempts.push(a);
        }
    }

    pub(crate) fn finish(&self, index: usize, outcome: Outcome) {
        if let Some(d) = self.lock().get_mut(index) {
            d.outcome = outcome;
        }
    }

    pub fn snapshot(&self) -> Vec<Delivery> {
        self.lock().clone()
    }

    /// Deliveries still being tried.
    pub fn pending(&self) -> usize {
        self.lock().iter().filter(|d| d.outcome == Outcome::Pending).count()
    }
}

/// Posts `body` as JSON with extra `headers`, giving up after `timeout` of real time (the
/// receiver's answer time is real even when the simulated day is compressed).
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    body: &str,
    headers: &[(&str, String)],
    timeout: Duration,
    at: f64,
) -> Attempt {
    if url.is_empty() {
        return Attempt { at, status: None, error: Some("no target configured".into()) };
    }
    let mut req = client.post(url).timeout(timeout).header("content-type", "application/json").body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            // Read the body so the connection can be reused; its content does not matter here.
            let _ = resp.bytes().await;
            Attempt { at, status: Some(status), error: None }
        }
        Err(e) => Attempt { at, status: None, error: Some(e.to_string()) },
    }
}
