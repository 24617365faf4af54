//! `deliveries`: every request that reached a vendor route, with its verdict, its status, the
//! headers that matter and its raw body. Accepted deliveries are unique per `(source, dedup_key)`.
//! An accepted or duplicate delivery keeps its body whole; a refused one may keep only its first
//! bytes, with the whole body's length and SHA-256 beside them, and is pruned when old.

use super::{Result, millis};
use rangedesk_domain::Source;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Duplicate,
    Rejected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Duplicate => "duplicate",
            Verdict::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        [Verdict::Accepted, Verdict::Duplicate, Verdict::Rejected].into_iter().find(|v| v.as_str() == s)
    }
}

/// A delivery about to be recorded.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub trace_id: String,
    pub received_at: jiff::Timestamp,
    pub source: Source,
    pub verdict: Verdict,
    pub status: u16,
    pub reason: Option<String>,
    pub dedup_key: Option<String>,
    pub remote_addr: Option<String>,
    /// The headers that matter, as a JSON object of name to value.
    pub headers: serde_json::Value,
    /// The raw body, or only its first bytes when `digest` says so; `None` when it was refused
    /// before being read (too large).
    pub body: Option<Vec<u8>>,
    /// The whole body's length and hash, when `body` may hold only part of it (a refusal).
    pub digest: Option<Digest>,
}

/// What is known of a whole body of which only a part may be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub len: usize,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// A delivery as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DeliveryRow {
    #[ts(type = "number")]
    pub id: i64,
    pub trace_id: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub source: Source,
    pub verdict: Verdict,
    pub status: u16,
    pub reason: Option<String>,
    pub remote_addr: Option<String>,
    pub headers: serde_json::Value,
    /// The raw body as text (invalid UTF-8 shown with replacement characters); vendor text is data.
    pub body: Option<String>,
    /// Whether the kept body was valid UTF-8; when false, `body` is a lossy rendering.
    pub body_is_utf8: bool,
    /// The length of the whole body as it was received, also when only its first bytes are kept.
    #[ts(type = "number")]
    pub body_bytes: i64,
    /// SHA-256 (hex) of the whole body, kept for a refused delivery (whose body may be cut) so it
    /// can be matched against what the sender says it sent; null for an accepted or duplicate
    /// delivery, whose body is kept whole.
    pub body_sha256: Option<String>,
    /// Whether `body` holds only the first bytes of the body (a refused delivery's first 2 KiB).
    pub body_truncated: bool,
}

pub fn insert(txn: &Transaction<'_>, d: &NewDelivery) -> Result<i64> {
    txn.prepare_cached(
        "INSERT INTO deliveries (trace_id, received_at, source, verdict, status, reason, dedup_key, remote_addr, headers, body, body_len, body_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        d.trace_id,
        millis(d.received_at),
        d.source.as_str(),
        d.verdict.as_str(),
        d.status,
        d.reason,
        d.dedup_key,
        d.remote_addr,
        d.headers.to_string(),
        d.body,
        d.digest.as_ref().map(|g| i64::try_from(g.len).unwrap_or(i64::MAX)),
        d.digest.as_ref().map(|g| g.sha256.as_str()),
    ])?;
    Ok(txn.last_insert_rowid())
}

