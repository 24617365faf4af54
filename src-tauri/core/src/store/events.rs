//! `events`: the event log, the truth the board is projected from. Each row is one normalized
//! event, from a webhook delivery (in the same transaction as the delivery), a poll, or a person.

use super::{Result, StoreError, millis};
use rangedesk_domain::{NewEvent, Source};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use ts_rs::TS;

/// Where an event came from. The string forms are stored; never rename them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A vendor's webhook delivery.
    Webhook,
    /// The reconciler's poll of a vendor's API.
    Poll,
    /// A person at the desk.
    Staff,
    /// rangedesk's own decision (a purchase answered by rule, say).
    Rangedesk,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Webhook => "webhook",
            Origin::Poll => "poll",
            Origin::Staff => "staff",
            Origin::Rangedesk => "rangedesk",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        [Origin::Webhook, Origin::Poll, Origin::Staff, Origin::Rangedesk].into_iter().find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EventRow {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub delivery_id: Option<i64>,
    /// RFC 3339, UTC: when we recorded it.
    pub at: String,
    pub source: Source,
    pub origin: Origin,
    /// The vendor's event name as received.
    #[serde(rename = "type")]
    pub kind: String,
    pub known: bool,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub subject: Option<String>,
    pub vendor_time: Option<String>,
    #[ts(type = "unknown")]
    pub data: serde_json::Value,
}

pub fn insert(
    txn: &Transaction<'_>,
    delivery_id: Option<i64>,
    at: jiff::Timestamp,
    source: Source,
    origin: Origin,
    e: &NewEvent,
) -> Result<i64> {
    insert_owned(txn, delivery_id, at, source, origin, e.clone(), Some(e.data.to_string()))
}

/// [`insert`] for a caller that owns the event. `data_json` is its data already serialized, or
/// `None` for a webhook event whose data is its delivery's body, which the delivery row keeps
/// (so the body is stored once, and the writer thread serializes nothing).
pub fn insert_owned(
    txn: &Transaction<'_>,
    delivery_id: Option<i64>,
    at: jiff::Timestamp,
    source: Source,
    origin: Origin,
    e: NewEvent,
    data_json: Option<String>,
) -> Result<i64> {
    debug_assert!(data_json.is_some() || (origin == Origin::Webhook && delivery_id.is_some()));
    txn.prepare_cached(
        "INSERT INTO events (delivery_id, at, source, origin, kind, known, lane_id, session_id, subject, vendor_time, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        delivery_id,
        millis(at),
        source.as_str(),
        origin.as_str(),
        e.kind,
        e.known,
        e.lane_id,
        e.session_id,
        e.subject,
        e.vendor_time,
        data_json,
    ])?;
    let id = txn.last_insert_rowid();
    RECORDED.with(|r| {
        r.borrow_mut().push(EventRow {
            id,
            delivery_id,
            at: rfc3339(millis(at)),
            source,
            origin,
            kind: e.kind,
            known: e.known,
            lane_id: e.lane_id,
            session_id: e.session_id,
            subject: e.subject,
            vendor_time: e.vendor_time,
            data: e.data,
        })
    });
    Ok(id)
}

thread_local! {
    /// The rows inserted by the writer's open transaction, in id order, so the board can be fed
    /// after the commit without reading them back and parsing their JSON again.
    static RECORDED: std::cell::RefCell<Vec<EventRow>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many rows the open transaction has inserted so far (a savepoint's mark).
pub(crate) fn recorded_mark() -> usize {
    RECORDED.with(|r| r.borrow().len())
}

/// Forgets rows inserted after `mark` (their savepoint was rolled back).
pub(crate) fn forget_recorded_after(mark: usize) {
    RECORDED.with(|r| r.borrow_mut().truncate(mark));
}

/// The rows of the transaction that just ended, leaving the record empty.
pub(crate) fn take_recorded() -> Vec<EventRow> {
    RECORDED.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub source: Option<Source>,
    pub kind: Option<String>,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    pub before: Option<i64>,
    pub limit: u32,
}

/// Newest first.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{}
         WHERE (?1 IS NULL OR e.source = ?1) AND (?2 IS NULL OR e.kind = ?2)
           AND (?3 IS NULL OR e.lane_id = ?3) AND (?4 IS NULL OR e.session_id = ?4)
           AND (?5 IS NULL OR e.at >= ?5) AND (?6 IS NULL OR e.at < ?6)
           AND (?7 IS NULL OR e.id < ?7)
         ORDER BY e.id DESC LIMIT ?8",
        select_row()
    ))?;
    let rows = stmt.query_map(
        params![
            f.source.map(Source::as_str),
            f.kind,
            f.lane_id,
            f.session_id,
            f.from.map(millis),
            f.to.map(millis),
            f.before,
            f.limit
        ],
        raw,
    )?;
    rows.map(|row| row?.into_row()).collect()
}

