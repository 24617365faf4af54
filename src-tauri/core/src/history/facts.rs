//! The facts a report counts, folded once from the event log of a window: sessions as pieces of
//! active, paused and overtime time; when each lane was unusable; help calls with their
//! acknowledgement and resolution; purchases with their decision; tab lines; carrier hits; poll
//! corrections; visits. Each list is in time order, so a day is a slice of it.

use super::report::BandState;
use crate::store::events::Origin;
use crate::store::history::LogRow;
use rangedesk_domain::Source;
use rangedesk_domain::kinds::{self, purchase, session as staff};
use std::collections::{BTreeMap, HashMap};

/// A session on one lane, from its first piece to its last.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFact {
    pub session_id: String,
    pub lane_id: String,
    pub customer: Option<String>,
    /// Contiguous or not, in order; ms.
    pub pieces: Vec<(i64, i64, BandState)>,
    /// Still running when the report was made (its last piece ends now).
    pub running: bool,
}

impl SessionFact {
    pub fn start(&self) -> i64 {
        self.pieces.first().map_or(0, |p| p.0)
    }
    pub fn end(&self) -> i64 {
        self.pieces.last().map_or(0, |p| p.1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HelpFact {
    pub help_id: i64,
    pub at: i64,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub acked: Option<(i64, String)>,
    pub resolved: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseFact {
    pub trace_id: String,
    pub at: i64,
    pub event_id: i64,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    /// `id×qty` per item.
    pub items: Vec<(String, i64)>,
    pub held: bool,
    /// `(at, status kind, by)`.
    pub decided: Option<(i64, &'static str, String)>,
    pub product_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TabFact {
    pub at: i64,
    pub lane_id: Option<String>,
    pub product_type: String,
    pub qty: i64,
    pub cents: i64,
}

/// Something at one instant: a carrier hit, a poll correction, a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub at: i64,
    pub event_id: i64,
    pub source: Source,
    pub kind: String,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub subject: Option<String>,
}

#[derive(Debug, Default)]
pub struct Facts {
    /// Lanes in display order: the vendor's set-up, then lanes only events named.
    pub lanes: Vec<(String, Option<String>)>,
    pub sessions: Vec<SessionFact>,
    /// Per lane, `[from, to)` ms while the vendor marked it not usable.
    pub unusable: HashMap<String, Vec<(i64, i64)>>,
    pub help: Vec<HelpFact>,
    pub purchases: Vec<PurchaseFact>,
    pub tab: Vec<TabFact>,
    pub hits: Vec<Moment>,
    pub corrections: Vec<Moment>,
    pub visits: Vec<Moment>,
}

/// A session being folded: its state since `since`.
struct Open {
    fact: SessionFact,
    state: Option<BandState>,
    since: i64,
    used_ms: i64,
    duration_min: Option<f64>,
    last_at: i64,
}

fn text(v: &serde_json::Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn ms_of(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

impl Open {
    /// Closes the piece running since `since` at `at`, splitting off overtime past the booking.
    fn close_piece(&mut self, at: i64) {
        let Some(state) = self.state else { return };
        let at = at.max(self.since);
        if state == BandState::Active {
            let limit = self.duration_min.map(|d| (d * 60_000.0) as i64);
            let left = limit.map_or(i64::MAX, |l| l - self.used_ms);
            let split = if left <= 0 { self.since } else { self.since.saturating_add(left).min(at) };
            self.push(self.since, split, BandState::Active);
            self.push(split, at, BandState::Overtime);
            self.used_ms += at - self.since;
        } else {
            self.push(self.since, at, state);
        }
        self.since = at;
    }
    fn push(&mut self, from: i64, to: i64, state: BandState) {
        if to > from {
            self.fact.pieces.push((from, to, state));
        }
    }
    fn go(&mut self, at: i64, state: BandState) {
        self.close_piece(at);
        self.state = Some(state);
        self.since = self.since.max(at);
    }
}

/// Folds `rows` (time order) with the set-up in force before them; open ends close at `until`.
/// `live`: `until` is now, so a session nobody heard end is still running (the board shows it
/// active, or in overtime past its booking) and runs to `until`.
pub fn fold(setup: Option<&LogRow>, rows: &[LogRow], until: i64, live: bool) -> Facts {
    let mut f = Facts::default();
    let mut usable: HashMap<String, (bool, i64)> = HashMap::new();
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    if let Some(s) = setup {
        apply_setup(&mut f, &mut usable, &mut order, &mut names, &s.data, s.at);
    }
    let mut open: HashMap<String, Open> = HashMap::new();
    let mut help_index: HashMap<i64, usize> = HashMap::new();
    let mut purchase_index: HashMap<String, usize> = HashMap::new();
    for e in rows {
        if let Some(l) = &e.lane_id
            && !names.contains_key(l)
        {
            names.insert(l.clone(), None);
        }
        if e.origin == Origin::Poll && e.kind != kinds::RANGE_SETUP {
            f.corrections.push(moment(e));
        }
        // Any word from the lane about a session (a help call, a hit, a purchase) says it was still
        // running then.
        if e.source == Source::ActionTarget
            && e.origin == Origin::Webhook
            && let Some(o) = e.session_id.as_ref().and_then(|id| open.get_mut(id))
        {
            o.last_at = o.last_at.max(e.at);
        }
        match (e.source, e.kind.as_str()) {
            (Source::ActionTarget, kinds::RANGE_SETUP) => {
                apply_setup(&mut f, &mut usable, &mut order, &mut names, &e.data, e.at);
            }
            (Source::ActionTarget, "help") if e.origin == Origin::Webhook => {
                help_index.insert(e.id, f.help.len());
                f.help.push(HelpFact {
                    help_id: e.id,
                    at: e.at,
                    lane_id: e.lane_id.clone(),
                    session_id: e.session_id.clone(),
                    acked: None,
                    resolved: None,
                });
            }
            (_, kinds::HELP_ACKNOWLEDGED | kinds::HELP_RESOLVED) => {
                let id = e.subject.as_deref().and_then(|s| s.parse::<i64>().ok());
                if let Some(h) = id.and_then(|id| help_index.get(&id)).and_then(|&i| f.help.get_mut(i)) {
                    let by = text(&e.data, "by").unwrap_or_else(|| "desk".into());
                    let slot = if e.kind == kinds::HELP_ACKNOWLEDGED { &mut h.acked } else { &mut h.resolved };
                    slot.get_or_insert((e.at, by));
                }
            }
            (Source::ActionTarget, "carrierHit") => f.hits.push(moment(e)),
            (Source::ActionTarget, crate::vendors::action_target::PURCHASE_REQUEST) => {
                let Some(trace_id) = e.subject.clone() else { continue };
                let items = e.data.get("items").and_then(|v| v.as_array()).map_or_else(Vec::new, |a| {
                    a.iter().filter_map(|i| Some((text(i, "id")?, i.get("qty")?.as_i64()?))).collect()
                });
                purchase_index.insert(trace_id.clone(), f.purchases.len());
                f.purchases.push(PurchaseFact {
                    trace_id,
                    at: e.at,
                    event_id: e.id,
                    lane_id: e.lane_id.clone(),
                    session_id: e.session_id.clone(),
                    items,
                    held: false,
                    decided: None,
                    product_types: Vec::new(),
                });
            }
            (_, purchase::HELD | purchase::APPROVED | purchase::DECLINED | purchase::MISSED) => {
                let Some(p) =
                    e.subject.as_ref().and_then(|t| purchase_index.get(t)).and_then(|&i| f.purchases.get_mut(i))
                else {
                    continue;
                };
                if let Some(priced) = e.data.get("priced").and_then(|v| v.as_array()) {
                    p.product_types =
                        priced.iter().map(|x| text(x, "product_type").unwrap_or_else(|| "unknown".into())).collect();
                }
                let status = match e.kind.as_str() {
                    purchase::HELD => {
                        p.held = true;
                        continue;
                    }
                    purchase::APPROVED => "approved",
                    purchase::DECLINED => "declined",
                    _ => "missed",
                };
                p.decided.get_or_insert((e.at, status, text(&e.data, "by").unwrap_or_default()));
            }
            (_, purchase::TAB_ITEM_ADDED) => {
                let int = |k: &str| e.data.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
                f.tab.push(TabFact {
                    at: e.at,
                    lane_id: e.lane_id.clone(),
                    product_type: text(&e.data, "product_type").unwrap_or_else(|| "unknown".into()),
                    qty: int("qty"),
                    cents: int("total_cents"),
                });
            }
            (Source::Enviso | Source::Samna, _) if super::arrivals::visit_kind(e.source, &e.kind).is_some() => {
                f.visits.push(moment(e));
            }
            (Source::ActionTarget, _) => session_event(&mut f, &mut open, e),
            _ => {}
        }
    }
    let mut rest: Vec<Open> = open.into_values().collect();
    rest.sort_by_key(|o| o.fact.start());
    for mut o in rest {
        let end = match o.duration_min {
            _ if live && o.state.is_some() => {
                o.fact.running = true;
                until
            }
            // A session nobody heard end: it ran its booking (or to its last word), never past `until`.
            Some(d) if o.state.is_some() => (o.since + ((d * 60_000.0) as i64 - o.used_ms).max(0)).max(o.last_at),
            _ => o.last_at,
        };
        o.close_piece(end.min(until).max(o.since));
        finish(&mut f, o);
    }
    for (lane, (ok, since)) in usable {
        if !ok {
            f.unusable.entry(lane).or_default().push((since, until));
        }
    }
    f.sessions.sort_by_key(SessionFact::start);
    f.lanes = order.iter().map(|l| (l.clone(), names.get(l).cloned().flatten())).collect();
    f.lanes.extend(names.into_iter().filter(|(l, _)| !order.contains(l)));
    f
}

fn moment(e: &LogRow) -> Moment {
    Moment {
        at: e.at,
        event_id: e.id,
        source: e.source,
        kind: e.kind.clone(),
        lane_id: e.lane_id.clone(),
        session_id: e.session_id.clone(),
        subject: e.subject.clone(),
    }
}

fn finish(f: &mut Facts, o: Open) {
    if !o.fact.pieces.is_empty() {
        f.sessions.push(o.fact);
    }
}

fn apply_setup(
    f: &mut Facts,
    usable: &mut HashMap<String, (bool, i64)>,
    order: &mut Vec<String>,
    names: &mut BTreeMap<String, Option<String>>,
    data: &serde_json::Value,
    at: i64,
) {
    let Some(lanes) = data.get("lanes").and_then(|v| v.as_array()) else { return };
    order.clear();
    for l in lanes {
        let Some(id) = text(l, "lane_id") else { continue };
        let ok = l.get("is_usable").and_then(|v| v.as_bool()).unwrap_or(true);
        names.insert(id.clone(), text(l, "readable_name"));
        order.push(id.clone());
        match usable.get(&id) {
            Some(&(was, since)) if was != ok => {
                if !was {
                    f.unusable.entry(id.clone()).or_default().push((since, at));
                }
                usable.insert(id, (ok, at));
            }
            Some(_) => {}
            None => {
                usable.insert(id, (ok, at));
            }
        }
    }
}

fn session_event(f: &mut Facts, open: &mut HashMap<String, Open>, e: &LogRow) {
    let (Some(id), Some(lane)) = (e.session_id.clone(), e.lane_id.clone()) else { return };
    let kind = e.kind.as_str();
    let ends = matches!(kind, "sessionStopped" | kinds::SESSION_VANISHED)
        || (kind == staff::STOP && text(&e.data, "outcome").as_deref() == Some("ok"));
    if ends {
        if let Some(mut o) = open.remove(&id) {
            o.close_piece(e.at);
            finish(f, o);
        }
        return;
    }
    let starts = kind == "sessionStarted"
        || (kind == kinds::SESSION_OBSERVED && e.data.get("session").and_then(|s| text(s, "began_at")).is_some());
    if starts {
        // Another session still open on this lane ended when this one began.
        let stale: Vec<String> = open
            .iter()
            .filter(|(k, o)| **k != id && o.fact.lane_id == lane && o.state.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some(mut o) = open.remove(&k) {
                o.close_piece(e.at);
                finish(f, o);
            }
        }
    }
    let o = open.entry(id.clone()).or_insert_with(|| Open {
        fact: SessionFact { session_id: id, lane_id: lane.clone(), customer: None, pieces: Vec::new(), running: false },
        state: None,
        since: e.at,
        used_ms: 0,
        duration_min: None,
        last_at: e.at,
    });
    o.last_at = e.at;
    o.fact.lane_id = lane;
    let data = e.data.get("session").unwrap_or(&e.data);
    if let Some(name) = text(data, "customer_name").or_else(|| text(&e.data, "customer_name")) {
        o.fact.customer = Some(name);
    }
    let ok = text(&e.data, "outcome").as_deref() == Some("ok");
    match kind {
        "sessionStarted" if o.state.is_none() => o.go(e.at, BandState::Active),
        "sessionPaused" if o.state == Some(BandState::Active) => o.go(e.at, BandState::Paused),
        "sessionResumed" if o.state == Some(BandState::Paused) => o.go(e.at, BandState::Active),
        staff::MODIFY | purchase::SESSION_EXTENDED if ok => {
            let m = e.data.get("minutes").and_then(|v| v.as_f64()).unwrap_or(0.0);
            o.duration_min = o.duration_min.map(|d| d + m);
        }
        kinds::SESSION_OBSERVED | staff::START => {
            if let Some(d) = data.get("duration").and_then(|v| v.as_f64()) {
                o.duration_min = Some(d);
            }
            if o.state.is_none()
                && let Some(began) = text(data, "began_at").and_then(|b| ms_of(&b))
            {
                // The poll tells of a session no webhook started: it ran since the vendor says.
                o.since = began.min(e.at);
                o.state = Some(BandState::Active);
            }
        }
        _ => {}
    }
}
