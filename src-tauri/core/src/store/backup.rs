//! Copies of the store file: made through SQLite's online backup, checked before anyone counts
//! on them, and swapped in for the store at start-up when a restore was staged.
//!
//! Promises:
//! - [`copy`] makes a new 0600 file holding the store exactly as it was when the copy began: it
//!   holds one read transaction on the source for the whole copy, so it reads one WAL snapshot
//!   (without it SQLite restarts an online backup each time another connection commits, and a
//!   store that ingests all day would never finish copying). The writer keeps committing
//!   meanwhile; it only cannot checkpoint past that snapshot until the copy ends. The copy goes in
//!   steps of a few pages with a pause between, so it never takes the disk from the commits' syncs.
//! - The copy is a single file (rollback journal, no `-wal`), fsynced before it is called done.
//! - [`check`] opens a file read-only and says whether it is a rangedesk store this version can
//!   open: `integrity_check` is ok, its tables are there, its schema is not newer than ours.
//! - [`swap_staged`] replaces the store with a staged restore only after checking it again, and
//!   keeps the replaced store (with its WAL and SHM) under a name of its own.

use super::{Result, StoreError, migrations};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Pages per step (4 MiB at the default 4 KiB page) and the pause between steps.
pub const STEP_PAGES: i32 = 1024;
pub const STEP_PAUSE: Duration = Duration::from_millis(5);
/// A step that finds the destination busy is tried again this many times.
const BUSY_TRIES: u32 = 200;

/// What a checked copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Its schema version (`user_version`).
    pub schema: i64,
    pub bytes: u64,
}

/// The schema version this build migrates to.
pub fn known_schema() -> i64 {
    migrations::LATEST_VERSION as i64
}

/// Copies the store at `src` into `dest`, which must not exist yet. See the module's promises.
pub fn copy(src: &Path, dest: &Path, pages: i32, pause: Duration) -> Result<()> {
    let backup_err = |e: std::io::Error| StoreError::Backup(format!("{}: {e}", dest.display()));
    create_private(dest).map_err(backup_err)?;
    let copied = (|| -> Result<()> {
        let from =
            Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        from.busy_timeout(Duration::from_secs(5))?;
        // One snapshot for the whole copy (see the module's promises): the moment the copy holds.
        from.execute_batch("BEGIN DEFERRED; SELECT count(*) FROM sqlite_schema;")?;
        let mut to = Connection::open(dest)?;
        {
            let backup = Backup::new(&from, &mut to)?;
            let mut busy = 0;
            loop {
                match backup.step(pages)? {
                    StepResult::Done => break,
                    StepResult::More => std::thread::sleep(pause),
                    StepResult::Busy | StepResult::Locked => {
                        busy += 1;
                        if busy > BUSY_TRIES {
                            return Err(StoreError::Backup("the copy stayed locked".into()));
                        }
                        std::thread::sleep(pause.max(Duration::from_millis(10)));
                    }
                    // `StepResult` is non-exhaustive; nothing else is documented.
                    _ => return Err(StoreError::Backup("unexpected answer from SQLite's backup".into())),
                }
            }
        }
        from.execute_batch("COMMIT")?;
        // The copy is one file: a backup folder of WAL files would need their side files too.
        to.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(()))?;
        drop(to);
        std::fs::File::open(dest).and_then(|f| f.sync_all()).map_err(backup_err)?;
        Ok(())
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    copied
}

/// Opens `file` read-only and checks it is a whole rangedesk store this version can open.
pub fn check(file: &Path) -> Result<Checked> {
    let bytes = std::fs::metadata(file).map_err(|e| StoreError::Backup(format!("{}: {e}", file.display())))?.len();
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StoreError::Backup(format!("{}: cannot open: {e}", file.display())))?;
    let not_store = |why: String| StoreError::NotAStore { file: file.to_owned(), why };
    let schema: i64 =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| not_store(e.to_string()))?;
    if schema > known_schema() {
        return Err(StoreError::Newer { found: schema, known: known_schema() });
    }
    let problems: Vec<String> = {
        let mut stmt = conn.prepare("PRAGMA integrity_check(20)").map_err(|e| not_store(e.to_string()))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| not_store(e.to_string()))?;
        rows.collect::<std::result::Result<_, _>>().map_err(|e| not_store(e.to_string()))?
    };
    if problems != ["ok"] {
        return Err(not_store(format!("damaged: {}", problems.join("; "))));
    }
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('deliveries', 'events')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| not_store(e.to_string()))?;
    if schema < 1 || tables != 2 {
        return Err(not_store("it has no delivery log and event log".into()));
    }
    Ok(Checked { schema, bytes })
}

