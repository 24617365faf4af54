//! The one writer. A thread owns the write connection and takes jobs from a channel; it runs every
//! job already waiting in one transaction (group commit), each inside a savepoint so one failing job
//! cannot spoil the others, and answers each job only after the commit that holds it. One fsync
//! then pays for a whole batch, which is what makes `synchronous=FULL` affordable.

use super::{Result, StoreError};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Pages in the log past which the writer checkpoints when it next has nothing to do (SQLite's
/// own default threshold).
const CHECKPOINT_PAGES: i32 = 1000;
/// Pages past which it checkpoints even with jobs waiting, so a log under endless load stays bounded.
const CHECKPOINT_PAGES_BUSY: i32 = 8 * CHECKPOINT_PAGES;

/// The most jobs one transaction takes; bounds the latency a batch adds to its first job.
const MAX_BATCH: usize = 512;
/// Jobs waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

type Finish = Box<dyn FnOnce(Option<&str>) + Send>;
type Apply = Box<dyn FnOnce(&Transaction<'_>, &AtomicI64) -> Finish + Send>;

/// Runs on the writer thread after every successful commit, before any job of the batch is
/// answered: what it does is visible by the time a delivery is answered.
/// It gets the events the transaction inserted, in id order (empty when it is first installed).
pub type AfterCommit = Box<dyn FnMut(&Connection, &[super::events::EventRow]) + Send>;

/// Work on the write connection with no transaction open; it opens and commits its own.
type Outside = Box<dyn FnOnce(&Connection) + Send>;

enum Msg {
    Job(Apply),
    AfterCommit(AfterCommit),
    Outside(Outside),
    Stop,
}

pub struct Writer {
    tx: mpsc::Sender<Msg>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    /// When a job or a commit last failed (Unix ms; 0 = never).
    last_failure: Arc<AtomicI64>,
    stats: Arc<Stats>,
}

/// What the writer has done since it started: the ratio of jobs to commits is the batching.
#[derive(Debug, Default)]
pub struct Stats {
    pub jobs: std::sync::atomic::AtomicU64,
    pub commits: std::sync::atomic::AtomicU64,
}

/// How long a failed write keeps the store reported unhealthy: long enough for a monitor polling
/// `/healthz` to see it, short enough to clear soon after the disk has room again.
const UNHEALTHY_FOR_MS: i64 = 30_000;

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Writer {
    pub(super) fn start(conn: Connection) -> Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let last_failure = Arc::new(AtomicI64::new(0));
        let h = last_failure.clone();
        let stats = Arc::new(Stats::default());
        let st = stats.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, &h, &st))
            .map_err(|e| StoreError::Commit(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { tx, thread: std::sync::Mutex::new(Some(thread)), last_failure, stats })
    }

    /// Runs `f` in the writer's next transaction and returns its result once that transaction has
    /// committed. If `f` fails, its own changes are rolled back and the batch goes on.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let apply: Apply = Box::new(move |txn, failed| {
            let out = in_savepoint(txn, f, failed);
            Box::new(move |commit_error: Option<&str>| {
                let out = match (out, commit_error) {
                    (Ok(v), None) => Ok(v),
                    (Ok(_), Some(e)) => Err(StoreError::Commit(e.to_owned())),
                    (Err(e), _) => Err(e),
                };
                let _ = reply.send(out);
            })
        });
        self.tx.send(Msg::Job(apply)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Commit("the writer could not start a transaction".into()))?
    }

    /// Runs `f` on the write connection after everything queued before it has committed, with no
    /// transaction open, and returns its result; jobs queued after it wait for it. For work that
    /// must change what a transaction cannot (a pragma such as `foreign_keys`): `f` opens and commits
    /// its own transactions, keeps each short (it holds up every delivery behind it), and leaves
    /// the connection as it found it. Nothing it does reaches the after-commit hook.
    pub async fn outside_transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let outside: Outside = Box::new(move |conn| {
            let _ = reply.send(f(conn));
        });
        self.tx.send(Msg::Outside(outside)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// False for a while after any write failed (a full disk fails the insert, not the commit).
    pub fn healthy(&self) -> bool {
        now_ms() - self.last_failure.load(Ordering::Relaxed) > UNHEALTHY_FOR_MS
    }

    /// Installs the after-commit hook (the board's projection), replacing any earlier one. It runs
    /// once at once, to catch up with what was committed before it was installed.
    pub async fn set_after_commit(&self, hook: AfterCommit) -> Result<()> {
        self.tx.send(Msg::AfterCommit(hook)).await.map_err(|_| StoreError::Closed)
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Commits everything already queued, then stops the thread.
    pub async fn close(&self) {
        let _ = self.tx.send(Msg::Stop).await;
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

fn in_savepoint<T>(
    txn: &Transaction<'_>,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    failed: &AtomicI64,
) -> Result<T> {
    // Prepared once and cached: parsing these two statements for every job showed in profiles.
    txn.prepare_cached("SAVEPOINT job")?.execute([])?;
    let mark = super::events::recorded_mark();
    match f(txn) {
        Ok(v) => {
            txn.prepare_cached("RELEASE job")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            super::events::forget_recorded_after(mark);
            failed.store(now_ms(), Ordering::Relaxed);
            txn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

thread_local! {
    /// Pages in the log after the writer's last commit, as SQLite's WAL hook reports them.
    static WAL_PAGES: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn note_wal_pages(_: &rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(pages));
    Ok(())
}

/// Checkpoints between batches instead of inside one. SQLite's automatic checkpoint runs in the
/// commit that crosses its threshold, so every job of that batch waits for the log to be copied
/// into the database and both files to be synced (the tail of the latency at a steady rate).
/// Here the writer checkpoints only after it has answered a batch and finds no job waiting, or,
/// under load that never pauses, past a higher threshold. Registering the hook turns SQLite's own
/// automatic checkpoint off.
struct Checkpoints {
    /// Log pages when the last checkpoint ran; a checkpoint that cannot restart the log (a reader
    /// still uses it) is not retried on every batch.
    after_last: i32,
}

impl Checkpoints {
    fn install(conn: &Connection) -> Checkpoints {
        conn.wal_hook(Some(note_wal_pages));
        Checkpoints { after_last: 0 }
    }

    fn maybe_run(&mut self, conn: &Connection, idle: bool) {
        let pages = WAL_PAGES.with(|p| p.get());
        if pages < self.after_last {
            self.after_last = 0; // the log restarted
        }
        let grown = pages - self.after_last;
        if grown < CHECKPOINT_PAGES || (!idle && grown < CHECKPOINT_PAGES_BUSY) {
            return;
        }
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => self.after_last = pages,
            Err(e) => tracing::warn!(error = %e, "store: checkpoint failed; the log keeps growing until one succeeds"),
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Msg>, last_failure: &AtomicI64, stats: &Stats) {
    let mut checkpoints = Checkpoints::install(&conn);
    let mut stopping = false;
    let mut after_commit: Option<AfterCommit> = None;
    while !stopping {
        let Some(first) = rx.blocking_recv() else { break };
        let mut batch = Vec::with_capacity(16);
        // Work outside a transaction ends the batch: it runs once the jobs before it committed.
        let mut outside: Option<Outside> = None;
        let mut take = |msg: Msg, batch: &mut Vec<Apply>, stopping: &mut bool, outside: &mut Option<Outside>| match msg
        {
            Msg::Job(j) => batch.push(j),
            Msg::AfterCommit(mut hook) => {
                hook(&conn, &[]);
                after_commit = Some(hook);
            }
            Msg::Outside(f) => *outside = Some(f),
            Msg::Stop => *stopping = true,
        };
        take(first, &mut batch, &mut stopping, &mut outside);
        while batch.len() < MAX_BATCH && outside.is_none() {
            match rx.try_recv() {
                Ok(msg) => take(msg, &mut batch, &mut stopping, &mut outside),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&mut conn, batch, last_failure, stats, &mut after_commit);
            checkpoints.maybe_run(&conn, rx.is_empty() && outside.is_none());
        }
        if let Some(f) = outside {
            f(&conn);
        }
    }
    // Anything sent after Stop is dropped with the receiver, which answers it `Closed`.
}

/// One transaction for the batch, each job in its savepoint; every job is answered after the commit.
fn commit_batch(
    conn: &mut Connection,
    batch: Vec<Apply>,
    last_failure: &AtomicI64,
    stats: &Stats,
    after_commit: &mut Option<AfterCommit>,
) {
    let txn = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.len(), "store: cannot begin a transaction");
            last_failure.store(now_ms(), Ordering::Relaxed);
            return; // dropping the jobs answers each of them with an error
        }
    };
    let finishes: Vec<Finish> = batch.into_iter().map(|apply| apply(&txn, last_failure)).collect();
    let committed = txn.commit().map_err(|e| e.to_string());
    if let Err(e) = &committed {
        tracing::error!(error = %e, jobs = finishes.len(), "store: commit failed");
    }
    if committed.is_err() {
        last_failure.store(now_ms(), Ordering::Relaxed);
        super::events::take_recorded();
    } else {
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(finishes.len() as u64, Ordering::Relaxed);
        let rows = super::events::take_recorded();
        if let Some(hook) = after_commit.as_mut() {
            hook(conn, &rows);
        }
    }
    let err = committed.err();
    for finish in finishes {
        finish(err.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{self, StoreError};
    use std::sync::atomic::Ordering;

    fn open() -> (tempfile::TempDir, store::Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = store::open(&dir.path().join("w.db"), store::Options::default()).unwrap();
        (dir, s)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits() {
        let (_d, s) = open();
        let writes = (0..400).map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.writer()
                    .write(move |t| {
                        Ok(t.execute("INSERT INTO counters (name, value) VALUES (?1, 1)", [format!("c{i}")])?)
                    })
                    .await
            })
        });
        for w in futures::future::join_all(writes).await {
            assert_eq!(w.unwrap().unwrap(), 1);
        }
        let stats = s.writer().stats();
        let (jobs, commits) = (stats.jobs.load(Ordering::Relaxed), stats.commits.load(Ordering::Relaxed));
        assert_eq!(jobs, 400);
        assert!(commits < jobs / 4, "group commit: {jobs} jobs in {commits} commits");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_does_not_spoil_its_batch() {
        let (_d, s) = open();
        let writes = (0..50).map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.writer()
                    .write(move |t| {
                        t.execute("INSERT INTO counters (name, value) VALUES (?1, 1)", [format!("k{i}")])?;
                        if i % 5 == 0 { Err(StoreError::Corrupt("refused on purpose".into())) } else { Ok(()) }
                    })
                    .await
            })
        });
        let results: Vec<_> = futures::future::join_all(writes).await.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 10);
        let n =
            s.read(|c| Ok(c.query_row("SELECT count(*) FROM counters", [], |r| r.get::<_, i64>(0))?)).await.unwrap();
        assert_eq!(n, 40, "the failing jobs' own rows rolled back, every other job committed");
    }

    #[tokio::test]
    async fn the_log_is_checkpointed_between_batches_and_stays_bounded() {
        let (dir, s) = open();
        s.writer().write(|t| Ok(t.execute("CREATE TABLE blobs (b BLOB NOT NULL)", [])?)).await.unwrap();
        // 400 commits of 32 KiB each: 3,200 pages through the log, over three times the threshold.
        for _ in 0..400 {
            s.writer().write(|t| Ok(t.execute("INSERT INTO blobs (b) VALUES (zeroblob(32768))", [])?)).await.unwrap();
        }
        let wal = std::fs::metadata(dir.path().join("w.db-wal")).unwrap().len();
        assert!(wal < 6 * 1024 * 1024, "the log restarted after checkpoints instead of growing: {wal} bytes");
        let n = s.read(|c| Ok(c.query_row("SELECT count(*) FROM blobs", [], |r| r.get::<_, i64>(0))?)).await.unwrap();
        assert_eq!(n, 400);
    }

    #[tokio::test]
    async fn outside_a_transaction_runs_after_what_was_queued_and_with_none_open() {
        let (_d, s) = open();
        let queued = s.writer().write(|t| Ok(t.execute("INSERT INTO counters (name, value) VALUES ('q', 1)", [])?));
        let outside = s.writer().outside_transaction(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM counters WHERE name = 'q'", [], |r| r.get(0))?;
            Ok((c.is_autocommit(), n))
        });
        let (queued, outside) = tokio::join!(queued, outside);
        assert_eq!(queued.unwrap(), 1);
        assert_eq!(outside.unwrap(), (true, 1), "no transaction is open, and the job queued before it committed");
    }

    #[tokio::test]
    async fn close_commits_what_was_queued_and_refuses_after() {
        let (_d, s) = open();
        s.writer().write(|t| Ok(t.execute("INSERT INTO counters (name, value) VALUES ('a', 1)", [])?)).await.unwrap();
        s.close().await;
        let after =
            s.writer().write(|t| Ok(t.execute("INSERT INTO counters (name, value) VALUES ('b', 1)", [])?)).await;
        assert!(after.is_err(), "a closed writer says so instead of hanging");
    }
}
