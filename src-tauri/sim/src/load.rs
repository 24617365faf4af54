//! The load generator. Connections are opened and kept alive before the clock starts; each request
//! is a pre-built body from a `Pool`.
//!
//! - **Closed loop** (`closed`): N workers, each one connection, each sending its next request as
//!   soon as the last is answered, for a fixed time. Measures throughput at concurrency N.
//! - **Open loop** (`open`): requests are due at a fixed rate on a schedule made in advance, and a
//!   request's latency counts from when it was *due*, not from when a connection was free to send
//!   it. A slow answer therefore also charges the requests it delayed (no coordinated omission).
//!   The schedule runs on its own OS thread, whose sleep is accurate to tens of microseconds where
//!   tokio's timer rounds to a millisecond.

use crate::deliveries::Pool;
use crate::latency::Latencies;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

/// Where requests go.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
}

/// What one run saw.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Answered 2xx.
    pub ok: u64,
    /// Answered, but not 2xx, by status.
    pub refused: BTreeMap<u16, u64>,
    /// No answer at all (connection refused, reset, closed mid-request).
    pub failed: u64,
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
    /// Every answered request's latency.
    pub latencies: Latencies,
    /// The pool ran out before the time did; the run was shorter than asked.
    pub exhausted: bool,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        for (status, n) in other.refused {
            *self.refused.entry(status).or_default() += n;
        }
        self.failed += other.failed;
        self.elapsed += other.elapsed;
        self.latencies.merge(other.latencies);
        self.exhausted |= other.exhausted;
    }

    /// Non-2xx answers plus requests that got no answer.
    pub fn errors(&self) -> u64 {
        self.refused.values().sum::<u64>() + self.failed
    }

    /// 2xx answers per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 { self.ok as f64 / secs } else { 0.0 }
    }

    /// One line for a person.
    pub fn line(&mut self) -> String {
        let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2} ms"));
        let (p50, p99) = (self.latencies.percentile_ms(50.0), self.latencies.percentile_ms(99.0));
        let refused: Vec<String> = self.refused.iter().map(|(s, n)| format!("{n}×{s}")).collect();
        format!(
            "{} ok in {:.2} s = {:.0}/s; p50 {}, p99 {}; non-2xx: {}; no answer: {}{}",
            self.ok,
            self.elapsed.as_secs_f64(),
            self.rate(),
            ms(p50),
            ms(p99),
            if refused.is_empty() { "0".to_owned() } else { refused.join(", ") },
            self.failed,
            if self.exhausted { " (pool used up early)" } else { "" },
        )
    }
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connect_all(addr: SocketAddr, n: usize) -> anyhow::Result<Vec<Sender>> {
    let mut senders = Vec::with_capacity(n);
    for _ in 0..n {
        senders.push(connect(addr).await?);
    }
    Ok(senders)
}

/// Sends the pool's `i`th delivery; `Ok(status)` once the whole answer is read.
async fn send(sender: &mut Sender, target: &Target, pool: &Pool, i: usize) -> anyhow::Result<u16> {
    let d = pool.get(i).ok_or_else(|| anyhow::anyhow!("pool used up"))?;
    let mut req = http::Request::post(pool.uri.clone())
        .header(HOST, target.addr.to_string())
        .header(CONTENT_TYPE, "application/json");
    if let Some(sig) = &d.signature {
        req = req.header(rangedesk_core::signing::SAMNA_SIGNATURE_HEADER, sig.clone());
    }
    let req = req.body(Full::new(d.body.clone()))?;
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status().as_u16();
    resp.into_body().collect().await?;
    Ok(status)
}

/// Records one attempt; after a transport error the worker needs a new connection.
fn count(tally: &mut Tally, result: &anyhow::Result<u16>, latency: Duration) -> bool {
    match result {
        Ok(status) => {
            tally.latencies.record(latency);
            if (200..300).contains(status) {
                tally.ok += 1;
            } else {
                *tally.refused.entry(*status).or_default() += 1;
            }
            true
        }
        Err(_) => {
            tally.failed += 1;
            false
        }
    }
}

/// `concurrency` workers on their own kept-alive connection send back to back for `duration`.
pub async fn closed(target: &Target, pool: Arc<Pool>, concurrency: usize, duration: Duration) -> anyhow::Result<Tally> {
    let senders = connect_all(target.addr, concurrency.max(1)).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let workers: Vec<_> = senders
        .into_iter()
        .map(|mut sender| {
            let (target, pool, next) = (target.clone(), pool.clone(), next.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if pool.get(i).is_none() {
                        tally.exhausted = true;
                        break;
                    }
                    let t0 = Instant::now();
                    let result = send(&mut sender, &target, &pool, i).await;
                    if !count(&mut tally, &result, t0.elapsed()) {
                        sender = reconnect(target.addr, deadline).await?;
                    }
                }
                anyhow::Ok(tally)
            })
        })
        .collect();
    gather(workers, start).await
}

/// Sends `count` requests due `1/rate` seconds apart over up to `connections` connections.
pub async fn open(
    target: &Target,
    pool: Arc<Pool>,
    rate: f64,
    count_due: usize,
    connections: usize,
) -> anyhow::Result<Tally> {
    anyhow::ensure!(rate > 0.0, "the rate must be above zero");
    let senders = connect_all(target.addr, connections.max(1)).await?;
    let (tx, rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let rx = Arc::new(Mutex::new(rx));
    let start = Instant::now() + Duration::from_millis(20);
    let deadline = start + Duration::from_secs_f64(count_due as f64 / rate) + Duration::from_secs(30);
    let workers: Vec<_> = senders
        .into_iter()
        .map(|mut sender| {
            let (target, pool, rx) = (target.clone(), pool.clone(), rx.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let job = rx.lock().await.recv().await;
                    let Some((i, due)) = job else { break };
                    let result = send(&mut sender, &target, &pool, i).await;
                    if !count(&mut tally, &result, due.elapsed()) {
                        sender = reconnect(target.addr, deadline).await?;
                    }
                }
                anyhow::Ok(tally)
            })
        })
        .collect();
    let schedule = std::thread::Builder::new().name("load-schedule".into()).spawn(move || {
        for i in 0..count_due {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if tx.send((i, due)).is_err() {
                break;
            }
        }
    })?;
    let mut tally = gather(workers, start).await?;
    let _ = tokio::task::spawn_blocking(move || schedule.join()).await;
    tally.exhausted = count_due > 0 && pool.get(count_due - 1).is_none();
    Ok(tally)
}

async fn reconnect(addr: SocketAddr, deadline: Instant) -> anyhow::Result<Sender> {
    loop {
        match connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn gather(workers: Vec<tokio::task::JoinHandle<anyhow::Result<Tally>>>, start: Instant) -> anyhow::Result<Tally> {
    let mut total = Tally::default();
    for w in workers {
        total.merge(w.await??);
    }
    total.elapsed = start.elapsed();
    Ok(total)
}
