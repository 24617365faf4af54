//! Folding one committed event into the board: webhooks move lanes, sessions, help calls and
//! purchases; poll events say what the vendor shows (`sessionObserved`, `sessionVanished`, the
//! range set-up); staff events acknowledge and resolve help and tick off tab lines. Times come
//! from the events, never the clock, so rebuilding from the log gives the same board.

use super::{Board, Help, Lane, Purchase, PurchaseItemView, PurchaseView, Session, SessionState, TabItemView, s};
use crate::store::events::{EventRow, Origin};
use rangedesk_domain::Source;
use rangedesk_domain::kinds::{self, purchase};
use rangedesk_domain::purchase::Status;

impl Board {
    /// Folds one committed event into the board. Events must come in id order; older ones are
    /// ignored, so replaying is harmless.
    pub fn apply(&mut self, e: &EventRow) {
        if e.id <= self.last_event_id {
            return;
        }
        self.last_event_id = e.id;
        let at = ms(&e.at);
        if at - self.pruned_ms >= PRUNE_EVERY_MS {
            self.prune(at);
        }
        if e.origin == Origin::Webhook && e.delivery_id.is_some() {
            let last = self.last_delivery.entry(e.source).or_insert(at);
            *last = (*last).max(at);
        }
        match (e.source, e.origin, e.kind.as_str()) {
            (Source::ActionTarget, Origin::Webhook, kind) => self.lane_event(e, kind, at),
            (Source::ActionTarget, Origin::Poll, kinds::RANGE_SETUP) => self.range_setup(&e.data),
            (Source::ActionTarget, _, kinds::SESSION_OBSERVED) => {
                if let Some(v) = e.data.get("session") {
                    self.observe(v, at);
                }
            }
            (Source::ActionTarget, _, kinds::SESSION_VANISHED) => {
                if let Some(id) = &e.session_id {
                    self.sessions.remove(id);
                }
            }
            (_, Origin::Staff, kinds::HELP_ACKNOWLEDGED) => {
                let by = s(&e.data, "by").unwrap_or_else(|| "desk".into());
                if let Some(h) = e.data.get("help_id").and_then(|v| v.as_i64()).and_then(|id| self.help.get_mut(&id)) {
                    h.acknowledged.get_or_insert((at, by));
                }
            }
            (Source::ActionTarget, _, purchase::HELD) => {
                if let Some(p) = e.subject.as_ref().and_then(|t| self.purchases.get_mut(t)) {
                    p.view.deadline = s(&e.data, "deadline");
                    name_items(&mut p.view.items, &e.data);
                }
            }
            (Source::ActionTarget, _, purchase::APPROVED | purchase::DECLINED | purchase::MISSED) => {
                let status = match e.kind.as_str() {
                    purchase::APPROVED => Status::Approved,
                    purchase::DECLINED => Status::Declined,
                    _ => Status::Missed,
                };
                if let Some(p) = e.subject.as_ref().and_then(|t| self.purchases.get_mut(t)) {
                    p.view.status = status;
                    p.view.deadline = None;
                    p.view.decided_at = Some(e.at.clone());
                    p.view.decided_by = s(&e.data, "by");
                    p.view.user_message = s(&e.data, "user_message");
                    p.decided_ms = Some(at);
                    name_items(&mut p.view.items, &e.data);
                }
            }
            (Source::ActionTarget, _, purchase::TAB_ITEM_ADDED) => self.add_tab_item(e),
            (Source::ActionTarget, _, purchase::SESSION_EXTENDED) => {
                if let Some(p) = e.subject.as_ref().and_then(|t| self.purchases.get_mut(t)) {
                    p.view.time_extension = Some(match s(&e.data, "outcome").as_deref() {
                        Some("ok") => "added".into(),
                        _ => format!("not added: {}", s(&e.data, "error").unwrap_or_default()),
                    });
                }
            }
            (Source::ActionTarget, Origin::Staff, purchase::ITEM_DELIVERED) => {
                if let Some(item) = s(&e.data, "item_id").and_then(|id| self.tab.get_mut(&id)) {
                    item.to_deliver = false;
                    item.delivered_at = Some(e.at.clone());
                    item.delivered_by = s(&e.data, "by");
                }
            }
            (_, Origin::Staff, kinds::HELP_RESOLVED) => {
                if let Some(id) = e.data.get("help_id").and_then(|v| v.as_i64()) {
                    self.help.remove(&id);
                }
            }
            _ => {}
        }
    }

