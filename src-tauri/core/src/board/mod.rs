//! The board: an in-memory projection of the event log. `apply` folds one committed event in;
//! rebuilding from the whole log gives the same board (the log is the truth). Views take `now`,
//! so countdowns are computed, never stored, and tests need no clock.

mod live;
mod views;

pub use live::Live;

pub use views::{
    BoardView, HelpView, LaneState, LaneView, PurchaseItemView, PurchaseView, SessionState, SessionView, TabItemView,
    VendorView,
};

use crate::store::events::{EventRow, Origin};
use rangedesk_domain::Source;
use rangedesk_domain::kinds::{self, purchase};
use rangedesk_domain::purchase::Status;
use std::collections::{BTreeMap, HashMap};

/// A running session is "ending soon" with this many minutes left or fewer (overtime below 0).
/// The UI recomputes the state between pushes with the same threshold (`ui/src/lib/board.ts`).
pub const ENDING_SOON_MINUTES: f64 = 5.0;

/// A lane as the vendor's set-up lists it.
#[derive(Debug, Clone, PartialEq)]
struct Lane {
    lane_id: String,
    name: String,
    bay_id: Option<String>,
    usable: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Session {
    lane_id: String,
    state: SessionState,
    customer_name: Option<String>,
    duration: Option<i64>,
    began_at: Option<String>,
    /// Minutes remaining as of `as_ms`; the countdown runs from there while `state` is active.
    remaining: Option<f64>,
    as_ms: i64,
    carrier_hits: u32,
    /// When the board first heard of the session: a lane waits for its shooter since then.
    created_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
struct Help {
    session_id: Option<String>,
    lane_id: Option<String>,
    raised_ms: i64,
    acknowledged: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Purchase {
    view: PurchaseView,
    requested_ms: i64,
    decided_ms: Option<i64>,
}

/// How long a decided purchase stays on the board.
const DECIDED_KEPT_MS: i64 = 12 * 3600 * 1000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    lanes: Vec<Lane>,
    bays: HashMap<String, String>,
    /// Access group ids, in the vendor's order; a new session goes into the first.
    groups: Vec<String>,
    sessions: BTreeMap<String, Session>,
    help: BTreeMap<i64, Help>,
    purchases: BTreeMap<String, Purchase>,
    tab: BTreeMap<String, TabItemView>,
    last_event_id: i64,
    /// When each vendor's last accepted webhook delivery was recorded (ms).
    last_delivery: HashMap<Source, i64>,
}

fn poll_event(kind: &str, session_id: &str, lane_id: &str, data: serde_json::Value) -> rangedesk_domain::NewEvent {
    rangedesk_domain::NewEvent {
        kind: kind.into(),
        known: true,
        lane_id: Some(lane_id.into()),
        session_id: Some(session_id.into()),
        subject: None,
        vendor_time: None,
        data,
    }
}

fn ms(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).unwrap_or(0)
}

fn s(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).filter(|x| !x.is_empty()).map(str::to_owned)
}

impl Board {
    pub fn last_event_id(&self) -> i64 {
        self.last_event_id
    }

    /// Whether the board knows this session (an event for an unknown one asks the vendor).
    pub fn knows_session(&self, id: &str) -> bool {
        self.sessions.contains_key(id)
    }

    /// The session ids on the board, for the reconciler's comparison.
    pub fn session_ids(&self) -> Vec<String> {
        self.sessions.keys().cloned().collect()
    }

