//! `events`: the event log, the truth the board is projected from. Each row is one normalized
//! event, from a webhook delivery (in the same transaction as the delivery), a poll, or a person.

use super::{Result, StoreError, millis};
use crate::vendors::{NewEvent, Source};
use rusqlite::{Connection, Transaction, params};
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

    fn parse(s: &str) -> Option<Origin> {
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
        e.data.to_string(),
    ])?;
    Ok(txn.last_insert_rowid())
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
    let mut stmt = conn.prepare_cached(
        "SELECT id, delivery_id, at, source, origin, kind, known, lane_id, session_id, subject, vendor_time, data
         FROM events
         WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR lane_id = ?3) AND (?4 IS NULL OR session_id = ?4)
           AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6)
           AND (?7 IS NULL OR id < ?7)
         ORDER BY id DESC LIMIT ?8",
    )?;
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
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, bool>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, String>(11)?,
            ))
        },
    )?;
    rows.map(|row| {
        let (id, delivery_id, at, source, origin, kind, known, lane_id, session_id, subject, vendor_time, data) = row?;
        Ok(EventRow {
            id,
            delivery_id,
            at: rfc3339(at),
            source: Source::parse(&source)
                .ok_or_else(|| StoreError::Corrupt(format!("event {id}: source {source}")))?,
            origin: Origin::parse(&origin)
                .ok_or_else(|| StoreError::Corrupt(format!("event {id}: origin {origin}")))?,
            kind,
            known,
            lane_id,
            session_id,
            subject,
            vendor_time,
            data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("event {id}: data: {e}")))?,
        })
    })
    .collect()
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?)
}

/// Stored milliseconds as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_else(|_| ms.to_string())
}
