//! Held requests waiting for a decision: one channel per trace id, opened when a request is held,
//! answered through it when staff decide, and dropped when the deadline passes (`expire`).

use rangedesk_domain::purchase::Answer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Held requests waiting for a decision, by trace id. The sender is taken by whoever decides;
/// the receiver by the request's handler.
#[derive(Clone, Default)]
pub struct Waiters {
    inner: Arc<Mutex<HashMap<String, Waiter>>>,
}

/// Both ends of one held request's channel, each taken by its side.
type Waiter = (Option<oneshot::Sender<Answer>>, Option<oneshot::Receiver<Answer>>);

impl Waiters {
    pub(super) fn open(&self, trace_id: &str) {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.inner.lock() {
            m.insert(trace_id.to_owned(), (Some(tx), Some(rx)));
        }
    }
    /// The handler's side: resolves when a decision is committed.
    pub fn receiver(&self, trace_id: &str) -> Option<oneshot::Receiver<Answer>> {
        self.inner.lock().ok()?.get_mut(trace_id)?.1.take()
    }
    pub(super) fn send(&self, trace_id: &str, answer: Answer) {
        let tx = self.inner.lock().ok().and_then(|mut m| m.remove(trace_id)).and_then(|(tx, _)| tx);
        if let Some(tx) = tx {
            let _ = tx.send(answer);
        }
    }
    pub(super) fn forget(&self, trace_id: &str) {
        if let Ok(mut m) = self.inner.lock() {
            m.remove(trace_id);
        }
    }
}
