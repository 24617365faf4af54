//! Building what the board shows as of `now` (the types are in `views`): the whole board, one
//! session, purchase or tab line. Countdowns and lane states are computed here from the state,
//! never stored.

use super::{
    Board, BoardView, Help, HelpView, Lane, LaneState, LaneView, Purchase, PurchaseView, Session, SessionState,
    SessionView, TabItemView, VendorView,
};
use rangedesk_domain::Source;
use rangedesk_domain::purchase::Status;
use std::collections::HashMap;

/// How long a decided purchase stays on the board.
pub(super) const DECIDED_KEPT_MS: i64 = 12 * 3600 * 1000;

impl Board {
    /// A session as the API shows it.
    pub fn session_view(&self, id: &str, now: jiff::Timestamp) -> Option<SessionView> {
        self.sessions.get(id).map(|s| s.view(id, now.as_millisecond()))
    }

    /// An open help call as the board shows it.
    pub fn help_view(&self, help_id: i64) -> Option<HelpView> {
        self.help.get(&help_id).map(|h| h.view(help_id))
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

    /// The board as of `now`.
    pub fn view(&self, now: jiff::Timestamp) -> BoardView {
        let now_ms = now.as_millisecond();
        let sessions: Vec<SessionView> = self.sessions.iter().map(|(id, s)| s.view(id, now_ms)).collect();
        let help: Vec<HelpView> = self.help.iter().map(|(id, h)| h.view(*id)).collect();
        let by_lane = ByLane::of(self);
        let mut lanes: Vec<LaneView> = self.lanes.iter().map(|l| self.lane_view(l, true, now_ms, &by_lane)).collect();
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
                lanes.push(self.lane_view(&lane, false, now_ms, &by_lane));
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
            run: String::new(),
            as_of: now.to_string(),
            ageing_amber_seconds: ageing.ageing_amber_seconds,
            ageing_red_seconds: ageing.ageing_red_seconds,
            vendor_silent_minutes: crate::config::Notifications::default().vendor_silent_minutes,
            vendors,
        }
    }

    fn lane_view(&self, lane: &Lane, known: bool, now_ms: i64, by_lane: &ByLane<'_>) -> LaneView {
        let key = lane.lane_id.as_str();
        let session = by_lane.session.get(key).copied();
        let remaining = session.and_then(|(_, s)| s.remaining_at(now_ms)).map(|r| (r * 10.0).round() / 10.0);
        let state = match session {
            _ if !lane.usable => LaneState::Unusable,
            None => LaneState::Free,
            Some((_, s)) => match s.state {
                SessionState::Created => LaneState::Waiting,
                SessionState::Paused => LaneState::Paused,
                SessionState::Active => match remaining {
                    Some(r) if r <= 0.0 => LaneState::Overtime,
                    Some(r) if r <= super::ENDING_SOON_MINUTES => LaneState::EndingSoon,
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
            open_help: by_lane.help.get(key).copied().unwrap_or(0),
            carrier_hits: session.map_or(0, |(_, s)| s.carrier_hits),
            pending_purchases: by_lane.pending.get(key).copied().unwrap_or(0),
            waiting_since: session
                .filter(|_| state == LaneState::Waiting)
                .map(|(_, s)| crate::store::events::rfc3339(s.created_ms)),
        }
    }
}

/// What each lane shows of the board's sessions, help calls and purchases, gathered in one pass
/// over each: a lane's view used to walk all of them, so a view cost lanes × every purchase the
/// board ever held (a year-old store: 40 × ~150,000, under the lock the writer's commits wait for).
struct ByLane<'a> {
    /// The lane's session: the first in id order, as the per-lane search found it.
    session: HashMap<&'a str, (&'a String, &'a Session)>,
    help: HashMap<&'a str, u32>,
    pending: HashMap<&'a str, u32>,
}

impl<'a> ByLane<'a> {
    fn of(b: &'a Board) -> ByLane<'a> {
        let mut session = HashMap::new();
        for (id, s) in &b.sessions {
            session.entry(s.lane_id.as_str()).or_insert((id, s));
        }
        let mut help: HashMap<&str, u32> = HashMap::new();
        for lane in b.help.values().filter_map(|h| h.lane_id.as_deref()) {
            *help.entry(lane).or_default() += 1;
        }
        let mut pending: HashMap<&str, u32> = HashMap::new();
        let waiting = b.purchases.values().filter(|p| p.view.status == Status::Pending);
        for lane in waiting.filter_map(|p| p.view.lane_id.as_deref()) {
            *pending.entry(lane).or_default() += 1;
        }
        ByLane { session, help, pending }
    }
}

impl Session {
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