    /// Folds one committed event into the board. Events must come in id order; older ones are
    /// ignored, so replaying is harmless.
    pub fn apply(&mut self, e: &EventRow) {
        if e.id <= self.last_event_id {
            return;
        }
        self.last_event_id = e.id;
        let at = ms(&e.at);
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

    /// What the vendor's session list says that the board does not: sessions no webhook announced
    /// or whose duration or remaining time changed (`sessionObserved`), and sessions that ended
    /// silently (`sessionVanished`). `api` holds the vendor's sessions as JSON objects.
    pub fn reconcile(&self, api: &[serde_json::Value], now: jiff::Timestamp) -> Vec<rangedesk_domain::NewEvent> {
        let mut out: Vec<_> = api.iter().filter_map(|v| self.observed(v, now)).collect();
        let seen: std::collections::HashSet<String> = api.iter().filter_map(|v| s(v, "session_id")).collect();
        for id in self.sessions.keys().filter(|id| !seen.contains(*id)) {
            out.extend(self.vanished(id));
        }
        out
    }

    /// A `sessionObserved` event when the vendor's view of one session differs from the board's.
    fn observed(&self, v: &serde_json::Value, now: jiff::Timestamp) -> Option<rangedesk_domain::NewEvent> {
        let (id, lane_id) = (s(v, "session_id")?, s(v, "lane_id")?);
        let changed = match self.sessions.get(&id) {
            None => true,
            Some(b) => {
                let duration = v.get("duration").and_then(|x| x.as_i64());
                let remaining = v.get("minutes_remaining").and_then(|x| x.as_f64());
                b.lane_id != lane_id
                    || (duration.is_some() && duration != b.duration)
                    || (s(v, "began_at").is_some() && b.began_at.is_none())
                    || match (remaining, b.remaining_at(now.as_millisecond())) {
                        (Some(r), Some(o)) => (r - o).abs() > 1.0,
                        (Some(_), None) => true,
                        _ => false,
                    }
            }
        };
        changed.then(|| poll_event(kinds::SESSION_OBSERVED, &id, &lane_id, serde_json::json!({"session": v})))
    }

    /// What one session as the vendor shows it changes on the board (see `reconcile`).
    pub fn reconcile_one(&self, v: &serde_json::Value, now: jiff::Timestamp) -> Vec<rangedesk_domain::NewEvent> {
        self.observed(v, now).into_iter().collect()
    }

    /// The vendor no longer knows this session: record that it ended, if the board still has it.
    pub fn vanished(&self, id: &str) -> Vec<rangedesk_domain::NewEvent> {
        self.sessions
            .get(id)
            .map(|b| vec![poll_event(kinds::SESSION_VANISHED, id, &b.lane_id, serde_json::json!({"session_id": id}))])
            .unwrap_or_default()
    }

    /// Whether a `rangeSetup` with this data would change the board's lanes or bays.
    pub fn setup_differs(&self, data: &serde_json::Value) -> bool {
        let mut probe = Board::default();
        probe.range_setup(data);
        probe.lanes != self.lanes || probe.bays != self.bays || probe.groups != self.groups
    }

    /// The access group new sessions go into.
    pub fn default_group(&self) -> Option<String> {
        self.groups.first().cloned()
    }

    /// Whether a lane can take a new session: listed, usable and free.
    pub fn lane_for_new_session(&self, lane_id: &str) -> Result<(), &'static str> {
        match self.lanes.iter().find(|l| l.lane_id == lane_id) {
            None => Err("Action Target does not list that lane"),
            Some(l) if !l.usable => Err("the lane is marked not usable"),
            Some(_) if self.sessions.values().any(|s| s.lane_id == lane_id) => Err("the lane already has a session"),
            Some(_) => Ok(()),
        }
    }

    /// The session's lane, when the board knows the session.
    pub fn session_lane(&self, id: &str) -> Option<String> {
        self.sessions.get(id).map(|s| s.lane_id.clone())
    }

    /// A session as the API shows it.
    pub fn session_view(&self, id: &str, now: jiff::Timestamp) -> Option<SessionView> {
        self.sessions.get(id).map(|s| s.view(id, now.as_millisecond()))
    }

    /// A tab line by id.
    pub fn tab_item(&self, item_id: &str) -> Option<TabItemView> {
        self.tab.get(item_id).cloned()
    }

    /// A purchase by trace id, whatever its age.
    pub fn purchase(&self, trace_id: &str) -> Option<PurchaseView> {
        self.purchases.get(trace_id).map(|p| p.view.clone())
    }

    /// Every purchase the board holds with this status (all of them when `None`), oldest first.
    pub fn purchases(&self, status: Option<Status>) -> Vec<PurchaseView> {
        let mut out: Vec<&Purchase> =
            self.purchases.values().filter(|p| status.is_none_or(|s| p.view.status == s)).collect();
        out.sort_by_key(|p| p.requested_ms);
        out.into_iter().map(|p| p.view.clone()).collect()
    }

