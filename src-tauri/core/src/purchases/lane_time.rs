//! Lane time an approved purchase bought: added to the session through Action Target's API after
//! the lane has its answer, and the outcome recorded, so a failure shows on the board.

use super::{Priced, limits};
use crate::store::{self, Store, events};
use rangedesk_domain::kinds::purchase as kinds;
use rangedesk_domain::purchase::PurchaseItem;
use rangedesk_domain::{NewEvent, Source};

/// An approved purchase with lane time extends the session through Action Target's API. The
/// lane already has its answer; the outcome is recorded and a failure shows on the board. The
/// minutes are checked against the catalogue as it is now, before the call: a purchase held for
/// the desk while staff shrank the catalogue, or an odd row in the store, is recorded as not
/// added rather than sent.
pub fn extend_time(
    store: Store,
    live: crate::board::Live,
    reconciler: crate::reconciler::Reconciler,
    trace_id: String,
) {
    let Some(p) = live.with(|b| b.purchase(&trace_id)) else { return };
    let time: Vec<PurchaseItem> =
        p.items.iter().filter(|i| i.id == "time").map(|i| PurchaseItem { id: i.id.clone(), qty: i.qty }).collect();
    let (Some(session_id), false) = (p.session_id.clone(), time.is_empty()) else { return };
    tokio::spawn(async move {
        let minutes = limits::total(&time);
        let outcome = match time_allowed(&store, &time).await {
            Ok(minutes) => reconciler.client().modify_session(&session_id, minutes).await.map_err(|e| e.to_string()),
            Err(why) => Err(why),
        };
        let mut data = serde_json::json!({"trace_id": trace_id, "minutes": minutes, "outcome": "ok"});
        if let Err(e) = &outcome {
            tracing::warn!(session = %session_id, error = %e, "approved lane time could not be added");
            data["outcome"] = "failed".into();
            data["error"] = e.as_str().into();
        }
        let e = NewEvent {
            kind: kinds::SESSION_EXTENDED.into(),
            known: true,
            lane_id: p.lane_id.clone(),
            session_id: Some(session_id.clone()),
            subject: Some(trace_id.clone()),
            vendor_time: None,
            data,
        };
        let now = jiff::Timestamp::now();
        let recorded = store
            .writer()
            .write(move |t| {
                events::insert(t, None, now, Source::ActionTarget, events::Origin::Rangedesk, &e).map(|_| ())
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "could not record the lane time extension");
        }
        if outcome.is_ok() {
            reconciler.trigger_refresh(session_id);
        }
    });
}

/// The minutes to send for `time`, or why none may be: the catalogue's `time` row read now, its
/// limits as [`limits::check`] applies them, and a sum that fits.
async fn time_allowed(store: &Store, time: &[PurchaseItem]) -> Result<i64, String> {
    let row = store
        .read(|c| store::products::get(c, "time"))
        .await
        .map_err(|e| format!("the catalogue could not be read: {e}"))?;
    let entry = row.map(Priced::from);
    let priced = vec![entry; time.len()];
    limits::check(time, &priced).map_err(|o| o.error)?;
    limits::total(time).ok_or_else(|| "the minutes do not fit in a number".to_owned())
}
