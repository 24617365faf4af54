//! Backups of the store to the folder `[backup]` names: "Back up now", the daily backup, the last
//! `keep` kept, and a restore staged for the next start.
//!
//! Promises:
//! - A backup is SQLite's online backup of the running store (`store::backup::copy`): ingest
//!   goes on committing meanwhile and the copy holds the store as of the moment it began, every
//!   delivery answered before then included.
//! - It is written under a hidden temporary name (`.rangedesk-….db.partial`), 0600, fsynced, then
//!   checked (`integrity_check`, its tables, its schema is ours) and only then renamed to
//!   `rangedesk-YYYYMMDD-HHMMSSZ.db` (UTC, so names sort by time and a DST night has no
//!   duplicates) and recorded as a success. Only then are backups beyond `keep` deleted, and only
//!   files of that name pattern: nothing else in the folder is touched.
//! - One backup runs at a time; a second "Back up now" meanwhile is refused (409).
//! - The daily backup runs at `daily_at` in the range's time zone, or at the first minute the app
//!   runs after it when the PC was off; a failed one is tried again each hour.
//! - A restore is checked (integrity, schema not newer, a rangedesk store), copied beside the
//!   store as `rangedesk.db.restore` and checked again; the next start swaps it in before the
//!   store opens (`store::backup::swap_staged`), keeping the store it replaces. Why at start: the
//!   running app holds the store open (the writer, readers, the board built from the log); a
//!   store replaced under them would leave the board and the writer's state describing another
//!   file. A start opens the restored file like any other and builds the board from it.

mod daily;
mod folder;

pub use daily::run_daily;
pub use folder::prepare_folder;
use folder::{list, remove_beyond};

use crate::config::Backup as BackupConfig;
use crate::error::ApiError;
use crate::store::backup::{self as copy, known_schema};
use crate::store::{Store, StoreError, backups};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// No backup for this long is announced (a notification, and Status says so).
pub const OVERDUE: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);
/// A failed daily backup is tried again after this long.
const RETRY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
const PREFIX: &str = "rangedesk-";
const SUFFIX: &str = ".db";

/// What started a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Daily,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Daily => "daily",
        }
    }
}

/// A backup that was made and checked.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BackupDone {
    /// The backup file's whole path.
    pub file: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// RFC 3339: the moment the copy holds (when it began).
    pub taken_at: String,
    #[ts(type = "number")]
    pub schema: i64,
    #[ts(type = "number")]
    pub took_ms: i64,
    /// `manual` or `daily`.
    pub trigger: String,
}

/// A backup file in the folder.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BackupFile {
    pub file: String,
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What Status and the backup panel show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BackupStatus {
    /// The folder in force; empty = none chosen (no automatic backups).
    pub folder: String,
    #[ts(type = "number")]
    pub keep: u32,
    pub daily_at: String,
    /// The last successful backup.
    pub last: Option<BackupDone>,
    /// A folder is set and no backup has succeeded for two days (counted from the app's start
    /// when it has never made one).
    pub overdue: bool,
    /// Why the last attempt failed, when it failed after the last success.
    pub last_failure: Option<String>,
    pub running: bool,
    /// The backups in the folder, newest first (empty when the folder cannot be read).
    pub files: Vec<BackupFile>,
    /// A restore waits for the next start: the file it came from.
    pub restore_staged: Option<String>,
}

/// A restore staged for the next start.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RestoreStaged {
    /// The file it was taken from.
    pub from: String,
    #[ts(type = "number")]
    pub schema: i64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Always true: the store is replaced when rangedesk next starts.
    pub restart_needed: bool,
}

/// The backups of one running app; cheap to clone.
#[derive(Clone)]
pub struct Backups {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    started: jiff::Timestamp,
    running: tokio::sync::Mutex<()>,
    /// The last failure since the last success, and when.
    failure: Mutex<Option<(jiff::Timestamp, String)>>,
    /// Where a staged restore came from (this run).
    staged_from: Mutex<Option<String>>,
    /// The folder's backups as last listed: which folder, when (None = to be read again).
    files: Mutex<(String, Option<std::time::Instant>, Vec<BackupFile>)>,
    listing: std::sync::atomic::AtomicBool,
}

