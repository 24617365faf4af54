//! Where rangedesk keeps its files when nobody says otherwise.

use std::path::{Path, PathBuf};

/// The OS data directory for rangedesk (`~/.local/share/rangedesk` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("net", "rangedesk", "rangedesk").map(|d| d.data_dir().to_owned())
}

/// Rolling log files live here.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The SQLite file.
pub fn database(data_dir: &Path) -> PathBuf {
    data_dir.join("rangedesk.db")
}

/// The config file when `--config` is not given.
pub fn default_config(data_dir: &Path) -> PathBuf {
    data_dir.join("rangedesk.toml")
}
