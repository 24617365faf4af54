//! The Action Target POS Gateway REST API, typed: lanes, bays, groups and sessions (read, create,
//! modify, stop). Owns the HTTP details so callers see only [`ApiLane`]… and an [`AtError`] whose
//! `Display` is a sentence for desk staff and whose [`AtError::code`] is stable for the UI.
//!
//! Promises: the key is sent only as `<auth_header>: Bearer <key>` and never logged; without a key
//! or base URL nothing is sent; every request has a timeout; GETs are retried (3 attempts) on
//! timeouts, connection errors and 5xx, POSTs never, because a retried create would start a second
//! session on the lane; redirects are not followed, so a custom auth header cannot leak to another host.
//!
//! The wire types are in `action_target_api/wire.rs`, the error in `action_target_api/error.rs`,
//! and how one call is sent, retried, limited and read in `action_target_api/request.rs`; this
//! module holds the client, its settings and the operations.

use serde::de::DeserializeOwned;
use std::time::Duration;

mod error;
mod request;
mod wire;

pub use error::AtError;
use request::{Call, parse};
pub use wire::{ApiBay, ApiGroup, ApiLane, ApiSession, NewSession};

/// Where and how to reach the API.
#[derive(Clone)]
pub struct ApiConfig {
    /// Up to and including `/pos`, e.g. `https://api.action-target.net/api/v2/pos`.
    pub base: String,
    pub api_key: String,
    pub auth_header: String,
    /// For each attempt, from connecting to the last byte of the body.
    pub timeout: Duration,
}

