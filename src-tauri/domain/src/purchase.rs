//! Lane purchases as the domain sees them: the rule per product type, a purchase's status, the
//! answer a lane screen gets, and the items a shooter asks for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a lane screen shows a shooter sent back to the desk.
pub const SEE_THE_DESK: &str = "Please see the front desk to complete your purchase.";

/// One item of a `purchaseRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseItem {
    pub id: String,
    pub qty: i64,
}

/// `decided_by` of a purchase declined because it asked for more (or less) than the catalogue sells.
pub const CATALOGUE: &str = "catalogue";

/// What to do with a purchase of one product type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Approve,
    Ask,
    Decline,
}

/// A rule per product type; `unknown` is for item ids not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    pub time: Rule,
    pub targets: Rule,
    pub ammo: Rule,
    pub rentals: Rule,
    pub unknown: Rule,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { time: Rule::Approve, targets: Rule::Approve, ammo: Rule::Ask, rentals: Rule::Ask, unknown: Rule::Ask }
    }
}

impl Rules {
    pub fn for_type(&self, product_type: Option<&str>) -> Rule {
        match product_type {
            Some("time") => self.time,
            Some("targets") => self.targets,
            Some("ammo") => self.ammo,
            Some("rentals") => self.rentals,
            _ => self.unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "PurchaseStatus")]
pub enum Status {
    Pending,
    Approved,
    Declined,
    Missed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Declined => "declined",
            Status::Missed => "missed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [Status::Pending, Status::Approved, Status::Declined, Status::Missed].into_iter().find(|v| v.as_str() == s)
    }
}

/// The final answer to a purchase, as the lane screen receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approved,
    Declined { error: String, user_message: String },
}
