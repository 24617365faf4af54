//! The board listener's guard: one layer in front of every route, the UI's static files
//! included. It promises, in this order:
//! 1. **Own Host only.** A request whose `Host` is not one of this listener's own names is
//!    refused (421) before anything else, so a web page cannot reach the board through DNS
//!    rebinding: `127.0.0.1:<port>`, `localhost:<port>`, `[::1]:<port>`, and in PIN mode also the
//!    listen address (any IP literal when it listens on all addresses: a name can be rebound, an
//!    IP literal in `Host` means the page's own origin is that address) and `server.board_hosts`.
//! 2. **Writes are same-origin JSON.** Anything but GET/HEAD needs `Content-Type:
//!    application/json` (which a cross-site form or a `no-cors` fetch cannot send) and, where the
//!    browser sent `Origin` or `Sec-Fetch-Site`, a same-origin one. Scripts without `Origin` keep
//!    working. There is no CORS at all, so a preflight is refused like any other foreign write.
//! 3. **Who may come in.** Without a PIN, loopback clients only. With one, every request needs a
//!    session cookie (set after `?pin=`) or the PIN itself (`x-rangedesk-pin`, `?pin=`), compared
//!    in constant time over SHA-256 digests so neither the PIN nor its length leaks. Wrong PINs are
//!    slowed per client: after [`MAX_WRONG`] in a minute, 429 with a growing `Retry-After`.
//! 4. **Who may do what.** Settings and the catalogue change from this computer only (the window
//!    or a loopback browser); a LAN browser with the PIN watches, and acts on the board only when
//!    `board.lan_can_act` is on (read per request, so the setting applies at once).
//!
//! The client it found (`loopback` or the LAN address) rides in the request's extensions for the
//! handlers, which record it beside the claimed `by` in every staff event.

use super::AppState;
use crate::error::{ApiError, ApiErrorCode};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rangedesk_domain::staff::Client;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Wrong PINs a client may try in [`WRONG_WINDOW`] before it must wait.
pub const MAX_WRONG: u32 = 5;
const WRONG_WINDOW: Duration = Duration::from_secs(60);
/// The first wait; each lockout after it doubles, up to [`MAX_LOCKOUT`].
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// A client that guessed nothing wrong for this long starts again from the first wait.
const FORGIVE_AFTER: Duration = Duration::from_secs(3600);
/// How long a browser stays signed in after `?pin=`: a working day.
pub const SESSION_SECONDS: u64 = 12 * 3600;
/// Sessions and guessing clients remembered at most; beyond, the oldest are forgotten first, so
/// a flood of new addresses or cookies cannot grow memory without bound.
const MAX_ENTRIES: usize = 4096;
/// The session cookie's name. The old `rangedesk_pin` cookie held the PIN itself and is ignored.
pub const SESSION_COOKIE: &str = "rangedesk_session";

/// Who may use the board listener and how; built once at start from the config and the bound
/// address.
pub struct BoardAccess {
    /// SHA-256 of the PIN; `None` = no PIN, loopback clients only.
    pin: Option<[u8; 32]>,
    /// `Host` values accepted as they are, lower case (`localhost:8788`, `desk-pc.local:8788`).
    hosts: Vec<String>,
    /// The listener's port, which an IP-literal `Host` must carry.
    port: u16,
    /// PIN mode on an unspecified address: any IP literal with our port is our own.
    any_ip_literal: bool,
    /// The board speaks TLS: cookies are `Secure` and origins `https://`.
    tls: bool,
    sessions: Mutex<HashMap<[u8; 32], Instant>>,
    guesses: Mutex<HashMap<IpAddr, Guesses>>,
}

impl std::fmt::Debug for BoardAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardAccess").field("pin", &self.pin.is_some()).field("hosts", &self.hosts).finish()
    }
}

