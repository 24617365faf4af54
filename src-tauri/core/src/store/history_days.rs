//! The day digests (`history_days`): each closed day's headline figures in one time zone, as
//! JSON the history module writes and reads (`crate::history::digest`). A digest is valid for
//! the window of the log it was folded from (`from_ms..until_ms`); the table's triggers delete it
//! when anything is recorded into that window later (migration 10), and [`put`] refuses to store
//! one when that happened between the read it was folded from and the write.

use super::{Result, millis};
use rusqlite::{Connection, Transaction, params};

/// A day's digest as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub day: String,
    pub version: String,
    pub digest: String,
}

/// The digests of `days` in `zone` (those that exist), in no particular order.
pub fn get(conn: &Connection, zone: &str, days: &[String]) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare_cached("SELECT day, version, digest FROM history_days WHERE zone = ?1 AND day = ?2")?;
    let mut out = Vec::with_capacity(days.len());
    for day in days {
        let mut rows = stmt.query(params![zone, day])?;
        if let Some(r) = rows.next()? {
            out.push(Stored { day: r.get(0)?, version: r.get(1)?, digest: r.get(2)? });
        }
    }
    Ok(out)
}

/// Where the log stood when a digest's window was read: the last event and delivery ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub event_id: i64,
    pub delivery_id: i64,
}

/// The last event and delivery ids, read in the same snapshot as a digest's window.
pub fn mark(conn: &Connection) -> Result<Mark> {
    let (event_id, delivery_id) = conn
        .prepare_cached(
            "SELECT (SELECT coalesce(max(id), 0) FROM events), (SELECT coalesce(max(id), 0) FROM deliveries)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Mark { event_id, delivery_id })
}

/// A digest to store, folded from the window `[from, until)` as the log stood at `mark`.
#[derive(Debug, Clone)]
pub struct Digest {
    pub zone: String,
    pub day: String,
    pub from: jiff::Timestamp,
    pub until: jiff::Timestamp,
    pub version: String,
    pub digest: String,
    pub mark: Mark,
}

/// Stores `d`, replacing any digest of its day, unless something was recorded into its window
/// after `d.mark` (the triggers only guard digests already stored). Says whether it stored it.
/// The check walks only the rows added since the mark, by rowid.
pub fn put(txn: &Transaction<'_>, d: &Digest) -> Result<bool> {
    let (from, until) = (millis(d.from), millis(d.until));
    let late: bool = txn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM events WHERE id > ?1 AND at < ?4
                              AND (at >= ?3 OR (kind = 'rangeSetup' AND source = 'action_target')))
                 OR EXISTS (SELECT 1 FROM deliveries WHERE id > ?2 AND received_at >= ?3 AND received_at < ?4)",
        )?
        .query_row(params![d.mark.event_id, d.mark.delivery_id, from, until], |r| r.get(0))?;
    if late {
        return Ok(false);
    }
    txn.prepare_cached(
        "INSERT OR REPLACE INTO history_days (zone, day, from_ms, until_ms, version, digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![d.zone, d.day, from, until, d.version, d.digest])?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrations::migrations().to_latest(&mut c).unwrap();
        c
    }

    fn digest(day: &str, from: i64, until: i64) -> Digest {
        Digest {
            zone: "UTC".into(),
            day: day.into(),
            from: jiff::Timestamp::from_millisecond(from).unwrap(),
            until: jiff::Timestamp::from_millisecond(until).unwrap(),
            version: "v".into(),
            digest: "{}".into(),
            mark: Mark::default(),
        }
    }

    fn event(c: &Connection, at: i64, kind: &str) {
        c.execute(
            "INSERT INTO events (at, source, origin, kind, known, data) VALUES (?1, 'action_target', 'poll', ?2, 1, '{}')",
            params![at, kind],
        )
        .unwrap();
    }

    fn days(c: &Connection) -> Vec<String> {
        let mut s = c.prepare("SELECT day FROM history_days ORDER BY day").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().collect::<std::result::Result<_, _>>().unwrap()
    }

    fn put_all(c: &mut Connection, ds: &[Digest]) {
        let t = c.transaction().unwrap();
        for d in ds {
            assert!(put(&t, d).unwrap());
        }
        t.commit().unwrap();
    }

    #[test]
    fn a_late_event_deletes_the_digests_whose_window_holds_it_and_no_other() {
        let mut c = store();
        put_all(&mut c, &[digest("a", 0, 200), digest("b", 100, 300), digest("c", 200, 400)]);
        event(&c, 1_000, "help");
        assert_eq!(days(&c), ["a", "b", "c"], "after every window: nothing to delete");
        event(&c, 250, "help");
        assert_eq!(days(&c), ["a"], "inside b's and c's windows");
    }

    #[test]
    fn a_late_range_setup_deletes_every_digest_after_it() {
        let mut c = store();
        put_all(&mut c, &[digest("a", 0, 200), digest("b", 100, 300), digest("c", 500, 700)]);
        event(&c, 50, "rangeSetup");
        assert!(days(&c).is_empty(), "each window starts from the last set-up before it: {:?}", days(&c));
    }

    #[test]
    fn a_late_delivery_deletes_the_digests_whose_window_holds_it() {
        let mut c = store();
        put_all(&mut c, &[digest("a", 0, 200), digest("b", 300, 500)]);
        c.execute(
            "INSERT INTO deliveries (trace_id, source, received_at, verdict, status, headers)
             VALUES ('t-1', 'samna', 350, 'rejected', 401, '[]')",
            [],
        )
        .unwrap();
        assert_eq!(days(&c), ["a"]);
    }

    #[test]
    fn a_digest_folded_before_a_late_event_is_not_stored() {
        let mut c = store();
        let mark = mark(&c).unwrap();
        event(&c, 150, "help");
        let t = c.transaction().unwrap();
        assert!(!put(&t, &Digest { mark, ..digest("a", 0, 200) }).unwrap(), "the event came after the read");
        assert!(put(&t, &Digest { mark, ..digest("b", 200, 400) }).unwrap(), "not in b's window");
        t.commit().unwrap();
        assert_eq!(days(&c), ["b"]);
    }
}
