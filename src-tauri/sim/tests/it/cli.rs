//! `rangedesk-sim serve` and `rangedesk-sim scenario` as a person runs them: the real binary,
//! against a real core on loopback.

use rangedesk_core::app::App;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::net::TcpListener;

const TOKEN: &str = "cli-test-token-abcdefghijklmnopqrstuvwxyz012";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_drives_all_three_vendors_at_a_running_app() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[action_target]\nhook_token = \"{TOKEN}\"\npoll_seconds = 0\n[enviso]\nhmac_keys = [\"{}\"]\n[samna]\nsecrets = [\"{}\"]\n",
        rangedesk_demo::DEMO_ENVISO_KEY,
        rangedesk_demo::DEMO_SAMNA_SECRET
    );
    let checked = rangedesk_core::config::parse(&dir.path().join("rangedesk.toml"), &text).unwrap();
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = App::start_on(checked, dir.path().to_owned(), public, board, Default::default()).await.unwrap();
    let target = format!("http://{}", app.public_addr());
    // A whole simulated day on three lanes at 20,000x: every delivery is stored before it is
    // answered, and the scenario sends one at a time, so the disk sets the pace.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_rangedesk-sim"))
            .args(["scenario", "busy-saturday", "--target", &target, "--hook-token", TOKEN])
            .args(["--listen", "127.0.0.1:0", "--speed", "20000", "--seed", "3", "--lanes", "3"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["completed"], true);
    let status = app.status().await.unwrap();
    for source in ["action_target", "enviso", "samna"] {
        let accepted: i64 =
            status.deliveries.iter().filter(|d| d.source == source && d.verdict == "accepted").map(|d| d.count).sum();
        assert!(accepted > 5, "{source}: {accepted} accepted deliveries");
    }
    let rejected: i64 = status.deliveries.iter().filter(|d| d.verdict == "rejected").map(|d| d.count).sum();
    assert_eq!(rejected, 0, "the simulator signs as the app verifies");
    app.shutdown();
    app.stopped().await;
}

#[test]
fn serve_runs_a_fake_action_target_api_until_told_to_stop() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rangedesk-sim"))
        .args(["serve", "--listen", "127.0.0.1:0", "--api-key", "k-1"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect("prints where it listens").to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (lanes, unauthorized) = rt.block_on(async {
        let http = reqwest::Client::new();
        let lanes: serde_json::Value =
            http.get(format!("{base}/lanes")).bearer_auth("k-1").send().await.unwrap().json().await.unwrap();
        let unauthorized = http.get(format!("{base}/lanes")).send().await.unwrap().status().as_u16();
        (lanes, unauthorized)
    });
    assert_eq!(lanes.as_array().unwrap().len(), 24);
    assert_eq!(unauthorized, 401);
    assert!(Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap().success());
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(10), "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_rangedesk-sim")).args(["scenario", "busy-saturday"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "no --target is a usage error");
}

/// `rangedesk-sim floor`, the durable floor the benchmark can measure: each body is answered only
/// once it is in the file, and it stops cleanly on SIGTERM.
#[test]
fn floor_answers_after_the_body_is_in_its_file() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = dir.path().join("rangedesk.toml");
    std::fs::write(&config, format!("[server]\nlisten = \"127.0.0.1:{port}\"\n")).unwrap();
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rangedesk-sim"))
        .arg("floor")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stream = None;
    for _ in 0..100 {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut stream = stream.expect("floor listens");
    let body = r#"{"id":"floor-1"}"#;
    write!(
        stream,
        "POST /hooks/enviso HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let stored = std::fs::read(data.join("floor.log")).unwrap();
    assert_eq!(&stored[..4], &(body.len() as u32).to_le_bytes());
    assert_eq!(&stored[4..], body.as_bytes());
    assert!(Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
