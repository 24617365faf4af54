//! The Action Target API's lanes, bays, groups and sessions as it sends them, and the body that
//! starts a session. Unknown fields are ignored and optional ones default, so a newer gateway
//! that adds a field does not break the board. They cross to the UI through ts-rs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiLane {
    pub lane_id: String,
    #[serde(default)]
    pub bay_id: Option<String>,
    pub readable_name: String,
    pub is_accessible: bool,
    pub is_usable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiBay {
    pub bay_id: String,
    pub name: String,
}

/// An access group; most ranges have one, and a new session needs its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiGroup {
    pub id: String,
    pub name: String,
}

/// The vendor's SessionView. `began_at` and `minutes_remaining` stay empty until the shooter
/// enters the lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiSession {
    pub session_id: String,
    pub lane_id: String,
    #[serde(default)]
    pub group_id: Option<String>,
    /// Booked minutes.
    #[ts(type = "number")]
    pub duration: i64,
    #[serde(default)]
    pub began_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub minutes_remaining: Option<f64>,
    /// The vendor's default when it leaves the field out.
    #[serde(default)]
    pub enable_purchasing: bool,
    #[serde(default)]
    pub customer_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewSession {
    pub customer_name: String,
    pub lane_id: String,
    pub group_id: String,
    /// Minutes, 1 to 480.
    #[ts(type = "number")]
    pub duration: i64,
    pub enable_purchasing: bool,
    pub auto_start: bool,
}
