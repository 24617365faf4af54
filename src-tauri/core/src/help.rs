//! Help calls: a shooter presses help on the lane screen (an Action Target `help` event opens
//! one), staff acknowledge it ("on my way") and resolve it. Both are events with who and when.
//! The checks run inside the writer's transaction, so two people clicking at once get one
//! acknowledgement and a 409, never two.

use crate::board::{HelpView, Live};
use crate::error::{ApiError, ApiErrorCode};
use crate::store::{Store, events};
use rangedesk_domain::{NewEvent, Source, Staff, kinds};
use serde::Serialize;
use ts_rs::TS;

/// What a resolved call looked like when it was closed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Resolved {
    #[ts(type = "number")]
    pub help_id: i64,
    pub resolved_at: String,
    pub resolved_by: String,
}

#[derive(Clone, Copy)]
enum Step {
    Acknowledge,
    Resolve,
}

pub async fn acknowledge(
    store: &Store,
    live: &Live,
    help_id: i64,
    who: Staff,
    now: jiff::Timestamp,
) -> Result<HelpView, ApiError> {
    record(store, help_id, who, now, Step::Acknowledge).await?;
    // The one call, not the whole board's view: that walks every purchase and tab line the board
    // holds, which on a year-old board made each acknowledgement cost milliseconds under the lock
    // the writer's commits wait for.
    live.with(|b| b.help_view(help_id)).ok_or_else(|| ApiError::conflict("the help call was resolved meanwhile"))
}

pub async fn resolve(store: &Store, help_id: i64, who: Staff, now: jiff::Timestamp) -> Result<Resolved, ApiError> {
    let by = who.by.clone();
    record(store, help_id, who, now, Step::Resolve).await?;
    Ok(Resolved { help_id, resolved_at: now.to_string(), resolved_by: by })
}

async fn record(store: &Store, help_id: i64, who: Staff, now: jiff::Timestamp, step: Step) -> Result<(), ApiError> {
    let outcome = store
        .writer()
        .write(move |t| {
            let Some((lane_id, session_id)) = events::help_call(t, help_id)? else {
                return Ok(Err(ApiErrorCode::NotFound));
            };
            let done = |kind: &str| events::recorded_about(t, kind, &help_id.to_string());
            if done(kinds::HELP_RESOLVED)? {
                return Ok(Err(ApiErrorCode::Conflict));
            }
            let kind = match step {
                Step::Acknowledge if done(kinds::HELP_ACKNOWLEDGED)? => return Ok(Err(ApiErrorCode::Conflict)),
                Step::Acknowledge => kinds::HELP_ACKNOWLEDGED,
                Step::Resolve => kinds::HELP_RESOLVED,
            };
            let e = NewEvent {
                kind: kind.into(),
                known: true,
                lane_id,
                session_id,
                subject: Some(help_id.to_string()),
                vendor_time: None,
                data: who.stamp(serde_json::json!({"help_id": help_id})),
            };
            events::insert(t, None, now, Source::ActionTarget, events::Origin::Staff, &e)?;
            Ok(Ok(()))
        })
        .await?;
    outcome.map_err(|code| match code {
        ApiErrorCode::NotFound => ApiError { code, message: format!("there is no help call {help_id}") },
        _ => ApiError::conflict(match step {
            Step::Acknowledge => "the help call was already acknowledged or resolved",
            Step::Resolve => "the help call was already resolved",
        }),
    })
}
