//! `rangedesk.toml`: the keys and defaults of INTERFACES.md, checked as a whole at start so that a
//! bad file is one clear line naming the file, the key and the problem, never a half-started app.
//! The only key the app writes itself is an empty `action_target.hook_token`, generated on first
//! start and saved with the rest of the file left as the person wrote it.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {key}: {problem}")]
    Invalid { file: PathBuf, key: String, problem: String },
    #[error("{file}: cannot read: {source}")]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{file}: cannot write: {source}")]
    Write { file: PathBuf, source: std::io::Error },
}

pub type Result<T> = std::result::Result<T, ConfigError>;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub action_target: ActionTarget,
    pub enviso: Enviso,
    pub samna: Samna,
    pub purchases: Purchases,
    pub board: Board,
    pub notifications: Notifications,
    pub carrier_hits: CarrierHits,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub listen: String,
    pub board_listen: String,
    pub board_pin: String,
    pub tls_cert: String,
    pub tls_key: String,
    pub time_zone: String,
    /// A connection that has not sent its whole request head by then is dropped (slowloris).
    pub header_timeout_seconds: u64,
    /// A request whose body has not arrived by then is answered 408.
    pub body_timeout_seconds: u64,
    /// Open connections per listener; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Open connections one client address may hold on a listener, so a slow client or held
    /// purchases from one address never make another vendor or `/healthz` wait. 0 = a quarter of
    /// `max_connections` (Action Target's cloud posts every lane's purchases from few addresses).
    pub max_connections_per_client: usize,
    /// Extra `host:port` names the board answers to in PIN mode (`desk-pc.local:8788`); any
    /// other `Host` is refused, so a web page cannot reach the board by DNS rebinding.
    pub board_hosts: Vec<String>,
    /// The board listener speaks HTTPS with `tls_cert`/`tls_key`, so a PIN on the LAN is not
    /// sent in cleartext.
    pub board_tls: bool,
    /// The built web UI served at `/` on `board_listen`; empty = look in the usual places.
    pub ui_dir: String,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "0.0.0.0:8787".into(),
            board_listen: "127.0.0.1:8788".into(),
            board_pin: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            time_zone: String::new(),
            header_timeout_seconds: 10,
            body_timeout_seconds: 10,
            max_connections: 1024,
            max_connections_per_client: 0,
            board_hosts: Vec::new(),
            board_tls: false,
            ui_dir: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionTarget {
    pub hook_token: String,
    pub api_base: String,
    pub api_key: String,
    pub api_auth_header: String,
    pub poll_seconds: u64,
}

impl Default for ActionTarget {
    fn default() -> Self {
        ActionTarget {
            hook_token: String::new(),
            api_base: "https://api.action-target.net/api/v2/pos".into(),
            api_key: String::new(),
            api_auth_header: "Authorization".into(),
            poll_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Enviso {
    pub hmac_keys: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Samna {
    pub secrets: Vec<String>,
    pub tolerance_seconds: u64,
}

impl Default for Samna {
    fn default() -> Self {
        Samna { secrets: Vec::new(), tolerance_seconds: 300 }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "PurchaseSettings")]
pub struct Purchases {
    #[ts(type = "number")]
    pub approval_window_seconds: u64,
    /// What to do with a lane purchase, per product type (`approve`, `ask`, `decline`).
    pub rules: rangedesk_domain::purchase::Rules,
}

impl Default for Purchases {
    fn default() -> Self {
        Purchases { approval_window_seconds: 20, rules: rangedesk_domain::purchase::Rules::default() }
    }
}

/// How the board shows things that wait for a person.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "BoardSettings")]
pub struct Board {
    /// A help call, purchase or waiting lane turns amber after this long.
    #[ts(type = "number")]
    pub ageing_amber_seconds: u64,
    /// … and red after this long.
    #[ts(type = "number")]
    pub ageing_red_seconds: u64,
    /// A LAN browser with the PIN watches; with this on it may also act (help, purchases,
    /// sessions). Settings and the catalogue change from the desk computer only, whatever this says.
    pub lan_can_act: bool,
}

impl Default for Board {
    fn default() -> Self {
        Board { ageing_amber_seconds: 60, ageing_red_seconds: 180, lan_can_act: false }
    }
}

/// Which desktop notifications the app raises; each kind can be turned off.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "NotificationSettings")]
pub struct Notifications {
    pub help: bool,
    pub carrier_hit: bool,
    pub purchase: bool,
    pub ending_soon: bool,
    pub overtime: bool,
    /// A vendor that has sent nothing (or, for Action Target, not answered a poll) for
    /// `vendor_silent_minutes`.
    pub vendor_silent: bool,
    #[ts(type = "number")]
    pub vendor_silent_minutes: u64,
    /// Play a sound from the app (not the webview) with each notification.
    pub sound: bool,
    /// A range-wide ceasefire: one notification, however many sessions it pauses.
    pub ceasefire: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            help: true,
            carrier_hit: true,
            purchase: true,
            ending_soon: true,
            overtime: true,
            vendor_silent: true,
            vendor_silent_minutes: 30,
            sound: false,
            ceasefire: true,
        }
    }
}

/// What a carrier hit costs the shooter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "CarrierHitSettings")]
pub struct CarrierHits {
    /// In currency units with at most two decimals; 0 = carrier hits are free. When set, each hit
    /// is added to the session's tab.
    pub fee: f64,
}

/// A config that passed every check, with its addresses parsed.
#[derive(Debug, Clone)]
pub struct Checked {
    pub file: PathBuf,
    pub config: Config,
    pub listen: SocketAddr,
    pub board_listen: SocketAddr,
}

/// Reads and checks `file`; a missing file is the defaults. Does not write anything.
pub fn load(file: &Path) -> Result<Checked> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(ConfigError::Read { file: file.to_owned(), source: e }),
    };
    parse(file, &text)
}

