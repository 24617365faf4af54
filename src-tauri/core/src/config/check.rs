//! Every check a config must pass beyond its types: addresses, the PIN, TLS pairs, time zone,
//! timeouts and connection caps, the hook token's strength, the Action Target URL and header, and
//! the bounds that keep run-time arithmetic from panicking. The settings screens run the same
//! [`check`] before saving a change, so a file and a change are refused alike.

use super::{Checked, Config, ConfigError, Result};
use std::net::SocketAddr;
use std::path::Path;

/// The longest range name, in characters.
pub const MAX_RANGE_NAME_CHARS: usize = 80;

/// Every check a config must pass; the settings screens run the same ones before saving a change.
pub(crate) fn check(file: &Path, config: Config) -> Result<Checked> {
    let invalid = |key: &str, problem: &str| ConfigError::Invalid {
        file: file.to_owned(),
        key: key.to_owned(),
        problem: problem.to_owned(),
    };
    let s = &config.server;
    let listen: SocketAddr =
        s.listen.parse().map_err(|_| invalid("server.listen", "not an address:port such as 0.0.0.0:8787"))?;
    let board_listen: SocketAddr = s
        .board_listen
        .parse()
        .map_err(|_| invalid("server.board_listen", "not an address:port such as 127.0.0.1:8788"))?;
    if !board_listen.ip().is_loopback() && s.board_pin.trim().is_empty() {
        return Err(invalid("server.board_pin", "must be set when board_listen is not a loopback address"));
    }
    if !s.board_pin.is_empty() && s.board_pin.chars().count() < MIN_PIN_CHARS {
        return Err(invalid("server.board_pin", "must be at least 6 characters"));
    }
    if s.board_pin.chars().any(char::is_control) || s.board_pin.chars().count() > 128 {
        return Err(invalid("server.board_pin", "must be at most 128 characters, without control characters"));
    }
    for h in &s.board_hosts {
        if !host_and_port_is_valid(h) {
            return Err(invalid("server.board_hosts", "each entry must be a host:port such as desk-pc.local:8788"));
        }
    }
    if s.board_tls && s.tls_cert.is_empty() {
        return Err(invalid("server.board_tls", "needs server.tls_cert and server.tls_key"));
    }
    if s.tls_cert.is_empty() != s.tls_key.is_empty() {
        let key = if s.tls_cert.is_empty() { "server.tls_cert" } else { "server.tls_key" };
        return Err(invalid(key, "tls_cert and tls_key must be set together"));
    }
    if !s.time_zone.is_empty() && jiff::tz::TimeZone::get(&s.time_zone).is_err() {
        return Err(invalid("server.time_zone", "not an IANA time zone name such as Europe/Brussels"));
    }
    // Shown on every screen and printed on reports: one line, a name's length.
    if s.range_name.chars().count() > MAX_RANGE_NAME_CHARS || s.range_name.chars().any(char::is_control) {
        return Err(invalid("server.range_name", "must be at most 80 characters on one line"));
    }
    if s.header_timeout_seconds == 0 || s.header_timeout_seconds > 300 {
        return Err(invalid("server.header_timeout_seconds", "must be between 1 and 300"));
    }
    if s.body_timeout_seconds == 0 || s.body_timeout_seconds > 300 {
        return Err(invalid("server.body_timeout_seconds", "must be between 1 and 300"));
    }
    if !s.ui_dir.is_empty() && !Path::new(&s.ui_dir).join("index.html").is_file() {
        return Err(invalid("server.ui_dir", "has no index.html (build the UI with `npm run build` in ui/)"));
    }
    // Bounded above too: tokio's semaphore panics beyond its permit limit, and no desk PC has
    // file descriptors for more.
    if !(1..=MAX_CONNECTIONS).contains(&s.max_connections) {
        return Err(invalid("server.max_connections", "must be between 1 and 65536"));
    }
    if s.max_connections_per_client > s.max_connections {
        return Err(invalid("server.max_connections_per_client", "must not be more than server.max_connections"));
    }
    let at = &config.action_target;
    if !at.hook_token.is_empty() && !token_is_strong(&at.hook_token) {
        return Err(invalid(
            "action_target.hook_token",
            "must be at least 22 URL-safe characters (A-Z a-z 0-9 - _), or empty to generate one",
        ));
    }
    // A day at most: a period beyond that is a typo, and `Instant + period` must not overflow.
    if at.poll_seconds > 86_400 {
        return Err(invalid("action_target.poll_seconds", "must be between 0 (off) and 86400"));
    }
    if let Some(problem) = api_base_problem(&at.api_base) {
        return Err(invalid("action_target.api_base", problem));
    }
    if let Some(problem) = auth_header_problem(&at.api_auth_header) {
        return Err(invalid("action_target.api_auth_header", problem));
    }
    // Beyond an hour a captured Samna delivery could be replayed for that long.
    if !(1..=3600).contains(&config.samna.tolerance_seconds) {
        return Err(invalid("samna.tolerance_seconds", "must be between 1 and 3600"));
    }
    if !(1..=60).contains(&config.purchases.approval_window_seconds) {
        return Err(invalid("purchases.approval_window_seconds", "must be between 1 and 60"));
    }
    let b = &config.board;
    // A day at most: the board and the notices turn these into signed durations.
    if !(1..=86_400).contains(&b.ageing_amber_seconds) {
        return Err(invalid("board.ageing_amber_seconds", "must be between 1 and 86400"));
    }
    if b.ageing_red_seconds <= b.ageing_amber_seconds || b.ageing_red_seconds > 86_400 {
        return Err(invalid("board.ageing_red_seconds", "must be more than board.ageing_amber_seconds, at most 86400"));
    }
    // A week at most: `SignedDuration::from_mins` panics far beyond it.
    if !(1..=10_080).contains(&config.notifications.vendor_silent_minutes) {
        return Err(invalid("notifications.vendor_silent_minutes", "must be between 1 and 10080 (a week)"));
    }
    let fee = config.carrier_hits.fee;
    if !fee.is_finite() || !(0.0..=10_000.0).contains(&fee) || ((fee * 100.0).round() - fee * 100.0).abs() > 1e-6 {
        return Err(invalid("carrier_hits.fee", "must be an amount between 0 and 10000 with at most two decimals"));
    }
    let bk = &config.backup;
    if let Some(problem) = backup_folder_problem(&bk.folder) {
        return Err(invalid("backup.folder", problem));
    }
    if !(1..=365).contains(&bk.keep) {
        return Err(invalid("backup.keep", "must be between 1 and 365"));
    }
    if !bk.daily_at.is_empty() && daily_at(&bk.daily_at).is_none() {
        return Err(invalid("backup.daily_at", "must be a time of day such as 03:00, or empty for no daily backup"));
    }
    // A century at most: the cut-off is `now - days`, which must not leave jiff's range.
    if config.store.keep_bodies_days > 36_500 {
        return Err(invalid("store.keep_bodies_days", "must be between 0 (forever) and 36500"));
    }
    Ok(Checked { file: file.to_owned(), config, listen, board_listen })
}