/// The trace id of the accepted delivery with this dedup key, if one exists.
pub fn accepted_with_key(txn: &Transaction<'_>, source: Source, key: &str) -> Result<Option<String>> {
    Ok(txn
        .prepare_cached(
            "SELECT trace_id FROM deliveries WHERE source = ?1 AND dedup_key = ?2 AND verdict = 'accepted'",
        )?
        .query_row(params![source.as_str(), key], |r| r.get(0))
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub source: Option<Source>,
    pub verdict: Option<Verdict>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    /// Only rows with an id below this (the previous page's last id).
    pub before: Option<i64>,
    pub limit: u32,
}

/// Newest first.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<DeliveryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, trace_id, received_at, source, verdict, status, reason, remote_addr, headers, body, body_len, body_sha256
         FROM deliveries
         WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR verdict = ?2)
           AND (?3 IS NULL OR received_at >= ?3) AND (?4 IS NULL OR received_at < ?4)
           AND (?5 IS NULL OR id < ?5)
         ORDER BY id DESC LIMIT ?6",
    )?;
    let rows = stmt.query_map(
        params![
            f.source.map(Source::as_str),
            f.verdict.map(Verdict::as_str),
            f.from.map(millis),
            f.to.map(millis),
            f.before,
            f.limit,
        ],
        |r| {
            let body: Option<Vec<u8>> = r.get(9)?;
            let headers: String = r.get(8)?;
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u16>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                headers,
                body,
                r.get::<_, Option<i64>>(10)?,
                r.get::<_, Option<String>>(11)?,
            ))
        },
    )?;
    rows.map(|row| {
        let (id, trace_id, at, source, verdict, status, reason, remote_addr, headers, body, body_len, body_sha256) =
            row?;
        let kept = body.as_ref().map_or(0, |b| b.len() as i64);
        let body_bytes = body_len.unwrap_or(kept);
        let body_is_utf8 = body.as_deref().is_none_or(|b| std::str::from_utf8(b).is_ok());
        Ok(DeliveryRow {
            id,
            trace_id,
            received_at: super::events::rfc3339(at),
            source: Source::parse(&source)
                .ok_or_else(|| super::StoreError::Corrupt(format!("delivery {id}: source {source}")))?,
            verdict: Verdict::parse(&verdict)
                .ok_or_else(|| super::StoreError::Corrupt(format!("delivery {id}: verdict {verdict}")))?,
            status,
            reason,
            remote_addr,
            headers: serde_json::from_str(&headers).unwrap_or(serde_json::Value::Null),
            body: body.map(|b| String::from_utf8_lossy(&b).into_owned()),
            body_is_utf8,
            body_bytes,
            body_sha256,
            body_truncated: body_bytes > kept,
        })
    })
    .collect()
}

/// Deletes up to `limit` refused deliveries received before `before`, oldest first, and says how
/// many it deleted. Accepted and duplicate deliveries are never deleted. Runs on the writer's
/// connection outside any transaction (see `Writer::outside_transaction`): it turns foreign key
/// checks off for its own transaction, because with them on SQLite would scan the whole event log
/// for each deleted row (no index leads from a delivery to its events, and the ingest path is
/// cheaper without one), and a refused delivery never has events to check for.
pub fn prune_refused(conn: &Connection, before: jiff::Timestamp, limit: u32) -> Result<usize> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let deleted = (|| -> Result<usize> {
        let txn = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        let n = txn
            .prepare_cached(
                "DELETE FROM deliveries WHERE id IN (
                 SELECT id FROM deliveries WHERE verdict = 'rejected' AND received_at < ?1
                 ORDER BY received_at LIMIT ?2)",
            )?
            .execute(params![millis(before), limit])?;
        txn.commit()?;
        Ok(n)
    })();
    // Restored whatever happened: every later job of the writer relies on the checks.
    let restored = conn.pragma_update(None, "foreign_keys", "ON");
    let n = deleted?;
    restored?;
    Ok(n)
}

/// A body that may go: its delivery, when it came, the body.
pub struct Prunable {
    pub id: i64,
    pub received_at: i64,
    pub body: Vec<u8>,
}

