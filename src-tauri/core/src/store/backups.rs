//! `backups`: each backup that was made and checked (migration 10). Failures are not rows: they
//! are logged and shown until the next success (`crate::backups`).

use super::{Result, millis};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Rows kept; older ones go as new ones come (the files themselves are kept by `backup.keep`).
const KEEP_ROWS: i64 = 500;

/// A backup as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRow {
    /// When the copy began: the moment it holds (Unix ms).
    pub taken_at: i64,
    /// Its whole path.
    pub file: String,
    pub bytes: u64,
    pub schema: i64,
    pub took_ms: i64,
    /// `manual` or `daily`.
    pub trigger: String,
}

pub fn insert(txn: &Transaction<'_>, b: &BackupRow) -> Result<()> {
    txn.prepare_cached(
        "INSERT INTO backups (taken_at, file, bytes, schema, took_ms, trigger) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        b.taken_at,
        b.file,
        i64::try_from(b.bytes).unwrap_or(i64::MAX),
        b.schema,
        b.took_ms,
        b.trigger
    ])?;
    txn.prepare_cached(
        "DELETE FROM backups WHERE id IN (SELECT id FROM backups ORDER BY taken_at DESC, id DESC LIMIT -1 OFFSET ?1)",
    )?
    .execute(params![KEEP_ROWS])?;
    Ok(())
}

/// The newest backup recorded.
pub fn last(conn: &Connection) -> Result<Option<BackupRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT taken_at, file, bytes, schema, took_ms, trigger FROM backups ORDER BY taken_at DESC, id DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok(BackupRow {
                taken_at: r.get(0)?,
                file: r.get(1)?,
                bytes: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                schema: r.get(3)?,
                took_ms: r.get(4)?,
                trigger: r.get(5)?,
            })
        })
        .optional()?)
}

/// The newest backup recorded at or after `since`, if any (for the daily schedule).
pub fn any_since(conn: &Connection, since: jiff::Timestamp) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM backups WHERE taken_at >= ?1 LIMIT 1")?
        .query_row(params![millis(since)], |_| Ok(()))
        .optional()?
        .is_some())
}
