//! The board: an in-memory projection of the event log. `apply` folds one committed event in;
//! rebuilding from the whole log gives the same board (the log is the truth). Views take `now`,
//! so countdowns are computed, never stored, and tests need no clock.
//!
//! This file owns the state: [`Board`] and what it keeps of lanes, sessions, help calls, purchases
//! and tab lines. Beside it: `apply` (folding an event in), `reconcile` (comparing the board with
//! the vendor's poll), `view` (building what it shows, as the types of `views`), `live` (the
//! board the running app holds and feeds) and `pace` (when a change is pushed to the screens).

mod apply;
mod live;
mod pace;
mod reconcile;
mod view;
mod views;

pub use live::Live;
pub use pace::{PUSH_WINDOW, Pacer};

pub use views::{
    BoardView, HelpView, LaneState, LaneView, PurchaseItemView, PurchaseView, SessionState, SessionView, TabItemView,
    VendorView,
};

use rangedesk_domain::Source;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A running session is "ending soon" with this many minutes left or fewer (overtime below 0).
/// The UI recomputes the state between pushes with the same threshold (`ui/src/lib/board.ts`).
pub const ENDING_SOON_MINUTES: f64 = 5.0;

/// A lane as the vendor's set-up lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Lane {
    lane_id: String,
    name: String,
    bay_id: Option<String>,
    usable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Help {
    session_id: Option<String>,
    lane_id: Option<String>,
    raised_ms: i64,
    acknowledged: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Purchase {
    view: PurchaseView,
    requested_ms: i64,
    decided_ms: Option<i64>,
}

/// Serializable whole, so the running app can keep a snapshot of it in the store and start from
/// that instead of replaying years of log (see `live`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// When (event time, ms) the board last let go of what it can no longer show (see `apply`).
    #[serde(default)]
    pruned_ms: i64,
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
}

#[cfg(test)]
mod tests;