    fn range_setup(&mut self, data: &serde_json::Value) {
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

    /// The board as of `now`.
    pub fn view(&self, now: jiff::Timestamp) -> BoardView {
        let now_ms = now.as_millisecond();
        let sessions: Vec<SessionView> = self.sessions.iter().map(|(id, s)| s.view(id, now_ms)).collect();
        let help: Vec<HelpView> = self.help.iter().map(|(id, h)| h.view(*id)).collect();
        let mut lanes: Vec<LaneView> = self.lanes.iter().map(|l| self.lane_view(l, true, now_ms)).collect();
        // Lanes seen only in events are shown after the known ones, never dropped.
        let mut unknown: Vec<&str> = self.sessions.values().map(|s| s.lane_id.as_str()).collect();
        unknown.extend(self.help.values().filter_map(|h| h.lane_id.as_deref()));
        unknown.extend(
            self.purchases
                .values()
                .filter(|p| p.view.status == Status::Pending)
                .filter_map(|p| p.view.lane_id.as_deref()),
        );
        unknown.sort_unstable();
        unknown.dedup();
        for lane_id in unknown {
            if !self.lanes.iter().any(|l| l.lane_id == lane_id) {
                let short: String = lane_id.chars().take(8).collect();
                let lane = Lane {
                    lane_id: lane_id.to_owned(),
                    name: format!("Unknown lane {short}"),
                    bay_id: None,
                    usable: true,
                };
                lanes.push(self.lane_view(&lane, false, now_ms));
            }
        }
        let active: Vec<&Session> =
            self.sessions.values().filter(|s| matches!(s.state, SessionState::Active | SessionState::Paused)).collect();
        let mut purchases: Vec<&Purchase> =
            self.purchases.values().filter(|p| p.decided_ms.is_none_or(|d| now_ms - d < DECIDED_KEPT_MS)).collect();
        purchases.sort_by_key(|p| p.requested_ms);
        let purchases = purchases.into_iter().map(|p| p.view.clone()).collect();
        let tab = self
            .tab
            .values()
            .filter(|t| t.to_deliver || t.session_id.as_ref().is_some_and(|s| self.sessions.contains_key(s)))
            .cloned()
            .collect();
        let ceasefire = active.len() > 1 && active.iter().all(|s| s.state == SessionState::Paused);
        let ageing = crate::config::Board::default();
        let vendors = Source::ALL
            .into_iter()
            .map(|source| VendorView {
                source,
                last_delivery_at: self.last_delivery.get(&source).map(|ms| crate::store::events::rfc3339(*ms)),
            })
            .collect();
        BoardView {
            lanes,
            sessions,
            help,
            purchases,
            tab,
            ceasefire,
            stale: false,
            last_event_id: self.last_event_id,
            as_of: now.to_string(),
            ageing_amber_seconds: ageing.ageing_amber_seconds,
            ageing_red_seconds: ageing.ageing_red_seconds,
            vendor_silent_minutes: crate::config::Notifications::default().vendor_silent_minutes,
            vendors,
        }
    }

    fn lane_view(&self, lane: &Lane, known: bool, now_ms: i64) -> LaneView {
        let session = self.sessions.iter().find(|(_, s)| s.lane_id == lane.lane_id);
        let remaining = session.and_then(|(_, s)| s.remaining_at(now_ms)).map(|r| (r * 10.0).round() / 10.0);
        let state = match session {
            _ if !lane.usable => LaneState::Unusable,
            None => LaneState::Free,
            Some((_, s)) => match s.state {
                SessionState::Created => LaneState::Waiting,
                SessionState::Paused => LaneState::Paused,
                SessionState::Active => match remaining {
                    Some(r) if r <= 0.0 => LaneState::Overtime,
                    Some(r) if r <= ENDING_SOON_MINUTES => LaneState::EndingSoon,
                    _ => LaneState::Active,
                },
            },
        };
        LaneView {
            lane_id: lane.lane_id.clone(),
            name: lane.name.clone(),
            bay: lane.bay_id.as_ref().and_then(|b| self.bays.get(b)).cloned(),
            bay_id: lane.bay_id.clone(),
            state,
            session_id: session.map(|(id, _)| id.clone()),
            known,
            customer_name: session.and_then(|(_, s)| s.customer_name.clone()),
            minutes_remaining: remaining,
            open_help: self.help.values().filter(|h| h.lane_id.as_deref() == Some(&lane.lane_id)).count() as u32,
            carrier_hits: session.map_or(0, |(_, s)| s.carrier_hits),
            pending_purchases: self
                .purchases
                .values()
                .filter(|p| p.view.status == Status::Pending && p.view.lane_id.as_deref() == Some(&lane.lane_id))
                .count() as u32,
            waiting_since: session
                .filter(|_| state == LaneState::Waiting)
                .map(|(_, s)| crate::store::events::rfc3339(s.created_ms)),
        }
    }
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

impl Session {
    /// A session first heard of at `at`: created, nothing else known yet.
    fn new(lane_id: &str, at: i64) -> Session {
        Session {
            lane_id: lane_id.to_owned(),
            state: SessionState::Created,
            customer_name: None,
            duration: None,
            began_at: None,
            remaining: None,
            as_ms: at,
            carrier_hits: 0,
            created_ms: at,
        }
    }

    fn remaining_at(&self, now_ms: i64) -> Option<f64> {
        let r = self.remaining?;
        Some(if self.state == SessionState::Active { r - (now_ms - self.as_ms) as f64 / 60_000.0 } else { r })
    }

    fn view(&self, id: &str, now_ms: i64) -> SessionView {
        SessionView {
            session_id: id.to_owned(),
            lane_id: self.lane_id.clone(),
            state: self.state,
            customer_name: self.customer_name.clone(),
            duration: self.duration,
            minutes_remaining: self.remaining_at(now_ms).map(|r| (r * 10.0).round() / 10.0),
            began_at: self.began_at.clone(),
            carrier_hits: self.carrier_hits,
        }
    }
}

impl Help {
    fn view(&self, id: i64) -> HelpView {
        let ts = |ms: i64| crate::store::events::rfc3339(ms);
        HelpView {
            help_id: id,
            session_id: self.session_id.clone(),
            lane_id: self.lane_id.clone(),
            raised_at: ts(self.raised_ms),
            acknowledged_at: self.acknowledged.as_ref().map(|(at, _)| ts(*at)),
            acknowledged_by: self.acknowledged.as_ref().map(|(_, by)| by.clone()),
        }
    }
}

#[cfg(test)]
mod tests;
