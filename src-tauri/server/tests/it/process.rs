//! The real binary: exit codes and messages for bad start-ups, the hook token saved on first
//! start, SIGTERM draining in-flight deliveries, and SIGKILL losing nothing that was answered 2xx.

use crate::support;

use std::io::{Read, Write};
use std::time::Duration;
use support::process::{self, spawn};
use support::*;

fn run_to_exit(cmd: &mut std::process::Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_config_exits_2_with_one_line_naming_file_key_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[purchases]\napproval_window_seconds = 90\n").unwrap();
    let (code, stderr) = run_to_exit(process::command(dir.path()).arg("--config").arg(&file));
    assert_eq!(code, 2);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr}");
    assert!(lines[0].contains(&file.display().to_string()), "names the file: {stderr}");
    assert!(lines[0].contains("purchases.approval_window_seconds"), "names the key: {stderr}");
    assert!(lines[0].contains("between 1 and 60"), "says what is wrong: {stderr}");

    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:99999\"\n").unwrap();
    let (code, stderr) = run_to_exit(process::command(dir.path()).env("RANGEDESK_CONFIG", &file));
    assert_eq!(code, 2, "the environment variable stands in for --config");
    assert!(stderr.contains("server.listen"), "{stderr}");
}

#[test]
fn bad_flags_and_unwritable_data_dir_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _) = run_to_exit(process::command(dir.path()).arg("--no-such-flag"));
    assert_eq!(code, 2);
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let (code, stderr) = run_to_exit(&mut process::command(&file.join("data")));
    assert_eq!(code, 2, "a data directory that cannot be created: {stderr}");
    assert!(stderr.contains("data directory"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.contains("rangedesk-server:")).count(), 1, "{stderr}");
}

#[test]
fn empty_hook_token_is_generated_and_saved_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn(dir.path(), "# front desk\n[samna]\ntolerance_seconds = 300\n");
    let text = std::fs::read_to_string(dir.path().join("rangedesk.toml")).unwrap();
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("hook_token = "))
        .expect("a token was saved")
        .trim_matches('"')
        .to_owned();
    assert!(token.len() >= 22, "at least 128 bits: {token}");
    assert!(text.contains("# front desk"), "the rest of the file is kept");
    // The saved token is the one the running server accepts.
    let mut stream = std::net::TcpStream::connect(s.public).unwrap();
    let body = at_body("help", "l", "s");
    write!(stream, "POST /hooks/action-target/{token} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    s.signal("TERM");
    assert!(s.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn sigterm_finishes_in_flight_deliveries_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn(dir.path(), &config_text());
    let body = enviso_body("in-flight-1", "ORDER_CREATED");
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(s.public).unwrap();
    write!(stream, "POST /hooks/enviso HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{head}", body.len()).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.child.try_wait().unwrap().is_none(), "still draining while a delivery is in flight");
    assert!(
        std::net::TcpStream::connect_timeout(&s.public, Duration::from_secs(1)).is_err(),
        "no new connections once draining"
    );
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "the in-flight delivery is answered: {answer}");
    drop(stream);
    let status = s.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "clean exit: {status:?}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM events WHERE kind = 'ORDER_CREATED'"), 1);
}