/// One source's events recorded in `[from, to)`, oldest first, at most `limit`.
pub fn between(
    conn: &Connection,
    source: Source,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u32,
) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE e.at >= ?1 AND e.at < ?2 AND e.source = ?3 ORDER BY e.id LIMIT ?4",
        select_row()
    ))?;
    let rows = stmt.query_map(params![millis(from), millis(to), source.as_str(), limit], raw)?;
    rows.map(|row| row?.into_row()).collect()
}

/// Events after `last_id`, oldest first: what a projection has not applied yet.
pub fn after(conn: &Connection, last_id: i64, limit: u32) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(&format!("{} WHERE e.id > ?1 ORDER BY e.id LIMIT ?2", select_row()))?;
    let rows = stmt.query_map(params![last_id, limit], raw)?;
    rows.map(|row| row?.into_row()).collect()
}

/// An event's data in SQL, for a query over `events e` that joins `deliveries d` on
/// [`BODY_JOIN`]: a webhook event's data is its delivery's body, stored once, there (`data` is
/// NULL in the event row); the desk's own events carry theirs. Every read of `data` goes through
/// these two, so the body-once rule lives here alone.
pub const DATA: &str = "coalesce(e.data, CAST(d.body AS TEXT))";
/// The join [`DATA`] reads the body through (only rows without data of their own look it up).
pub const BODY_JOIN: &str = "LEFT JOIN deliveries d ON e.data IS NULL AND d.id = e.delivery_id";

/// An event row with its data (see [`DATA`]), before the `WHERE` of each query.
fn select_row() -> String {
    format!(
        "SELECT e.id, e.delivery_id, e.at, e.source, e.origin, e.kind, e.known, e.lane_id, e.session_id,
            e.subject, e.vendor_time, {DATA}, e.data IS NULL
         FROM events e {BODY_JOIN}"
    )
}

/// A row as SQLite returns it, before its text columns are checked.
struct Raw {
    id: i64,
    delivery_id: Option<i64>,
    at: i64,
    source: String,
    origin: String,
    kind: String,
    known: bool,
    lane_id: Option<String>,
    session_id: Option<String>,
    subject: Option<String>,
    vendor_time: Option<String>,
    data: Option<String>,
    /// The data is the delivery's body.
    from_body: bool,
}

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: r.get(0)?,
        delivery_id: r.get(1)?,
        at: r.get(2)?,
        source: r.get(3)?,
        origin: r.get(4)?,
        kind: r.get(5)?,
        known: r.get(6)?,
        lane_id: r.get(7)?,
        session_id: r.get(8)?,
        subject: r.get(9)?,
        vendor_time: r.get(10)?,
        data: r.get(11)?,
        from_body: r.get(12)?,
    })
}

impl Raw {
    fn into_row(self) -> Result<EventRow> {
        let id = self.id;
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("event {id}: {what} {value}"));
        let source = Source::parse(&self.source).ok_or_else(|| corrupt("source", &self.source))?;
        // A webhook event whose delivery's body was pruned (`store.keep_bodies_days`) has no data
        // left: its normalized columns are what remains of it.
        let mut data: serde_json::Value = match self.data.as_deref() {
            Some(d) => serde_json::from_str(d).map_err(|e| corrupt("data", &e.to_string()))?,
            None if self.from_body => serde_json::Value::Null,
            None => return Err(corrupt("data", "missing")),
        };
        if self.from_body
            && source == Source::Enviso
            && let Some(envelope) = data.as_object_mut()
        {
            // The Enviso adapter drops the signature from the event's data: it proves the delivery,
            // it is not the event. The body, kept as received, still has it.
            envelope.remove("signature");
        }
        Ok(EventRow {
            id,
            delivery_id: self.delivery_id,
            at: rfc3339(self.at),
            source,
            origin: Origin::parse(&self.origin).ok_or_else(|| corrupt("origin", &self.origin))?,
            data,
            kind: self.kind,
            known: self.known,
            lane_id: self.lane_id,
            session_id: self.session_id,
            subject: self.subject,
            vendor_time: self.vendor_time,
        })
    }
}

/// The lane and session of help call `help_id` (an Action Target `help` event), if there is one.
pub fn help_call(txn: &Transaction<'_>, help_id: i64) -> Result<Option<(Option<String>, Option<String>)>> {
    Ok(txn
        .prepare_cached(
            "SELECT lane_id, session_id FROM events WHERE id = ?1 AND kind = 'help' AND source = 'action_target'",
        )?
        .query_row(params![help_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Whether rangedesk itself (not a webhook) already recorded `kind` about `subject`: a staff step
/// such as acknowledging a help call or ticking off an item is taken once.
pub fn recorded_about(txn: &Transaction<'_>, kind: &str, subject: &str) -> Result<bool> {
    Ok(txn
        .prepare_cached("SELECT 1 FROM events WHERE kind = ?1 AND subject = ?2 AND origin <> 'webhook' LIMIT 1")?
        .query_row(params![kind, subject], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?)
}

/// The newest event's id (0 for an empty log).
pub fn last_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
}

/// Events that carry a data column of their own (not their delivery's body).
#[cfg(test)]
pub fn with_own_data(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM events WHERE data IS NOT NULL", [], |r| r.get(0))?)
}

/// Stored milliseconds as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_else(|_| ms.to_string())
}
