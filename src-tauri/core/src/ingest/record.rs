//! Inside the writer's transaction: what an accepted delivery writes (the delivery row, its
//! events, a purchase's decision, a carrier hit's tab line), and the delivery row every verdict
//! shares.

use super::{Outcome, PurchaseSettings, TEST_HEADER};
use crate::purchases;
use crate::store::{self, deliveries, events};
use crate::vendors::{Parsed, action_target};
use deliveries::{NewDelivery, Verdict};
use rangedesk_domain::Source;

/// Headers kept with a delivery: enough to explain a verdict later, nothing secret.
const KEPT_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "user-agent",
    "x-samna-signature",
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    TEST_HEADER,
];

/// Inside the writer's transaction: a repeat is logged as a duplicate and changes nothing else;
/// a new delivery is stored with its events, and a lane purchase with what its rules decide.
pub(super) fn record_accepted(
    t: &rusqlite::Transaction<'_>,
    mut d: NewDelivery,
    parsed: Parsed,
    settings: &PurchaseSettings,
) -> store::Result<Outcome> {
    if let Some(key) = &parsed.dedup_key
        && let Some(original) = deliveries::accepted_with_key(t, d.source, key)?
    {
        d.verdict = Verdict::Duplicate;
        d.reason = Some(format!("repeat of {original}"));
        deliveries::insert(t, &d)?;
        return Ok(Outcome::Accepted { trace_id: original, duplicate: true });
    }
    let delivery_id = deliveries::insert(t, &d)?;
    let mut outcome = Outcome::Accepted { trace_id: d.trace_id.clone(), duplicate: false };
    for mut e in parsed.events {
        let is_purchase = d.source == Source::ActionTarget && e.kind == action_target::PURCHASE_REQUEST;
        if is_purchase {
            // The purchase is known by our trace id everywhere: board, history, the lane's answer.
            e.subject = Some(d.trace_id.clone());
        }
        let charged_hit = (d.source == Source::ActionTarget
            && e.kind == CARRIER_HIT
            && e.session_id.is_some()
            && settings.carrier_hit_fee_cents > 0)
            .then(|| e.clone());
        let purchase = is_purchase.then(|| {
            (action_target::purchase_items(&e.data).unwrap_or_default(), e.lane_id.clone(), e.session_id.clone())
        });
        // Its data is the body, which the delivery row holds: stored once (see `vendors::Parsed`).
        events::insert_owned(t, Some(delivery_id), d.received_at, d.source, events::Origin::Webhook, e, None)?;
        if let Some(hit) = charged_hit {
            charge_carrier_hit(t, &d, delivery_id, &hit, settings.carrier_hit_fee_cents)?;
        }
        if let Some((items, lane_id, session_id)) = purchase {
            let request = purchases::Request {
                trace_id: &d.trace_id,
                delivery_id,
                at: d.received_at,
                lane_id,
                session_id,
                items: &items,
            };
            let verdict =
                purchases::on_request(t, &request, &settings.rules, settings.window_seconds, &settings.waiters)?;
            outcome = Outcome::Purchase { trace_id: d.trace_id.clone(), verdict };
        }
    }
    Ok(outcome)
}

const CARRIER_HIT: &str = "carrierHit";

/// A carrier hit with a fee set: one "Carrier hit" line on the session's tab, priced at the fee
/// in force when the hit arrived, recorded in the same transaction as the hit.
fn charge_carrier_hit(
    t: &rusqlite::Transaction<'_>,
    d: &NewDelivery,
    delivery_id: i64,
    hit: &rangedesk_domain::NewEvent,
    fee_cents: i64,
) -> store::Result<()> {
    let line = rangedesk_domain::NewEvent {
        kind: rangedesk_domain::kinds::purchase::TAB_ITEM_ADDED.into(),
        known: true,
        lane_id: hit.lane_id.clone(),
        session_id: hit.session_id.clone(),
        subject: Some(d.trace_id.clone()),
        vendor_time: None,
        data: serde_json::json!({
            "item_id": format!("{}:carrier-hit", d.trace_id),
            "trace_id": d.trace_id,
            "product_id": "carrier_hit",
            "product_type": "carrier_hit",
            "name": "Carrier hit",
            "qty": 1,
            "unit_price_cents": fee_cents,
            "total_cents": fee_cents,
            "to_deliver": false,
        }),
    };
    events::insert(t, Some(delivery_id), d.received_at, d.source, events::Origin::Rangedesk, &line)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn new_delivery(
    source: Source,
    headers: &http::HeaderMap,
    body: Option<Vec<u8>>,
    remote_addr: Option<String>,
    now: jiff::Timestamp,
    verdict: Verdict,
    status: u16,
    reason: Option<String>,
    dedup_key: Option<String>,
) -> NewDelivery {
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let v = headers.get(*name)?;
            Some(((*name).to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned().into()))
        })
        .collect();
    NewDelivery {
        // Time-ordered (v7): each new id lands at the end of the unique index instead of dirtying
        // a random page of it, which measured as the largest single cost per delivery.
        trace_id: uuid::Uuid::now_v7().to_string(),
        received_at: now,
        source,
        verdict,
        status,
        reason,
        dedup_key,
        remote_addr,
        headers: serde_json::Value::Object(kept),
        body,
        digest: None,
    }
}
