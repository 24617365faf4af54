//! What the store costs on disk. Read through a read-only connection while the server runs: in WAL
//! mode `page_count` is the size of the latest committed snapshot, log included, i.e. what the file
//! will be after a checkpoint; pages on the free list are not counted. `dbstat` splits the pages by
//! the table they serve (its indexes included).

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct Footprint {
    pub events: u64,
    pub deliveries: u64,
    /// Pages in use times the page size.
    pub bytes: u64,
    /// Bytes by table, each with its indexes; largest first.
    pub by_table: Vec<(String, u64)>,
    /// Mean raw body stored per delivery.
    pub mean_body: f64,
}

impl Footprint {
    /// Bytes stored for a million events at this run's bytes per event.
    pub fn per_million_events(&self) -> Option<f64> {
        (self.events > 0).then(|| self.bytes as f64 / self.events as f64 * 1e6)
    }
}

pub fn measure(database: &Path) -> anyhow::Result<Footprint> {
    let c = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    let pragma = |name: &str| c.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
    let (page_size, pages, free) = (pragma("page_size")?, pragma("page_count")?, pragma("freelist_count")?);
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0));
    let events = count("SELECT count(*) FROM events")?;
    let deliveries = count("SELECT count(*) FROM deliveries")?;
    let mean_body = c.query_row("SELECT coalesce(avg(length(body)), 0) FROM deliveries", [], |r| r.get::<_, f64>(0))?;
    let mut stmt = c.prepare(
        "SELECT s.tbl_name, sum(d.pgsize) FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
         GROUP BY s.tbl_name ORDER BY 2 DESC",
    )?;
    let by_table = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .map(|row| row.map(|(t, b)| (t, u64::try_from(b).unwrap_or(0))))
        .collect::<Result<Vec<_>, _>>()?;
    let as_u64 = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Footprint {
        events: as_u64(events),
        deliveries: as_u64(deliveries),
        bytes: as_u64((pages - free) * page_size),
        by_table,
        mean_body,
    })
}

/// Bytes by table and by index (`dbstat`): name, its table, bytes; largest first.
pub fn objects(database: &Path) -> anyhow::Result<Vec<(String, String, u64)>> {
    let c = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut stmt = c.prepare(
        "SELECT d.name, s.tbl_name, sum(d.pgsize) FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
         GROUP BY d.name ORDER BY 3 DESC",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
    Ok(rows.map(|r| r.map(|(n, t, b)| (n, t, u64::try_from(b).unwrap_or(0)))).collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pages_of_a_real_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let store = rangedesk_core::testing::store::open(&path, Default::default()).unwrap();
        let f = measure(&path).unwrap();
        assert_eq!((f.events, f.deliveries), (0, 0));
        assert!(f.bytes > 0, "a migrated store has pages");
        assert!(f.by_table.iter().any(|(t, _)| t == "events"), "{:?}", f.by_table);
        assert_eq!(f.per_million_events(), None, "no events, no ratio");
        drop(store);
    }
}
