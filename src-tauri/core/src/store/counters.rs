//! `counters`: named counts that have no row of their own, such as refusals answered 404, which
//! are counted but never logged (a scanner must not be able to fill the delivery log).

use super::Result;
use rusqlite::{Connection, Transaction, params};

pub fn add(txn: &Transaction<'_>, name: &str, by: i64) -> Result<()> {
    txn.prepare_cached(
        "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = value + ?2",
    )?
    .execute(params![name, by])?;
    Ok(())
}

/// Sets `name` to `value` (a mark such as how far pruning has gone, rather than a count).
pub fn set(txn: &Transaction<'_>, name: &str, value: i64) -> Result<()> {
    txn.prepare_cached(
        "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
    )?
    .execute(params![name, value])?;
    Ok(())
}

pub fn get(conn: &Connection, name: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension as _;
    Ok(conn
        .prepare_cached("SELECT value FROM counters WHERE name = ?1")?
        .query_row(params![name], |r| r.get(0))
        .optional()?)
}

pub fn all(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT name, value FROM counters ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
