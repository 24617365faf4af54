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
//!
//! The Host check is in `guard/host.rs`, the PIN and its sessions in `guard/pin.rs`, the back-off
//! on wrong PINs in `guard/guesses.rs`; this module holds the layer and the write rules.

use super::AppState;
use crate::error::{ApiError, ApiErrorCode};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rangedesk_domain::staff::Client;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod guesses;
mod host;
mod pin;

pub use guesses::Guesses;
pub use pin::SESSION_COOKIE;
use pin::{cookie, digest, query_pin, without_pin};

/// Sessions and guessing clients remembered at most; beyond, the oldest are forgotten first, so
/// a flood of new addresses or cookies cannot grow memory without bound.
const MAX_ENTRIES: usize = 4096;

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

/// Settings, the catalogue and backups from this computer only; staff actions from the LAN when allowed.
fn may_change(s: &AppState, client: Client, path: &str) -> Result<(), &'static str> {
    if client.is_local() {
        return Ok(());
    }
    if path.starts_with("/api/settings") || path.starts_with("/api/products") {
        return Err(
            "settings and the catalogue can be changed in the desktop window or a browser on the desk computer only",
        );
    }
    if path.starts_with("/api/backups") {
        return Err("backups are made and restored in the desktop window or a browser on the desk computer only");
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

    pub(super) fn access(pin: &str, listen: &str, extra: &[&str]) -> BoardAccess {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        BoardAccess::new(pin, listen.parse().unwrap(), &extra, false)
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
