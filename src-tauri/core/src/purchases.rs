//! Lane purchases, as DESIGN.md decides. A `purchaseRequest` is answered while the shooter waits:
//! first every quantity is checked against the catalogue ([`limits`]; outside it is a decline
//! with the limit in words, before any rule, any desk prompt or any call to Action Target), then
//! each item's product type has a rule (approve at once, ask the desk, decline) and the strictest
//! rule of the request wins. "Ask the desk" holds the request for the approval window and answers
//! the moment staff decide; nobody deciding in time is a decline that sends the shooter to the
//! desk, and the purchase is marked missed. The `purchases` table is the guard that makes every
//! decision exactly-once: each one is `UPDATE … WHERE status = 'pending'` inside the writer's
//! transaction, so a decision racing the deadline yields one answer, the one the board shows.

use crate::error::{ApiError, ApiErrorCode};
use crate::store::{self, Store, events};
use rangedesk_domain::kinds::purchase as kinds;
use rangedesk_domain::purchase::{Answer, CATALOGUE, PurchaseItem, Rule, Rules, SEE_THE_DESK, Status};
use rangedesk_domain::{Client, NewEvent, Source, Staff};
use rusqlite::Transaction;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

pub mod limits;

/// A catalogue entry as purchases need it. The quantity limits are the stored values as they
/// are; [`limits`] decides what odd ones mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub product_type: String,
    pub display_name: String,
    pub price_cents: i64,
    /// `None` only for lane time the catalogue does not list.
    pub max_qty: Option<i64>,
    pub min_qty: Option<i64>,
    pub increment_by: Option<i64>,
}

impl From<store::products::ProductRow> for Priced {
    fn from(r: store::products::ProductRow) -> Self {
        Priced {
            product_type: r.kind,
            display_name: r.display_name,
            price_cents: r.price_cents,
            max_qty: Some(r.max_qty),
            min_qty: r.min_qty,
            increment_by: r.increment_by,
        }
    }
}

/// Looks an item id up in the lane shop catalogue (inside the writer's transaction).
pub fn catalogue_entry(t: &Transaction<'_>, id: &str) -> store::Result<Option<Priced>> {
    Ok(store::products::get(t, id)?.map(Priced::from))
}

/// Held requests waiting for a decision, by trace id. The sender is taken by whoever decides;
/// the receiver by the request's handler.
#[derive(Clone, Default)]
pub struct Waiters {
    inner: Arc<Mutex<HashMap<String, Waiter>>>,
}

/// Both ends of one held request's channel, each taken by its side.
type Waiter = (Option<oneshot::Sender<Answer>>, Option<oneshot::Receiver<Answer>>);

impl Waiters {
    fn open(&self, trace_id: &str) {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.inner.lock() {
            m.insert(trace_id.to_owned(), (Some(tx), Some(rx)));
        }
    }
    /// The handler's side: resolves when a decision is committed.
    pub fn receiver(&self, trace_id: &str) -> Option<oneshot::Receiver<Answer>> {
        self.inner.lock().ok()?.get_mut(trace_id)?.1.take()
    }
    fn send(&self, trace_id: &str, answer: Answer) {
        let tx = self.inner.lock().ok().and_then(|mut m| m.remove(trace_id)).and_then(|(tx, _)| tx);
        if let Some(tx) = tx {
            let _ = tx.send(answer);
        }
    }
    fn forget(&self, trace_id: &str) {
        if let Ok(mut m) = self.inner.lock() {
            m.remove(trace_id);
        }
    }
}

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
