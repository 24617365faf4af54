//! The SQLite store: one file, WAL, forward-only migrations, one writer thread that commits in
//! batches (group commit), and reader connections of their own. Every caller of the writer gets
//! its answer only after the transaction holding its work has committed.

pub mod backup;
pub mod backups;
pub mod counters;
pub mod deliveries;
pub mod events;
pub mod history;
pub mod history_days;
mod migrations;
pub mod pictures;
pub mod products;
pub mod purchases;
pub mod snapshot;
pub mod space;
pub mod stats;
mod writer;

pub use migrations::migrations;
pub use writer::Writer;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the store is shutting down")]
    Closed,
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("a stored value is malformed: {0}")]
    Corrupt(String),
    #[error("cannot make the store files private: {0}")]
    Private(std::io::Error),
    #[error(
        "this store was written by a newer rangedesk (schema {found}, this version knows {known}); install the newer version or restore a backup"
    )]
    Newer { found: i64, known: i64 },
    #[error("{}: not a rangedesk store this version can use: {why}", file.display())]
    NotAStore { file: PathBuf, why: String },
    #[error("backup: {0}")]
    Backup(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Options a test or an installer may change; the defaults are what the app runs with.
#[derive(Debug, Clone)]
pub struct Options {
    /// Caps the file size in pages (SQLite's `max_page_count`); past it commits fail, which is how
    /// tests show that a store that cannot commit answers 503.
    pub max_page_count: Option<u64>,
    /// Free bytes on the store's filesystem below which refused deliveries are counted instead of
    /// logged (see `space`). A test sets it above any disk's free space to play a full disk.
    pub refusal_floor_bytes: u64,
    /// Pages a backup copies per step (`backup::STEP_PAGES`); a test makes the steps tiny so a
    /// backup of a small store still spans many commits.
    pub backup_step_pages: i32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_page_count: None,
            refusal_floor_bytes: space::DEFAULT_FLOOR_BYTES,
            backup_step_pages: backup::STEP_PAGES,
        }
    }
}

/// Configures every connection the same way. See each pragma for why.
pub fn configure(conn: &Connection) -> Result<()> {
    // WAL: readers never block the writer and the writer never blocks readers.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL, not the NORMAL most apps pick: we answer vendors 2xx only after a commit and Action
    // Target never retries, so a committed delivery must survive a power cut. In WAL mode FULL
    // fsyncs the log on every commit; group commit (see `writer`) pays that once per batch.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // What a write frees inside a page is zeroed (FAST: only where the page is written anyway, so
    // no extra I/O). Without it a pruned body (`store.keep_bodies_days`) or a deleted refusal
    // stayed readable in the file, in the free space its row left and in the copies the b-tree's
    // rebalancing left behind (tests/it/retention.rs finds them).
    conn.pragma_update(None, "secure_delete", "FAST")?;
    // Savepoint statement journals and sorts stay in memory rather than in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Opens (creating if needed) and migrates the store at `path`, and starts its writer thread.
///
/// A store written by a newer version is refused before anything is written ([`StoreError::Newer`]:
/// its schema is read from the file's header, then read-only). A store with migrations pending is
/// first copied beside itself ([`upgrade_copy_path`]) through the online backup and the copy
/// checked, so an upgrade that goes wrong can be undone by restoring it.
pub fn open(path: &Path, options: Options) -> Result<Store> {
    let found = backup::schema_of(path)?;
    let known = backup::known_schema();
    if let Some(found) = found.filter(|v| *v > known) {
        return Err(StoreError::Newer { found, known });
    }
    if let Some(old) = found.filter(|v| (1..known).contains(v)) {
        let copy = upgrade_copy_path(path, old, jiff::Timestamp::now());
        backup::copy(path, &copy, backup::STEP_PAGES, std::time::Duration::ZERO)?;
        backup::check(&copy)?;
        tracing::info!(from = old, to = known, copy = %copy.display(), "store copied before its upgrade");
    }
    make_private(path).map_err(StoreError::Private)?;
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrations().to_latest(&mut conn)?;
    // The writer keeps 64 MiB of pages hot. It also runs the checkpoints itself, between batches
    // (see `writer::Checkpoints`): inside a commit they were the tail of the latency at a steady
    // rate, and on a thread of their own (PASSIVE every 250 ms) they competed with the commits'
    // syncs and measured a p99 of 17-33 ms at 500/s (docs/PERFORMANCE.md).
    conn.pragma_update(None, "cache_size", -65_536)?;
    if let Some(pages) = options.max_page_count {
        conn.pragma_update(None, "max_page_count", i64::try_from(pages).unwrap_or(i64::MAX))?;
    }
    let writer = Writer::start(conn)?;
    let space = space::Space::new(path, options.refusal_floor_bytes);
    Ok(Store {
        inner: Arc::new(Inner {
            path: path.to_owned(),
            writer,
            readers: Mutex::new(Vec::new()),
            space,
            step_pages: options.backup_step_pages.max(1),
        }),
    })
}

/// Where [`open`] copies a store of schema `old` before migrating it: beside it, named with the
/// old schema and the time (`rangedesk.db.schema-7.20261202T011500Z`).
pub fn upgrade_copy_path(db: &Path, old: i64, now: jiff::Timestamp) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".schema-{old}.{}", now.strftime("%Y%m%dT%H%M%SZ")));
    PathBuf::from(name)
}

