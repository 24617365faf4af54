//! `board_snapshot`: the board as of one event, so the app starts from it and replays only the
//! events after it instead of the whole log. One row, replaced whole. It is a cache of the log,
//! never the truth: a snapshot that does not match (another version wrote it, it is ahead of the
//! log, it does not parse) is ignored and the board is rebuilt from the log.

use super::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// A stored snapshot: the board's JSON as of event `last_event_id`, written by `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub last_event_id: i64,
    pub version: String,
    pub board: String,
}

pub fn save(txn: &Transaction<'_>, s: &Snapshot, at_ms: i64) -> Result<()> {
    txn.prepare_cached(
        "INSERT INTO board_snapshot (id, last_event_id, version, board, saved_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET last_event_id = ?1, version = ?2, board = ?3, saved_at = ?4",
    )?
    .execute(params![s.last_event_id, s.version, s.board, at_ms])?;
    Ok(())
}

pub fn load(conn: &Connection) -> Result<Option<Snapshot>> {
    Ok(conn
        .prepare_cached("SELECT last_event_id, version, board FROM board_snapshot WHERE id = 1")?
        .query_row([], |r| Ok(Snapshot { last_event_id: r.get(0)?, version: r.get(1)?, board: r.get(2)? }))
        .optional()?)
}

/// The snapshot's event id, without reading the board.
pub fn last_event_id(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT last_event_id FROM board_snapshot WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}
