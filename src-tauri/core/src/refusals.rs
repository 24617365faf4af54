//! What the delivery log keeps of refused deliveries, so that nobody on the internet can fill the
//! disk with them: the first 2 KiB of a refused body with its whole length and SHA-256; at most so
//! many refused rows a minute from one client (past that they are only counted); no refused row
//! at all while the disk is below its free-space floor (counted instead); and refused rows pruned
//! after 30 days. Accepted and duplicate deliveries are none of this module's business: they are
//! always stored whole, and never pruned.

use crate::store::{self, Store, StoreError, counters, deliveries};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// Bytes of a refused body kept: enough to read what was sent (an envelope, a vendor's error, a
/// scanner's payload), a thirtieth of the 64 KiB a body may have.
pub const KEPT_BODY_BYTES: usize = 2048;

/// Refused rows one client may leave per minute. A vendor whose secret is wrong is refused at its
/// own delivery rate, a few a minute even on a busy Saturday, so its refusals are all logged and
/// show what is wrong; a flood past this is the same refusal again and again, and is only counted.
pub const ROWS_PER_CLIENT_PER_MINUTE: usize = 60;

/// Refused rows all clients together may leave per minute: ten clients' worth, so a flood from
/// many addresses is bounded too (at about 1.5 MB a minute of kept bodies).
pub const ROWS_PER_MINUTE: usize = 10 * ROWS_PER_CLIENT_PER_MINUTE;

/// Refused rows older than this are pruned.
pub const KEEP_DAYS: i64 = 30;

/// How often the pruning runs (the first time at the first counter flush after start).
const PRUNE_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Rows one pruning transaction deletes, so a large backlog never holds the writer for long.
const PRUNE_BATCH: u32 = 1000;

/// Clients whose windows are remembered; past this, clients new to us share one window (so a
/// flood from ever-new addresses cannot grow the map without bound).
const TRACKED_CLIENTS: usize = 4096;

const MINUTE_MS: i64 = 60_000;

/// The names under which refusals counted without a row are saved in `counters`.
pub const COUNTED_RATE_LIMITED: &str = "refused_unlogged_rate_limited";
pub const COUNTED_LOW_DISK: &str = "refused_unlogged_low_disk";

/// Whether refused deliveries are written to the delivery log now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RefusalLogging {
    /// Every refusal has its row.
    On,
    /// Some client went past its rate of refused rows in the last minute; its refusals past that
    /// are counted, not logged.
    RateLimited,
    /// The data directory's filesystem is below its free-space floor: refusals are counted only,
    /// so that accepted deliveries keep the room to commit.
    PausedLowDisk,
}

/// What to do with one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Write its row (with a cut body).
    Row,
    /// Count it: its client is past its rate.
    RateLimited,
    /// Count it: the disk is below the floor.
    LowDisk,
}

/// The refusal log's state, shared by every route: a cheap `Clone` handle.
#[derive(Clone, Default)]
pub struct RefusalLog {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    windows: Mutex<Windows>,
    unsaved_rate_limited: AtomicU64,
    unsaved_low_disk: AtomicU64,
    /// When a refusal was last counted for its rate (Unix ms; 0 = never).
    last_rate_limited_ms: AtomicI64,
    /// When pruning last ran; `None` until the first time.
    last_prune: Mutex<Option<jiff::Timestamp>>,
}

/// A minute that starts at a client's first refused row in it.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    started_ms: i64,
    rows: usize,
}

impl Window {
    /// Takes one row if the window has room, starting a new minute when the last one is over.
    fn has_room(&mut self, now_ms: i64, limit: usize) -> bool {
        if now_ms - self.started_ms >= MINUTE_MS {
            *self = Window { started_ms: now_ms, rows: 0 };
        }
        self.rows < limit
    }
}

#[derive(Debug, Default)]
struct Windows {
    /// Keyed by client: the remote IP, an IPv6 one by its /64 (one host's usual share); `None`
    /// for a client we cannot tell apart from the others.
    clients: HashMap<Option<IpAddr>, Window>,
    all: Window,
}

impl RefusalLog {
    /// Decides whether this refusal gets a row, and counts it when it does not.
    pub fn admit(&self, store: &Store, remote_addr: Option<&str>, now: jiff::Timestamp) -> Admission {
        if store.space().low() {
            self.inner.unsaved_low_disk.fetch_add(1, Ordering::Relaxed);
            return Admission::LowDisk;
        }
        let now_ms = now.as_millisecond();
        let admitted = match self.inner.windows.lock() {
            Ok(mut w) => w.admit(client(remote_addr), now_ms),
            Err(_) => false,
        };
        if admitted {
            return Admission::Row;
        }
        self.inner.unsaved_rate_limited.fetch_add(1, Ordering::Relaxed);
        self.inner.last_rate_limited_ms.store(now_ms, Ordering::Relaxed);
        Admission::RateLimited
    }