/// Makes the store file and its WAL and SHM 0600 before SQLite opens it. SQLite creates a new
/// database file 0644 (its default, less the umask), but it gives the `-wal` and `-shm` files it
/// makes later (at every open after a clean close, which removed them) the database file's own
/// mode: so a missing file is created 0600 here, and an existing one (and any WAL or SHM an
/// earlier version left, open or after a crash) is set to 0600.
fn make_private(db: &Path) -> std::io::Result<()> {
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
    drop(create.open(db)?);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        crate::files::make_private(Path::new(&name))?;
    }
    Ok(())
}

/// A cheap handle to the store; clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Writer,
    /// Idle reader connections, reused so a query does not pay for opening one.
    readers: Mutex<Vec<Connection>>,
    space: space::Space,
    step_pages: i32,
}

impl Store {
    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Free space on the store's filesystem, against the floor below which refusals are not logged.
    pub fn space(&self) -> &space::Space {
        &self.inner.space
    }

    /// Runs `f` on a reader connection on tokio's blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match inner.readers.lock().ok().and_then(|mut r| r.pop()) {
                Some(c) => c,
                None => {
                    let c = Connection::open(&inner.path)?;
                    configure(&c)?;
                    c
                }
            };
            let out = f(&conn);
            if let Ok(mut idle) = inner.readers.lock()
                && idle.len() < 8
            {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// Copies the store into `dest` (a new file) through SQLite's online backup, in small steps on
    /// tokio's blocking pool, while the writer goes on committing (see `backup::copy`).
    pub async fn copy_to(&self, dest: PathBuf) -> Result<()> {
        let (src, pages) = (self.inner.path.clone(), self.inner.step_pages);
        tokio::task::spawn_blocking(move || backup::copy(&src, &dest, pages, backup::STEP_PAUSE))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Stops the writer after it has committed everything already queued.
    pub async fn close(&self) {
        self.inner.writer.close().await;
    }
}

/// Milliseconds since the Unix epoch, the unit every stored time uses.
pub fn millis(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> String {
        let m = std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode();
        format!("{:o}", m & 0o777)
    }

    fn files(db: &Path) -> [PathBuf; 3] {
        let side = |s: &str| PathBuf::from(format!("{}{s}", db.display()));
        [db.to_owned(), side("-wal"), side("-shm")]
    }

    #[tokio::test]
    async fn the_store_and_its_wal_and_shm_are_private_from_the_first_open_and_after_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db");
        let s = open(&db, Options::default()).unwrap();
        s.writer().write(|t| counters::add(t, "probe", 1)).await.unwrap();
        for f in files(&db) {
            assert_eq!(mode(&f), "600", "{}: every delivery is in the store", f.display());
        }
        s.close().await;
        drop(s);
        // SQLite removes the WAL and SHM at the last close and makes them again at the next open;
        // they take the database file's mode, so the database file's mode is what must hold.
        let again = open(&db, Options::default()).unwrap();
        again.writer().write(|t| counters::add(t, "probe", 1)).await.unwrap();
        for f in files(&db) {
            assert_eq!(mode(&f), "600", "{}: made again with the database's mode", f.display());
        }
        again.close().await;
    }

    #[tokio::test]
    async fn a_store_left_readable_by_an_earlier_version_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("old.db");
        {
            let c = Connection::open(&db).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
            // Left open below, so the WAL and SHM stay as the earlier version had them.
            for f in files(&db) {
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
            let s = open(&db, Options::default()).unwrap();
            for f in files(&db) {
                assert_eq!(mode(&f), "600", "{}", f.display());
            }
            s.close().await;
        }
    }
}
