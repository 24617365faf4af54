//! Secret files are private: the real `rangedesk-server` in a data directory that starts out
//! readable by everyone; once it runs, the directory is the owner's alone (0700) and the config,
//! the store with its WAL and SHM, and the log files are 0600, and a settings save keeps the
//! config at 0600 (a save used to write a fresh 0644 file over it).
#![cfg(unix)]

use crate::support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;
use support::process::spawn;
use support::*;

/// The permission bits in octal, as `ls -l` people read them: "600".
fn mode(p: &Path) -> String {
    let m = std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode();
    format!("{:o}", m & 0o777)
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `PUT /api/settings/{section}` on the board listener, from loopback.
fn put(board: std::net::SocketAddr, section: &str, body: serde_json::Value) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .put(format!("http://{board}/api/settings/{section}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        resp.status().as_u16()
    })
}

#[test]
fn the_data_directory_and_every_secret_file_are_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o755);
    // A log directory and a log file left by an earlier version, readable by everyone.
    let logs = dir.join("logs");
    std::fs::create_dir(&logs).unwrap();
    chmod(&logs, 0o755);
    let old_log = logs.join("rangedesk.2020-01-01.log");
    std::fs::write(&old_log, "an old line\n").unwrap();
    chmod(&old_log, 0o644);

    let mut s = spawn(&dir, &config_text());
    let config = dir.join("rangedesk.toml");
    let db = dir.join("rangedesk.db");
    assert_eq!(mode(&dir), "700", "the data directory holds the secrets: its owner's alone");
    assert_eq!(mode(&logs), "700", "the log directory too");
    assert_eq!(mode(&config), "600", "the config holds the vendor keys");
    for f in [db.clone(), dir.join("rangedesk.db-wal"), dir.join("rangedesk.db-shm")] {
        assert_eq!(mode(&f), "600", "{}: the store holds every delivery", f.display());
    }
    let log_files: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    assert!(log_files.len() >= 2, "today's log file and the old one: {log_files:?}");
    for f in &log_files {
        assert_eq!(mode(f), "600", "{}: logs name clients and vendors", f.display());
    }

    assert_eq!(put(s.board, "carrier_hits", serde_json::json!({"fee": 1.5})), 200);
    assert_eq!(mode(&config), "600", "a save keeps the config private");
    chmod(&config, 0o644);
    assert_eq!(put(s.board, "carrier_hits", serde_json::json!({"fee": 2})), 200);
    assert_eq!(mode(&config), "600", "a config someone opened up is private again after a save");
    assert!(std::fs::read_to_string(&config).unwrap().contains("fee = 2"), "the save happened");
    assert!(!dir.join("rangedesk.toml.tmp").exists(), "no temp file left behind");

    s.signal("TERM");
    assert!(s.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn a_generated_hook_token_is_saved_in_a_private_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    // No hook token: the first start writes one into the file.
    let mut s = spawn(&dir, "# front desk\n");
    let config = dir.join("rangedesk.toml");
    assert!(std::fs::read_to_string(&config).unwrap().contains("hook_token = "), "a token was saved");
    assert_eq!(mode(&config), "600", "the file with the new hook token is private");
    s.signal("TERM");
    assert!(s.wait_exit(Duration::from_secs(15)).success());
}
