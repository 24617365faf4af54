//! Deciding a lane purchase, exactly once: the rules on a request as it comes in, holding it for
//! the desk, a staff decision, the deadline passing (`expire`), requests a restart abandoned
//! (`miss_abandoned`), and the tab an approval adds and staff tick off. Every decision changes
//! the row only while it is still pending (`store::purchases::decide_if_pending`), inside the
//! writer's transaction.

use super::{Priced, Waiters, catalogue_entry, limits};
use crate::error::{ApiError, ApiErrorCode};
use crate::store::{self, Store, events};
use rangedesk_domain::kinds::purchase as kinds;
use rangedesk_domain::purchase::{Answer, CATALOGUE, PurchaseItem, Rule, Rules, SEE_THE_DESK, Status};
use rangedesk_domain::{Client, NewEvent, Source, Staff};
use rusqlite::Transaction;

/// What the request handler must do after the request is committed.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Answered(Answer),
    /// Wait for a decision until `deadline`, then call `expire`.
    Held {
        deadline: jiff::Timestamp,
    },
}

pub struct Request<'a> {
    pub trace_id: &'a str,
    pub delivery_id: i64,
    pub at: jiff::Timestamp,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub items: &'a [PurchaseItem],
}

/// Inside the writer's transaction, right after the `purchaseRequest` event: checks the
/// quantities against the catalogue, then applies the rules, and records the outcome (approved
/// and its tab, declined, or held). A request outside the catalogue is declined before any rule:
/// nobody at the desk is asked, and nothing is sent to Action Target.
pub fn on_request(
    t: &Transaction<'_>,
    r: &Request<'_>,
    rules: &Rules,
    window_seconds: u64,
    waiters: &Waiters,
) -> store::Result<Verdict> {
    let priced = price_items(t, r.items)?;
    let out_of_range = limits::check(r.items, &priced).err();
    let rule =
        priced.iter().map(|p| rules.for_type(p.as_ref().map(|p| p.product_type.as_str()))).max().unwrap_or(Rule::Ask);
    let items = serde_json::to_string(r.items).unwrap_or_else(|_| "[]".into());
    store::purchases::insert_pending(
        t,
        &store::purchases::NewPurchase {
            trace_id: r.trace_id,
            session_id: r.session_id.as_deref(),
            lane_id: r.lane_id.as_deref(),
            items: &items,
            requested_at: r.at,
        },
    )?;
    if let Some(o) = out_of_range {
        tracing::debug!(trace_id = r.trace_id, error = %o.error, "purchase outside the catalogue");
        decide(t, r.trace_id, Status::Declined, CATALOGUE, Some(&o.user_message), r.at, events::Origin::Rangedesk)?;
        return Ok(Verdict::Answered(declined(&o.error, &o.user_message)));
    }
    match rule {
        Rule::Approve => {
            decide(t, r.trace_id, Status::Approved, "rule", None, r.at, events::Origin::Rangedesk)?;
            Ok(Verdict::Answered(Answer::Approved))
        }
        Rule::Decline => {
            decide(t, r.trace_id, Status::Declined, "rule", Some(SEE_THE_DESK), r.at, events::Origin::Rangedesk)?;
            Ok(Verdict::Answered(declined("declined by the range's purchase rules", SEE_THE_DESK)))
        }
        Rule::Ask => {
            let deadline = r.at + jiff::SignedDuration::from_secs(window_seconds as i64);
            let data = serde_json::json!({
                "trace_id": r.trace_id,
                "deadline": deadline.to_string(),
                "priced": priced_json(r.items, &priced),
            });
            let e = event(kinds::HELD, r, data);
            events::insert(t, Some(r.delivery_id), r.at, Source::ActionTarget, events::Origin::Rangedesk, &e)?;
            waiters.open(r.trace_id);
            Ok(Verdict::Held { deadline })
        }
    }
}

/// Each item's catalogue entry as the request comes in; lane time is known even when the
/// catalogue does not list it.
fn price_items(t: &Transaction<'_>, items: &[PurchaseItem]) -> store::Result<Vec<Option<Priced>>> {
    let mut priced = Vec::with_capacity(items.len());
    for item in items {
        let entry = if item.id == "time" {
            catalogue_entry(t, "time")?.or(Some(Priced {
                product_type: "time".into(),
                display_name: "Lane time".into(),
                price_cents: 0,
                max_qty: None,
                min_qty: None,
                increment_by: None,
            }))
        } else {
            catalogue_entry(t, &item.id)?
        };
        priced.push(entry);
    }
    Ok(priced)
}

