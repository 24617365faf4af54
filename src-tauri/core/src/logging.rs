//! Logs go to stderr and to daily files in the log directory (14 kept, each cut at
//! [`MAX_FILE_BYTES`], so the logs never take more than about 112 MiB of the desk PC's disk).
//! `RUST_LOG` overrides the default level (`info`). Payloads and secrets are never logged at info.
//!
//! The log directory is 0700 and its files 0600 on unix: logs name clients, vendors and lanes.
//! tracing-appender opens each day's file with the default mode and has no option for another,
//! so [`PrivateFiles`] sets the files to 0600 after the write that may have opened a new one. The
//! directory being the owner's alone is what keeps that moment safe; the file modes keep the logs
//! private when they are copied out or the directory is opened up.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Daily files kept.
pub const MAX_LOG_FILES: usize = 14;
/// A day's file stops growing here (a debug level left on, a flood of refusals): the rest of that
/// day's lines go to stderr only, after one line in the file saying so.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Keeps the file writer flushing; hold it until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Starts logging. If the log directory cannot be used, logs go to stderr only and a warning says so.
pub fn init(log_dir: &Path) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let files = crate::files::private_dir(log_dir).map_err(|e| e.to_string()).and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("rangedesk")
            .filename_suffix("log")
            .max_log_files(MAX_LOG_FILES)
            .build(log_dir)
            .map_err(|e| e.to_string())
    });
    match files {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(PrivateFiles::new(appender, log_dir));
            let file = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter());
            let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
            LogGuard(Some(guard))
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!(dir = %log_dir.display(), error = %e, "cannot write log files; logging to stderr only");
            LogGuard(None)
        }
    }
}

/// The rolling appender, with every file in its directory set to 0600 when it starts and after
/// each write in a new UTC day (the appender rotates at UTC midnight).
struct PrivateFiles<W> {
    inner: W,
    dir: PathBuf,
    day: u64,
    /// Bytes in today's file, and where it stops.
    written: u64,
    cap: u64,
}

impl<W> PrivateFiles<W> {
    fn new(inner: W, dir: &Path) -> Self {
        make_files_private(dir);
        // The appender names today's file `rangedesk.YYYY-MM-DD.log` (UTC): a restart goes on
        // counting from what it already holds.
        let today = jiff::Timestamp::now().strftime("rangedesk.%Y-%m-%d.log").to_string();
        let written = std::fs::metadata(dir.join(today)).map_or(0, |m| m.len());
        PrivateFiles { inner, dir: dir.to_owned(), day: utc_day(), written, cap: MAX_FILE_BYTES }
    }
}

const CAPPED: &[u8] = b"rangedesk: this day's log file is full; the rest of the day's lines go to stderr only\n";

impl<W: std::io::Write> std::io::Write for PrivateFiles<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Read before the appender reads its own clock: when the day has changed here, it has
        // changed there too, and the new day's file exists once the write returns.
        let day = utc_day();
        if day != self.day {
            self.written = 0;
        }
        if self.written >= self.cap {
            // Dropped, but said to be written: a full file must not fail the logger.
            return Ok(buf.len());
        }
        let n = if self.written + buf.len() as u64 > self.cap {
            self.written = self.cap;
            self.inner.write_all(CAPPED)?;
            buf.len()
        } else {
            let n = self.inner.write(buf)?;
            self.written += n as u64;
            n
        };
        if day != self.day {
            self.day = day;
            make_files_private(&self.dir);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn utc_day() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400)
}

/// Best effort: the writer cannot log its own failure, and the 0700 directory still holds.
fn make_files_private(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = crate::files::make_private(&entry.path());
        }
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> String {
        format!("{:o}", std::fs::metadata(p).unwrap().permissions().mode() & 0o777)
    }

    #[test]
    fn a_file_opened_on_a_new_day_is_made_private_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("rangedesk.2020-01-01.log");
        std::fs::write(&old, "old\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut w = PrivateFiles::new(Vec::new(), dir.path());
        assert_eq!(mode(&old), "600", "files already there at start");

        // What the appender does at midnight: a new file with the default mode.
        let new = dir.path().join("rangedesk.2020-01-02.log");
        std::fs::write(&new, "").unwrap();
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o644)).unwrap();
        w.write_all(b"same day\n").unwrap();
        w.day -= 1;
        w.write_all(b"the first line of a new day\n").unwrap();
        assert_eq!(mode(&new), "600", "the day's first write makes the new file private");
        assert_eq!(w.inner, b"same day\nthe first line of a new day\n", "every byte reached the appender");
    }

    #[test]
    fn a_day_s_file_stops_at_its_cap_with_one_line_saying_so_and_the_next_day_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = PrivateFiles::new(Vec::new(), dir.path());
        w.cap = 20;
        w.write_all(b"0123456789\n").unwrap();
        w.write_all(b"this line would pass the cap\n").unwrap();
        w.write_all(b"and so is this one\n").unwrap();
        let said = [&b"0123456789\n"[..], CAPPED].concat();
        assert_eq!(w.inner, said, "what fits, then the notice, then nothing");
        w.day -= 1;
        w.write_all(b"a new day\n").unwrap();
        assert_eq!(w.inner, [&said[..], b"a new day\n"].concat());
    }

    #[test]
    fn a_restart_counts_what_today_s_file_already_holds() {
        let dir = tempfile::tempdir().unwrap();
        let today = jiff::Timestamp::now().strftime("rangedesk.%Y-%m-%d.log").to_string();
        std::fs::write(dir.path().join(today), vec![b'x'; 1234]).unwrap();
        assert_eq!(PrivateFiles::new(Vec::<u8>::new(), dir.path()).written, 1234);
    }
}