/// Up to `limit` accepted or duplicate deliveries received in `[from, before)` whose body is kept
/// whole and may go, oldest first: every such body but those whose events' data a report, the
/// board or a day's visits read (a webhook event's data is its delivery's body; `keep_kinds` is an
/// SQL list of those kinds). A delivery's webhook events have its `received_at` as their `at`, so
/// the check walks `events_at`, not the log. Runs on a reader: the walk never holds up the writer.
pub fn prunable_bodies(
    conn: &Connection,
    from: jiff::Timestamp,
    before: jiff::Timestamp,
    keep_kinds: &str,
    limit: u32,
) -> Result<Vec<Prunable>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT d.id, d.received_at, d.body FROM deliveries d
         WHERE d.received_at >= ?1 AND d.received_at < ?2 AND d.body IS NOT NULL AND d.body_len IS NULL
           AND d.verdict IN ('accepted', 'duplicate')
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.at = d.received_at AND e.delivery_id = d.id
                           AND e.data IS NULL AND e.kind IN {keep_kinds})
         ORDER BY d.received_at, d.id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![millis(from), millis(before), limit], |r| {
        Ok(Prunable { id: r.get(0)?, received_at: r.get(1)?, body: r.get(2)? })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Drops the bodies of these deliveries, keeping each one's length and SHA-256 (as a refusal's
/// cut body does), unless a row changed since it was read; answers how many went. With SQLite's
/// `secure_delete` on for these updates, so the bytes are overwritten in the file, not left in
/// the pages' free space (a limit is set to stop holding the bodies, not only to stop showing them).
pub fn prune_bodies(txn: &Transaction<'_>, bodies: &[(i64, Digest)]) -> Result<u64> {
    let was: i64 = txn.pragma_query_value(None, "secure_delete", |r| r.get(0))?;
    txn.pragma_update(None, "secure_delete", true)?;
    let pruned = (|| -> Result<u64> {
        let mut stmt = txn.prepare_cached(
            "UPDATE deliveries SET body = NULL, body_len = ?2, body_sha256 = ?3
             WHERE id = ?1 AND body IS NOT NULL AND body_len IS NULL",
        )?;
        let mut n = 0;
        for (id, d) in bodies {
            n += stmt.execute(params![id, i64::try_from(d.len).unwrap_or(i64::MAX), d.sha256])? as u64;
        }
        Ok(n)
    })();
    // Restored whatever happened: the writer's other jobs do not pay for zeroing.
    let restored = txn.pragma_update(None, "secure_delete", was);
    let n = pruned?;
    restored?;
    Ok(n)
}

/// When `source` last had a delivery accepted (a duplicate counts: the vendor is reaching us), if
/// it had one since `since`. The bound keeps this a short walk down the `received_at` index even
/// for a vendor the range does not use.
pub fn last_accepted(conn: &Connection, source: Source, since: jiff::Timestamp) -> Result<Option<jiff::Timestamp>> {
    let ms: Option<i64> = conn
        .prepare_cached(
            "SELECT received_at FROM deliveries
             WHERE received_at >= ?2 AND source = ?1 AND verdict IN ('accepted', 'duplicate')
             ORDER BY received_at DESC LIMIT 1",
        )?
        .query_row(params![source.as_str(), millis(since)], |r| r.get(0))
        .optional()?;
    Ok(ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()))
}

/// How many deliveries each source has had, by verdict.
pub fn count_by_verdict(conn: &Connection) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, verdict, count(*) FROM deliveries GROUP BY source, verdict ORDER BY source, verdict",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The newest delivery from `source` received since `since` (only accepted ones when
/// `accepted_only`), without its body. The bound keeps this a short walk down the `received_at`
/// index even for a vendor the range does not use, however long the log.
pub fn newest_since(
    conn: &Connection,
    source: Source,
    since: jiff::Timestamp,
    accepted_only: bool,
) -> Result<Option<Newest>> {
    conn.prepare_cached(
        "SELECT trace_id, received_at, verdict, status, reason, headers FROM deliveries
         WHERE received_at >= ?2 AND source = ?1 AND (?3 = 0 OR verdict = 'accepted')
         ORDER BY received_at DESC, id DESC LIMIT 1",
    )?
    .query_row(params![source.as_str(), millis(since), accepted_only], |r| {
        let verdict: String = r.get(2)?;
        let headers: String = r.get(5)?;
        Ok(Newest {
            trace_id: r.get(0)?,
            received_at: super::events::rfc3339(r.get(1)?),
            verdict: Verdict::parse(&verdict).unwrap_or(Verdict::Rejected),
            status: r.get(3)?,
            reason: r.get(4)?,
            headers: serde_json::from_str(&headers).unwrap_or(serde_json::Value::Null),
        })
    })
    .optional()
    .map_err(Into::into)
}

/// A delivery as "is it connected?" needs it: when, and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Newest {
    pub trace_id: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub verdict: Verdict,
    pub status: u16,
    pub reason: Option<String>,
    pub headers: serde_json::Value,
}