/// What the board shows for each item instead of a bare id: `[{id, display_name, product_type}]`,
/// recorded with the purchase's events so the log keeps what the catalogue said at the time.
fn priced_json(items: &[PurchaseItem], priced: &[Option<Priced>]) -> serde_json::Value {
    items
        .iter()
        .zip(priced)
        .map(|(item, p)| {
            serde_json::json!({
                "id": item.id,
                "display_name": p.as_ref().map(|p| p.display_name.clone()),
                "product_type": p.as_ref().map_or("unknown", |p| p.product_type.as_str()),
            })
        })
        .collect()
}

fn declined(error: &str, user_message: &str) -> Answer {
    Answer::Declined { error: error.into(), user_message: user_message.into() }
}

fn event(kind: &str, r: &Request<'_>, data: serde_json::Value) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: r.lane_id.clone(),
        session_id: r.session_id.clone(),
        subject: Some(r.trace_id.to_owned()),
        vendor_time: None,
        data,
    }
}

/// Moves a pending purchase to `status` and records it (with the tab when approved). Returns
/// false when it was not pending: somebody else decided first.
fn decide(
    t: &Transaction<'_>,
    trace_id: &str,
    status: Status,
    by: &str,
    user_message: Option<&str>,
    at: jiff::Timestamp,
    origin: events::Origin,
) -> store::Result<bool> {
    decide_with(t, trace_id, status, by, None, user_message, at, origin)
}

/// `decide`, recording the client a staff decision came through.
#[allow(clippy::too_many_arguments)]
fn decide_with(
    t: &Transaction<'_>,
    trace_id: &str,
    status: Status,
    by: &str,
    client: Option<Client>,
    user_message: Option<&str>,
    at: jiff::Timestamp,
    origin: events::Origin,
) -> store::Result<bool> {
    if !store::purchases::decide_if_pending(t, trace_id, status.as_str(), at, by, user_message)? {
        return Ok(false);
    }
    let Some(store::purchases::Requested { session_id, lane_id, items }) = store::purchases::request(t, trace_id)?
    else {
        return Ok(false);
    };
    let items: Vec<PurchaseItem> = serde_json::from_str(&items).unwrap_or_default();
    let r = Request { trace_id, delivery_id: 0, at, lane_id, session_id, items: &items };
    let kind = match status {
        Status::Approved => kinds::APPROVED,
        Status::Declined => kinds::DECLINED,
        Status::Missed => kinds::MISSED,
        Status::Pending => return Ok(false),
    };
    let priced = priced_json(&items, &price_items(t, &items)?);
    let mut data = serde_json::json!({"trace_id": trace_id, "by": by, "user_message": user_message, "items": items, "priced": priced});
    if let Some(c) = client {
        data["client"] = c.label().into();
    }
    events::insert(t, None, at, Source::ActionTarget, origin, &event(kind, &r, data))?;
    if status == Status::Approved {
        for (n, item) in items.iter().enumerate() {
            let entry = catalogue_entry(t, &item.id)?;
            let product_type = entry
                .as_ref()
                .map(|p| p.product_type.clone())
                .unwrap_or_else(|| if item.id == "time" { "time".into() } else { "unknown".into() });
            let unit = entry.as_ref().map_or(0, |p| p.price_cents);
            // The request was checked against the catalogue, which keeps both far from overflow;
            // a product changed by hand since is refused here, never saturated into a wrong price.
            let total = unit.checked_mul(item.qty).ok_or_else(|| {
                store::StoreError::Corrupt(format!("purchase {trace_id}: {} × {} cents does not fit", item.qty, unit))
            })?;
            let data = serde_json::json!({
                "item_id": format!("{trace_id}:{n}"),
                "trace_id": trace_id,
                "product_id": item.id,
                "product_type": product_type,
                "name": entry.as_ref().map_or_else(|| item.id.clone(), |p| p.display_name.clone()),
                "qty": item.qty,
                "unit_price_cents": unit,
                "total_cents": total,
                "to_deliver": product_type != "time",
            });
            events::insert(
                t,
                None,
                at,
                Source::ActionTarget,
                events::Origin::Rangedesk,
                &event(kinds::TAB_ITEM_ADDED, &r, data),
            )?;
        }
    }
    Ok(true)
}

/// The final status of a purchase, read inside the writer's transaction.
fn status_of(t: &Transaction<'_>, trace_id: &str) -> store::Result<Option<(Status, Option<String>)>> {
    Ok(store::purchases::status(t, trace_id)?.and_then(|(s, m)| Status::parse(&s).map(|s| (s, m))))
}

