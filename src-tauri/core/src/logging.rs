//! Logs go to stderr and to daily files in the log directory (14 kept). `RUST_LOG` overrides the
//! default level (`info`). Payloads and secrets are never logged at info.

use std::io::IsTerminal as _;
use std::path::Path;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Keeps the file writer flushing; hold it until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Starts logging. If the log directory cannot be used, logs go to stderr only and a warning says so.
pub fn init(log_dir: &Path) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let files = std::fs::create_dir_all(log_dir).map_err(|e| e.to_string()).and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("rangedesk")
            .filename_suffix("log")
            .max_log_files(14)
            .build(log_dir)
            .map_err(|e| e.to_string())
    });
    match files {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
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