/// How long a listing of the folder is shown before it is read again, and the longest Status
/// waits for one: a network share that is asleep must not hold the screen up (nor pile up reads).
const FILES_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
const FILES_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Backups {
    pub fn new(store: Store, started: jiff::Timestamp) -> Backups {
        Backups {
            inner: Arc::new(Inner {
                store,
                started,
                running: tokio::sync::Mutex::new(()),
                failure: Mutex::new(None),
                staged_from: Mutex::new(None),
                files: Mutex::new((String::new(), None, Vec::new())),
                listing: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// Makes, checks and records one backup into `config.folder`, then deletes the oldest beyond
    /// `config.keep`.
    pub async fn back_up(&self, config: &BackupConfig, trigger: Trigger) -> Result<BackupDone, ApiError> {
        if config.folder.is_empty() {
            return Err(ApiError::bad_request("choose a backup folder first (Settings, backup.folder)"));
        }
        let Ok(_one) = self.inner.running.try_lock() else {
            return Err(ApiError::conflict("a backup is running already"));
        };
        let started = jiff::Timestamp::now();
        let result = self.make(Path::new(&config.folder), config.keep, trigger, started).await;
        let mut failure = lock(&self.inner.failure);
        match &result {
            Ok(done) => {
                *failure = None;
                tracing::info!(file = %done.file, bytes = done.bytes, took_ms = done.took_ms, "backup made and checked");
            }
            Err(e) => {
                *failure = Some((started, e.message.clone()));
                tracing::warn!(error = %e, folder = %config.folder, "backup failed");
            }
        }
        result
    }

    async fn make(
        &self,
        folder: &Path,
        keep: u32,
        trigger: Trigger,
        at: jiff::Timestamp,
    ) -> Result<BackupDone, ApiError> {
        let dir = folder.to_owned();
        blocking(move || prepare_folder(&dir)).await?.map_err(|e| cannot(folder, &e))?;
        let name = format!("{PREFIX}{}{SUFFIX}", at.strftime("%Y%m%d-%H%M%SZ"));
        let mut file = folder.join(&name);
        for n in 2..10 {
            if !file.exists() {
                break;
            }
            file = folder.join(format!("{PREFIX}{}-{n}{SUFFIX}", at.strftime("%Y%m%d-%H%M%SZ")));
        }
        let temp =
            folder.join(format!(".{}.partial", file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
        let _ = std::fs::remove_file(&temp);
        self.inner.store.copy_to(temp.clone()).await.map_err(|e| failed(&e))?;
        let (t, f) = (temp.clone(), file.clone());
        let checked = blocking(move || -> Result<copy::Checked, StoreError> {
            let c = copy::check(&t)?;
            if c.schema != known_schema() {
                return Err(StoreError::Backup(format!("the copy has schema {}, not {}", c.schema, known_schema())));
            }
            std::fs::rename(&t, &f).map_err(|e| StoreError::Backup(format!("{}: {e}", f.display())))?;
            if let Some(dir) = f.parent() {
                crate::files::sync_dir(dir).map_err(|e| StoreError::Backup(e.to_string()))?;
            }
            Ok(c)
        })
        .await?;
        let checked = match checked {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(failed(&e));
            }
        };
        let took_ms = jiff::Timestamp::now().duration_since(at).as_millis() as i64;
        let row = backups::BackupRow {
            taken_at: at.as_millisecond(),
            file: file.display().to_string(),
            bytes: checked.bytes,
            schema: checked.schema,
            took_ms,
            trigger: trigger.as_str().into(),
        };
        let r = row.clone();
        self.inner.store.writer().write(move |t| backups::insert(t, &r)).await?;
        let dir = folder.to_owned();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || remove_beyond(&dir, keep as usize)).await {
            tracing::warn!(error = %e, "could not delete old backups");
        }
        lock(&self.inner.files).1 = None;
        Ok(done(row))
    }

    /// The backup panel's facts at `now`.
    pub async fn status(
        &self,
        config: &BackupConfig,
        db: &Path,
        now: jiff::Timestamp,
    ) -> Result<BackupStatus, ApiError> {
        let last = self.inner.store.read(backups::last).await?;
        let failure = lock(&self.inner.failure).clone();
        let last_failure =
            failure.filter(|(at, _)| last.as_ref().is_none_or(|l| at.as_millisecond() > l.taken_at)).map(|(_, m)| m);
        let files = self.files(&config.folder).await;
        let staged = copy::staged_path(db).exists();
        Ok(BackupStatus {
            folder: config.folder.clone(),
            keep: config.keep,
            daily_at: config.daily_at.clone(),
            overdue: overdue(&config.folder, last.as_ref().map(|l| l.taken_at), self.inner.started, now),
            last: last.map(done),
            last_failure,
            running: self.inner.running.try_lock().is_err(),
            files,
            restore_staged: staged
                .then(|| lock(&self.inner.staged_from).clone().unwrap_or_else(|| "(staged before this start)".into())),
        })
    }

    /// The backups in `folder`, newest first: the last listing while it is fresh or while a new
    /// one takes longer than [`FILES_WAIT`] (see there); empty for no folder.
    async fn files(&self, folder: &str) -> Vec<BackupFile> {
        use std::sync::atomic::Ordering;
        if folder.is_empty() {
            return Vec::new();
        }
        let cached = || {
            let c = lock(&self.inner.files);
            if c.0 == folder { c.2.clone() } else { Vec::new() }
        };
        {
            let c = lock(&self.inner.files);
            if c.0 == folder && c.1.is_some_and(|at| at.elapsed() < FILES_EVERY) {
                return c.2.clone();
            }
        }
        if self.inner.listing.swap(true, Ordering::SeqCst) {
            return cached();
        }
        let (inner, dir) = (self.inner.clone(), folder.to_owned());
        let read = tokio::task::spawn_blocking(move || {
            let files = list(Path::new(&dir)).unwrap_or_default();
            *lock(&inner.files) = (dir, Some(std::time::Instant::now()), files.clone());
            inner.listing.store(false, Ordering::SeqCst);
            files
        });
        match tokio::time::timeout(FILES_WAIT, read).await {
            Ok(Ok(files)) => files,
            _ => cached(),
        }
    }

    /// Whether a folder is set and no backup has succeeded for [`OVERDUE`] (the notification feed).
    pub async fn is_overdue(&self, config: &BackupConfig, now: jiff::Timestamp) -> crate::store::Result<bool> {
        let last = self.inner.store.read(backups::last).await?;
        Ok(overdue(&config.folder, last.map(|l| l.taken_at), self.inner.started, now))
    }

    /// Checks `file` and stages it to replace the store `db` at the next start.
    pub async fn stage_restore(&self, db: &Path, file: &Path) -> Result<RestoreStaged, ApiError> {
        if !file.is_absolute() {
            return Err(ApiError::bad_request("the file to restore must be an absolute path"));
        }
        let Ok(_one) = self.inner.running.try_lock() else {
            return Err(ApiError::conflict("a backup is running; restore when it has finished"));
        };
        let (db, src) = (db.to_owned(), file.to_owned());
        let checked = blocking(move || -> Result<copy::Checked, StoreError> {
            copy::check(&src)?;
            let staged = copy::staged_path(&db);
            let partial = PathBuf::from(format!("{}.partial", staged.display()));
            let _ = std::fs::remove_file(&partial);
            copy::copy(&src, &partial, copy::STEP_PAGES, std::time::Duration::ZERO)?;
            let checked = copy::check(&partial).inspect_err(|_| {
                let _ = std::fs::remove_file(&partial);
            })?;
            std::fs::rename(&partial, &staged).map_err(|e| StoreError::Backup(format!("{}: {e}", staged.display())))?;
            Ok(checked)
        })
        .await?
        .map_err(|e| refused(file, &e))?;
        *lock(&self.inner.staged_from) = Some(file.display().to_string());
        tracing::warn!(from = %file.display(), schema = checked.schema, "restore staged: the store is replaced at the next start");
        Ok(RestoreStaged {
            from: file.display().to_string(),
            schema: checked.schema,
            bytes: checked.bytes,
            restart_needed: true,
        })
    }
}
fn overdue(folder: &str, last_ms: Option<i64>, started: jiff::Timestamp, now: jiff::Timestamp) -> bool {
    if folder.is_empty() {
        return false;
    }
    let since = last_ms.map_or(started.as_millisecond(), |l| l.max(started.as_millisecond()));
    now.as_millisecond() - since >= OVERDUE.as_millis() as i64
}
fn done(r: backups::BackupRow) -> BackupDone {
    BackupDone {
        file: r.file,
        bytes: r.bytes,
        taken_at: crate::store::events::rfc3339(r.taken_at),
        schema: r.schema,
        took_ms: r.took_ms,
        trigger: r.trigger,
    }
}

fn cannot(folder: &Path, e: &std::io::Error) -> ApiError {
    ApiError::cannot_save(format!("{}: the backup folder cannot be used: {e}", folder.display()))
}

fn failed(e: &StoreError) -> ApiError {
    ApiError::cannot_save(format!("the backup failed: {e}"))
}

fn refused(file: &Path, e: &StoreError) -> ApiError {
    match e {
        StoreError::Newer { .. } => ApiError::conflict(format!("{}: {e}", file.display())),
        StoreError::NotAStore { .. } => ApiError::bad_request(e.to_string()),
        _ => ApiError::bad_request(format!("{}: cannot restore: {e}", file.display())),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::cannot_save(format!("the backup task stopped: {e}")))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_after_two_days_counted_from_the_last_success_or_the_start() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let start = t("2026-12-01T00:00:00Z");
        let last = Some(t("2026-12-02T00:00:00Z").as_millisecond());
        assert!(!overdue("/b", last, start, t("2026-12-03T23:59:00Z")));
        assert!(overdue("/b", last, start, t("2026-12-04T00:00:00Z")));
        assert!(!overdue("/b", None, start, t("2026-12-02T23:00:00Z")), "a new install is not overdue at once");
        assert!(overdue("/b", None, start, t("2026-12-03T00:00:00Z")));
        assert!(!overdue("", None, start, t("2027-01-01T00:00:00Z")), "no folder: nothing is expected");
    }
}
