//! 500 connections that send their request head one byte a second are dropped at the header
//! timeout (or refused at once beyond their address's share), and real deliveries from another
//! address keep getting 2xx the whole time.

use crate::support;

use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SLOW: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_is_dropped_while_deliveries_go_on() {
    let config = format!("{}\n[server]\nheader_timeout_seconds = 2\n", config_text());
    let r = start_with(&config, Default::default()).await;
    let addr = r.app.public_addr();
    let started = Instant::now();
    let mut slow = Vec::new();
    for i in 0..SLOW {
        slow.push(tokio::spawn(async move {
            // The attacker is one address and the vendor another: the attacker holds at most its
            // per-client share of the connections (the rest are refused at once), so the vendor's
            // deliveries never wait behind it.
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
            let mut s = socket.connect(addr).await.unwrap();
            let head =
                format!("POST /hooks/enviso HTTP/1.1\r\nHost: x\r\nX-Slow: {i}\r\nContent-Length: 2\r\n\r\n{{}}");
            // One byte a second until the server hangs up; never a whole head within the timeout.
            for b in head.bytes() {
                if s.write_all(&[b]).await.is_err() {
                    return Instant::now();
                }
                let mut buf = [0u8; 256];
                match tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return Instant::now(),
                    Ok(Ok(_)) => return Instant::now(), // an error response, then close
                    Err(_) => {}
                }
            }
            panic!("slow client {i} was never dropped");
        }));
    }
    // A client that connects and never says anything is dropped too.
    let silent = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 16];
        let _ = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await.expect("silent client dropped");
        Instant::now()
    });

    // A kept-alive connection that goes quiet after its request is dropped too: it would
    // otherwise hold one of the limited connection permits for ever.
    let idle = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        let closed = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await;
        assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "idle keep-alive connection dropped");
        Instant::now()
    });

    // Meanwhile, real deliveries: every one answered 2xx.
    let mut delivered = 0;
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(5) {
        n += 1;
        let resp = r
            .http
            .post(r.public("/hooks/enviso"))
            .body(enviso_body(&format!("real-{n}"), "PASS_SCANNED"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "a real delivery was refused while slow clients were connected");
        delivered += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(delivered >= 50, "only {delivered} deliveries in 5 s");

    for t in slow {
        let dropped_at = t.await.unwrap();
        let after = dropped_at - started;
        assert!(after < Duration::from_secs(8), "a slow client lasted {after:?} against a 2 s header timeout");
    }
    let idle_after = idle.await.unwrap() - started;
    assert!(idle_after < Duration::from_secs(8), "an idle kept-alive client lasted {idle_after:?}");
    let silent_after = silent.await.unwrap() - started;
    assert!(silent_after < Duration::from_secs(8), "a silent client lasted {silent_after:?}");
    let events = r.get_json(&r.board("/api/events?limit=1000")).await;
    assert_eq!(events["items"].as_array().unwrap().len(), delivered, "every real delivery stored, no slow one");
}
