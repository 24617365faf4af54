//! Facts about the machine a benchmark ran on, printed with its results: cores, CPU, load, and the
//! disk's own commit cost. With `synchronous=FULL` every answered delivery waited for at least one
//! `fdatasync` of the write-ahead log, so the disk's fsync latency is a floor under the ingest
//! latency that no code change above the store can lower.

use crate::latency::Latencies;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The first `model name` in /proc/cpuinfo, or "unknown".
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name").and_then(|v| v.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The 1, 5 and 15 minute load averages as /proc/loadavg gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// Latency of `fdatasync` after a 4 KiB write, `n` times, in a scratch file in `dir`.
pub fn fsync_floor(dir: &Path, n: usize) -> anyhow::Result<Latencies> {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(&path)?;
    let page = [0x5au8; 4096];
    let mut l = Latencies::default();
    for _ in 0..n {
        file.write_all(&page)?;
        let t = Instant::now();
        file.sync_data()?;
        l.record(t.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(l)
}
