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

/// Serves the floor's routes on `config`'s `server.listen` until SIGTERM or ctrl-c.
pub async fn run(config: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let checked = rangedesk_core::config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::create_dir_all(data_dir)?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("floor.log"))?;
    let (tx, rx) = mpsc::channel::<Job>(4096);
    let writer = std::thread::Builder::new().name("floor-writer".into()).spawn(move || write_loop(file, rx))?;
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

fn write_loop(mut file: std::fs::File, mut rx: mpsc::Receiver<Job>) {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut waiting = Vec::with_capacity(64);
    while let Some(first) = rx.blocking_recv() {
        waiting.push(first);
        while waiting.len() < 512 {
            match rx.try_recv() {
                Ok(job) => waiting.push(job),
                Err(_) => break,
            }
        }
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
