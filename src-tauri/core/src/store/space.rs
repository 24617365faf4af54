//! Free space on the filesystem that holds the store, read at most every few seconds. Cheap enough
//! to ask on every refused delivery; fresh enough to stop logging refusals before the disk fills
//! and real commits start to fail.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Below this many free bytes refusals are counted instead of logged. The writer's log alone may
/// grow to ~32 MiB under load before it is checkpointed (8,000 pages), the rolling logs and the OS
/// need room too, and 256 MiB still holds weeks of a busy range's accepted deliveries (a few KB
/// each); it is a small share of any disk a desk PC has.
pub const DEFAULT_FLOOR_BYTES: u64 = 256 * 1024 * 1024;

/// How long a reading is used before the filesystem is asked again: a flood of refusals costs one
/// `statvfs` every few seconds, not one a delivery.
const RECHECK: Duration = Duration::from_secs(5);

/// `free` before the first reading, or when the filesystem cannot say.
const UNKNOWN: u64 = u64::MAX;

#[derive(Debug)]
pub struct Space {
    dir: PathBuf,
    floor: u64,
    free: AtomicU64,
    read_at: Mutex<Option<Instant>>,
}

impl Space {
    /// The filesystem holding `file`, judged against `floor` free bytes.
    pub fn new(file: &Path, floor: u64) -> Space {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        Space { dir, floor, free: AtomicU64::new(UNKNOWN), read_at: Mutex::new(None) }
    }

    pub fn floor(&self) -> u64 {
        self.floor
    }

    /// Bytes free to this (unprivileged) process, as last read; `None` when the filesystem cannot
    /// say. Re-read when the last reading is older than a few seconds; a caller that finds another
    /// one re-reading uses the last reading rather than waiting.
    pub fn free_bytes(&self) -> Option<u64> {
        if let Ok(mut read_at) = self.read_at.try_lock()
            && read_at.is_none_or(|at| at.elapsed() >= RECHECK)
        {
            *read_at = Some(Instant::now());
            let free = fs4::available_space(&self.dir).unwrap_or_else(|e| {
                tracing::debug!(dir = %self.dir.display(), error = %e, "free space unknown");
                UNKNOWN
            });
            self.free.store(free, Ordering::Relaxed);
        }
        Some(self.free.load(Ordering::Relaxed)).filter(|&n| n != UNKNOWN)
    }

    /// Whether the free space is below the floor. Unknown space is not low: refusals stay bounded
    /// by their cut bodies, rate and age, and a filesystem that cannot report must not silence the
    /// log for good.
    pub fn low(&self) -> bool {
        self.free_bytes().is_some_and(|free| free < self.floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_the_free_space_is_low_and_zero_never_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.db");
        let free = Space::new(&file, 0).free_bytes();
        assert!(free.is_some_and(|n| n > 0), "a temp directory's filesystem reports its free space: {free:?}");
        assert!(!Space::new(&file, 0).low());
        assert!(Space::new(&file, u64::MAX).low());
    }

    #[test]
    fn a_reading_is_reused_for_a_few_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let space = Space::new(&dir.path().join("r.db"), 0);
        space.free_bytes();
        // Pretend the disk emptied: a re-read would replace this value, a cached reading keeps it.
        space.free.store(7, Ordering::Relaxed);
        assert_eq!(space.free_bytes(), Some(7), "no second statvfs within the recheck interval");
    }
}
