//! The backup folder: made ready (created 0700 if missing, written to once), its backups listed
//! (only files named as backups are), and those beyond `keep` deleted.

use super::{BackupFile, PREFIX, SUFFIX};
use std::path::Path;

/// Creates the folder if it is missing (0700) and proves it writable with a probe file.
pub fn prepare_folder(folder: &Path) -> std::io::Result<()> {
    crate::files::create_dir(folder)?;
    let probe = folder.join(".rangedesk-write-test");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)
}

/// The backups in `folder` (files named as this module names them), newest first.
pub(super) fn list(folder: &Path) -> std::io::Result<Vec<BackupFile>> {
    let mut out: Vec<BackupFile> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            (name.starts_with(PREFIX) && name.ends_with(SUFFIX)).then(|| BackupFile {
                file: e.path().display().to_string(),
                name,
                bytes: meta.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(out)
}

pub(super) fn remove_beyond(folder: &Path, keep: usize) -> std::io::Result<()> {
    for old in list(folder)?.into_iter().skip(keep.max(1)) {
        std::fs::remove_file(&old.file)?;
        tracing::info!(file = %old.file, "old backup deleted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_backups_beyond_keep_are_deleted_and_nothing_else_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["rangedesk-20261201-030000Z.db", "rangedesk-20261202-030000Z.db", "rangedesk-20261130-030000Z.db"] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        std::fs::write(dir.path().join("holiday-photos.db"), b"mine").unwrap();
        remove_beyond(dir.path(), 2).unwrap();
        let left: Vec<String> = list(dir.path()).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(left, ["rangedesk-20261202-030000Z.db", "rangedesk-20261201-030000Z.db"], "the oldest goes");
        assert!(dir.path().join("holiday-photos.db").exists(), "a file not named as ours stays");
    }
}
