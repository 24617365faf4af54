//! Staff actions on lane sessions: start, extend or shorten, stop. Each goes to Action Target's
//! API; the outcome, success or the vendor's refusal in words, is recorded as an event with who
//! and when, and on success the vendor's view of the session is recorded so the board follows
//! at once rather than at the next poll.

use crate::board::{Live, SessionView};
use crate::error::{ApiError, ApiErrorCode};
use crate::reconciler::Reconciler;
use crate::store::{Store, events};
use crate::vendors::action_target_api::{AtError, NewSession};
use rangedesk_domain::Staff;
use rangedesk_domain::kinds::session as kinds;
use rangedesk_domain::{NewEvent, Source};
use serde::Deserialize;
use ts_rs::TS;

/// The longest session Action Target takes, and the most one change may add or take away.
pub const MAX_SESSION_MINUTES: i64 = 480;

/// The longest customer name a session may carry, in characters, after trimming.
pub const MAX_CUSTOMER_NAME_CHARS: usize = 60;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    pub lane_id: String,
    pub customer_name: String,
    #[ts(type = "number")]
    pub duration: i64,
    #[serde(default)]
    pub enable_purchasing: bool,
    #[serde(default)]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ModifySession {
    /// Minutes to add; negative shortens.
    #[ts(type = "number")]
    pub minutes: i64,
    #[serde(default)]
    pub by: Option<String>,
}

fn upstream(e: &AtError) -> ApiError {
    ApiError { code: ApiErrorCode::Upstream, message: e.to_string() }
}

/// Records the outcome of a staff action (and the vendor's answer, when there is one).
async fn record(
    store: &Store,
    kind: &str,
    session_id: Option<String>,
    lane_id: Option<String>,
    data: serde_json::Value,
    observed: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    let now = jiff::Timestamp::now();
    let e = NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: lane_id.clone(),
        session_id: session_id.clone(),
        subject: None,
        vendor_time: None,
        data,
    };
    store
        .writer()
        .write(move |t| {
            events::insert(t, None, now, Source::ActionTarget, events::Origin::Staff, &e)?;
            if let Some(session) = observed {
                let o = NewEvent {
                    kind: rangedesk_domain::kinds::SESSION_OBSERVED.into(),
                    known: true,
                    lane_id,
                    session_id,
                    subject: None,
                    vendor_time: None,
                    data: serde_json::json!({"session": session}),
                };
                events::insert(t, None, now, Source::ActionTarget, events::Origin::Staff, &o)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

pub async fn start(
    store: &Store,
    live: &Live,
    reconciler: &Reconciler,
    req: StartSession,
    who: Staff,
) -> Result<SessionView, ApiError> {
    let name = req.customer_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_CUSTOMER_NAME_CHARS {
        return Err(ApiError::bad_request("`customer_name` must be 1 to 60 characters"));
    }
    if !(1..=MAX_SESSION_MINUTES).contains(&req.duration) {
        return Err(ApiError::bad_request("`duration` must be between 1 and 480 minutes"));
    }
    live.with(|b| b.lane_for_new_session(&req.lane_id)).map_err(ApiError::conflict)?;
    let group_id = live.with(|b| b.default_group()).ok_or_else(|| ApiError {
        code: ApiErrorCode::Upstream,
        message: "Action Target has not told us its access groups yet; check the connection".into(),
    })?;
    let new = NewSession {
        customer_name: name.clone(),
        lane_id: req.lane_id.clone(),
        group_id,
        duration: req.duration,
        enable_purchasing: req.enable_purchasing,
        auto_start: false,
    };
    let request = who.stamp(
        serde_json::json!({"customer_name": name, "duration": req.duration, "enable_purchasing": req.enable_purchasing}),
    );
    match reconciler.client().create_session(&new).await {
        Ok(mut session) => {
            session.customer_name.get_or_insert(name);
            let v = serde_json::to_value(&session).map_err(|e| ApiError::bad_request(e.to_string()))?;
            let mut data = request;
            data["outcome"] = "ok".into();
            record(store, kinds::START, Some(session.session_id.clone()), Some(req.lane_id), data, Some(v)).await?;
            live.with(|b| b.session_view(&session.session_id, jiff::Timestamp::now()))
                .ok_or_else(|| ApiError::not_found("the new session is not on the board"))
        }
        Err(e) => {
            let mut data = request;
            data["outcome"] = "failed".into();
            data["error"] = e.to_string().into();
            record(store, kinds::START, None, Some(req.lane_id), data, None).await?;
            Err(upstream(&e))
        }
    }
}

pub async fn modify(
    store: &Store,
    live: &Live,
    reconciler: &Reconciler,
    session_id: String,
    req: ModifySession,
    who: Staff,
) -> Result<SessionView, ApiError> {
    if req.minutes == 0 || req.minutes.abs() > MAX_SESSION_MINUTES {
        return Err(ApiError::bad_request("`minutes` must be between -480 and 480, and not 0"));
    }
    let lane = live
        .with(|b| b.session_lane(&session_id))
        .ok_or_else(|| ApiError::not_found(format!("there is no session {session_id} on the board")))?;
    let outcome = reconciler.client().modify_session(&session_id, req.minutes).await;
    let mut data = who
        .stamp(serde_json::json!({"minutes": req.minutes, "outcome": if outcome.is_ok() { "ok" } else { "failed" }}));
    if let Err(e) = &outcome {
        data["error"] = e.to_string().into();
    }
    let observed = match &outcome {
        Ok(()) => {
            reconciler.client().session(&session_id).await.ok().flatten().and_then(|s| serde_json::to_value(s).ok())
        }
        Err(_) => None,
    };
    record(store, kinds::MODIFY, Some(session_id.clone()), Some(lane), data, observed).await?;
    outcome.map_err(|e| upstream(&e))?;
    live.with(|b| b.session_view(&session_id, jiff::Timestamp::now()))
        .ok_or_else(|| ApiError::not_found("the session ended meanwhile"))
}

pub async fn stop(
    store: &Store,
    live: &Live,
    reconciler: &Reconciler,
    session_id: String,
    who: Staff,
) -> Result<serde_json::Value, ApiError> {
    let lane = live
        .with(|b| b.session_lane(&session_id))
        .ok_or_else(|| ApiError::not_found(format!("there is no session {session_id} on the board")))?;
    let outcome = reconciler.client().stop_session(&session_id).await;
    let mut data = who.stamp(serde_json::json!({"outcome": if outcome.is_ok() { "ok" } else { "failed" }}));
    if let Err(e) = &outcome {
        data["error"] = e.to_string().into();
    }
    record(store, kinds::STOP, Some(session_id.clone()), Some(lane.clone()), data, None).await?;
    outcome.map_err(|e| upstream(&e))?;
    // The vendor's sessionStopped webhook may never come (fire-once): ask it now.
    if let Err(e) = reconciler.refresh_session(&session_id).await {
        tracing::warn!(session = %session_id, error = %e, "stopped, but could not confirm with Action Target");
    }
    Ok(serde_json::json!({"session_id": session_id, "lane_id": lane, "stopped": true}))
}
