//! The durable floor: what any ingest that answers only after its data is on disk must pay on this
//! machine, with nothing else. The no-op routes, except that each body is appended to one file by a
//! single writer thread that takes every body already waiting, writes them with one `write`, makes
//! them durable with one `fdatasync`, and only then answers them (group commit; no SQLite, no
//! verification, no parsing).
//!
//! `rangedesk-sim bench --server` measures it beside the no-op route as it measures
//! `rangedesk-server`, through a wrapper script (`exec rangedesk-sim floor "$@"`): it takes the
//! same `--config` (only `server.listen` is read) and `--data-dir`. Its ratio bounds rangedesk's
//! from above on the same machine and disk.
//!
//! The bare ceiling (`rangedesk-sim bare`, `Sink::Sqlite`) is the same server with SQLite in the
//! file's place, set up as rangedesk's store is (WAL, `synchronous=FULL`): the writer takes every
//! body waiting (up to 512), inserts each as one row of one table with no index but the rowid, and
//! commits once. What rangedesk does beyond it (verifying, parsing, the delivery's metadata, its
//! events, indexes, the board) is what its ratio to this one measures.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::io::Write;
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

type Job = (bytes::Bytes, oneshot::Sender<bool>);

/// Where the bodies go.
#[derive(Clone, Copy, Debug)]
pub enum Sink {
    /// Appended to `floor.log`, one `fdatasync` per batch.
    File,
    /// Inserted into `bare.db` (WAL, `synchronous=FULL`), one commit per batch.
    Sqlite,
}

/// The most bodies one batch takes, as rangedesk's writer (`store::writer::MAX_BATCH`).
const MAX_BATCH: usize = 512;

/// Serves the floor's routes on `config`'s `server.listen` until SIGTERM or ctrl-c.
pub async fn run(config: &Path, data_dir: &Path, sink: Sink) -> anyhow::Result<()> {
    let checked = rangedesk_core::config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::create_dir_all(data_dir)?;
    let (tx, rx) = mpsc::channel::<Job>(4096);
    let writer = match sink {
        Sink::File => {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("floor.log"))?;
            std::thread::Builder::new().name("floor-writer".into()).spawn(move || write_loop(file, rx))?
        }
        Sink::Sqlite => {
            let conn = open_bare(&data_dir.join("bare.db"))?;
            std::thread::Builder::new().name("bare-writer".into()).spawn(move || insert_loop(conn, rx))?
        }
    };
    let listener = tokio::net::TcpListener::bind(checked.listen).await?;
    let router = Router::new()
        .route("/hooks/action-target/{token}", post(append))
        .route("/hooks/enviso", post(append))
        .route("/hooks/samna", post(append))
        .route("/healthz", get(|| async { Json(serde_json::json!({"ok": true})) }))
        .with_state(tx);
    rangedesk_core::testing::serve(listener, router, crate::noop::limits(), None, rangedesk_core::shutdown_signal())
        .await;
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    Ok(())
}

async fn append(State(tx): State<mpsc::Sender<Job>>, body: Body) -> Response {
    let bytes = match crate::noop::read_body(body).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let (done, synced) = oneshot::channel();
    if tx.send((bytes, done)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match synced.await {
        Ok(true) => Json(serde_json::json!({"ok": true})).into_response(),
        _ => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Waits for a job, then takes every job already waiting, up to `MAX_BATCH`; false when closed.
fn next_batch(rx: &mut mpsc::Receiver<Job>, waiting: &mut Vec<Job>) -> bool {
    let Some(first) = rx.blocking_recv() else { return false };
    waiting.push(first);
    while waiting.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => waiting.push(job),
            Err(_) => break,
        }
    }
    true
}

fn write_loop(mut file: std::fs::File, mut rx: mpsc::Receiver<Job>) {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut waiting = Vec::with_capacity(64);
    while next_batch(&mut rx, &mut waiting) {
        buf.clear();
        for (body, _) in &waiting {
            buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
            buf.extend_from_slice(body);
        }
        let ok = file.write_all(&buf).and_then(|()| file.sync_data()).is_ok();
        for (_, done) in waiting.drain(..) {
            let _ = done.send(ok);
        }
    }
}

fn open_bare(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)",
    )?;
    Ok(conn)
}

fn insert_loop(mut conn: rusqlite::Connection, mut rx: mpsc::Receiver<Job>) {
    let mut waiting = Vec::with_capacity(64);
    while next_batch(&mut rx, &mut waiting) {
        let ok = insert_batch(&mut conn, &waiting).inspect_err(|e| eprintln!("bare: insert failed: {e}")).is_ok();
        for (_, done) in waiting.drain(..) {
            let _ = done.send(ok);
        }
    }
}

fn insert_batch(conn: &mut rusqlite::Connection, jobs: &[Job]) -> rusqlite::Result<()> {
    let txn = conn.transaction()?;
    {
        let mut insert = txn.prepare_cached("INSERT INTO bodies (received_at, body) VALUES (?1, ?2)")?;
        let now = jiff::Timestamp::now().as_millisecond();
        for (body, _) in jobs {
            insert.execute(rusqlite::params![now, &body[..]])?;
        }
    }
    txn.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each body of a batch is one row, committed before the batch is answered.
    #[test]
    fn the_bare_ceiling_stores_every_body_once_and_answers_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bare.db");
        let conn = open_bare(&path).unwrap();
        let (tx, rx) = mpsc::channel::<Job>(16);
        let writer = std::thread::spawn(move || insert_loop(conn, rx));
        let mut answers = Vec::new();
        for i in 0..40 {
            let (done, answer) = oneshot::channel();
            tx.blocking_send((bytes::Bytes::from(format!("{{\"n\":{i}}}")), done)).unwrap();
            answers.push(answer);
        }
        for a in answers {
            assert!(a.blocking_recv().unwrap(), "every body was committed");
        }
        drop(tx);
        writer.join().unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        let (n, distinct): (i64, i64) = other
            .query_row("SELECT count(*), count(DISTINCT body) FROM bodies", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((n, distinct), (40, 40));
        let mode: String = other.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
