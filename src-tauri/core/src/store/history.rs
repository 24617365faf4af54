//! Reads for the history reports (`crate::history`): the event log and the delivery verdicts of
//! a window of time, as lean rows. Both walk an index on time (`events_at`, `deliveries_received`);
//! the JSON `data` is read only for the kinds whose payload a report uses (a webhook event's is
//! its delivery's body, stored once there), so a day of a busy range reads in one range scan.

use super::{Result, StoreError, millis};
use rangedesk_domain::Source;
use rusqlite::{Connection, OptionalExtension, params};

use super::deliveries::Verdict;
use super::events::{BODY_JOIN, DATA, Origin};

/// One event as the reports read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub id: i64,
    /// Milliseconds since the epoch: when we recorded it.
    pub at: i64,
    pub source: Source,
    pub origin: Origin,
    pub kind: String,
    pub lane_id: Option<String>,
    pub session_id: Option<String>,
    pub subject: Option<String>,
    /// The payload, only for the kinds in `WITH_DATA`; `Null` otherwise.
    pub data: serde_json::Value,
}

/// The kinds whose payload a report reads (who acknowledged, what was priced, the lanes…).
pub const WITH_DATA: &str = "('sessionObserved','staffStartSession','staffModifySession','staffStopSession',\
'helpAcknowledged','helpResolved','purchaseRequest','purchaseHeld','purchaseApproved','purchaseDeclined',\
'purchaseMissed','tabItemAdded','sessionExtended','rangeSetup')";

const COLUMNS: &str = "e.id, e.at, e.source, e.origin, e.kind, e.lane_id, e.session_id, e.subject";

/// Events recorded in `[from, to)`, in time order, at most `limit`.
pub fn events_between(
    conn: &Connection,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u32,
) -> Result<Vec<LogRow>> {
    let mut stmt = conn.prepare_cached(&events_sql())?;
    let rows = stmt.query_map(params![millis(from), millis(to), limit], raw)?;
    rows.map(|r| r?.into_row()).collect()
}

fn events_sql() -> String {
    format!(
        // A webhook event's data is its delivery's body (joined for those kinds only); an event
        // with data of its own tests the kind once more. Most rows are webhooks', so most rows
        // test the list once.
        "SELECT {COLUMNS}, CASE WHEN e.data IS NULL THEN {DATA} WHEN e.kind IN {WITH_DATA} THEN {DATA} END
         FROM events e {BODY_JOIN} AND e.kind IN {WITH_DATA}
         WHERE e.at >= ?1 AND e.at < ?2 ORDER BY e.at, e.id LIMIT ?3"
    )
}

fn setup_sql() -> String {
    format!(
        "SELECT {COLUMNS}, {DATA}
         FROM events e {BODY_JOIN}
         WHERE e.source = 'action_target' AND e.kind = 'rangeSetup' AND e.at < ?1 ORDER BY e.at DESC LIMIT 1"
    )
}

const VERDICTS_SQL: &str = "SELECT received_at, source, verdict, reason FROM deliveries
     WHERE received_at >= ?1 AND received_at < ?2 ORDER BY received_at, id LIMIT ?3";

/// The last `rangeSetup` recorded before `before`: the lanes as they stood when a window opens.
pub fn setup_before(conn: &Connection, before: jiff::Timestamp) -> Result<Option<LogRow>> {
    let row = conn.prepare_cached(&setup_sql())?.query_row(params![millis(before)], raw).optional()?;
    row.map(IntoRow::into_row).transpose()
}

/// When the first event was recorded, if the log holds any.
pub fn first_event_at(conn: &Connection) -> Result<Option<jiff::Timestamp>> {
    let at: Option<i64> = conn.prepare_cached("SELECT min(at) FROM events")?.query_row([], |r| r.get(0))?;
    at.map(|ms| jiff::Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt(format!("event time {ms}: {e}"))))
        .transpose()
}

/// A delivery's verdict, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictRow {
    pub at: i64,
    pub source: Source,
    pub verdict: Verdict,
    pub reason: Option<String>,
}

/// Deliveries received in `[from, to)`, oldest first, at most `limit`.
pub fn verdicts_between(
    conn: &Connection,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    limit: u32,
) -> Result<Vec<VerdictRow>> {
    let mut stmt = conn.prepare_cached(VERDICTS_SQL)?;
    let rows = stmt.query_map(params![millis(from), millis(to), limit], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })?;
    rows.map(|r| {
        let (at, source, verdict, reason) = r?;
        Ok(VerdictRow {
            at,
            source: Source::parse(&source).ok_or_else(|| StoreError::Corrupt(format!("delivery source {source}")))?,
            verdict: Verdict::parse(&verdict)
                .ok_or_else(|| StoreError::Corrupt(format!("delivery verdict {verdict}")))?,
            reason,
        })
    })
    .collect()
}

type Raw = (i64, i64, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

trait IntoRow {
    fn into_row(self) -> Result<LogRow>;
}

impl IntoRow for Raw {
    fn into_row(self) -> Result<LogRow> {
        let (id, at, source, origin, kind, lane_id, session_id, subject, data) = self;
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("event {id}: {what} {v}"));
        Ok(LogRow {
            id,
            at,
            source: Source::parse(&source).ok_or_else(|| corrupt("source", &source))?,
            origin: Origin::parse(&origin).ok_or_else(|| corrupt("origin", &origin))?,
            kind,
            lane_id,
            session_id,
            subject,
            data: match data {
                Some(d) => serde_json::from_str(&d).map_err(|e| corrupt("data", &e.to_string()))?,
                None => serde_json::Value::Null,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sql: &str) -> Vec<String> {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrations::migrations().to_latest(&mut c).unwrap();
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let n = stmt.parameter_count();
        let params: Vec<i64> = vec![1; n];
        stmt.query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap()
    }

    /// A day of a year-old store is one range scan, never a scan of the whole log.
    #[test]
    fn every_read_walks_an_index_on_time() {
        let events = plan(&events_sql());
        assert!(events.iter().any(|p| p.contains("USING INDEX events_at")), "{events:?}");
        assert!(!events.iter().any(|p| p.contains("TEMP B-TREE")), "ordered by the index, no sort: {events:?}");
        let setup = plan(&setup_sql());
        assert!(setup.iter().any(|p| p.contains("INDEX events_setup")), "{setup:?}");
        let verdicts = plan(VERDICTS_SQL);
        assert!(verdicts.iter().any(|p| p.contains("INDEX deliveries_received")), "{verdicts:?}");
    }
}
