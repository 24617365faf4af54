//! What a delivery calls for after its commit, decided from the events ingest parsed (the body is
//! read once):
//! - `sessionModified` carries no duration, and an event for a session the board does not know
//!   means the board missed something: either way, ask the vendor about that session now;
//! - a purchase the rules approved at once extends the session for its lane time;
//! - a purchase held for the desk waits ([`Ingest::await_decision`]) until staff decide or the
//!   window closes.
//!
//! Whether the board knew the session is asked before the commit, because the commit hands the
//! event to the board.

use super::{Ingest, Outcome};
use crate::board::Live;
use crate::purchases::{self, Verdict};
use crate::reconciler::Reconciler;
use crate::store::{Store, StoreError};
use crate::vendors::Parsed;
use rangedesk_domain::Source;
use rangedesk_domain::purchase::Answer;

/// The parts a follow-up uses: the board (did it know the session?) and the reconciler (ask the
/// vendor; extend a session's time).
#[derive(Clone)]
pub struct FollowUps {
    pub live: Live,
    pub reconciler: Reconciler,
}

/// A lane event's session, and what the board knew of it before the event arrived.
pub(super) struct LaneEvent {
    session_id: String,
    modified: bool,
    stopped: bool,
    known_before: bool,
}

impl FollowUps {
    /// Looks at an Action Target delivery's event before it is committed.
    pub(super) fn before(&self, source: Source, parsed: &Parsed) -> Option<LaneEvent> {
        if source != Source::ActionTarget {
            return None;
        }
        let e = parsed.events.first()?;
        let session_id = e.session_id.clone().filter(|id| !id.is_empty())?;
        let known_before = self.live.with(|b| b.knows_session(&session_id));
        Some(LaneEvent {
            modified: e.kind == "sessionModified",
            stopped: e.kind == "sessionStopped",
            session_id,
            known_before,
        })
    }

    /// Starts what the committed delivery calls for; the vendor's answer does not wait for it.
    pub(super) fn after(&self, store: &Store, outcome: &Outcome, lane: Option<LaneEvent>) {
        let stored = matches!(outcome, Outcome::Accepted { .. } | Outcome::Purchase { .. });
        if stored
            && let Some(lane) = lane
            && (lane.modified || (!lane.known_before && !lane.stopped))
        {
            self.reconciler.trigger_refresh(lane.session_id);
        }
        if let Outcome::Purchase { trace_id, verdict: Verdict::Answered(Answer::Approved) } = outcome {
            purchases::extend_time(store.clone(), self.live.clone(), self.reconciler.clone(), trace_id.clone());
        }
    }
}

impl Ingest {
    /// Holds a lane purchase until the desk decides or `deadline` passes, then says the answer;
    /// past the deadline it is declined and marked missed. A staff approval starts its own time
    /// extension.
    pub async fn await_decision(&self, trace_id: &str, deadline: jiff::Timestamp) -> Result<Answer, StoreError> {
        let wait = deadline.duration_since(jiff::Timestamp::now()).unsigned_abs();
        let decided = match self.waiters.receiver(trace_id) {
            Some(rx) => tokio::time::timeout(wait, rx).await.ok().and_then(Result::ok),
            None => None,
        };
        match decided {
            Some(a) => Ok(a),
            None => purchases::expire(&self.store, &self.waiters, trace_id.to_owned(), jiff::Timestamp::now()).await,
        }
    }
}
