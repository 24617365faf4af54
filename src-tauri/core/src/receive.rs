//! A webhook delivery, whole: ingest stores it and says what to answer; this adds what the
//! delivery calls for afterwards, so the HTTP handler only reads the body and maps the answer.
//! - `sessionModified` carries no duration, and an event for a session the board does not know
//!   means the board missed something: either way, ask the vendor about that session now.
//! - A purchase the rules approved at once extends the session for its lane time.
//! - A purchase held for the desk waits here until staff decide or the window closes.

use crate::board::Live;
use crate::ingest::{Inbound, Ingest, Outcome};
use crate::purchases::{self, Verdict};
use crate::reconciler::Reconciler;
use crate::store::{Store, StoreError};
use rangedesk_domain::Source;
use rangedesk_domain::purchase::Answer;

/// Just enough of a lane event to decide whether to ask the vendor about its session. Peeked
/// before ingest, because "did the board know this session?" must be asked before the event
/// itself reaches the board.
#[derive(serde::Deserialize)]
struct Peek {
    event: Option<String>,
    session_id: Option<String>,
}

/// Stores `inbound` through ingest and starts what it calls for.
pub async fn receive(
    ingest: &Ingest,
    live: &Live,
    reconciler: &Reconciler,
    store: &Store,
    inbound: Inbound,
) -> Result<Outcome, StoreError> {
    let lane = (inbound.source == Source::ActionTarget)
        .then(|| serde_json::from_slice::<Peek>(&inbound.body).ok())
        .flatten()
        .and_then(|p| Some((p.event, p.session_id.filter(|id| !id.is_empty())?)));
    let known_before = lane.as_ref().is_some_and(|(_, id)| live.with(|b| b.knows_session(id)));
    let outcome = ingest.deliver(inbound).await?;
    if matches!(outcome, Outcome::Accepted { .. } | Outcome::Purchase { .. })
        && let Some((event, session)) = lane
    {
        let modified = event.as_deref() == Some("sessionModified");
        let ended = event.as_deref() == Some("sessionStopped");
        if modified || (!known_before && !ended) {
            reconciler.trigger_refresh(session);
        }
    }
    if let Outcome::Purchase { trace_id, verdict: Verdict::Answered(Answer::Approved) } = &outcome {
        purchases::extend_time(store.clone(), live.clone(), reconciler.clone(), trace_id.clone());
    }
    Ok(outcome)
}

/// Holds a lane purchase until the desk decides or `deadline` passes, then says the answer; past
/// the deadline it is declined and marked missed. A staff approval starts its own time extension.
pub async fn await_decision(
    ingest: &Ingest,
    store: &Store,
    trace_id: &str,
    deadline: jiff::Timestamp,
) -> Result<Answer, StoreError> {
    let waiters = ingest.purchase_waiters();
    let wait = deadline.duration_since(jiff::Timestamp::now()).unsigned_abs();
    let decided = match waiters.receiver(trace_id) {
        Some(rx) => tokio::time::timeout(wait, rx).await.ok().and_then(Result::ok),
        None => None,
    };
    match decided {
        Some(a) => Ok(a),
        None => purchases::expire(store, waiters, trace_id.to_owned(), jiff::Timestamp::now()).await,
    }
}
