//! `purchases`: one row per lane purchase, the guard that makes each decision exactly-once. The
//! purchase's story (request, hold, decision, tab) is in the event log; this row says where it
//! stands now.

use super::{Result, millis};
use rusqlite::{OptionalExtension, Transaction, params};

pub struct NewPurchase<'a> {
    pub trace_id: &'a str,
    pub session_id: Option<&'a str>,
    pub lane_id: Option<&'a str>,
    /// The requested items as JSON.
    pub items: &'a str,
    pub requested_at: jiff::Timestamp,
}

pub fn insert_pending(t: &Transaction<'_>, p: &NewPurchase<'_>) -> Result<()> {
    t.prepare_cached(
        "INSERT INTO purchases (trace_id, session_id, lane_id, items, status, requested_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
    )?
    .execute(params![p.trace_id, p.session_id, p.lane_id, p.items, millis(p.requested_at)])?;
    Ok(())
}

/// Moves a pending purchase to `status`; false when it was not pending (decided already).
pub fn decide_if_pending(
    t: &Transaction<'_>,
    trace_id: &str,
    status: &str,
    at: jiff::Timestamp,
    by: &str,
    user_message: Option<&str>,
) -> Result<bool> {
    let changed = t
        .prepare_cached(
            "UPDATE purchases SET status = ?2, decided_at = ?3, decided_by = ?4, user_message = ?5
             WHERE trace_id = ?1 AND status = 'pending'",
        )?
        .execute(params![trace_id, status, millis(at), by, user_message])?;
    Ok(changed == 1)
}

/// What was asked for, and where.
pub struct Requested {
    pub session_id: Option<String>,
    pub lane_id: Option<String>,
    /// The items as JSON.
    pub items: String,
}

pub fn request(t: &Transaction<'_>, trace_id: &str) -> Result<Option<Requested>> {
    Ok(t.prepare_cached("SELECT session_id, lane_id, items FROM purchases WHERE trace_id = ?1")?
        .query_row(params![trace_id], |r| Ok(Requested { session_id: r.get(0)?, lane_id: r.get(1)?, items: r.get(2)? }))
        .optional()?)
}

/// `(status, user_message)` of a purchase.
pub fn status(t: &Transaction<'_>, trace_id: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(t.prepare_cached("SELECT status, user_message FROM purchases WHERE trace_id = ?1")?
        .query_row(params![trace_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn pending(t: &Transaction<'_>) -> Result<Vec<String>> {
    let mut stmt = t.prepare_cached("SELECT trace_id FROM purchases WHERE status = 'pending'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