fn answer_for(status: Status, user_message: Option<String>) -> Answer {
    match status {
        Status::Approved => Answer::Approved,
        Status::Declined => declined("declined at the desk", user_message.as_deref().unwrap_or(SEE_THE_DESK)),
        Status::Missed | Status::Pending => declined("nobody at the desk answered in time", SEE_THE_DESK),
    }
}

/// The deadline passed: mark the purchase missed unless a decision got there first, and return
/// the one answer the board shows either way.
pub async fn expire(store: &Store, waiters: &Waiters, trace_id: String, now: jiff::Timestamp) -> store::Result<Answer> {
    waiters.forget(&trace_id);
    store
        .writer()
        .write(move |t| {
            decide(t, &trace_id, Status::Missed, "nobody", Some(SEE_THE_DESK), now, events::Origin::Rangedesk)?;
            Ok(status_of(t, &trace_id)?
                .map_or_else(|| declined("unknown purchase", SEE_THE_DESK), |(s, m)| answer_for(s, m)))
        })
        .await
}

/// A person decides at the desk. 404 for an unknown trace id, 409 when it was already answered.
pub async fn staff_decision(
    store: &Store,
    waiters: &Waiters,
    trace_id: String,
    approve: bool,
    who: Staff,
    user_message: Option<String>,
    now: jiff::Timestamp,
) -> Result<Status, ApiError> {
    let message = user_message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| SEE_THE_DESK.to_owned());
    if message.chars().count() > 200 {
        return Err(ApiError::bad_request("`user_message` is longer than 200 characters"));
    }
    let (status, msg) = if approve { (Status::Approved, None) } else { (Status::Declined, Some(message.clone())) };
    let id = trace_id.clone();
    let result = store
        .writer()
        .write(move |t| {
            if decide_with(t, &id, status, &who.by, Some(who.client), msg.as_deref(), now, events::Origin::Staff)? {
                return Ok(Ok(()));
            }
            Ok(Err(match status_of(t, &id)? {
                None => ApiErrorCode::NotFound,
                Some(_) => ApiErrorCode::Conflict,
            }))
        })
        .await?;
    match result {
        Ok(()) => {
            waiters
                .send(&trace_id, if approve { Answer::Approved } else { declined("declined at the desk", &message) });
            Ok(status)
        }
        Err(ApiErrorCode::NotFound) => Err(ApiError::not_found(format!("there is no purchase {trace_id}"))),
        Err(_) => Err(ApiError::conflict("the purchase was already answered")),
    }
}

/// At start: a request held when the app stopped can no longer be answered; mark it missed.
pub async fn miss_abandoned(store: &Store, now: jiff::Timestamp) -> store::Result<usize> {
    store
        .writer()
        .write(move |t| {
            let pending = store::purchases::pending(t)?;
            for id in &pending {
                decide(t, id, Status::Missed, "restart", Some(SEE_THE_DESK), now, events::Origin::Rangedesk)?;
            }
            Ok(pending.len())
        })
        .await
}

/// Staff tick off a physical item as delivered to the lane. 404 unknown, 409 already ticked.
pub async fn tick_off(
    store: &Store,
    live: &crate::board::Live,
    item_id: String,
    who: Staff,
    now: jiff::Timestamp,
) -> Result<crate::board::TabItemView, ApiError> {
    let Some(item) = live.with(|b| b.tab_item(&item_id)) else {
        return Err(ApiError::not_found(format!("there is no tab item {item_id}")));
    };
    if !item.to_deliver {
        return Err(ApiError::conflict("the item was already delivered, or is not a physical item"));
    }
    let id = item_id.clone();
    let done = store
        .writer()
        .write(move |t| {
            if events::recorded_about(t, kinds::ITEM_DELIVERED, &id)? {
                return Ok(false);
            }
            let e = NewEvent {
                kind: kinds::ITEM_DELIVERED.into(),
                known: true,
                lane_id: item.lane_id.clone(),
                session_id: item.session_id.clone(),
                subject: Some(id.clone()),
                vendor_time: None,
                data: who.stamp(serde_json::json!({"item_id": id, "trace_id": item.trace_id})),
            };
            events::insert(t, None, now, Source::ActionTarget, events::Origin::Staff, &e)?;
            Ok(true)
        })
        .await?;
    if !done {
        return Err(ApiError::conflict("the item was already delivered"));
    }
    live.with(|b| b.tab_item(&item_id)).ok_or_else(|| ApiError::not_found(format!("there is no tab item {item_id}")))
}