    fn lane_event(&mut self, e: &EventRow, kind: &str, at: i64) {
        let session = e.session_id.clone();
        let lane = e.lane_id.clone();
        match kind {
            "help" => {
                self.help.insert(e.id, Help { session_id: session, lane_id: lane, raised_ms: at, acknowledged: None });
            }
            crate::vendors::action_target::PURCHASE_REQUEST => {
                let Some(trace_id) = e.subject.clone() else { return };
                let items = e
                    .data
                    .get("items")
                    .and_then(|i| i.as_array())
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| {
                                Some(PurchaseItemView {
                                    id: s(i, "id")?,
                                    qty: i.get("qty")?.as_i64()?,
                                    display_name: None,
                                    product_type: None,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let view = PurchaseView {
                    trace_id: trace_id.clone(),
                    session_id: session,
                    lane_id: lane,
                    status: Status::Pending,
                    items,
                    requested_at: e.at.clone(),
                    deadline: None,
                    decided_at: None,
                    decided_by: None,
                    user_message: None,
                    time_extension: None,
                };
                self.purchases.insert(trace_id, Purchase { view, requested_ms: at, decided_ms: None });
            }
            "carrierHit" => {
                if let Some(s) = session.and_then(|id| self.sessions.get_mut(&id)) {
                    s.carrier_hits += 1;
                }
            }
            "sessionCreated" | "sessionStarted" | "sessionPaused" | "sessionResumed" | "sessionModified" => {
                let (Some(id), Some(lane_id)) = (session, lane) else { return };
                let s = self.sessions.entry(id).or_insert_with(|| Session::new(&lane_id, at));
                s.lane_id = lane_id;
                match kind {
                    "sessionStarted" => {
                        s.began_at.get_or_insert_with(|| e.at.clone());
                        if s.remaining.is_none() {
                            s.remaining = s.duration.map(|d| d as f64);
                        }
                        s.as_ms = at;
                        s.state = SessionState::Active;
                    }
                    "sessionPaused" if s.state == SessionState::Active => {
                        s.remaining = s.remaining_at(at);
                        s.as_ms = at;
                        s.state = SessionState::Paused;
                    }
                    "sessionResumed" if s.state == SessionState::Paused => {
                        s.as_ms = at;
                        s.state = SessionState::Active;
                    }
                    _ => {}
                }
            }
            "sessionStopped" => {
                if let Some(id) = session {
                    self.sessions.remove(&id);
                }
            }
            _ => {}
        }
    }

    fn add_tab_item(&mut self, e: &EventRow) {
        let d = &e.data;
        let Some(item_id) = s(d, "item_id") else { return };
        let int = |k: &str| d.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
        let item = TabItemView {
            item_id: item_id.clone(),
            trace_id: s(d, "trace_id").unwrap_or_default(),
            session_id: e.session_id.clone(),
            lane_id: e.lane_id.clone(),
            product_id: s(d, "product_id").unwrap_or_default(),
            product_type: s(d, "product_type").unwrap_or_default(),
            name: s(d, "name").unwrap_or_default(),
            qty: int("qty"),
            unit_price_cents: int("unit_price_cents"),
            total_cents: int("total_cents"),
            to_deliver: d.get("to_deliver").and_then(|v| v.as_bool()).unwrap_or(false),
            delivered_at: None,
            delivered_by: None,
        };
        self.tab.insert(item_id, item);
    }

    pub(super) fn range_setup(&mut self, data: &serde_json::Value) {
        let list = |k: &str| data.get(k).and_then(|v| v.as_array()).cloned().unwrap_or_default();
        self.lanes = list("lanes")
            .iter()
            .filter_map(|l| {
                Some(Lane {
                    lane_id: s(l, "lane_id")?,
                    name: s(l, "readable_name").unwrap_or_else(|| "Lane".into()),
                    bay_id: s(l, "bay_id"),
                    usable: l.get("is_usable").and_then(|v| v.as_bool()).unwrap_or(true),
                })
            })
            .collect();
        self.bays = list("bays").iter().filter_map(|b| Some((s(b, "bay_id")?, s(b, "name")?))).collect();
        self.groups = list("groups").iter().filter_map(|g| s(g, "id")).collect();
    }

    /// A session as the vendor's API shows it: the vendor is right about what it says.
    fn observe(&mut self, v: &serde_json::Value, at: i64) {
        let (Some(id), Some(lane_id)) = (s(v, "session_id"), s(v, "lane_id")) else { return };
        let began_at = s(v, "began_at");
        let remaining = v.get("minutes_remaining").and_then(|x| x.as_f64());
        let entry = self.sessions.entry(id).or_insert_with(|| Session::new(&lane_id, at));
        entry.lane_id = lane_id;
        entry.duration = v.get("duration").and_then(|x| x.as_i64()).or(entry.duration);
        if let Some(name) = s(v, "customer_name") {
            entry.customer_name = Some(name);
        }
        if began_at.is_some() {
            entry.began_at = began_at;
            if entry.state == SessionState::Created {
                entry.state = SessionState::Active;
            }
        }
        if remaining.is_some() {
            entry.remaining = remaining;
            entry.as_ms = at;
        }
    }
}

/// How often, in the events' own time, the board lets go of what it can no longer show.
const PRUNE_EVERY_MS: i64 = 3600 * 1000;

impl Board {
    /// Lets go of what no view as of `at` or later shows, so the board (and its snapshot) holds a
    /// day's worth however old the store: purchases decided more than `DECIDED_KEPT_MS` before,
    /// and tab lines already delivered (or never to be) whose session has left the board. Their
    /// story stays in the log and the history; the board is the desk's present. Done on the
    /// events' time, so the live board and one rebuilt from the log let go of the same things.
    fn prune(&mut self, at: i64) {
        self.pruned_ms = at;
        self.purchases.retain(|_, p| p.decided_ms.is_none_or(|d| at - d < super::view::DECIDED_KEPT_MS));
        let sessions = &self.sessions;
        self.tab.retain(|_, t| t.to_deliver || t.session_id.as_ref().is_some_and(|s| sessions.contains_key(s)));
    }
}

fn ms(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).unwrap_or(0)
}

/// Names a purchase's items from the catalogue, as the purchase events record it (`priced`:
/// `[{id, display_name, product_type}]` in item order); events from before that carry none.
fn name_items(items: &mut [PurchaseItemView], data: &serde_json::Value) {
    let Some(priced) = data.get("priced").and_then(|p| p.as_array()) else { return };
    for (item, p) in items.iter_mut().zip(priced) {
        if s(p, "id").as_deref() == Some(item.id.as_str()) {
            item.display_name = s(p, "display_name").or(item.display_name.take());
            item.product_type = s(p, "product_type").or(item.product_type.take());
        }
    }
}