impl BoardAccess {
    /// `pin` empty = no PIN; `listen` is the address the board listener is bound to (its real
    /// port, which tests pick at random); `extra_hosts` is `server.board_hosts`.
    pub fn new(pin: &str, listen: SocketAddr, extra_hosts: &[String], tls: bool) -> BoardAccess {
        let port = listen.port();
        let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
        let pin = (!pin.is_empty()).then(|| digest(pin.as_bytes()));
        if pin.is_some() {
            if !listen.ip().is_unspecified() {
                hosts.push(listen.to_string());
            }
            hosts.extend(extra_hosts.iter().map(|h| h.to_ascii_lowercase()));
        }
        BoardAccess {
            any_ip_literal: pin.is_some() && listen.ip().is_unspecified(),
            pin,
            hosts,
            port,
            tls,
            sessions: Mutex::new(HashMap::new()),
            guesses: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `host` (a `Host` header value) names this listener.
    pub fn host_is_ours(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let default_port = if self.tls { 443 } else { 80 };
        let (name, port) = split_host(&host);
        let port = match port {
            Some(p) => p,
            None if name.is_empty() => return false,
            None => default_port,
        };
        let normal = format!("{name}:{port}");
        if self.hosts.contains(&normal) {
            return true;
        }
        if self.any_ip_literal && port == self.port {
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            return bare.parse::<IpAddr>().is_ok();
        }
        false
    }

    fn pin_matches(&self, given: &str) -> bool {
        self.pin.is_some_and(|pin| bool::from(digest(given.as_bytes()).ct_eq(&pin)))
    }

    fn session_is_valid(&self, token: &str, now: Instant) -> bool {
        let key = digest(token.as_bytes());
        let mut sessions = lock(&self.sessions);
        match sessions.get(&key) {
            Some(until) if *until > now => true,
            Some(_) => {
                sessions.remove(&key);
                false
            }
            None => false,
        }
    }

    /// A new session token; only its digest is kept.
    fn new_session(&self, now: Instant) -> String {
        let bytes: [u8; 32] = rand::random();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, until| *until > now);
        if sessions.len() >= MAX_ENTRIES
            && let Some(oldest) = sessions.iter().min_by_key(|(_, until)| **until).map(|(k, _)| *k)
        {
            sessions.remove(&oldest);
        }
        sessions.insert(digest(token.as_bytes()), now + Duration::from_secs(SESSION_SECONDS));
        token
    }

    /// How long `ip` must still wait before it may try a PIN again.
    fn locked_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        lock(&self.guesses).get(&ip).and_then(|g| g.locked_for(now))
    }

    fn wrong_pin(&self, ip: IpAddr, now: Instant) {
        let mut guesses = lock(&self.guesses);
        if guesses.len() >= MAX_ENTRIES && !guesses.contains_key(&ip) {
            guesses.retain(|_, g| !g.forgotten(now));
            if guesses.len() >= MAX_ENTRIES
                && let Some(oldest) = guesses.iter().min_by_key(|(_, g)| g.last_wrong).map(|(k, _)| *k)
            {
                guesses.remove(&oldest);
            }
        }
        guesses.entry(ip).or_insert_with(|| Guesses::new(now)).wrong(now);
    }

    fn right_pin(&self, ip: IpAddr) {
        lock(&self.guesses).remove(&ip);
    }

    fn cookie(&self, token: &str) -> String {
        let secure = if self.tls { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}")
    }
}

/// One client's wrong PINs: a count in the current minute and the lockouts so far.
#[derive(Debug, Clone)]
pub struct Guesses {
    window_start: Instant,
    wrong: u32,
    lockouts: u32,
    locked_until: Option<Instant>,
    last_wrong: Instant,
}

impl Guesses {
    pub fn new(now: Instant) -> Guesses {
        Guesses { window_start: now, wrong: 0, lockouts: 0, locked_until: None, last_wrong: now }
    }

