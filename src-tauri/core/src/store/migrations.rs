//! The schema's history. Forward-only: a released migration is never edited, only followed.

use rusqlite_migration::{M, Migrations};

const STEPS: &[&str] = &[
    // 1: the delivery log and the event log.
    r#"
    CREATE TABLE deliveries (
        id          INTEGER PRIMARY KEY,
        trace_id    TEXT    NOT NULL UNIQUE,
        received_at INTEGER NOT NULL,
        source      TEXT    NOT NULL,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('accepted', 'duplicate', 'rejected')),
        status      INTEGER NOT NULL,
        reason      TEXT,
        dedup_key   TEXT,
        remote_addr TEXT,
        headers     TEXT    NOT NULL,
        body        BLOB
    ) STRICT;
    CREATE UNIQUE INDEX deliveries_dedup ON deliveries (source, dedup_key)
        WHERE verdict = 'accepted' AND dedup_key IS NOT NULL;
    CREATE INDEX deliveries_received ON deliveries (received_at);

    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        delivery_id INTEGER REFERENCES deliveries (id),
        at          INTEGER NOT NULL,
        source      TEXT    NOT NULL,
        origin      TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        known       INTEGER NOT NULL,
        lane_id     TEXT,
        session_id  TEXT,
        subject     TEXT,
        vendor_time TEXT,
        data        TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX events_at ON events (at);
    CREATE INDEX events_lane ON events (lane_id, at) WHERE lane_id IS NOT NULL;
    CREATE INDEX events_session ON events (session_id, at) WHERE session_id IS NOT NULL;
    CREATE INDEX events_kind ON events (source, kind, at);
    "#,
    // 2: refusals that leave no delivery row (404s) are counted, and the counts survive restarts.
    r#"
    CREATE TABLE counters (
        name  TEXT    PRIMARY KEY,
        value INTEGER NOT NULL
    ) STRICT;
    "#,
    // 3: the lane shop catalogue and the pictures we host for it. The catalogue is seeded here, once,
    // so a new install's lane shop is not empty; a later migration never re-seeds what staff edited.
    // Pictures are keyed by product id without a foreign key: staff upload a picture before saving
    // the catalogue that names it, and a catalogue replace must not drop them.
    r#"
    CREATE TABLE products (
        id           TEXT    PRIMARY KEY,
        position     INTEGER NOT NULL,
        type         TEXT    NOT NULL CHECK (type IN ('time', 'targets', 'ammo', 'rentals')),
        display_name TEXT    NOT NULL,
        price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
        max_qty      INTEGER NOT NULL CHECK (max_qty >= 1),
        min_qty      INTEGER,
        increment_by INTEGER,
        picture_url  TEXT
    ) STRICT;
    CREATE UNIQUE INDEX products_position ON products (position);

    CREATE TABLE product_pictures (
        id           TEXT    PRIMARY KEY,
        content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/webp')),
        width        INTEGER NOT NULL,
        height       INTEGER NOT NULL,
        bytes        BLOB    NOT NULL,
        uploaded_at  INTEGER NOT NULL
    ) STRICT;

    INSERT INTO products (id, position, type, display_name, price_cents, max_qty, min_qty, increment_by) VALUES
        ('time',            0, 'time',    'Lane time',                     40,  120, 15,   15),
        ('TARGET-B27',      1, 'targets', 'B-27 silhouette target',        150, 10,  NULL, NULL),
        ('TARGET-BULLSEYE', 2, 'targets', 'Bullseye target, 25 yd',        100, 10,  NULL, NULL),
        ('TARGET-ZOMBIE',   3, 'targets', 'Zombie target',                 250, 5,   NULL, NULL),
        ('AMMO-9MM',        4, 'ammo',    '9mm FMJ 115 gr, box of 50',     1899, 4,  NULL, NULL),
        ('AMMO-22LR',       5, 'ammo',    '.22 LR, box of 50',             699, 4,   NULL, NULL),
        ('AMMO-45ACP',      6, 'ammo',    '.45 ACP FMJ 230 gr, box of 50', 2999, 4,  NULL, NULL),
        ('RENTAL-EYE-EAR',  7, 'rentals', 'Eye and ear protection',        500, 2,   NULL, NULL),
        ('RENTAL-HANDGUN',  8, 'rentals', 'Handgun rental',                1500, 1,  NULL, NULL);
    "#,
    // 4: lane purchases. The events hold their story; this table is the guard that makes each
    // decision exactly-once (`UPDATE … WHERE status = 'pending'` in the writer's transaction).
    // The index on (kind, subject) finds the staff actions on a help call or a tab line.
    r#"
    CREATE TABLE purchases (
        trace_id     TEXT    PRIMARY KEY,
        session_id   TEXT,
        lane_id      TEXT,
        items        TEXT    NOT NULL,
        status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'missed')),
        requested_at INTEGER NOT NULL,
        decided_at   INTEGER,
        decided_by   TEXT,
        user_message TEXT
    ) STRICT;
    CREATE INDEX purchases_pending ON purchases (status) WHERE status = 'pending';
    CREATE INDEX events_subject ON events (kind, subject) WHERE subject IS NOT NULL;
    "#,
    // Only the desk's own events are looked up by subject (was this help call acknowledged, this
    // item delivered?). Indexing every vendor event's subject (an order or booking id, random) cost
    // one more page written per delivery in every commit.
    r#"
    DROP INDEX events_subject;
    CREATE INDEX events_subject ON events (kind, subject) WHERE subject IS NOT NULL AND origin <> 'webhook';
    "#,
    // 6: a refused delivery keeps only the first bytes of its body, so its whole length and SHA-256
    // (hex) are kept beside them; both stay NULL for a delivery whose body is kept whole. The partial
    // index lets pruning find old refusals without walking every accepted delivery; accepted
    // deliveries do not pay for it.
    r#"
    ALTER TABLE deliveries ADD COLUMN body_len INTEGER;
    ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT;
    CREATE INDEX deliveries_rejected ON deliveries (received_at) WHERE verdict = 'rejected';
    "#,
    // 7: each body once. A webhook event's data was the delivery's body, parsed and written again
    // (every vendor adapter makes the whole body the event's data), so the store held each body
    // twice. Now a webhook event's `data` is NULL and reads take the delivery's body; the desk's
    // own events keep theirs. SQLite cannot drop a NOT NULL, so the table is rebuilt, once, and
    // the copies already stored go with it (the body kept whole is the vendor's own text, which
    // the copy was only a re-serialization of).
    r#"
    CREATE TABLE events_new (
        id          INTEGER PRIMARY KEY,
        delivery_id INTEGER REFERENCES deliveries (id),
        at          INTEGER NOT NULL,
        source      TEXT    NOT NULL,
        origin      TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        known       INTEGER NOT NULL,
        lane_id     TEXT,
        session_id  TEXT,
        subject     TEXT,
        vendor_time TEXT,
        data        TEXT,
        CHECK (data IS NOT NULL OR (origin = 'webhook' AND delivery_id IS NOT NULL))
    ) STRICT;
    INSERT INTO events_new (id, delivery_id, at, source, origin, kind, known, lane_id, session_id, subject, vendor_time, data)
        SELECT e.id, e.delivery_id, e.at, e.source, e.origin, e.kind, e.known, e.lane_id, e.session_id, e.subject, e.vendor_time,
               CASE WHEN e.origin = 'webhook' AND EXISTS (
                   SELECT 1 FROM deliveries d
                   WHERE d.id = e.delivery_id AND d.verdict = 'accepted' AND d.body IS NOT NULL AND d.body_len IS NULL)
               THEN NULL ELSE e.data END
        FROM events e ORDER BY e.id;
    DROP TABLE events;
    ALTER TABLE events_new RENAME TO events;
    CREATE INDEX events_at ON events (at);
    CREATE INDEX events_lane ON events (lane_id, at) WHERE lane_id IS NOT NULL;
    CREATE INDEX events_session ON events (session_id, at) WHERE session_id IS NOT NULL;
    CREATE INDEX events_kind ON events (source, kind, at);
    CREATE INDEX events_subject ON events (kind, subject) WHERE subject IS NOT NULL AND origin <> 'webhook';
    "#,
    // 8: the indexes no query walks go (a year of a 40-lane range, 2.1 M events: 192 MB of 1.18 GB,
    // docs/PERFORMANCE.md). The log's list filters by lane, session, source and kind with
    // `?n IS NULL OR …`, which SQLite answers by walking the rowid, never these; the one read that
    // used `events_kind`, the last `rangeSetup` before a time, gets a partial index of its own.
    r#"
    DROP INDEX events_lane;
    DROP INDEX events_session;
    DROP INDEX events_kind;
    CREATE INDEX events_setup ON events (at) WHERE source = 'action_target' AND kind = 'rangeSetup';
    "#,
    // 9: the board as of one event, so a start replays only what came after it (`store::snapshot`).
    r#"
    CREATE TABLE board_snapshot (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        last_event_id INTEGER NOT NULL,
        version       TEXT    NOT NULL,
        board         TEXT    NOT NULL,
        saved_at      INTEGER NOT NULL
    ) STRICT;
    "#,
    // 10: each closed day's headline figures, so a period's summary, its trend and the previous
    // period are read rather than folded from the log again (`store::history_days`). A digest
    // names the window of the log it was folded from; anything recorded into that window later
    // (a clock set back, a late import) deletes it, and so does a range set-up recorded before
    // it, which every later window starts from. The `WHEN` keeps the ingest path to one look at
    // the index on `until_ms` while every digest lies in the past, as they all do.
    r#"
    CREATE TABLE history_days (
        zone     TEXT    NOT NULL,
        day      TEXT    NOT NULL,
        from_ms  INTEGER NOT NULL,
        until_ms INTEGER NOT NULL,
        version  TEXT    NOT NULL,
        digest   TEXT    NOT NULL,
        PRIMARY KEY (zone, day)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX history_days_until ON history_days (until_ms);
    CREATE TRIGGER history_days_event AFTER INSERT ON events
    WHEN NEW.at < (SELECT max(until_ms) FROM history_days)
    BEGIN
        DELETE FROM history_days WHERE until_ms > NEW.at
            AND (from_ms <= NEW.at OR (NEW.kind = 'rangeSetup' AND NEW.source = 'action_target'));
    END;
    CREATE TRIGGER history_days_delivery AFTER INSERT ON deliveries
    WHEN NEW.received_at < (SELECT max(until_ms) FROM history_days)
    BEGIN
        DELETE FROM history_days WHERE from_ms <= NEW.received_at AND until_ms > NEW.received_at;
    END;
    "#,
    // 11: the backups that were made and checked (`store::backups`), so Status can say when the
    // last one succeeded and the app can warn when none has for days. Only successes are kept.
    r#"
    CREATE TABLE backups (
        id       INTEGER PRIMARY KEY,
        taken_at INTEGER NOT NULL,
        file     TEXT    NOT NULL,
        bytes    INTEGER NOT NULL,
        schema   INTEGER NOT NULL,
        took_ms  INTEGER NOT NULL,
        trigger  TEXT    NOT NULL CHECK (trigger IN ('manual', 'daily'))
    ) STRICT;
    CREATE INDEX backups_taken ON backups (taken_at);
    "#,
];

