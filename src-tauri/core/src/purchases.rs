//! Lane purchases, as DESIGN.md decides. A `purchaseRequest` is answered while the shooter waits:
//! first every quantity is checked against the catalogue ([`limits`]; outside it is a decline
//! with the limit in words, before any rule, any desk prompt or any call to Action Target), then
//! each item's product type has a rule (approve at once, ask the desk, decline) and the strictest
//! rule of the request wins. "Ask the desk" holds the request for the approval window and answers
//! the moment staff decide; nobody deciding in time is a decline that sends the shooter to the
//! desk, and the purchase is marked missed. The `purchases` table is the guard that makes every
//! decision exactly-once: each one changes a row only while it is still pending
//! (`store::purchases::decide_if_pending`) inside the writer's transaction, so a decision racing the deadline yields one answer, the one the board shows.
//!
//! Beside this file, which owns what purchases know of the catalogue ([`Priced`]): `decide` (the
//! rules, holding, staff decisions, expiry and the tab), `waiters` (the held requests' channels),
//! `lane_time` (extending the session by the lane time a purchase bought) and [`limits`].

use crate::store;
use rusqlite::Transaction;

mod decide;
mod lane_time;
pub mod limits;
mod waiters;

pub use decide::{Request, Verdict, expire, miss_abandoned, on_request, staff_decision, tick_off};
pub use lane_time::extend_time;
pub use waiters::Waiters;

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
