//! The accept loop. `axum::serve` sets no header-read timeout (its hyper builder has no timer), so a
//! client sending its request head a byte a second would hold a connection for ever. Here every
//! connection gets hyper's `header_read_timeout` and a permit from
//! a bounded pool; TLS is terminated here when configured. On shutdown the listener closes, idle
//! connections are closed, and in-flight requests finish before `serve` returns.
//!
//! One client address holds at most `per_client` of the pool's connections (below
//! `max_connections`), so held purchases or slow clients from one address never make another
//! vendor or `/healthz` wait. A connection over its address's share is answered 503 at once
//! (plain HTTP; closed when TLS) instead of waiting for a permit.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

#[derive(Clone)]
pub struct Limits {
    /// A connection must deliver a complete request head within this, and its first byte too.
    pub header_timeout: Duration,
    /// Connections served at once; further ones wait in the accept queue.
    pub max_connections: usize,
    /// Connections one client address may hold at once.
    pub per_client: usize,
    /// How long shutdown waits for in-flight requests before giving up on them.
    pub drain_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = PerClient::new(limits.per_client);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Some(share) = per_client.take(remote.ip()) else {
            drop(permit);
            tracing::debug!(%remote, "over its connection share; refused");
            let plain = tls.is_none();
            tokio::spawn(async move {
                let mut stream = stream;
                if plain {
                    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(OVER_SHARE)).await;
                }
                let _ = stream.shutdown().await;
            });
            continue;
        };
        let router = router.clone();
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let _share = share;
            match tls {
                None => serve_connection(stream, remote, router, &http, watcher).await,
                Some(acceptor) => match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls_stream)) => serve_connection(tls_stream, remote, router, &http, watcher).await,
                    Ok(Err(e)) => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
                },
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown: some connections did not finish in time");
    }
}

const OVER_SHARE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
    retry-after: 1\r\nconnection: close\r\ncontent-length: 59\r\n\r\n\
    {\"error\":\"too many connections from this address; retry\"}\r\n";

/// Open connections per client address, and the cap.
#[derive(Clone)]
struct PerClient {
    cap: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection's place in its address's share; given back when dropped.
struct Share {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerClient {
    fn new(cap: usize) -> PerClient {
        PerClient { cap: cap.max(1), open: Arc::default() }
    }

    fn take(&self, ip: IpAddr) -> Option<Share> {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Share { ip, open: self.open.clone() })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

async fn serve_connection<S>(
    stream: S,
    remote: SocketAddr,
    router: Router,
    http: &hyper::server::conn::http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // hyper starts the header timer whenever it waits for a request head: on a new connection
    // before any byte, and on a kept-alive one between requests. Silent clients are dropped too.
    let io = TokioIo::new(stream);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let conn = http.serve_connection(io, service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(%remote, error = %e, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_it_back() {
        let p = PerClient::new(2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let (a1, _a2) = (p.take(a).unwrap(), p.take(a).unwrap());
        assert!(p.take(a).is_none(), "a third from the same address waits for none of the pool");
        assert!(p.take(b).is_some(), "another address is not affected");
        drop(a1);
        assert!(p.take(a).is_some(), "a closed connection gives its place back");
    }

    #[test]
    fn the_refusal_is_one_complete_response() {
        let text = std::str::from_utf8(OVER_SHARE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head.lines().find_map(|l| l.strip_prefix("content-length: ")).unwrap().parse().unwrap();
        assert_eq!(body.len(), len);
        assert!(serde_json::from_str::<serde_json::Value>(body.trim()).is_ok());
    }
}