/// Every migration, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version a fully migrated store has.
pub const LATEST_VERSION: usize = STEPS.len();

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn desk_lookups_by_subject_use_the_partial_index() {
        let mut c = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut c).unwrap();
        let plan: Vec<String> = c
            .prepare("EXPLAIN QUERY PLAN SELECT 1 FROM events WHERE kind = ?1 AND subject = ?2 AND origin <> 'webhook' LIMIT 1")
            .unwrap()
            .query_map(["helpAcknowledged", "7"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("USING INDEX events_subject")), "{plan:?}");
    }

    #[test]
    fn pruning_finds_old_refusals_through_the_partial_index() {
        let mut c = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut c).unwrap();
        let plan: Vec<String> = c
            .prepare("EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE verdict = 'rejected' AND received_at < ?1 ORDER BY received_at LIMIT 10")
            .unwrap()
            .query_map([1], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("INDEX deliveries_rejected")), "{plan:?}");
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    /// From an empty file and from every earlier version, migrating to the latest keeps what the
    /// earlier schema held and ends at the same schema as a fresh store.
    #[test]
    fn every_earlier_version_migrates_to_latest() {
        let fresh = {
            let mut c = Connection::open_in_memory().unwrap();
            migrations().to_latest(&mut c).unwrap();
            schema(&c)
        };
        for from in 0..=LATEST_VERSION {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("r.db");
            let mut c = Connection::open(&path).unwrap();
            migrations().to_version(&mut c, from).unwrap();
            if from >= 1 {
                c.execute(
                    "INSERT INTO deliveries (trace_id, received_at, source, verdict, status, headers, body)
                     VALUES ('t-1', 1, 'enviso', 'accepted', 200, '{}', x'7b7d')",
                    [],
                )
                .unwrap();
                c.execute(
                    "INSERT INTO events (delivery_id, at, source, origin, kind, known, data)
                     VALUES (1, 1, 'enviso', 'webhook', 'ORDER_CREATED', 1, '{}')",
                    [],
                )
                .unwrap();
            }
            if from >= 1 {
                // A refusal logged whole, as every version before 6 did.
                c.execute(
                    "INSERT INTO deliveries (trace_id, received_at, source, verdict, status, headers, body)
                     VALUES ('t-2', 2, 'samna', 'rejected', 401, '{}', zeroblob(5000))",
                    [],
                )
                .unwrap();
            }
            if from >= 4 {
                c.execute(
                    "INSERT INTO purchases (trace_id, items, status, requested_at) VALUES ('p-1', '[]', 'pending', 1)",
                    [],
                )
                .unwrap();
            }
            if from >= 3 {
                // Staff replaced the catalogue: migrating on must not seed it again.
                c.execute_batch(
                    "DELETE FROM products;
                     INSERT INTO products (id, position, type, display_name, price_cents, max_qty)
                     VALUES ('EDITED', 0, 'ammo', 'Edited', 100, 1);",
                )
                .unwrap();
            }
            drop(c);
            let mut c = Connection::open(&path).unwrap();
            migrations().to_latest(&mut c).unwrap();
            assert_eq!(schema(&c), fresh, "from version {from}");
            let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v as usize, LATEST_VERSION);
            if from >= 1 {
                let n: i64 = c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
                assert_eq!(n, 1, "rows written under version {from} survive");
                let (len, no_digest): (i64, bool) = c
                    .query_row(
                        "SELECT length(body), body_len IS NULL AND body_sha256 IS NULL FROM deliveries WHERE trace_id = 't-2'",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                assert_eq!(
                    (len, no_digest),
                    (5000, true),
                    "a refusal logged under version {from} keeps its whole body"
                );
            }
            if from >= 3 {
                let n: i64 =
                    c.query_row("SELECT count(*) FROM products WHERE id = 'EDITED'", [], |r| r.get(0)).unwrap();
                assert_eq!(n, 1, "a catalogue edited under version {from} survives");
            } else {
                let n: i64 =
                    c.query_row("SELECT count(*) FROM products WHERE type = 'time'", [], |r| r.get(0)).unwrap();
                assert_eq!(n, 1, "migrating from version {from} seeds the default catalogue once");
            }
        }
    }

    /// Version 7 stores each body once: the copies a store already holds go (the webhook events'
    /// data), the desk's own events keep theirs, and every event reads back as it did before.
    #[test]
    fn each_body_is_stored_once_and_events_read_back_unchanged() {
        use crate::store::events::{Filter, list};
        let mut c = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut c, 6).unwrap();
        let enviso_body = r#"{"id":"n-1","tenant":"T","event":"ORDER_CREATED","timestamp":"ts","data":{"id":"o-1"},"signature":"c2ln"}"#;
        let at_body = r#"{"event":"help","lane_id":"3","session_id":"s-1"}"#;
        c.execute_batch(&format!(
            "INSERT INTO deliveries (id, trace_id, received_at, source, verdict, status, headers, body)
               VALUES (1, 't-1', 1, 'enviso', 'accepted', 200, '{{}}', CAST('{enviso_body}' AS BLOB)),
                      (2, 't-2', 2, 'action_target', 'accepted', 200, '{{}}', CAST('{at_body}' AS BLOB));
             INSERT INTO events (delivery_id, at, source, origin, kind, known, lane_id, session_id, data) VALUES
               (1, 1, 'enviso', 'webhook', 'ORDER_CREATED', 1, NULL, NULL,
                '{{\"data\":{{\"id\":\"o-1\"}},\"event\":\"ORDER_CREATED\",\"id\":\"n-1\",\"tenant\":\"T\",\"timestamp\":\"ts\"}}'),
               (2, 2, 'action_target', 'webhook', 'help', 1, '3', 's-1', '{{\"event\":\"help\",\"lane_id\":\"3\",\"session_id\":\"s-1\"}}'),
               (2, 3, 'action_target', 'rangedesk', 'tabItemAdded', 1, '3', 's-1', '{{\"total_cents\":150}}'),
               (NULL, 4, 'action_target', 'poll', 'sessionObserved', 1, '3', 's-1', '{{\"minutes\":60}}');"
        ))
        .unwrap();
        let all = Filter { limit: 10, ..Default::default() };
        let before = list(&c, &all).unwrap();
        migrations().to_latest(&mut c).unwrap();
        let after = list(&c, &all).unwrap();
        assert_eq!(before.len(), 4);
        assert_eq!(after, before, "every event reads back as it did");
        assert!(after.iter().all(|e| e.data.get("signature").is_none()), "Enviso's signature is not event data");
        let copies: Vec<(i64, bool)> = c
            .prepare("SELECT id, data IS NULL FROM events ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(copies, vec![(1, true), (2, true), (3, false), (4, false)], "only the bodies' copies go");
        let refused = c.execute(
            "INSERT INTO events (delivery_id, at, source, origin, kind, known, data) VALUES (NULL, 5, 'samna', 'poll', 'x', 0, NULL)",
            [],
        );
        assert!(refused.is_err(), "an event without data must have a delivery's body to read");
    }

    fn schema(c: &Connection) -> Vec<String> {
        let mut s = c.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().collect::<std::result::Result<_, _>>().unwrap()
    }
}
