//! The board listener's guard, tried as an attacker would, over real HTTP: a foreign `Host`
//! (DNS rebinding), cross-site writes (text/plain, forms, foreign `Origin`), PIN guessing, the
//! session cookie, LAN browsers that may only watch, and one client holding every connection.

use crate::support;

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use support::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// One raw HTTP/1.1 request (reqwest always writes the URL's own `Host`); returns the status,
/// the head and the body.
async fn raw(addr: SocketAddr, request: &str) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

fn post(path: &str, host: &str, content_type: &str, extra: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A help call on the board; its id.
async fn raise_help(r: &Running) -> i64 {
    let resp = r.http.post(r.at_hook()).body(at_body("help", "lane-1", "sess-1")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let help = r.get_json(&r.board("/api/help")).await;
    help[0]["help_id"].as_i64().unwrap()
}

async fn acknowledged(r: &Running) -> bool {
    !r.get_json(&r.board("/api/help")).await[0]["acknowledged_at"].is_null()
}

#[tokio::test]
async fn a_foreign_host_is_refused_before_any_route_the_static_files_included() {
    let r = start().await;
    let addr = r.app.board_addr();
    let id = raise_help(&r).await;
    // What a DNS-rebinding page sends: its own name, our address.
    for path in [
        "/",
        "/index.html",
        "/api/settings",
        "/api/hook-urls",
        // Today's diagnostics zip (logs) and the backup panel.
        "/api/diagnostics",
        "/api/backups",
        "/api/board",
        "/api/stream",
        "/api/api-health",
        "/healthz",
        // The manager's history and its CSV (customer names, takings) are the board's too.
        "/api/history/2026-06-10",
        "/api/history?from=2026-06-01&to=2026-06-07",
        "/api/history/2026-06-10/lanes.csv",
        "/api/history/summary.csv?from=2026-06-01&to=2026-06-07",
    ] {
        let (status, head, body) = raw(addr, &get(path, &format!("rebind.evil.example:{}", addr.port()))).await;
        assert_eq!(status, 421, "{path}: {head}");
        let v: Value = serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("{path}: short JSON: {body}"));
        assert!(v["error"].is_string() && v["code"] == "wrong_host", "{v}");
        assert!(!head.contains("access-control-"), "no CORS, ever: {head}");
    }
    let ack = format!("/api/help/{id}/ack");
    let (status, _, _) =
        raw(addr, &post(&ack, &format!("evil.example:{}", addr.port()), "application/json", "", "{}")).await;
    assert_eq!(status, 421);
    assert!(!acknowledged(&r).await, "nothing was done");
    // Our own names answer.
    for host in [format!("127.0.0.1:{}", addr.port()), format!("localhost:{}", addr.port())] {
        assert_eq!(raw(addr, &get("/api/board", &host)).await.0, 200, "{host}");
    }
    assert_eq!(raw(addr, &get("/api/board", "localhost")).await.0, 421, "another port is another origin");
    r.stop().await;
}

#[tokio::test]
async fn cross_site_writes_are_refused_and_change_nothing() {
    let r = start().await;
    let addr = r.app.board_addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let id = raise_help(&r).await;
    let ack = format!("/api/help/{id}/ack");
    // The simple requests any page can send without a preflight.
    for (ct, body) in [
        ("text/plain", "{}"),
        ("application/x-www-form-urlencoded", "by=evil"),
        ("multipart/form-data; boundary=x", "--x--"),
    ] {
        let (status, _, body) = raw(addr, &post(&ack, &host, ct, "Origin: http://evil.example\r\n", body)).await;
        assert_eq!(status, 403, "{ct}: {body}");
        let (status, _, _) = raw(addr, &post(&ack, &host, ct, "", "{}")).await;
        assert_eq!(status, 403, "{ct} without Origin is refused too: only JSON changes anything");
    }
    // JSON from another site (a page cannot send it without CORS, but a stray tool might).
    let foreign = [
        "Origin: http://evil.example\r\n",
        "Sec-Fetch-Site: cross-site\r\n",
        "Sec-Fetch-Site: same-site\r\nOrigin: http://other.localhost:1\r\n",
        "Origin: null\r\n",
    ];
    for extra in foreign {
        let (status, _, _) = raw(addr, &post(&ack, &host, "application/json", extra, "{}")).await;
        assert_eq!(status, 403, "{extra}");
    }
    assert!(!acknowledged(&r).await, "none of them acknowledged the help call");
    // The same for the backup writes: a page elsewhere cannot start a backup or stage a restore.
    for path in ["/api/backups", "/api/backups/restore"] {
        let (status, _, body) =
            raw(addr, &post(path, &host, "text/plain", "Origin: http://evil.example\r\n", "{}")).await;
        assert_eq!(status, 403, "{path}: {body}");
        let (status, _, _) =
            raw(addr, &post(path, &host, "application/json", "Origin: http://evil.example\r\n", "{}")).await;
        assert_eq!(status, 403, "{path} as JSON from another site");
    }
    // A preflight is refused and grants nothing.
    let options = format!(
        "OPTIONS {ack} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"
    );
    let (status, head, _) = raw(addr, &options).await;
    assert_eq!(status, 403);
    assert!(!head.contains("access-control-"), "{head}");
    // The board's own page (same origin) and a script (no Origin) both act.
    let own = format!("Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n");
    let (status, _, body) = raw(addr, &post(&ack, &host, "application/json", &own, "{}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(acknowledged(&r).await);
    let resolve = format!("/api/help/{id}/resolve");
    assert_eq!(raw(addr, &post(&resolve, &host, "application/json", "", r#"{"by":"Sam"}"#)).await.0, 200, "curl");
    r.stop().await;
}

#[tokio::test]
async fn in_pin_mode_board_hosts_and_ip_literals_are_ours_and_other_names_are_not() {
    let config =
        format!("{}\n[server]\nboard_pin = \"123456\"\nboard_hosts = [\"desk-pc.local:8788\"]\n", config_text());
    let r = start_lan(&config).await;
    let addr: SocketAddr = format!("127.0.0.1:{}", r.app.board_addr().port()).parse().unwrap();
    let with_pin = |path: &str, host: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Rangedesk-Pin: 123456\r\nConnection: close\r\n\r\n")
    };
    let port = addr.port();
    for host in ["desk-pc.local:8788".to_owned(), format!("192.168.1.10:{port}"), format!("[fe80::1]:{port}")] {
        assert_eq!(raw(addr, &with_pin("/api/board", &host)).await.0, 200, "{host}");
    }
    for host in [format!("desk-pc.local:{port}"), format!("evil.example:{port}"), format!("192.168.1.10:{}", port + 1)]
    {
        assert_eq!(raw(addr, &with_pin("/api/board", &host)).await.0, 421, "{host}");
    }
    r.stop().await;
}

#[tokio::test]
async fn wrong_pins_are_slowed_per_client_and_the_pin_is_url_decoded() {
    let pin = "12+34&5 6";
    let config = format!("{}\n[server]\nboard_pin = \"{pin}\"\n", config_text());
    let r = start_with(&config, Default::default()).await;
    let ok = r.http.get(r.board("/api/board?pin=12%2B34%265+6")).send().await.unwrap();
    assert_eq!(ok.status(), 200, "?pin= is URL-decoded");
    for i in 0..5 {
        let resp =
            r.http.get(r.board("/api/board")).header("x-rangedesk-pin", format!("wrong{i}")).send().await.unwrap();
        assert_eq!(resp.status(), 403, "wrong PIN {i}");
    }
    for given in ["wrong5", pin] {
        let resp = r.http.get(r.board("/api/board")).header("x-rangedesk-pin", given).send().await.unwrap();
        assert_eq!(resp.status(), 429, "after 5 wrong PINs in a minute even the right one waits");
        let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "{wait}");
        assert_eq!(resp.json::<Value>().await.unwrap()["code"], "too_many_requests");
    }
    // Another client is not locked out by this one's guesses.
    if let Some(lan) = lan_address() {
        r.stop().await;
        let r = start_lan(&config).await;
        for i in 0..5 {
            r.http.get(r.board("/api/board")).header("x-rangedesk-pin", format!("w{i}")).send().await.unwrap();
        }
        let url = format!("http://{lan}:{}/api/board", r.app.board_addr().port());
        let other = r.http.get(url).header("x-rangedesk-pin", pin).send().await.unwrap();
        assert_eq!(other.status(), 200, "the LAN browser was not the one guessing");
        r.stop().await;
    } else {
        eprintln!("part skipped: this machine has no non-loopback address to connect from");
        r.stop().await;
    }
}

#[tokio::test]
async fn the_board_speaks_tls_with_the_webhook_certificate_and_its_cookie_is_secure() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let config = format!(
        "{}\n[server]\ntls_cert = \"{}\"\ntls_key = \"{}\"\nboard_tls = true\nboard_pin = \"123456\"\n",
        config_text(),
        cert_path.display(),
        key_path.display()
    );
    let r = start_in(dir, &config, Default::default()).await;
    let port = r.app.board_addr().port();
    let https = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", r.app.board_addr())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = https.get(format!("https://localhost:{port}/?pin=123456")).send().await.unwrap();
    assert_eq!(first.status(), 303);
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "over TLS the session cookie is Secure: {cookie}");
    let pair = cookie.split(';').next().unwrap();
    let board = https.get(format!("https://localhost:{port}/api/board")).header("cookie", pair).send().await.unwrap();
    assert_eq!(board.status(), 200);
    let act = https
        .post(format!("https://localhost:{port}/api/range/refresh"))
        .header("cookie", pair)
        .header("origin", format!("http://localhost:{port}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(act.status(), 403, "an http:// origin is not the https board's own");
    let plain = r.http.get(r.board("/healthz")).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success(), "no cleartext on a TLS board");
    r.stop().await;
}

#[tokio::test]
async fn a_lan_browser_with_the_pin_watches_and_acts_only_when_allowed() {
    let Some(lan) = lan_address() else {
        eprintln!("skipped: this machine has no non-loopback address to connect from");
        return;
    };
    let config = format!("{}\n[server]\nboard_pin = \"123456\"\n", config_text());
    let r = start_lan(&config).await;
    let base = format!("http://{lan}:{}", r.app.board_addr().port());
    let pinned = |rb: reqwest::RequestBuilder| rb.header("x-rangedesk-pin", "123456");
    let id = {
        r.http.post(r.at_hook()).body(at_body("help", "lane-1", "sess-1")).send().await.unwrap();
        let help: Value = pinned(r.http.get(format!("{base}/api/help"))).send().await.unwrap().json().await.unwrap();
        help[0]["help_id"].as_i64().unwrap()
    };
    let ack =
        |by: &'static str| pinned(r.http.post(format!("{base}/api/help/{id}/ack"))).json(&json!({"by": by})).send();
    let refused = ack("Lan").await.unwrap();
    assert_eq!(refused.status(), 403, "watching is the default");
    assert!(refused.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("watch"));

    // The manager turns acting on from the desk computer; it applies at once.
    let local = |rb: reqwest::RequestBuilder| rb.header("x-rangedesk-pin", "123456");
    let on =
        local(r.http.put(r.board("/api/settings/board"))).json(&json!({"lan_can_act": true})).send().await.unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(ack("Lan").await.unwrap().status(), 200, "now the LAN browser may act");

    // Settings and the catalogue stay with the desk computer whatever the setting says.
    let put = pinned(r.http.put(format!("{base}/api/products"))).json(&json!([])).send().await.unwrap();
    assert_eq!(put.status(), 403);
    let pic = pinned(r.http.put(format!("{base}/api/products/A-1/picture")))
        .json(&json!({"content_type": "image/jpeg", "data_base64": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(pic.status(), 403);
    let check = pinned(r.http.post(format!("{base}/api/products/check"))).json(&json!([])).send().await.unwrap();
    assert_eq!(check.status(), 403);
    let s = pinned(r.http.put(format!("{base}/api/settings/board"))).json(&json!({"lan_can_act": false})).send().await;
    assert_eq!(s.unwrap().status(), 403);
    // So do backups: they name paths on the desk PC, and a restore replaces the range's data.
    for (path, body) in [("/api/backups", json!({})), ("/api/backups/restore", json!({"file": "/tmp/x.db"}))] {
        let b = pinned(r.http.post(format!("{base}{path}"))).json(&body).send().await.unwrap();
        assert_eq!(b.status(), 403, "{path}");
    }

    // The staff event says who claimed it and which client it really came from.
    let events: Value = r.get_json_pinned(&r.board("/api/events?type=helpAcknowledged"), "123456").await;
    let data = &events["items"][0]["data"];
    assert_eq!((data["by"].as_str(), data["client"].as_str()), (Some("Lan"), Some(lan.to_string().as_str())), "{data}");
    let changed: Value = r.get_json_pinned(&r.board("/api/events?type=settingsChanged"), "123456").await;
    assert_eq!(changed["items"][0]["data"]["client"], "loopback");
    r.stop().await;
}

#[tokio::test]
async fn no_answer_to_a_lan_client_carries_the_hook_token() {
    let Some(lan) = lan_address() else {
        eprintln!("skipped: this machine has no non-loopback address to connect from");
        return;
    };
    let config = format!("{}\n[server]\nboard_pin = \"123456\"\n", config_text());
    let r = start_lan(&config).await;
    let pic = format!("https://range.example/hooks/action-target/{TOKEN}/pictures/A-1");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x00, 0x02, 0x00, 0x03];
    jpeg.extend_from_slice(&[0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9]);
    use base64::Engine as _;
    let up = r
        .http
        .put(r.board("/api/products/A-1/picture"))
        .header("x-rangedesk-pin", "123456")
        .json(&json!({"content_type": "image/jpeg", "data_base64": base64::engine::general_purpose::STANDARD.encode(&jpeg)}))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200, "{}", up.text().await.unwrap());
    let catalogue = json!([
        {"id": "time", "type": "time", "display_name": "Lane time", "price": 0.5, "max_qty": 120, "min_qty": 30, "increment_by": 30},
        {"id": "A-1", "type": "ammo", "display_name": "9mm", "price": 15, "max_qty": 4, "picture_url": pic},
    ]);
    let put = r.http.put(r.board("/api/products")).header("x-rangedesk-pin", "123456").json(&catalogue).send().await;
    assert_eq!(put.unwrap().status(), 200);
    // Deliveries and events of every kind, so the logs have something to leak.
    r.http.post(r.at_hook()).body(at_body("help", "lane-1", "sess-1")).send().await.unwrap();
    r.http.post(r.public("/hooks/action-target/wrong-token")).body("{}").send().await.unwrap();
    r.http.post(r.public("/hooks/enviso")).body(enviso_body("n-1", "ORDER_CREATED")).send().await.unwrap();
    let base = format!("http://{lan}:{}", r.app.board_addr().port());
    for path in ["/api/products", "/api/settings", "/api/status", "/api/board", "/api/events", "/api/deliveries"] {
        let text = r.http.get(format!("{base}{path}")).header("x-rangedesk-pin", "123456").send().await.unwrap();
        assert_eq!(text.status(), 200, "{path}");
        let text = text.text().await.unwrap();
        assert!(!text.contains(TOKEN), "{path} carries the hook token to a LAN browser: {text}");
    }
    let local = r.http.get(r.board("/api/products")).header("x-rangedesk-pin", "123456").send().await.unwrap();
    assert!(local.text().await.unwrap().contains(TOKEN), "the desk computer still sees the real URL to paste");
    r.stop().await;
}

#[tokio::test]
async fn the_window_is_recorded_as_the_window() {
    let r = start().await;
    let id = raise_help(&r).await;
    r.app.acknowledge_help(id, rangedesk_core::domain::Staff::window("desk")).await.unwrap();
    let events = r.get_json(&r.board("/api/events?type=helpAcknowledged")).await;
    assert_eq!(events["items"][0]["data"]["client"], "window");
    r.stop().await;
}

/// A connection from `local` (any 127/8 address works on Linux) to `to`.
async fn connect_from(local: &str, to: SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn one_client_holding_connections_never_makes_healthz_or_another_client_wait() {
    let config = format!(
        "{}\n[server]\nmax_connections = 8\nmax_connections_per_client = 3\nheader_timeout_seconds = 60\n",
        config_text()
    );
    let r = start_with(&config, Default::default()).await;
    for addr in [r.app.public_addr(), r.app.board_addr()] {
        // One address opens every connection the listener has and sends nothing (a slow client,
        // or purchases held open): it gets its share, the rest is refused at once.
        let mut held = Vec::new();
        let mut refused = 0;
        for _ in 0..8 {
            let mut s = connect_from("127.0.0.1", addr).await;
            s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
            let mut buf = [0u8; 256];
            match tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => {
                    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 503"), "over its share: 503");
                    refused += 1;
                }
                _ => held.push(s),
            }
        }
        assert_eq!((held.len(), refused), (3, 5), "{addr}: three held, five refused");
        // Another address is answered at once while those are still held.
        let mut other = connect_from("127.0.0.2", addr).await;
        let req = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", addr.port());
        other.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), other.read_to_end(&mut out)).await;
        assert!(read.is_ok(), "{addr}: /healthz from another client waited for the held connections");
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 "), "{addr}: {text}");
        assert!(!text.starts_with("HTTP/1.1 503"), "{addr}: the other client is not over any share: {text}");
        drop(held);
    }
    r.stop().await;
}