/// `HH:MM` as a civil time.
pub(crate) fn daily_at(s: &str) -> Option<jiff::civil::Time> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    jiff::civil::Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// Places a backup folder must not be in: the system's own directories (a backup there fills the
/// system's disk, and is lost or in the way of the system's updates) and the volatile ones.
const SYSTEM_DIRS: [&str; 13] =
    ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr", "/var/run"];
const WINDOWS_DIRS: [&str; 4] = ["c:\\windows", "c:\\program files", "c:\\program files (x86)", "c:\\programdata"];

/// Why `folder` cannot hold backups, if it cannot; empty is fine (no automatic backups). Only
/// what the text says: whether the folder exists and is writable is asked when it is saved.
pub(crate) fn backup_folder_problem(folder: &str) -> Option<&'static str> {
    if folder.is_empty() {
        return None;
    }
    if folder.chars().any(char::is_control) || folder.len() > 1024 {
        return Some("must be a path of at most 1024 characters, without control characters");
    }
    let path = Path::new(folder);
    if !path.is_absolute() {
        return Some("must be an absolute path such as /media/backup/rangedesk or D:\\rangedesk-backups");
    }
    if path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Some("must not contain `..`");
    }
    let lower = folder.to_lowercase();
    let inside = |dir: &str| lower == dir || lower.strip_prefix(dir).is_some_and(|rest| rest.starts_with(['/', '\\']));
    if path.parent().is_none() {
        return Some("must not be the root of a disk; use a folder on it");
    }
    if SYSTEM_DIRS.iter().chain(WINDOWS_DIRS.iter()).any(|d| inside(d)) {
        return Some(
            "must not be inside a system folder (/etc, /usr, /proc, C:\\Windows…); use a data disk or a folder of your own",
        );
    }
    None
}

/// The most connections a listener serves at once.
pub const MAX_CONNECTIONS: usize = 65_536;

/// The shortest board PIN: six characters, so that with the back-off on wrong PINs guessing one
/// over the LAN takes years rather than an afternoon.
pub const MIN_PIN_CHARS: usize = 6;

/// `name:port` or `[v6]:port`, the way a browser writes `Host`: a DNS name (letters, digits,
/// `-`, `.`) or an IP literal, and a port.
fn host_and_port_is_valid(h: &str) -> bool {
    let Some((name, port)) = h.rsplit_once(':') else { return false };
    if port.parse::<u16>().map_or(true, |p| p == 0) {
        return false;
    }
    if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Why the API key cannot be sent to `base`, if it cannot. The key travels in a header to this
/// address, so it must go over TLS unless the server is this computer (the simulator, the demo).
/// Parsed as the client will parse it, so `http://127.0.0.1.attacker.example` is not loopback.
pub(crate) fn api_base_problem(base: &str) -> Option<&'static str> {
    let Ok(url) = reqwest::Url::parse(base.trim()) else {
        return Some("must be a URL such as https://api.action-target.net/api/v2/pos");
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => None,
        "http" if loopback => None,
        "http" => Some("must be https:// unless its host is this computer (127.0.0.1, [::1] or localhost)"),
        _ => Some("must be an https:// URL such as https://api.action-target.net/api/v2/pos"),
    }
}

/// Headers the client sets itself or that frame the request: a key sent as one of them would
/// break every request or be dropped.
const FRAMING_HEADERS: [&str; 11] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-type",
];

/// Why `name` cannot carry the API key, if it cannot.
fn auth_header_problem(name: &str) -> Option<&'static str> {
    match http::HeaderName::from_bytes(name.as_bytes()) {
        Err(_) => Some("must be a header name such as Authorization or X-Api-Key"),
        Ok(h) if FRAMING_HEADERS.contains(&h.as_str()) => {
            Some("is a header that frames the request; use Authorization or a name such as X-Api-Key")
        }
        Ok(_) => None,
    }
}

/// At least 128 bits of URL-safe base64 (22 characters).
pub(super) fn token_is_strong(t: &str) -> bool {
    t.len() >= 22 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
