//! The PIN and the sessions it opens: the PIN is kept and compared only as a SHA-256 digest, in
//! constant time, so neither it nor its length leaks; `?pin=` opens a session whose token lives in
//! an `HttpOnly`, `SameSite=Strict` cookie and is kept only as a digest, for a working day; the PIN
//! is taken out of the address the browser is sent on to.

use super::{BoardAccess, MAX_ENTRIES, lock};
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long a browser stays signed in after `?pin=`: a working day.
pub const SESSION_SECONDS: u64 = 12 * 3600;
/// The session cookie's name. The old `rangedesk_pin` cookie held the PIN itself and is ignored.
pub const SESSION_COOKIE: &str = "rangedesk_session";

impl BoardAccess {
    pub(super) fn pin_matches(&self, given: &str) -> bool {
        self.pin.is_some_and(|pin| bool::from(digest(given.as_bytes()).ct_eq(&pin)))
    }

    pub(super) fn session_is_valid(&self, token: &str, now: Instant) -> bool {
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
    pub(super) fn new_session(&self, now: Instant) -> String {
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

    pub(super) fn cookie(&self, token: &str) -> String {
        let secure = if self.tls { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}")
    }
}

/// The `pin` of a query string, URL-decoded (`%2B`, `+`).
pub(super) fn query_pin(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == "pin").map(|(_, v)| v.into_owned())
}

/// The same path and query without `pin`.
pub(super) fn without_pin(uri: &axum::http::Uri) -> String {
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

pub(super) fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

pub(super) fn digest(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::guard::tests::access;

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
}