impl ApiConfig {
    pub fn from_config(c: &crate::config::ActionTarget) -> ApiConfig {
        ApiConfig {
            base: c.api_base.trim().to_owned(),
            // A key pasted into the settings often brings a newline along.
            api_key: c.api_key.trim().to_owned(),
            auth_header: c.api_auth_header.clone(),
            timeout: Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("base", &self.base)
            .field("api_key", &if self.api_key.is_empty() { "(empty)" } else { "(set)" })
            .field("auth_header", &self.auth_header)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A cheap handle: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `None` when the base URL or the key is empty: every call is then `NotConfigured`.
    target: Option<(reqwest::Url, reqwest::header::HeaderValue)>,
    auth_header: reqwest::header::HeaderName,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base = self.target.as_ref().map(|(u, _)| u.as_str());
        f.debug_struct("Client").field("base", &base).field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client. An empty key or base is not an error here (the app holds a client before
    /// anyone has entered a key); each call then answers `NotConfigured` without sending anything.
    pub fn new(cfg: ApiConfig) -> Result<Client, AtError> {
        let auth_header = reqwest::header::HeaderName::from_bytes(cfg.auth_header.as_bytes())
            .map_err(|_| AtError::BadSetting(format!("{:?} is not a header name", cfg.auth_header)))?;
        let (base, key) = (cfg.base.trim(), cfg.api_key.trim());
        let target = if base.is_empty() || key.is_empty() {
            None
        } else {
            let url = reqwest::Url::parse(base)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
                .ok_or_else(|| AtError::BadSetting("the API URL is not an http:// or https:// address".into()))?;
            let mut value = reqwest::header::HeaderValue::try_from(format!("Bearer {key}"))
                .map_err(|_| AtError::BadSetting("the API key has characters a key cannot have".into()))?;
            value.set_sensitive(true);
            Some((url, value))
        };
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rangedesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AtError::BadSetting(format!("the HTTP client cannot start: {e}")))?;
        Ok(Client { http, target, auth_header, timeout: cfg.timeout })
    }

    /// Every lane, in the range's display order.
    pub async fn lanes(&self) -> Result<Vec<ApiLane>, AtError> {
        self.get_list(&["lanes"]).await
    }

    pub async fn bays(&self) -> Result<Vec<ApiBay>, AtError> {
        self.get_list(&["bays"]).await
    }

    pub async fn groups(&self) -> Result<Vec<ApiGroup>, AtError> {
        self.get_list(&["groups"]).await
    }

    /// The active sessions; a stopped one is no longer listed.
    pub async fn sessions(&self) -> Result<Vec<ApiSession>, AtError> {
        self.get_list(&["sessions"]).await
    }

    /// One session, or `None` when Action Target does not know it (stopped long ago, or never).
    pub async fn session(&self, id: &str) -> Result<Option<ApiSession>, AtError> {
        if id.is_empty() {
            return Ok(None);
        }
        match self.call(Call::get(&["sessions", id], "session")).await {
            Ok(body) => parse(&body).map(Some),
            Err(AtError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Starts a session. Checked here first, so staff get a plain reason without a round trip.
    pub async fn create_session(&self, s: &NewSession) -> Result<ApiSession, AtError> {
        let refuse = |why: &str| Err(AtError::Refused(format!("Cannot start the session: {why}")));
        if !(1..=480).contains(&s.duration) {
            return refuse("the duration must be 1 to 480 minutes");
        }
        if s.customer_name.trim().is_empty() {
            return refuse("the customer name is empty");
        }
        if s.lane_id.trim().is_empty() {
            return refuse("no lane is chosen");
        }
        let body = self.call(Call::post(&["sessions"], None, Some(s), "lane")).await?;
        parse(&body)
    }

    /// Adds (positive) or takes away (negative) minutes.
    pub async fn modify_session(&self, id: &str, minutes: i64) -> Result<(), AtError> {
        if minutes == 0 {
            return Err(AtError::Refused("Cannot change the session by 0 minutes".into()));
        }
        let time = if minutes > 0 { format!("+{minutes}") } else { minutes.to_string() };
        self.call(Call::post(&["sessions", nonempty(id)?, "modify"], Some(time), None, "session")).await.map(drop)
    }

    pub async fn stop_session(&self, id: &str) -> Result<(), AtError> {
        self.call(Call::post(&["sessions", nonempty(id)?, "stop"], None, None, "session")).await.map(drop)
    }

    async fn get_list<T: DeserializeOwned>(&self, path: &[&str]) -> Result<Vec<T>, AtError> {
        let body = self.call(Call::get(path, "address; check the API URL in settings")).await?;
        parse(&body)
    }
}

/// An empty id would turn `/sessions/{id}/stop` into another path altogether.
fn nonempty(id: &str) -> Result<&str, AtError> {
    if id.is_empty() { Err(AtError::NotFound("session")) } else { Ok(id) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(base: &str, key: &str) -> ApiConfig {
        ApiConfig {
            base: base.into(),
            api_key: key.into(),
            auth_header: "Authorization".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn key_never_shows_in_debug() {
        let c = cfg("https://x.test/pos", "sekrit-key");
        assert!(!format!("{c:?}").contains("sekrit"), "config Debug may reach a log");
        let client = Client::new(c).unwrap();
        assert!(!format!("{client:?}").contains("sekrit"), "client Debug may reach a log");
    }

    #[test]
    fn settings_that_cannot_work_are_named() {
        let mut c = cfg("ftp://x.test", "k");
        assert_eq!(Client::new(c.clone()).unwrap_err().code(), "not_configured", "only http(s) URLs");
        c.base = "https://x.test".into();
        c.auth_header = "Bad Header".into();
        assert!(Client::new(c).unwrap_err().to_string().contains("not a header name"));
        assert!(Client::new(cfg("", "")).is_ok(), "no key yet is a state of the app, not a failure to start");
    }

    #[test]
    fn from_config_trims_the_pasted_key_and_waits_five_seconds() {
        let at = crate::config::ActionTarget { api_key: " k\n".into(), ..Default::default() };
        let c = ApiConfig::from_config(&at);
        assert_eq!(c.api_key, "k");
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.auth_header, "Authorization");
        assert_eq!(c.base, "https://api.action-target.net/api/v2/pos");
    }
}
