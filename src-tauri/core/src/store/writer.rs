//! The one writer. A thread owns the write connection and takes jobs from a channel; it runs every
//! job already waiting in one transaction (group commit), each inside a savepoint so one failing job
//! cannot spoil the others, and answers each job only after the commit that holds it. One fsync
//! then pays for a whole batch, which is what makes `synchronous=FULL` affordable.

use super::{Result, StoreError};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most jobs one transaction takes; bounds the latency a batch adds to its first job.
const MAX_BATCH: usize = 512;
/// Jobs waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

type Finish = Box<dyn FnOnce(Option<&str>) + Send>;
type Apply = Box<dyn FnOnce(&Transaction<'_>, &AtomicI64) -> Finish + Send>;

enum Msg {
    Job(Apply),
    Stop,
}

pub struct Writer {
    tx: mpsc::Sender<Msg>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    /// When a job or a commit last failed (Unix ms; 0 = never).
    last_failure: Arc<AtomicI64>,
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
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, &h))
            .map_err(|e| StoreError::Commit(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { tx, thread: std::sync::Mutex::new(Some(thread)), last_failure })
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

    /// False for a while after any write failed (a full disk fails the insert, not the commit).
    pub fn healthy(&self) -> bool {
        now_ms() - self.last_failure.load(Ordering::Relaxed) > UNHEALTHY_FOR_MS
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
    txn.execute_batch("SAVEPOINT job")?;
    match f(txn) {
        Ok(v) => {
            txn.execute_batch("RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            failed.store(now_ms(), Ordering::Relaxed);
            txn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Msg>, last_failure: &AtomicI64) {
    let mut stopping = false;
    while !stopping {
        let Some(first) = rx.blocking_recv() else { break };
        let mut batch = Vec::with_capacity(16);
        match first {
            Msg::Job(j) => batch.push(j),
            Msg::Stop => stopping = true,
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let txn = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "store: cannot begin a transaction");
                last_failure.store(now_ms(), Ordering::Relaxed);
                continue; // dropping the jobs answers each of them with an error
            }
        };
        let finishes: Vec<Finish> = batch.into_iter().map(|apply| apply(&txn, last_failure)).collect();
        let committed = txn.commit().map_err(|e| e.to_string());
        if let Err(e) = &committed {
            tracing::error!(error = %e, jobs = finishes.len(), "store: commit failed");
        }
        if committed.is_err() {
            last_failure.store(now_ms(), Ordering::Relaxed);
        }
        let err = committed.err();
        for finish in finishes {
            finish(err.as_deref());
        }
    }
    // Anything sent after Stop is dropped with the receiver, which answers it `Closed`.
}