/// The schema version of the store at `db`, read without changing anything: the file's header
/// first (a store closed cleanly holds it there), then a read-only connection, which also sees
/// what a WAL left after a crash holds. `None` for a missing or empty file (a new store).
pub fn schema_of(db: &Path) -> Result<Option<i64>> {
    let header = match std::fs::File::open(db) {
        Ok(mut f) => {
            let mut h = [0u8; 100];
            match std::io::Read::read_exact(&mut f, &mut h) {
                Ok(()) => Some(h),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
                Err(e) => return Err(StoreError::Backup(format!("{}: {e}", db.display()))),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::Backup(format!("{}: {e}", db.display()))),
    };
    let Some(h) = header else { return Ok(None) };
    if &h[..16] == b"SQLite format 3\0" {
        let v = i64::from(i32::from_be_bytes([h[60], h[61], h[62], h[63]]));
        if v > known_schema() {
            return Ok(Some(v));
        }
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    Ok(Some(conn.pragma_query_value(None, "user_version", |r| r.get(0))?))
}

/// Where a restore waits for the next start, beside the store.
pub fn staged_path(db: &Path) -> PathBuf {
    side(db, ".restore")
}

/// What [`swap_staged`] did.
#[derive(Debug, PartialEq)]
pub enum Swap {
    /// Nothing was staged.
    Nothing,
    /// The staged file is the store now; the one it replaced was kept under this name.
    Restored { kept: PathBuf },
    /// The staged file failed its check again and was set aside under this name; the store is
    /// as it was. A desk that cannot start is worse than a restore to try again.
    Refused { set_aside: PathBuf, why: String },
}

/// If a restore is staged beside `db`, checks it again and puts it in the store's place, keeping
/// the store it replaces as `<db>.replaced-<stamp>` (with its WAL and SHM, so nothing committed is
/// lost). Runs before the store is opened. Should a rename fail half-way, the files moved so far
/// are moved back, so the store is never missing (a missing store would be opened as a new one).
pub fn swap_staged(db: &Path, stamp: &str) -> Result<Swap> {
    let staged = staged_path(db);
    if !staged.exists() {
        return Ok(Swap::Nothing);
    }
    let io = |e: std::io::Error| StoreError::Backup(format!("restoring {}: {e}", staged.display()));
    if let Err(e) = check(&staged) {
        let set_aside = side(db, &format!(".restore-refused-{stamp}"));
        std::fs::rename(&staged, &set_aside).map_err(io)?;
        return Ok(Swap::Refused { set_aside, why: e.to_string() });
    }
    let kept = side(db, &format!(".replaced-{stamp}"));
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    let swapped = (|| -> std::io::Result<()> {
        for suffix in ["-wal", "-shm", ""] {
            let from = side(db, suffix);
            if from.exists() {
                let to = side(&kept, suffix);
                std::fs::rename(&from, &to)?;
                moved.push((from, to));
            }
        }
        std::fs::rename(&staged, db)
    })();
    if let Err(e) = swapped {
        for (from, to) in moved.iter().rev() {
            let _ = std::fs::rename(to, from);
        }
        return Err(io(e));
    }
    if let Some(dir) = db.parent() {
        crate::files::sync_dir(dir).map_err(io)?;
    }
    Ok(Swap::Restored { kept })
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `file` new and 0600 before SQLite writes into it (SQLite would make it 0644).
fn create_private(file: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(file).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_at(path: &Path, version: usize) {
        let mut c = Connection::open(path).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        migrations().to_version(&mut c, version).unwrap();
    }

    #[test]
    fn a_copy_is_checked_single_file_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        store_at(&db, known_schema() as usize);
        let dest = dir.path().join("copy.db");
        copy(&db, &dest, 1, Duration::ZERO).unwrap();
        let c = check(&dest).unwrap();
        assert_eq!(c.schema, known_schema());
        assert!(!dir.path().join("copy.db-wal").exists(), "the copy is one file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(copy(&db, &dest, 1, Duration::ZERO).is_err(), "never over a file that is there");
        assert!(dest.exists(), "and the file that was there stays");
    }

    #[test]
    fn a_damaged_or_foreign_or_newer_file_is_refused_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database at all, just words").unwrap();
        assert!(check(&text).is_err());
        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x); PRAGMA user_version = 3;").unwrap();
        assert!(matches!(check(&other), Err(StoreError::NotAStore { .. })), "{:?}", check(&other));
        let newer = dir.path().join("newer.db");
        store_at(&newer, known_schema() as usize);
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", known_schema() + 1).unwrap();
        let e = check(&newer).unwrap_err();
        assert!(matches!(e, StoreError::Newer { .. }), "{e}");
        // A store with a page overwritten by garbage: the integrity check finds it.
        let broken = dir.path().join("broken.db");
        store_at(&broken, known_schema() as usize);
        {
            let c = Connection::open(&broken).unwrap();
            c.pragma_update(None, "journal_mode", "DELETE").unwrap();
            c.execute_batch("CREATE TABLE filler (x)").unwrap();
            for _ in 0..50 {
                c.execute("INSERT INTO filler VALUES (zeroblob(3000))", []).unwrap();
            }
        }
        let mut bytes = std::fs::read(&broken).unwrap();
        let page = 4096;
        for b in &mut bytes[3 * page..4 * page] {
            *b = 0xA5;
        }
        std::fs::write(&broken, &bytes).unwrap();
        let e = check(&broken).unwrap_err();
        assert!(matches!(e, StoreError::NotAStore { .. }), "{e}");
    }

    #[test]
    fn a_staged_restore_takes_the_stores_place_and_the_old_store_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rangedesk.db");
        store_at(&db, known_schema() as usize);
        Connection::open(&db).unwrap().execute("INSERT INTO counters (name, value) VALUES ('old', 1)", []).unwrap();
        let src = dir.path().join("src.db");
        store_at(&src, known_schema() as usize);
        Connection::open(&src)
            .unwrap()
            .execute("INSERT INTO counters (name, value) VALUES ('restored', 1)", [])
            .unwrap();
        copy(&src, &staged_path(&db), 8, Duration::ZERO).unwrap();
        assert_eq!(swap_staged(&db, "x").unwrap(), Swap::Restored { kept: dir.path().join("rangedesk.db.replaced-x") });
        let names = |p: &Path| -> Vec<String> {
            let c = Connection::open(p).unwrap();
            c.prepare("SELECT name FROM counters")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        assert_eq!(names(&db), ["restored"]);
        assert_eq!(names(&dir.path().join("rangedesk.db.replaced-x")), ["old"]);
        assert_eq!(swap_staged(&db, "y").unwrap(), Swap::Nothing, "nothing staged: nothing done");
        // A staged file damaged since it was checked is set aside and the store left alone.
        std::fs::write(staged_path(&db), "damaged since").unwrap();
        let Swap::Refused { set_aside, .. } = swap_staged(&db, "z").unwrap() else {
            panic!("a damaged file was restored")
        };
        assert_eq!(set_aside, dir.path().join("rangedesk.db.restore-refused-z"));
        assert!(!staged_path(&db).exists());
        assert_eq!(names(&db), ["restored"], "the store is as it was");
    }
}