    /// Whether refusals are logged now.
    pub fn state(&self, store: &Store, now: jiff::Timestamp) -> RefusalLogging {
        if store.space().low() {
            RefusalLogging::PausedLowDisk
        } else if now.as_millisecond() - self.inner.last_rate_limited_ms.load(Ordering::Relaxed) < MINUTE_MS {
            RefusalLogging::RateLimited
        } else {
            RefusalLogging::On
        }
    }

    /// Refusals counted without a row and not saved yet.
    pub fn unsaved(&self) -> u64 {
        self.inner.unsaved_rate_limited.load(Ordering::Relaxed) + self.inner.unsaved_low_disk.load(Ordering::Relaxed)
    }

    /// Saves the counts gathered since the last call (kept for the next call if that fails).
    pub async fn flush(&self, store: &Store) -> Result<(), StoreError> {
        let rate = self.inner.unsaved_rate_limited.swap(0, Ordering::Relaxed);
        let low = self.inner.unsaved_low_disk.swap(0, Ordering::Relaxed);
        if rate == 0 && low == 0 {
            return Ok(());
        }
        let result = store
            .writer()
            .write(move |t| {
                for (name, n) in [(COUNTED_RATE_LIMITED, rate), (COUNTED_LOW_DISK, low)] {
                    if n > 0 {
                        counters::add(t, name, i64::try_from(n).unwrap_or(i64::MAX))?;
                    }
                }
                Ok(())
            })
            .await;
        if result.is_err() {
            self.inner.unsaved_rate_limited.fetch_add(rate, Ordering::Relaxed);
            self.inner.unsaved_low_disk.fetch_add(low, Ordering::Relaxed);
        }
        result
    }

    /// Prunes old refusals the first time it is called and then at most once an hour.
    pub async fn prune_if_due(&self, store: &Store, now: jiff::Timestamp) -> Result<usize, StoreError> {
        let previous = {
            let Ok(mut last) = self.inner.last_prune.lock() else { return Ok(0) };
            if last.is_some_and(|at| now.duration_since(at) < PRUNE_EVERY) {
                return Ok(0);
            }
            last.replace(now)
        };
        let result = prune(store, now).await;
        if result.is_err()
            && let Ok(mut last) = self.inner.last_prune.lock()
        {
            *last = previous; // try again at the next call rather than in an hour
        }
        result
    }
}

impl Windows {
    fn admit(&mut self, client: Option<IpAddr>, now_ms: i64) -> bool {
        if !self.clients.contains_key(&client) && self.clients.len() >= TRACKED_CLIENTS {
            self.clients.retain(|_, w| now_ms - w.started_ms < MINUTE_MS);
        }
        let key =
            if self.clients.contains_key(&client) || self.clients.len() < TRACKED_CLIENTS { client } else { None };
        let window = self.clients.entry(key).or_insert(Window { started_ms: now_ms, rows: 0 });
        if !window.has_room(now_ms, ROWS_PER_CLIENT_PER_MINUTE) {
            if window.rows == ROWS_PER_CLIENT_PER_MINUTE {
                // Once per client and minute: the operator hears of a flood without a line per post.
                window.rows += 1;
                tracing::warn!(
                    client = ?key,
                    limit = ROWS_PER_CLIENT_PER_MINUTE,
                    "refused deliveries from this client past the limit a minute are counted, not logged"
                );
            }
            return false;
        }
        if !self.all.has_room(now_ms, ROWS_PER_MINUTE) {
            return false;
        }
        window.rows += 1;
        self.all.rows += 1;
        true
    }
}

/// Who a refusal came from, as far as the rate goes. `remote_addr` is the peer's `ip:port`.
fn client(remote_addr: Option<&str>) -> Option<IpAddr> {
    let ip = remote_addr?.parse::<SocketAddr>().ok()?.ip();
    Some(match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    })
}

/// The part of a refused body that is kept, and what is known of the whole. The cut never splits
/// a UTF-8 character, so a text body stays text.
pub fn cut(mut body: Vec<u8>) -> (Vec<u8>, deliveries::Digest) {
    let digest = deliveries::Digest { len: body.len(), sha256: hex::encode(Sha256::digest(&body)) };
    if body.len() > KEPT_BODY_BYTES {
        let mut end = KEPT_BODY_BYTES;
        if let Err(e) = std::str::from_utf8(&body[..end])
            && e.error_len().is_none()
        {
            end = e.valid_up_to(); // an incomplete character at the end, valid before it
        }
        body.truncate(end);
    }
    (body, digest)
}