    /// Counts a wrong PIN at `now`; the [`MAX_WRONG`]th in a minute starts a lockout, each one
    /// twice as long as the one before.
    pub fn wrong(&mut self, now: Instant) {
        if now.duration_since(self.last_wrong) >= FORGIVE_AFTER {
            self.lockouts = 0;
        }
        if now.duration_since(self.window_start) >= WRONG_WINDOW {
            self.window_start = now;
            self.wrong = 0;
        }
        self.last_wrong = now;
        self.wrong += 1;
        if self.wrong >= MAX_WRONG {
            let wait = FIRST_LOCKOUT.saturating_mul(1u32 << self.lockouts.min(16)).min(MAX_LOCKOUT);
            self.lockouts = self.lockouts.saturating_add(1);
            self.locked_until = Some(now + wait);
            self.wrong = 0;
            self.window_start = now;
        }
    }

    /// The wait left at `now`, if locked.
    pub fn locked_for(&self, now: Instant) -> Option<Duration> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    fn forgotten(&self, now: Instant) -> bool {
        self.locked_for(now).is_none() && now.duration_since(self.last_wrong) >= FORGIVE_AFTER
    }
}

/// The layer itself (see the module's promises).
pub async fn guard(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let access = &s.board;
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, "the client's address is unknown");
    };
    let client = Client::of(peer);
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if !access.host_is_ours(&host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            ApiErrorCode::WrongHost,
            "this board answers only to its own address; add the name to server.board_hosts",
        );
    }
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if writes && let Err(why) = same_origin_json(req.headers(), &host, access.tls) {
        return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, why);
    }

    let now = Instant::now();
    let mut new_session = None;
    if access.pin.is_none() {
        if client != Client::Loopback {
            return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, "the board is open to this computer only");
        }
    } else if !cookie(req.headers(), SESSION_COOKIE).is_some_and(|t| access.session_is_valid(&t, now)) {
        let from_query = query_pin(req.uri().query());
        let given = req.headers().get("x-rangedesk-pin").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let Some(given) = given.or_else(|| from_query.clone()) else {
            return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, "a valid PIN is required");
        };
        if let Some(wait) = access.locked_for(peer, now) {
            return too_many(wait);
        }
        if !access.pin_matches(&given) {
            access.wrong_pin(peer, now);
            tracing::info!(client = %peer, "wrong board PIN");
            return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, "a valid PIN is required");
        }
        access.right_pin(peer);
        if from_query.is_some() {
            new_session = Some(access.new_session(now));
        }
    }

    if writes && let Err(why) = may_change(&s, client, req.uri().path()) {
        return refuse(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, why);
    }

    req.extensions_mut().insert(client);
    // A page opened as `/?pin=…` is sent on to the same address without the PIN, so it does not
    // stay in the address bar and the history; the cookie carries the session from then on.
    let redirect = new_session.is_some() && !writes && !req.uri().path().starts_with("/api/");
    let mut resp = if redirect {
        let to = without_pin(req.uri());
        (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
    } else {
        next.run(req).await
    };
    if let Some(token) = new_session
        && let Ok(v) = HeaderValue::from_str(&access.cookie(&token))
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Settings and the catalogue from this computer only; staff actions from the LAN when allowed.
fn may_change(s: &AppState, client: Client, path: &str) -> Result<(), &'static str> {
    if client.is_local() {
        return Ok(());
    }
    if path.starts_with("/api/settings") || path.starts_with("/api/products") {
        return Err(
            "settings and the catalogue can be changed in the desktop window or a browser on the desk computer only",
        );
    }
    if !s.desk.config().board.lan_can_act {
        return Err("this browser may watch the board only; the manager can let LAN browsers act in Settings → Board");
    }
    Ok(())
}

/// A write's `Content-Type` is JSON and, where the browser said where it came from, it is here.
fn same_origin_json(h: &HeaderMap, host: &str, tls: bool) -> Result<(), &'static str> {
    let json = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err("changes are taken as JSON only (Content-Type: application/json)");
    }
    if h.get("sec-fetch-site").is_some_and(|site| site.as_bytes() != b"same-origin") {
        return Err("changes are taken from this board's own pages only");
    }
    if let Some(origin) = h.get(header::ORIGIN) {
        let scheme = if tls { "https" } else { "http" };
        let ours = format!("{scheme}://{host}");
        if !origin.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&ours)) {
            return Err("changes are taken from this board's own pages only");
        }
    }
    Ok(())
}

