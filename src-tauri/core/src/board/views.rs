//! What the board shows, as the API and the window receive it. Every type here crosses to
//! TypeScript through ts-rs; never declare one by hand in the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A lane's state, by colour and word on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LaneState {
    Free,
    /// A session exists but the shooter has not entered the lane yet.
    Waiting,
    Active,
    /// Five minutes or less remain.
    EndingSoon,
    /// The time is up and the session still runs.
    Overtime,
    Paused,
    /// The vendor marks the lane unusable.
    Unusable,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LaneView {
    pub lane_id: String,
    pub name: String,
    /// The bay's name, when the vendor gave one.
    pub bay: Option<String>,
    pub bay_id: Option<String>,
    pub state: LaneState,
    pub session_id: Option<String>,
    /// False for a lane id seen in an event but not in the vendor's lane list: shown, never dropped.
    pub known: bool,
    pub customer_name: Option<String>,
    pub minutes_remaining: Option<f64>,
    pub open_help: u32,
    pub carrier_hits: u32,
    pub pending_purchases: u32,
    /// While the lane is waiting for its shooter: since when (the session was first heard of), so
    /// a lane nobody walks up to ages like anything else waiting.
    pub waiting_since: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Created,
    Active,
    Paused,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionView {
    pub session_id: String,
    pub lane_id: String,
    pub state: SessionState,
    pub customer_name: Option<String>,
    /// Minutes booked, when known (from the vendor's API).
    #[ts(type = "number | null")]
    pub duration: Option<i64>,
    pub minutes_remaining: Option<f64>,
    pub began_at: Option<String>,
    pub carrier_hits: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HelpView {
    #[ts(type = "number")]
    pub help_id: i64,
    pub session_id: Option<String>,
    pub lane_id: Option<String>,
    pub raised_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
}

/// The whole board at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BoardView {
    pub lanes: Vec<LaneView>,
    pub sessions: Vec<SessionView>,
    pub help: Vec<HelpView>,
    /// Purchases pending, and those decided in the last 12 hours, oldest first.
    pub purchases: Vec<PurchaseView>,
    /// Tab lines of the sessions on the board, and any item still to deliver.
    pub tab: Vec<TabItemView>,
    /// Every active session paused together: the range is in a ceasefire.
    pub ceasefire: bool,
    /// Action Target's API could not be reached at the last poll: this is the last known state.
    pub stale: bool,
    /// The last event the board has applied; a client that saw a later one is ahead of this view.
    #[ts(type = "number")]
    pub last_event_id: i64,
    /// Which run of the app made this view: event ids only grow within one run's store, and a
    /// restart may bring another store (a restored backup, a demo started afresh) whose ids begin
    /// lower. A client compares `last_event_id` only between views of the same run.
    pub run: String,
    pub as_of: String,
    /// Anything waiting for a person turns amber after this many seconds (`board.ageing_amber_seconds`,
    /// read when the view is made, so a settings change applies at the next push)…
    #[ts(type = "number")]
    pub ageing_amber_seconds: u64,
    /// …and red after this many (`board.ageing_red_seconds`).
    #[ts(type = "number")]
    pub ageing_red_seconds: u64,
    /// A vendor with no accepted delivery for this many minutes is shown as silent
    /// (`notifications.vendor_silent_minutes`).
    #[ts(type = "number")]
    pub vendor_silent_minutes: u64,
    /// The last accepted delivery from each vendor, in `Source::ALL` order: "is it connected?"
    pub vendors: Vec<VendorView>,
}

/// When a vendor last reached the app with a delivery that was accepted.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VendorView {
    pub source: rangedesk_domain::Source,
    pub last_delivery_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PurchaseItemView {
    pub id: String,
    #[ts(type = "number")]
    pub qty: i64,
    /// The catalogue's name for the item when the request came in; `None` for ids it did not list.
    pub display_name: Option<String>,
    /// `time`, `targets`, `ammo`, `rentals`, or `unknown` for ids the catalogue did not list;
    /// `None` until the request has been priced.
    pub product_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PurchaseView {
    pub trace_id: String,
    pub session_id: Option<String>,
    pub lane_id: Option<String>,
    pub status: rangedesk_domain::purchase::Status,
    pub items: Vec<PurchaseItemView>,
    pub requested_at: String,
    /// While pending and held: when the lane screen gets the default answer.
    pub deadline: Option<String>,
    pub decided_at: Option<String>,
    /// "rule", "catalogue" (asked for more or less than it sells), "nobody", "restart", or the
    /// person at the desk.
    pub decided_by: Option<String>,
    pub user_message: Option<String>,
    /// For approved lane time: "added", or why Action Target did not add it.
    pub time_extension: Option<String>,
}

/// One line of a session's tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TabItemView {
    pub item_id: String,
    pub trace_id: String,
    pub session_id: Option<String>,
    pub lane_id: Option<String>,
    pub product_id: String,
    pub product_type: String,
    pub name: String,
    #[ts(type = "number")]
    pub qty: i64,
    #[ts(type = "number")]
    pub unit_price_cents: i64,
    #[ts(type = "number")]
    pub total_cents: i64,
    /// A physical item not yet ticked off as delivered to the lane.
    pub to_deliver: bool,
    pub delivered_at: Option<String>,
    pub delivered_by: Option<String>,
}