/// Deletes every refused delivery received more than 30 days before `now`, in short transactions
/// on the writer, and says how many it deleted. Accepted and duplicate deliveries are never deleted.
pub async fn prune(store: &Store, now: jiff::Timestamp) -> store::Result<usize> {
    let Ok(before) = now.checked_sub(jiff::SignedDuration::from_hours(24 * KEEP_DAYS)) else { return Ok(0) };
    let mut total = 0;
    loop {
        let n = store.writer().outside_transaction(move |c| deliveries::prune_refused(c, before, PRUNE_BATCH)).await?;
        total += n;
        if n < PRUNE_BATCH as usize {
            break;
        }
    }
    if total > 0 {
        tracing::info!(rows = total, days = KEEP_DAYS, "pruned refused deliveries older than the limit");
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> i64 {
        1_764_000_000_000 + ms
    }

    #[test]
    fn a_client_gets_its_rows_a_minute_and_then_again() {
        let mut w = Windows::default();
        let me = client(Some("203.0.113.9:4711"));
        let admitted = (0..100).filter(|i| w.admit(me, at(*i))).count();
        assert_eq!(admitted, ROWS_PER_CLIENT_PER_MINUTE);
        assert!(!w.admit(me, at(MINUTE_MS - 1)), "still the same minute");
        assert!(w.admit(me, at(MINUTE_MS)), "a minute after its first row, the client has room again");
        assert!(w.admit(client(Some("203.0.113.10:1")), at(MINUTE_MS)), "another client has its own window");
    }

    #[test]
    fn many_clients_together_are_bounded_too() {
        let mut w = Windows::default();
        let admitted = (0..10_000u32)
            .filter(|i| w.admit(client(Some(&format!("10.0.{}.{}:1", i / 250, i % 250))), at(i64::from(*i))))
            .count();
        assert_eq!(admitted, ROWS_PER_MINUTE);
        // The tracked clients, and the one window the rest share.
        assert!(w.clients.len() <= TRACKED_CLIENTS + 1, "the map stays bounded: {}", w.clients.len());
    }

    #[test]
    fn one_ipv6_host_is_one_client_and_mapped_ipv4_is_ipv4() {
        assert_eq!(client(Some("[2001:db8:1:2::1]:1")), client(Some("[2001:db8:1:2:ffff::9]:2")));
        assert_ne!(client(Some("[2001:db8:1:2::1]:1")), client(Some("[2001:db8:1:3::1]:1")));
        assert_eq!(client(Some("[::ffff:192.0.2.1]:1")), client(Some("192.0.2.1:9")));
        assert_eq!(client(None), None);
    }

    #[test]
    fn a_cut_body_keeps_its_first_bytes_its_length_and_hash() {
        let body = vec![b'a'; 10_000];
        let (kept, digest) = cut(body.clone());
        assert_eq!(kept, body[..KEPT_BODY_BYTES]);
        assert_eq!(digest.len, 10_000);
        assert_eq!(digest.sha256, hex::encode(Sha256::digest(&body)));
        let (small, d) = cut(b"{}".to_vec());
        assert_eq!((small.as_slice(), d.len), (&b"{}"[..], 2), "a short body is kept whole");
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let body = format!("{}é{}", "a".repeat(KEPT_BODY_BYTES - 1), "b".repeat(100)).into_bytes();
        let (kept, _) = cut(body);
        assert_eq!(kept.len(), KEPT_BODY_BYTES - 1, "the two-byte é would straddle the cut, so it goes");
        assert!(std::str::from_utf8(&kept).is_ok());
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = store::open(&dir.path().join("r.db"), store::Options::default()).unwrap();
        (dir, s)
    }

    #[tokio::test]
    async fn pruning_runs_at_the_first_call_and_then_hourly() {
        let (_d, s) = store();
        let log = RefusalLog::default();
        let t0 = jiff::Timestamp::from_second(1_764_000_000).unwrap();
        let minutes = |m: i64| t0 + jiff::SignedDuration::from_mins(m);
        log.prune_if_due(&s, t0).await.unwrap();
        assert_eq!(*log.inner.last_prune.lock().unwrap(), Some(t0), "the first call prunes");
        log.prune_if_due(&s, minutes(59)).await.unwrap();
        assert_eq!(*log.inner.last_prune.lock().unwrap(), Some(t0), "not again within the hour");
        log.prune_if_due(&s, minutes(60)).await.unwrap();
        assert_eq!(*log.inner.last_prune.lock().unwrap(), Some(minutes(60)), "again after an hour");
    }

    #[tokio::test]
    async fn below_the_floor_refusals_are_counted_and_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let options = store::Options { refusal_floor_bytes: u64::MAX, ..Default::default() };
        let s = store::open(&dir.path().join("r.db"), options).unwrap();
        let log = RefusalLog::default();
        let now = jiff::Timestamp::from_second(1_764_000_000).unwrap();
        assert_eq!(log.admit(&s, Some("127.0.0.1:1"), now), Admission::LowDisk);
        assert_eq!(log.state(&s, now), RefusalLogging::PausedLowDisk);
        assert_eq!(log.unsaved(), 1);
        log.flush(&s).await.unwrap();
        assert_eq!(log.unsaved(), 0);
        let saved = s.read(counters::all).await.unwrap();
        assert!(saved.contains(&(COUNTED_LOW_DISK.to_owned(), 1)), "{saved:?}");
    }
}
