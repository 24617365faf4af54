//! Backups (issue 13, point 5): a backup taken while deliveries stream in over loopback HTTP is
//! consistent and holds every delivery answered before it began; the folder setting is checked
//! before it is saved; a restore is checked, staged and swapped in at the next start.

use crate::support::{Running, TOKEN, config_text, start_in};
use rangedesk_core::testing::store::{self, backup};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn config_with_folder(folder: &std::path::Path) -> String {
    // `daily_at` empty: the test decides when backups run.
    format!("{}\n[backup]\nfolder = \"{}\"\nkeep = 2\ndaily_at = \"\"\n", config_text(), folder.display())
}

async fn post(r: &Running, path: &str, body: Value) -> (u16, Value) {
    let resp = r.http.post(r.board(path)).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Posts Action Target webhooks (each its own session, so none is a duplicate) until `stop`,
/// and answers the trace ids answered 200, in the order they were answered.
async fn stream(r: Arc<Running>, worker: usize, stop: Arc<AtomicBool>, answered: Arc<std::sync::Mutex<Vec<String>>>) {
    let hook = format!("http://{}/hooks/action-target/{TOKEN}", r.app.public_addr());
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let body =
            json!({"event": "help", "lane_id": format!("L{}", worker + 1), "session_id": format!("s-{worker}-{n}")});
        let resp = r.http.post(&hook).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        answered.lock().unwrap().push(v["trace_id"].as_str().unwrap().to_owned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_while_deliveries_stream_in_is_consistent_and_holds_every_one_answered_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let backups = folder.path().join("nightly");
    // Steps of 4 pages, so the copy spans many of the writer's commits.
    let options = store::Options { backup_step_pages: 4, ..Default::default() };
    let r = Arc::new(start_in(dir, &config_with_folder(&backups), options).await);
    // Some bulk first (2,000 deliveries), so the copy has pages to walk.
    let answered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4).map(|w| tokio::spawn(stream(r.clone(), w, stop.clone(), answered.clone()))).collect();
    while answered.lock().unwrap().len() < 2000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every delivery answered by now must be in the copy: the copy begins after this.
    let before: Vec<String> = answered.lock().unwrap().clone();
    // Without one snapshot held for the whole copy, SQLite restarts it at each commit and it never
    // ends under this load (tried: it ran until killed); a minute is far beyond what it takes.
    let (status, done) = tokio::time::timeout(Duration::from_secs(60), post(&r, "/api/backups", json!({})))
        .await
        .expect("the backup finishes while deliveries stream in");
    let during = answered.lock().unwrap().len() - before.len();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(status, 200, "{done}");
    assert!(during > 0, "deliveries went on being answered while the backup ran");
    let file = std::path::PathBuf::from(done["file"].as_str().unwrap());
    assert_eq!(file.parent(), Some(backups.as_path()), "in the chosen folder, created for it");
    let name = file.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("rangedesk-") && name.ends_with("Z.db") && name.len() == "rangedesk-20261202-030000Z.db".len(),
        "{name}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Consistent: SQLite's integrity check passes on the copy, and its schema is this version's.
    let checked = backup::check(&file).unwrap();
    assert_eq!(checked.schema, backup::known_schema());
    let copy = rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let in_copy: HashSet<String> = copy
        .prepare("SELECT trace_id FROM deliveries WHERE verdict = 'accepted'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let missing: Vec<&String> = before.iter().filter(|t| !in_copy.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "{} deliveries answered before the backup are not in it: {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // Nothing half-written: each delivery in the copy has exactly its one event, as it was committed.
    let orphans: i64 = copy
        .query_row(
            "SELECT count(*) FROM deliveries d WHERE (SELECT count(*) FROM events e WHERE e.delivery_id = d.id) <> 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "a delivery without its event (or with two) would be half a transaction");
    let events: i64 = copy.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(events as usize, in_copy.len(), "and no event without its delivery");
    // Taken while others were still being answered: the copy holds a moment, not the end.
    let total = answered.lock().unwrap().len();
    assert!(
        in_copy.len() >= before.len() && in_copy.len() <= total,
        "{} in the copy, {} before, {total} in all",
        in_copy.len(),
        before.len()
    );

    // Status shows it as the last successful backup.
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["backup"]["last"]["file"], done["file"]);
    assert_eq!(status["backup"]["last"]["bytes"], json!(checked.bytes));
    assert_eq!(status["backup"]["overdue"], false);
}

#[tokio::test]
async fn only_the_last_keep_backups_stay_and_a_folder_is_needed_first() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let r = start_in(dir, &config_text(), store::Options::default()).await;
    let (status, v) = post(&r, "/api/backups", json!({})).await;
    assert_eq!((status, v["code"].as_str()), (400, Some("bad_request")), "no folder chosen yet: {v}");

    let put = |body: Value| {
        let url = r.board("/api/settings/backup");
        let http = r.http.clone();
        async move {
            let resp = http.put(url).json(&body).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    // Checked before it is saved: absolute, not a system folder, creatable and writable.
    let (status, v) = put(json!({"folder": "backups"})).await;
    assert_eq!((status, v["key"].as_str()), (400, Some("backup.folder")), "{v}");
    let (status, v) = put(json!({"folder": "/etc/rangedesk-backups"})).await;
    assert_eq!((status, v["key"].as_str()), (400, Some("backup.folder")), "{v}");
    let file = folder.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (status, v) = put(json!({"folder": file.join("inside").display().to_string()})).await;
    assert_eq!((status, v["key"].as_str()), (400, Some("backup.folder")), "under a file it cannot be created: {v}");
    assert!(v["error"].as_str().unwrap().contains("cannot be created or written"), "{v}");
    let (status, v) = put(json!({"daily_at": "25:00"})).await;
    assert_eq!((status, v["key"].as_str()), (400, Some("backup.daily_at")), "{v}");
    let target = folder.path().join("kept");
    let (status, v) = put(json!({"folder": target.display().to_string(), "keep": 2, "daily_at": ""})).await;
    assert_eq!(status, 200, "{v}");
    assert!(target.is_dir(), "created when saved");

    // Names are to the second: three backups a second apart, of which the newest two stay.
    let mut made = Vec::new();
    for _ in 0..3 {
        let (status, v) = post(&r, "/api/backups", json!({})).await;
        assert_eq!(status, 200, "{v}");
        made.push(v["file"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    std::fs::write(target.join("notes.txt"), "the manager's").unwrap();
    let (status, _) = post(&r, "/api/backups", json!({})).await;
    assert_eq!(status, 200);
    let view = r.get_json(&r.board("/api/backups")).await;
    let files: Vec<&str> = view["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2, "keep = 2: {files:?}");
    assert!(!files.contains(&made[0].as_str()) && !files.contains(&made[1].as_str()), "the oldest went: {files:?}");
    assert!(target.join("notes.txt").exists(), "a file that is not a backup stays");
    assert_eq!(view["last"]["file"], json!(files[0]), "the newest is the last success");
}

#[tokio::test]
async fn a_restore_is_checked_staged_and_swapped_in_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let r = start_in(dir, &config_with_folder(folder.path()), store::Options::default()).await;
    let hook = r.at_hook();
    let send = |session: &'static str| {
        let http = r.http.clone();
        let hook = hook.clone();
        async move {
            let resp = http
                .post(hook)
                .json(&json!({"event": "help", "lane_id": "L1", "session_id": session}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    };
    send("kept-1").await;
    send("kept-2").await;
    let (_, done) = post(&r, "/api/backups", json!({})).await;
    let backup_file = done["file"].as_str().unwrap().to_owned();
    send("after-the-backup").await;

    // Refused with a clear reason: not a file of ours, a damaged one, one from a newer version.
    let junk = folder.path().join("junk.db");
    std::fs::write(&junk, "this is not a database").unwrap();
    let (status, v) = post(&r, "/api/backups/restore", json!({"file": junk.display().to_string()})).await;
    assert_eq!(status, 400, "{v}");
    let damaged = folder.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup_file).unwrap();
    let end = bytes.len().min(4 * 4096);
    bytes[2 * 4096..end].fill(0x5A);
    std::fs::write(&damaged, &bytes).unwrap();
    let (status, v) = post(&r, "/api/backups/restore", json!({"file": damaged.display().to_string()})).await;
    assert_eq!(status, 400, "{v}");
    let newer = folder.path().join("newer.db");
    std::fs::copy(&backup_file, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", backup::known_schema() + 1)
        .unwrap();
    let (status, v) = post(&r, "/api/backups/restore", json!({"file": newer.display().to_string()})).await;
    assert_eq!(status, 409, "{v}");
    let message = v["error"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("written by a newer rangedesk"), "{v}");
    assert!(!r.dir.path().join("rangedesk.db.restore").exists(), "nothing staged by a refusal");

    let (status, v) = post(&r, "/api/backups/restore", json!({"file": backup_file})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["restart_needed"], true);
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["backup"]["restore_staged"], json!(backup_file));

    let dir = r_stop(r).await;
    let again = start_in(dir, &config_with_folder(folder.path()), store::Options::default()).await;
    let sessions: Vec<String> = {
        let c = crate::support::open_db(again.dir.path());
        c.prepare("SELECT session_id FROM events WHERE kind = 'help' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(sessions, ["kept-1", "kept-2"], "the store is the backup's");
    let kept: Vec<String> = std::fs::read_dir(again.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rangedesk.db.replaced-"))
        .collect();
    assert!(!kept.is_empty(), "the replaced store is kept");
    let old = again.dir.path().join(kept.iter().find(|n| !n.ends_with("-wal") && !n.ends_with("-shm")).unwrap());
    let old_sessions: i64 = rusqlite::Connection::open(&old)
        .unwrap()
        .query_row("SELECT count(*) FROM events WHERE session_id = 'after-the-backup'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(old_sessions, 1, "with what came after the backup, should the restore be regretted");
    assert!(!again.dir.path().join("rangedesk.db.restore").exists());
    let board = again.get_json(&again.board("/api/board")).await;
    let open: Vec<&str> = board["help"].as_array().unwrap().iter().map(|h| h["session_id"].as_str().unwrap()).collect();
    assert_eq!(open, ["kept-1", "kept-2"], "the board is built from the restored log");
}

async fn r_stop(r: Running) -> tempfile::TempDir {
    r.stop().await
}

#[tokio::test]
async fn the_daily_backup_is_due_once_its_time_has_passed_until_one_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n[server]\ntime_zone = \"UTC\"\n\n[backup]\nfolder = \"{}\"\ndaily_at = \"00:00\"\n",
        config_text(),
        folder.path().display()
    );
    let r = start_in(dir, &config, store::Options::default()).await;
    let utc = jiff::tz::TimeZone::UTC;
    let mut c = r.app.config().backup.clone();
    let now = jiff::Timestamp::now();
    assert!(
        r.app.backups().daily_due(&c, &utc, now).await.unwrap(),
        "today's 00:00 has passed and nothing was backed up"
    );
    let (status, v) = post(&r, "/api/backups", json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        !r.app.backups().daily_due(&c, &utc, jiff::Timestamp::now()).await.unwrap(),
        "one was made since: not again today"
    );
    c.daily_at = String::new();
    let tomorrow = now + jiff::SignedDuration::from_hours(24);
    assert!(!r.app.backups().daily_due(&c, &utc, tomorrow).await.unwrap(), "no time set: no daily backup");
    c.daily_at = "00:00".into();
    assert!(r.app.backups().daily_due(&c, &utc, tomorrow).await.unwrap(), "and due again the next day");
}
