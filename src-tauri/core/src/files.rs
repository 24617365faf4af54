//! Files that hold secrets (the config, the store, the logs) and the directories they live in.
//!
//! Promises, on unix: a directory made here is the owner's alone (0700) and a file is 0600, also
//! when it already existed with a wider mode; [`write_private`] replaces a file so that a crash
//! leaves either the old or the new content, never a mix, and never a moment where the new
//! content sits in a file others can read. Elsewhere the same calls create and replace the files
//! and leave permissions to the operating system.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Creates `dir` and any missing parents owner-only (0700). An existing directory is left as it is.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates `dir` as [`create_dir`] does and makes it 0700 if it already existed with another mode.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    create_dir(dir)?;
    set_mode(dir, 0o700)
}

/// Makes an existing file 0600; a missing file is not an error.
pub fn make_private(file: &Path) -> io::Result<()> {
    match set_mode(file, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let now = fs::metadata(path)?.permissions().mode() & 0o7777;
    if now == mode {
        return Ok(());
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, _mode: u32) -> io::Result<()> {
    fs::metadata(path).map(|_| ())
}

/// The temp file a replacement of `file` is written to first: beside it, so the rename stays on
/// one file system.
pub fn temp_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    file.with_file_name(name)
}

/// Replaces `file` with `contents`: a new 0600 temp file beside it is written and fsynced, renamed
/// over `file`, and the directory is fsynced so the rename survives a power cut. The result is
/// 0600 whatever mode the old file had. A missing directory is created with [`create_dir`].
pub fn write_private(file: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    create_dir(&dir)?;
    let tmp = temp_path(file);
    // A temp file left by a crash may have another mode or be a link someone planted: start anew.
    if let Err(e) = fs::remove_file(&tmp)
        && e.kind() != io::ErrorKind::NotFound
    {
        return Err(e);
    }
    let written = write_new(&tmp, contents).and_then(|()| fs::rename(&tmp, file));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir)
}

fn write_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    // `create_new` does not follow a link at `path` and fails if anything is there.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Windows cannot open a directory as a file; its renames are journaled by NTFS.
#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Writes `contents` to a new file in `dir` named `file_name`, or `stem (1).ext`, `stem (2).ext`…
/// when that name is taken: an export never replaces a file the user already has. Says where.
pub fn create_numbered(dir: &Path, file_name: &str, contents: &[u8]) -> io::Result<PathBuf> {
    let (stem, ext) = file_name.rsplit_once('.').map_or((file_name, ""), |(s, e)| (s, e));
    for n in 0..1000 {
        let name = match (n, ext) {
            (0, _) => file_name.to_owned(),
            (_, "") => format!("{stem} ({n})"),
            _ => format!("{stem} ({n}).{ext}"),
        };
        let path = dir.join(name);
        match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                f.write_all(contents)?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{file_name} and 999 numbered copies exist")))
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> String {
        format!("{:o}", fs::metadata(p).unwrap().permissions().mode() & 0o777)
    }

    #[test]
    fn a_replaced_file_is_private_whatever_it_was_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(temp_path(&file), "left by a crash").unwrap();
        write_private(&file, b"new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(mode(&file), "600", "a file someone opened up is private again");
        assert!(!temp_path(&file).exists());

        let nested = dir.path().join("x/y/b.toml");
        write_private(&nested, b"b").unwrap();
        assert_eq!((mode(&nested), mode(nested.parent().unwrap())), ("600".into(), "700".into()));
    }

    #[test]
    fn a_planted_link_at_the_temp_path_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::write(&target, "keep").unwrap();
        let file = dir.path().join("c.toml");
        std::os::unix::fs::symlink(&target, temp_path(&file)).unwrap();
        write_private(&file, b"secret").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep", "the secret did not go where the link pointed");
        assert_eq!(fs::read_to_string(&file).unwrap(), "secret");
    }

    #[test]
    fn a_private_dir_is_tightened_and_a_created_one_is_private_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&open).unwrap();
        assert_eq!(mode(&open), "700");
        let deep = dir.path().join("a/b");
        private_dir(&deep).unwrap();
        assert_eq!((mode(&deep), mode(deep.parent().unwrap())), ("700".into(), "700".into()));
        make_private(&dir.path().join("missing")).unwrap();
    }
}