/// `name` and port of a `Host` value; `[v6]:port` keeps its brackets.
fn split_host(host: &str) -> (&str, Option<u16>) {
    let (name, port) = if host.starts_with('[') {
        match host.find(']') {
            Some(end) => (&host[..=end], host[end + 1..].strip_prefix(':')),
            None => return (host, None),
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    match port {
        None => (name, None),
        // A port that does not parse matches nothing (port 0 is never ours).
        Some(p) => (name, Some(p.parse().unwrap_or(0))),
    }
}

/// The `pin` of a query string, URL-decoded (`%2B`, `+`).
fn query_pin(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == "pin").map(|(_, v)| v.into_owned())
}

/// The same path and query without `pin`.
fn without_pin(uri: &axum::http::Uri) -> String {
    let rest: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).filter(|(k, _)| k != "pin").map(|(k, v)| (k.into(), v.into())))
        .into_iter()
        .flatten()
        .collect();
    if rest.is_empty() {
        return uri.path().to_owned();
    }
    let q = form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
    format!("{}?{q}", uri.path())
}

fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn digest(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A short JSON refusal with nothing else: no page, no CORS header.
fn refuse(status: StatusCode, code: ApiErrorCode, message: &str) -> Response {
    let mut resp = super::error::Error::from(ApiError { code, message: message.into() }).into_response();
    *resp.status_mut() = status;
    resp
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut resp = refuse(
        StatusCode::TOO_MANY_REQUESTS,
        ApiErrorCode::TooManyRequests,
        "too many wrong PINs from this computer; wait and try again",
    );
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(pin: &str, listen: &str, extra: &[&str]) -> BoardAccess {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        BoardAccess::new(pin, listen.parse().unwrap(), &extra, false)
    }

    #[test]
    fn loopback_names_with_our_port_are_ours_and_nothing_else_without_a_pin() {
        let a = access("", "127.0.0.1:8788", &["desk-pc.local:8788"]);
        for ok in ["127.0.0.1:8788", "localhost:8788", "LOCALHOST:8788", "[::1]:8788"] {
            assert!(a.host_is_ours(ok), "{ok}");
        }
        for bad in [
            "evil.example:8788",
            "127.0.0.1:8789",
            "localhost",
            "127.0.0.1",
            "",
            "desk-pc.local:8788", // board_hosts count in PIN mode only
            "192.168.1.10:8788",
            "localhost.evil.example:8788",
            "127.0.0.1:8788@evil",
        ] {
            assert!(!a.host_is_ours(bad), "{bad}");
        }
    }

    #[test]
    fn pin_mode_adds_the_listen_address_ip_literals_and_board_hosts() {
        let a = access("123456", "0.0.0.0:8788", &["Desk-PC.local:8788", "range.example:443"]);
        for ok in ["192.168.1.10:8788", "[fe80::1]:8788", "desk-pc.local:8788", "range.example:443", "localhost:8788"] {
            assert!(a.host_is_ours(ok), "{ok}");
        }
        for bad in ["evil.example:8788", "192.168.1.10:9999", "desk-pc.local:9999", "rebind.evil.example:8788"] {
            assert!(!a.host_is_ours(bad), "{bad}");
        }
        let fixed = access("123456", "192.168.1.10:8788", &[]);
        assert!(fixed.host_is_ours("192.168.1.10:8788"));
        assert!(!fixed.host_is_ours("10.0.0.5:8788"), "a specific listen address is the only IP literal");
    }

    #[test]
    fn a_host_without_a_port_is_the_scheme_default() {
        let a = BoardAccess::new("", "127.0.0.1:443".parse().unwrap(), &[], true);
        assert!(a.host_is_ours("localhost"));
        assert!(!BoardAccess::new("", "127.0.0.1:443".parse().unwrap(), &[], false).host_is_ours("localhost"));
    }

    #[test]
    fn the_pin_is_compared_whole_and_as_given() {
        let a = access("4821-77", "0.0.0.0:8788", &[]);
        assert!(a.pin_matches("4821-77"));
        for bad in ["4821-7", "4821-777", "", "4821-78"] {
            assert!(!a.pin_matches(bad), "{bad}");
        }
        assert!(!access("", "127.0.0.1:8788", &[]).pin_matches(""), "no PIN matches nothing");
    }

    #[test]
    fn query_pins_are_url_decoded_and_removed_from_the_redirect() {
        assert_eq!(query_pin(Some("a=1&pin=12%2B34+5")).as_deref(), Some("12+34 5"));
        assert_eq!(query_pin(Some("pinx=1")), None);
        let uri: axum::http::Uri = "/board?pin=123456&day=2026-12-01".parse().unwrap();
        assert_eq!(without_pin(&uri), "/board?day=2026-12-01");
        assert_eq!(without_pin(&"/?pin=1".parse().unwrap()), "/");
    }

    #[test]
    fn five_wrong_pins_in_a_minute_lock_out_for_longer_each_time() {
        let t0 = Instant::now();
        let mut g = Guesses::new(t0);
        for i in 0..MAX_WRONG - 1 {
            g.wrong(t0 + Duration::from_secs(u64::from(i)));
            assert!(g.locked_for(t0 + Duration::from_secs(u64::from(i))).is_none(), "{i} wrong is still allowed");
        }
        let t5 = t0 + Duration::from_secs(10);
        g.wrong(t5);
        assert_eq!(g.locked_for(t5), Some(FIRST_LOCKOUT));
        let t_free = t5 + FIRST_LOCKOUT;
        assert!(g.locked_for(t_free).is_none(), "the wait ends");
        for i in 0..MAX_WRONG {
            g.wrong(t_free + Duration::from_secs(u64::from(i)));
        }
        let t10 = t_free + Duration::from_secs(u64::from(MAX_WRONG - 1));
        assert_eq!(g.locked_for(t10), Some(FIRST_LOCKOUT * 2), "the second lockout is twice the first");
    }

    #[test]
    fn wrong_pins_spread_over_more_than_a_minute_never_lock() {
        let t0 = Instant::now();
        let mut g = Guesses::new(t0);
        for i in 0..20u64 {
            let t = t0 + Duration::from_secs(i * 16);
            g.wrong(t);
            assert!(g.locked_for(t).is_none(), "4 a minute is a person mistyping, not a guesser ({i})");
        }
    }

    #[test]
    fn writes_need_json_and_a_same_origin_when_the_browser_says_one() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        let host = "127.0.0.1:8788";
        assert!(same_origin_json(&h(&[("content-type", "application/json")]), host, false).is_ok(), "curl");
        assert!(same_origin_json(&h(&[("content-type", "application/json; charset=utf-8")]), host, false).is_ok());
        assert!(same_origin_json(&h(&[("content-type", "text/plain")]), host, false).is_err());
        assert!(same_origin_json(&h(&[]), host, false).is_err());
        let page = [
            ("content-type", "application/json"),
            ("origin", "http://127.0.0.1:8788"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert!(same_origin_json(&h(&page), host, false).is_ok());
        assert!(same_origin_json(&h(&page), host, true).is_err(), "an http page is not the https origin");
        let foreign = [("content-type", "application/json"), ("origin", "http://evil.example")];
        assert!(same_origin_json(&h(&foreign), host, false).is_err());
        let cross = [("content-type", "application/json"), ("sec-fetch-site", "cross-site")];
        assert!(same_origin_json(&h(&cross), host, false).is_err());
        let null = [("content-type", "application/json"), ("origin", "null")];
        assert!(same_origin_json(&h(&null), host, false).is_err());
    }
}