#[test]
fn sigkill_mid_burst_loses_nothing_that_was_answered() {
    let dir = tempfile::tempdir().unwrap();
    let s = spawn(dir.path(), &config_text());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let public = s.public;
    let answered = rt.block_on(async move {
        let http = reqwest::Client::new();
        let done = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
        let mut tasks = Vec::new();
        for worker in 0..32 {
            let http = http.clone();
            let done = done.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let id = format!("w{worker}-{i}");
                    let (url, req) = match i % 3 {
                        0 => (
                            format!("http://{public}/hooks/enviso"),
                            http.post(format!("http://{public}/hooks/enviso")).body(enviso_body(&id, "ORDER_CREATED")),
                        ),
                        1 => {
                            let (body, header) = samna_delivery(&id, "checkin_started");
                            (
                                format!("http://{public}/hooks/samna"),
                                http.post(format!("http://{public}/hooks/samna"))
                                    .header("x-samna-signature", header)
                                    .body(body),
                            )
                        }
                        _ => {
                            let url = format!("http://{public}/hooks/action-target/{TOKEN}");
                            (url.clone(), http.post(url).body(at_body("carrierHit", &id, &id)))
                        }
                    };
                    let _ = url;
                    match req.timeout(Duration::from_secs(5)).send().await {
                        Ok(r) if r.status().is_success() => {
                            let v: serde_json::Value = match r.json().await {
                                Ok(v) => v,
                                Err(_) => break,
                            };
                            done.lock().unwrap().push((id, v["trace_id"].as_str().unwrap_or_default().to_owned()));
                        }
                        _ => break, // the server is gone
                    }
                }
            }));
        }
        // Let the burst run, then pull the plug while requests are in flight.
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if done.lock().unwrap().len() >= 600 {
                break;
            }
        }
        (done, tasks)
    });
    let (done, tasks) = answered;
    let mut s = s;
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    rt.block_on(async {
        for t in tasks {
            let _ = t.await;
        }
    });
    let answered = done.lock().unwrap().clone();
    assert!(answered.len() >= 600);

    let db = open_db(dir.path());
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mut stmt = db.prepare("SELECT count(*) FROM deliveries WHERE trace_id = ?1 AND verdict = 'accepted'").unwrap();
    let mut events = db
        .prepare("SELECT count(*) FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.trace_id = ?1")
        .unwrap();
    for (id, trace) in &answered {
        let n: i64 = stmt.query_row([trace], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "delivery {id} ({trace}) was answered 2xx, so it must be stored");
        let e: i64 = events.query_row([trace], |r| r.get(0)).unwrap();
        assert!(e >= 1, "and its events with it: {id}");
    }
    drop(stmt);
    drop(events);
    drop(db);
    // The store opens again after the crash and the server serves from it.
    let mut again = spawn(dir.path(), &config_text());
    let status = std::process::Command::new("kill").arg("-TERM").arg(again.child.id().to_string()).status().unwrap();
    assert!(status.success());
    assert!(again.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn a_purchase_held_when_the_app_died_is_marked_missed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{}\n[purchases]\napproval_window_seconds = 60\n", config_text());
    let mut s = spawn(dir.path(), &config);
    let body = serde_json::json!({"event": "purchaseRequest", "session_id": "s-1", "lane_id": "l-1", "items": [{"id": "AMMO-9MM", "qty": 1}]}).to_string();
    let mut lane = std::net::TcpStream::connect(s.public).unwrap();
    write!(
        lane,
        "POST /hooks/action-target/{TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Wait until the request is held (pending), then pull the plug.
    let start = std::time::Instant::now();
    loop {
        let n: i64 = open_db(dir.path())
            .query_row("SELECT count(*) FROM purchases WHERE status = 'pending'", [], |r| r.get(0))
            .unwrap_or(0);
        if n == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the purchase was never held");
        std::thread::sleep(Duration::from_millis(20));
    }
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    drop(lane);
    let mut again = spawn(dir.path(), &config);
    let (status, by): (String, String) = open_db(dir.path())
        .query_row("SELECT status, decided_by FROM purchases", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(
        (status.as_str(), by.as_str()),
        ("missed", "restart"),
        "nobody can answer it any more: missed, to follow up"
    );
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM events WHERE kind = 'purchaseMissed'"),
        1,
        "and that is an event"
    );
    again.signal("TERM");
    assert!(again.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn each_demo_run_starts_from_a_clean_demo_store_and_leaves_the_real_one_alone() {
    let base = tempfile::tempdir().unwrap();
    let demo = base.path().join("demo");
    std::fs::write(base.path().join("rangedesk.db"), b"the range's own store").unwrap();
    let mut first = process::spawn_demo(base.path());
    let start = std::time::Instant::now();
    while count(&demo, "SELECT count(*) FROM events") == 0 {
        assert!(start.elapsed() < Duration::from_secs(60), "the demo delivered nothing in a minute");
        std::thread::sleep(Duration::from_millis(200));
    }
    first.signal("TERM");
    assert!(first.wait_exit(Duration::from_secs(15)).success());
    // Something only the first run's store holds.
    open_db(&demo)
        .execute(
            "INSERT INTO events (at, source, origin, kind, known, data) VALUES (0, 'action_target', 'poll', 'firstRun', 1, '{}')",
            [],
        )
        .unwrap();

    let mut second = process::spawn_demo(base.path());
    let left = count(&demo, "SELECT count(*) FROM events WHERE kind = 'firstRun'");
    second.signal("TERM");
    assert!(second.wait_exit(Duration::from_secs(15)).success());
    assert_eq!(left, 0, "the second run began with the first run's store");
    assert_eq!(
        std::fs::read(base.path().join("rangedesk.db")).unwrap(),
        b"the range's own store",
        "the real data directory is never touched"
    );
}

#[test]
fn version_is_the_workspace_version() {
    // Read from the workspace manifest, the one version the packages and the window's About carry.
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let workspace = manifest.split("[workspace.package]").nth(1).unwrap();
    let version = workspace.lines().find_map(|l| l.strip_prefix("version = ")).unwrap().trim_matches('"');
    let dir = tempfile::tempdir().unwrap();
    let out = process::command(dir.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("rangedesk-server {version}"));
}
