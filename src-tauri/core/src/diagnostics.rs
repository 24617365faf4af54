//! "Export diagnostics": one zip for whoever supports a range — the recent logs, the config with
//! every secret removed, the store's statistics and delivery verdicts, the status the Status
//! screen shows, versions and the OS. Every text in it is also scrubbed of each secret value the
//! config holds, so a key that reached a log line by accident does not leave the desk PC either.

use crate::config::Config;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// The most log text one export carries: the newest files first, the oldest cut to its end.
pub const LOG_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DiagnosticsError {
    #[error("cannot read {file}: {problem}")]
    Read { file: PathBuf, problem: String },
    #[error("cannot write the zip: {0}")]
    Zip(String),
}

/// What goes in, gathered by the desk.
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub log_dir: &'a Path,
    pub status: serde_json::Value,
    pub store: serde_json::Value,
    pub now: jiff::Timestamp,
}

/// Replaces each secret value in `text` (longest first, so a key containing another goes whole).
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut s: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 4).collect();
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s.iter().fold(text.to_owned(), |t, secret| t.replace(secret, "(secret removed)"))
}

fn versions(now: jiff::Timestamp) -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    format!(
        "rangedesk {}\nSQLite {}\nOS {os} ({}, {})\nkernel {}\nexported {now}\n",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version(),
        std::env::consts::OS,
        std::env::consts::ARCH,
        read("/proc/sys/kernel/osrelease").trim(),
    )
}

/// The log files, newest first, as much as [`LOG_BYTES`] holds (a file cut keeps its end).
fn logs(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, DiagnosticsError> {
    let fail =
        |file: &Path, e: std::io::Error| DiagnosticsError::Read { file: file.to_owned(), problem: e.to_string() };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("rangedesk") && n.ends_with(".log"))
            })
            .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(fail(dir, e)),
    };
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut left = LOG_BYTES;
    let mut out = Vec::new();
    for (_, path) in files {
        if left == 0 {
            break;
        }
        let bytes = std::fs::read(&path).map_err(|e| fail(&path, e))?;
        let keep = bytes.len().min(left);
        left -= keep;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("rangedesk.log").to_owned();
        out.push((name, bytes[bytes.len() - keep..].to_vec()));
    }
    Ok(out)
}

/// The zip's bytes.
pub fn zip(i: &Inputs<'_>) -> Result<Vec<u8>, DiagnosticsError> {
    let secrets = i.config.secrets();
    let z = |e: zip::result::ZipError| DiagnosticsError::Zip(e.to_string());
    let io = |e: std::io::Error| DiagnosticsError::Zip(e.to_string());
    let config = toml::to_string(&i.config.redacted()).map_err(|e| DiagnosticsError::Zip(e.to_string()))?;
    let json = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let mut parts: Vec<(String, String)> = vec![
        (
            "README.txt".into(),
            "rangedesk diagnostics: logs/ (the newest first, 16 MiB at most), config.toml (every secret \
             replaced by \"(removed)\"), status.json (what the Status screen shows), store.json (schema, size, \
             rows per table, delivery verdicts by vendor and reason), versions.txt.\n"
                .into(),
        ),
        ("versions.txt".into(), versions(i.now)),
        ("config.toml".into(), config),
        ("status.json".into(), json(&i.status)),
        ("store.json".into(), json(&i.store)),
    ];
    for (name, bytes) in logs(i.log_dir)? {
        parts.push((format!("logs/{name}"), String::from_utf8_lossy(&bytes).into_owned()));
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, text) in parts {
        w.start_file(name, options).map_err(z)?;
        w.write_all(scrub(&text, &secrets).as_bytes()).map_err(io)?;
    }
    Ok(w.finish().map_err(z)?.into_inner())
}

/// Gathers the inputs and makes the zip off the async threads: `(file name, bytes)`.
pub async fn export(
    store: &crate::store::Store,
    config: std::sync::Arc<Config>,
    status: &crate::status::Status,
    data_dir: &Path,
) -> Result<(String, Vec<u8>), crate::error::ApiError> {
    let stats = store.read(crate::store::stats::read).await?;
    let (status, stats) = (serde_json::to_value(status), serde_json::to_value(&stats));
    let (Ok(status), Ok(store)) = (status, stats) else {
        return Err(crate::error::ApiError::cannot_save("could not describe the store for the export"));
    };
    let log_dir = crate::paths::log_dir(data_dir);
    let now = jiff::Timestamp::now();
    let made = tokio::task::spawn_blocking(move || {
        zip(&Inputs { config: &config, log_dir: &log_dir, status, store, now }).map(|bytes| (file_name(now), bytes))
    })
    .await;
    match made {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(crate::error::ApiError::cannot_save(format!("could not make the diagnostics: {e}"))),
        Err(e) => Err(crate::error::ApiError::cannot_save(format!("could not make the diagnostics: {e}"))),
    }
}

/// The file name of an export made at `now`.
pub fn file_name(now: jiff::Timestamp) -> String {
    format!("rangedesk-diagnostics-{}.zip", now.strftime("%Y%m%d-%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_goes_whole_even_inside_a_longer_one() {
        let t = scrub("key abcdef and abcdefgh", &["abcdef", "abcdefgh", "ab"]);
        assert_eq!(t, "key (secret removed) and (secret removed)");
    }
}