/// Parses and checks config text; `file` only names it in errors.
pub fn parse(file: &Path, text: &str) -> Result<Checked> {
    let invalid =
        |key: &str, problem: String| ConfigError::Invalid { file: file.to_owned(), key: key.to_owned(), problem };
    let de = toml::Deserializer::parse(text).map_err(|e| invalid("(file)", one_line(e.message())))?;
    let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        invalid(if key == "." { "(file)" } else { &key }, one_line(e.inner().message()))
    })?;
    check(file, config)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

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
    Ok(Checked { file: file.to_owned(), config, listen, board_listen })
}

/// The most connections a listener serves at once.
pub const MAX_CONNECTIONS: usize = 65_536;

/// The shortest board PIN: six characters, so that with the back-off on wrong PINs guessing one
/// over the LAN takes years rather than an afternoon.
pub const MIN_PIN_CHARS: usize = 6;

impl Server {
    /// The per-client connection cap in force (see `max_connections_per_client`).
    pub fn per_client_connections(&self) -> usize {
        match self.max_connections_per_client {
            0 => (self.max_connections / 4).max(1),
            n => n,
        }
    }
}

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
fn token_is_strong(t: &str) -> bool {
    t.len() >= 22 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new hook token: 256 random bits as unpadded URL-safe base64.
pub fn new_hook_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Makes sure `action_target.hook_token` is set, generating and saving one if it is empty. The file
/// is rewritten atomically and private (`files::write_private`) with every other line kept as it was.
pub fn ensure_hook_token(checked: &mut Checked) -> Result<()> {
    if !checked.config.action_target.hook_token.is_empty() {
        return Ok(());
    }
    let file = checked.file.clone();
    let write_err = |source| ConfigError::Write { file: file.clone(), source };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(ConfigError::Read { file, source: e }),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| ConfigError::Invalid {
        file: file.clone(),
        key: "(file)".into(),
        problem: one_line(e.message()),
    })?;
    let token = new_hook_token();
    if !doc.contains_table("action_target") {
        doc["action_target"] = toml_edit::table();
    }
    doc["action_target"]["hook_token"] = toml_edit::value(token.clone());
    crate::files::write_private(&file, doc.to_string().as_bytes()).map_err(write_err)?;
    checked.config.action_target.hook_token = token;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("/etc/r.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_is_the_documented_defaults() {
        let c = parse(Path::new("x.toml"), "").unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:8787");
        assert_eq!(c.board_listen.to_string(), "127.0.0.1:8788");
        assert_eq!(c.config.action_target.api_base, "https://api.action-target.net/api/v2/pos");
        assert_eq!(c.config.action_target.api_auth_header, "Authorization");
        assert_eq!(c.config.action_target.poll_seconds, 30);
        assert_eq!(c.config.samna.tolerance_seconds, 300);
        assert_eq!(c.config.purchases.approval_window_seconds, 20);
        assert!(c.config.enviso.hmac_keys.is_empty());
        assert_eq!((c.config.board.ageing_amber_seconds, c.config.board.ageing_red_seconds), (60, 180));
        let n = &c.config.notifications;
        assert!(n.help && n.carrier_hit && n.purchase && n.ending_soon && n.overtime && n.vendor_silent && !n.sound);
        assert_eq!(n.vendor_silent_minutes, 30);
        assert_eq!(c.config.carrier_hits.fee, 0.0);
        let rules = &c.config.purchases.rules;
        use rangedesk_domain::purchase::Rule;
        assert_eq!(
            (rules.time, rules.targets, rules.ammo, rules.rentals, rules.unknown),
            (Rule::Approve, Rule::Approve, Rule::Ask, Rule::Ask, Rule::Ask),
            "DESIGN.md's defaults"
        );
    }

    #[test]
    fn errors_name_file_key_and_problem() {
        assert_eq!(
            err("[server]\nlisten = \"nope\""),
            "/etc/r.toml: server.listen: not an address:port such as 0.0.0.0:8787"
        );
        assert!(
            err("[server]\nlisten = 5").starts_with("/etc/r.toml: server.listen: "),
            "{}",
            err("[server]\nlisten = 5")
        );
        assert!(
            err("[server]\nlisen = \"x\"").starts_with("/etc/r.toml: server.lisen: unknown field"),
            "{}",
            err("[server]\nlisen = \"x\"")
        );
        assert!(
            err("[purchases]\napproval_window_seconds = 61")
                .contains("purchases.approval_window_seconds: must be between 1 and 60")
        );
        assert!(err("[purchases]\napproval_window_seconds = -1").contains("purchases.approval_window_seconds"));
        assert!(
            err("[purchases.rules]\nammo = \"maybe\"").contains("purchases.rules.ammo"),
            "{}",
            err("[purchases.rules]\nammo = \"maybe\"")
        );
        assert!(err("[server]\nboard_listen = \"0.0.0.0:8788\"").contains("server.board_pin: must be set"));
        assert!(err("[server]\ntls_cert = \"a.pem\"").contains("server.tls_key"));
        assert!(err("[server]\ntime_zone = \"Mars/Olympus\"").contains("server.time_zone"));
        assert!(err("[action_target]\nhook_token = \"short\"").contains("action_target.hook_token"));
        assert!(err("[enviso]\nhmac_keys = \"one\"").contains("enviso.hmac_keys"));
        assert!(err("[board]\nageing_red_seconds = 30").contains("board.ageing_red_seconds: must be more than"));
        assert!(err("[board]\nageing_amber_seconds = 0").contains("board.ageing_amber_seconds"));
        // Values that parse but would panic or overflow at run time are refused at the door.
        for (text, key) in [
            ("[server]\nmax_connections = 2305843009213693952", "server.max_connections"),
            ("[action_target]\npoll_seconds = 18446744073709551615", "action_target.poll_seconds"),
            ("[notifications]\nvendor_silent_minutes = 18446744073709551615", "notifications.vendor_silent_minutes"),
            ("[board]\nageing_amber_seconds = 100000\nageing_red_seconds = 200000", "board.ageing_amber_seconds"),
            ("[board]\nageing_red_seconds = 100000", "board.ageing_red_seconds"),
        ] {
            assert!(err(text).contains(key), "{text}: {}", err(text));
        }
        assert!(err("[notifications]\nhelp = \"yes\"").contains("notifications.help"));
        assert!(err("[notifications]\nvendor_silent_minutes = 0").contains("notifications.vendor_silent_minutes"));
        for fee in ["-1", "0.005", "20000", "nan"] {
            assert!(err(&format!("[carrier_hits]\nfee = {fee}")).contains("carrier_hits.fee"), "{fee}");
        }
        assert!(parse(Path::new("x"), "[carrier_hits]\nfee = 2.5").is_ok());
        assert!(err("this is not toml").starts_with("/etc/r.toml: (file): "));
        for e in [err("this is not toml"), err("[server]\nlisten = 5\n")] {
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
    }

    #[test]
    fn lan_board_with_pin_is_fine() {
        assert!(parse(Path::new("x"), "[server]\nboard_listen = \"0.0.0.0:8788\"\nboard_pin = \"482190\"").is_ok());
    }

    #[test]
    fn a_short_pin_or_a_bad_board_host_is_an_error_naming_the_key() {
        let lan = "[server]\nboard_listen = \"0.0.0.0:8788\"\n";
        assert_eq!(
            err(&format!("{lan}board_pin = \"4821\"")),
            "/etc/r.toml: server.board_pin: must be at least 6 characters"
        );
        assert!(err("[server]\nboard_pin = \"12345\"").contains("server.board_pin"), "on loopback too");
        for bad in ["desk-pc.local", "desk pc:8788", "evil.example:0", "x:99999", "-a.local:1", "[zz]:8788"] {
            assert!(
                err(&format!("{lan}board_pin = \"123456\"\nboard_hosts = [\"{bad}\"]")).contains("server.board_hosts"),
                "{bad}"
            );
        }
        let ok = parse(
            Path::new("x"),
            &format!("{lan}board_pin = \"123456\"\nboard_hosts = [\"desk-pc.local:8788\", \"[fe80::1]:8788\"]"),
        );
        assert!(ok.is_ok(), "{ok:?}");
        assert!(err("[server]\nboard_tls = true").contains("server.board_tls"));
        assert!(
            err("[server]\nmax_connections = 8\nmax_connections_per_client = 9").contains("max_connections_per_client")
        );
        let c = parse(Path::new("x"), "").unwrap().config;
        assert_eq!(c.server.per_client_connections(), 256, "a quarter of 1024");
        assert!(!c.board.lan_can_act, "LAN browsers watch unless the manager says otherwise");
    }

    #[test]
    fn hook_token_is_generated_once_and_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rangedesk.toml");
        std::fs::write(&file, "# my range\n[samna]\nsecrets = [\"wh_sec_a\"] # rotated in May\n").unwrap();
        let mut c = load(&file).unwrap();
        ensure_hook_token(&mut c).unwrap();
        let token = c.config.action_target.hook_token.clone();
        assert!(token_is_strong(&token) && token.len() >= 43, "256 bits, URL-safe: {token}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("# my range") && text.contains("# rotated in May"), "comments kept: {text}");
        let mut again = load(&file).unwrap();
        assert_eq!(again.config.action_target.hook_token, token, "saved");
        ensure_hook_token(&mut again).unwrap();
        assert_eq!(again.config.action_target.hook_token, token, "not regenerated");
        assert_ne!(new_hook_token(), new_hook_token());
    }

    #[test]
    fn api_base_is_https_unless_it_is_this_computer() {
        let base = |b: &str| parse(Path::new("x"), &format!("[action_target]\napi_base = \"{b}\""));
        for refused in [
            "http://api.action-target.net/api/v2/pos",
            "http://127.0.0.1.attacker.example/pos",
            "http://localhost.attacker.example/pos",
            "http://10.0.0.5/pos",
            "http://[::ffff:10.0.0.5]/pos",
            "ftp://api.action-target.net/pos",
            "https://",
            "api.action-target.net/pos",
            "",
        ] {
            let e = base(refused).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("action_target.api_base: "), "{refused:?} must be refused: {e:?}");
        }
        for fine in [
            "https://api.action-target.net/api/v2/pos",
            "HTTPS://API.action-target.net/pos",
            "http://127.0.0.1:9/pos",
            "http://127.250.0.1/pos",
            "http://localhost:9/pos",
            "http://LOCALHOST:9/pos",
            "http://[::1]:9/pos",
        ] {
            assert!(base(fine).is_ok(), "{fine}: {:?}", base(fine).err());
        }
    }

    #[test]
    fn api_auth_header_is_a_header_name_that_does_not_break_the_request() {
        let header = |h: &str| parse(Path::new("x"), &format!("[action_target]\napi_auth_header = \"{h}\""));
        for refused in
            ["", "X Api Key", "X-Key:", "Host", "content-length", "Transfer-Encoding", "CONNECTION", "Content-Type"]
        {
            let e = header(refused).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("action_target.api_auth_header: "), "{refused:?} must be refused: {e:?}");
        }
        for fine in ["Authorization", "X-Api-Key", "x_api_key", "X-Key.v2"] {
            assert!(header(fine).is_ok(), "{fine}: {:?}", header(fine).err());
        }
    }

    #[test]
    fn samna_tolerance_is_at_most_an_hour() {
        for refused in [0, 3601, 86_400_000] {
            let e = parse(Path::new("x"), &format!("[samna]\ntolerance_seconds = {refused}"));
            let e = e.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("samna.tolerance_seconds: "), "{refused} must be refused: {e:?}");
        }
        assert!(parse(Path::new("x"), "[samna]\ntolerance_seconds = 3600").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_with_a_new_hook_token_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rangedesk.toml");
        std::fs::write(&file, "# mine\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut c = load(&file).unwrap();
        ensure_hook_token(&mut c).unwrap();
        let mode = |f: &Path| format!("{:o}", std::fs::metadata(f).unwrap().permissions().mode() & 0o777);
        assert_eq!(mode(&file), "600", "the hook token is a secret: the file is the owner's alone");
        assert!(!file.with_extension("toml.tmp").exists());
        let fresh = dir.path().join("new/rangedesk.toml");
        ensure_hook_token(&mut load(&fresh).unwrap()).unwrap();
        assert_eq!(mode(&fresh), "600", "a new file too");
    }

    #[test]
    fn missing_file_is_created_with_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/rangedesk.toml");
        let mut c = load(&file).unwrap();
        ensure_hook_token(&mut c).unwrap();
        assert!(load(&file).unwrap().config.action_target.hook_token.len() >= 43);
    }
}
