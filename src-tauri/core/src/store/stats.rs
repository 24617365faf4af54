//! What the store holds, for a diagnostics export: its schema version, size in pages, the rows of
//! each table and the delivery log's verdicts by vendor and reason. Counting walks whole tables,
//! so this is for an export someone asked for, never for a screen that refreshes.

use super::Result;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub schema_version: i64,
    pub sqlite_version: String,
    pub page_size: i64,
    pub page_count: i64,
    pub freelist_count: i64,
    /// Rows per table, by name.
    pub rows: Vec<(String, i64)>,
    pub verdicts: Vec<VerdictCount>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerdictCount {
    pub source: String,
    pub verdict: String,
    pub reason: Option<String>,
    pub count: i64,
}

const TABLES: &[&str] =
    &["deliveries", "events", "purchases", "products", "product_pictures", "counters", "history_days"];

pub fn read(conn: &Connection) -> Result<Stats> {
    let pragma = |name: &str| -> Result<i64> { Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?) };
    let mut rows = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        // The names are ours (above), never input.
        rows.push(((*t).to_owned(), conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?));
    }
    let mut stmt = conn.prepare(
        "SELECT source, verdict, reason, count(*) FROM deliveries GROUP BY source, verdict, reason
         ORDER BY source, verdict, count(*) DESC LIMIT 500",
    )?;
    let verdicts = stmt
        .query_map([], |r| {
            Ok(VerdictCount { source: r.get(0)?, verdict: r.get(1)?, reason: r.get(2)?, count: r.get(3)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Stats {
        schema_version: pragma("user_version")?,
        sqlite_version: rusqlite::version().to_owned(),
        page_size: pragma("page_size")?,
        page_count: pragma("page_count")?,
        freelist_count: pragma("freelist_count")?,
        rows,
        verdicts,
    })
}
