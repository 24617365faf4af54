//! The Action Target POS Gateway REST API, typed: lanes, bays, groups and sessions (read, create,
//! modify, stop). Owns the HTTP details so callers see only [`ApiLane`]… and an [`AtError`] whose
//! `Display` is a sentence for desk staff and whose [`AtError::code`] is stable for the UI.
//!
//! Promises: the key is sent only as `<auth_header>: Bearer <key>` and never logged; without a key
//! or base URL nothing is sent; every request has a timeout; GETs are retried (3 attempts) on
//! timeouts, connection errors and 5xx, POSTs never, because a retried create would start a second
//! session on the lane; redirects are not followed, so a custom auth header cannot leak to another host.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Waits before the second and third attempt of a GET.
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(600)];
/// No answer of this API comes near it; a body beyond it is a broken or hostile server.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Longest vendor error text shown to staff.
const MAX_REASON_CHARS: usize = 200;

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiLane {
    pub lane_id: String,
    #[serde(default)]
    pub bay_id: Option<String>,
    pub readable_name: String,
    pub is_accessible: bool,
    pub is_usable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiBay {
    pub bay_id: String,
    pub name: String,
}

/// An access group; most ranges have one, and a new session needs its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiGroup {
    pub id: String,
    pub name: String,
}

/// The vendor's SessionView. `began_at` and `minutes_remaining` stay empty until the shooter
/// enters the lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiSession {
    pub session_id: String,
    pub lane_id: String,
    #[serde(default)]
    pub group_id: Option<String>,
    /// Booked minutes.
    #[ts(type = "number")]
    pub duration: i64,
    #[serde(default)]
    pub began_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub minutes_remaining: Option<f64>,
    /// The vendor's default when it leaves the field out.
    #[serde(default)]
    pub enable_purchasing: bool,
    #[serde(default)]
    pub customer_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewSession {
    pub customer_name: String,
    pub lane_id: String,
    pub group_id: String,
    /// Minutes, 1 to 480.
    #[ts(type = "number")]
    pub duration: i64,
    pub enable_purchasing: bool,
    pub auto_start: bool,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AtError {
    #[error("Action Target refused the key")]
    Unauthorized,
    /// What was not known: `session`, `lane`, or an address (a wrong API URL).
    #[error("Action Target does not know that {0}")]
    NotFound(&'static str),
    /// The whole sentence: a 4xx with the vendor's reason, or a request refused before sending.
    #[error("{0}")]
    Refused(String),
    #[error("Action Target had an internal error (HTTP {0})")]
    ServerError(u16),
    #[error("Action Target did not answer in {} s", seconds(.0))]
    Timeout(Duration),
    /// Why, in a few words: `connection refused`, `address not found`…
    #[error("Action Target could not be reached ({0})")]
    Unreachable(String),
    #[error("Action Target gave an answer rangedesk does not understand ({0})")]
    BadAnswer(String),
    #[error("Action Target is not set up: add the API key in settings")]
    NotConfigured,
    /// A setting that cannot work: an API URL or header name that is not one.
    #[error("Action Target is not set up: {0}")]
    BadSetting(String),
}

impl AtError {
    pub fn code(&self) -> &'static str {
        match self {
            AtError::Unauthorized => "unauthorized",
            AtError::NotFound(_) => "not_found",
            AtError::Refused(_) => "refused",
            AtError::ServerError(_) => "server_error",
            AtError::Timeout(_) => "timeout",
            AtError::Unreachable(_) => "unreachable",
            AtError::BadAnswer(_) => "bad_answer",
            AtError::NotConfigured | AtError::BadSetting(_) => "not_configured",
        }
    }

    /// Worth another GET: the next attempt may find the server up again.
    fn is_transient(&self) -> bool {
        matches!(self, AtError::Timeout(_) | AtError::Unreachable(_) | AtError::ServerError(_))
    }
}

/// `5` for whole seconds, `0.3` otherwise.
fn seconds(d: &Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s:.1}") }
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

/// What one call sends, and what a 404 to it means.
struct Call<'a> {
    method: reqwest::Method,
    path: &'a [&'a str],
    query: Option<String>,
    body: Option<&'a NewSession>,
    missing: &'static str,
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

    /// Sends `call`, retrying a GET after a transient failure; answers the 2xx body.
    async fn call(&self, call: Call<'_>) -> Result<Vec<u8>, AtError> {
        let attempts = if call.method == reqwest::Method::GET { BACKOFF.len() + 1 } else { 1 };
        let mut attempt = 1;
        loop {
            match self.once(&call, attempt).await {
                Err(e) if e.is_transient() && attempt < attempts => {
                    tokio::time::sleep(BACKOFF[attempt - 1]).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn once(&self, call: &Call<'_>, attempt: usize) -> Result<Vec<u8>, AtError> {
        let (base, auth) = self.target.as_ref().ok_or(AtError::NotConfigured)?;
        let mut url = base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(call.path);
        }
        let path = url.path().to_owned();
        let mut req = self.http.request(call.method.clone(), url).header(&self.auth_header, auth);
        if let Some(time) = &call.query {
            req = req.query(&[("time", time)]);
        }
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let started = Instant::now();
        let ms = || started.elapsed().as_millis() as u64;
        let mut resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => {
                let err = self.transport(&e);
                tracing::debug!(method = %call.method, %path, attempt, elapsed_ms = ms(), code = err.code(),
                    error = %error_chain(&e), "Action Target call failed");
                return Err(err);
            }
        };
        let status = resp.status();
        let body = read_limited(&mut resp).await;
        tracing::debug!(method = %call.method, %path, attempt, status = status.as_u16(), elapsed_ms = ms(),
            "Action Target answered");
        let body = body.map_err(|e| self.transport(&e))?;
        match status.as_u16() {
            200..=299 => body.ok_or_else(|| AtError::BadAnswer(format!("more than {} MiB", MAX_BODY >> 20))),
            401 | 403 => Err(AtError::Unauthorized),
            404 => Err(AtError::NotFound(call.missing)),
            400..=499 => Err(AtError::Refused(format!("Action Target refused: {}", reason(status, body.as_deref())))),
            500..=599 => Err(AtError::ServerError(status.as_u16())),
            _ => Err(AtError::BadAnswer(format!("HTTP {}; check the API URL in settings", status.as_u16()))),
        }
    }

    fn transport(&self, e: &reqwest::Error) -> AtError {
        let chain = error_chain(e);
        if e.is_timeout() {
            return AtError::Timeout(self.timeout);
        }
        let why = if chain.contains("onnection refused") {
            "connection refused"
        } else if chain.contains("dns error") {
            "address not found"
        } else if chain.contains("certificate") || chain.contains("tls") {
            "secure connection failed"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "connection broken"
        };
        AtError::Unreachable(why.into())
    }
}

impl<'a> Call<'a> {
    fn get(path: &'a [&'a str], missing: &'static str) -> Self {
        Call { method: reqwest::Method::GET, path, query: None, body: None, missing }
    }
    fn post(path: &'a [&'a str], query: Option<String>, body: Option<&'a NewSession>, missing: &'static str) -> Self {
        Call { method: reqwest::Method::POST, path, query, body, missing }
    }
}

/// An empty id would turn `/sessions/{id}/stop` into another path altogether.
fn nonempty(id: &str) -> Result<&str, AtError> {
    if id.is_empty() { Err(AtError::NotFound("session")) } else { Ok(id) }
}

/// The body, or `None` when it is larger than [`MAX_BODY`] (the rest is not read).
async fn read_limited(resp: &mut reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AtError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let what = e.inner().to_string();
        AtError::BadAnswer(if at == "." { what } else { format!("{at}: {what}") })
    })
}

/// The vendor's reason for a 4xx: its `user_message`, `error` or `message`, else the body text;
/// on one line and at most [`MAX_REASON_CHARS`] characters.
fn reason(status: reqwest::StatusCode, body: Option<&[u8]>) -> String {
    let text = String::from_utf8_lossy(body.unwrap_or_default()).into_owned();
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = json.as_ref().and_then(|v| {
        ["user_message", "error", "message"].iter().find_map(|k| v.get(k).and_then(|x| x.as_str()).map(str::to_owned))
    });
    let words = field.unwrap_or(text).split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return format!("HTTP {}", status.as_u16());
    }
    match words.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &words[..cut]),
        None => words,
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
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
    fn seconds_read_naturally() {
        assert_eq!(AtError::Timeout(Duration::from_secs(5)).to_string(), "Action Target did not answer in 5 s");
        assert_eq!(AtError::Timeout(Duration::from_millis(300)).to_string(), "Action Target did not answer in 0.3 s");
    }

    #[test]
    fn reason_is_the_vendors_words_trimmed() {
        let s = reqwest::StatusCode::UNPROCESSABLE_ENTITY;
        assert_eq!(reason(s, Some(br#"{"error":"lane busy","trace_id":"t"}"#)), "lane busy", "the field, not JSON");
        assert_eq!(reason(s, Some(b"  plain\n text ")), "plain text", "one line for a toast");
        assert_eq!(reason(s, Some(b"")), "HTTP 422", "an empty body still says something");
        let long = "é".repeat(300);
        let cut = reason(s, Some(long.as_bytes()));
        assert_eq!(cut.chars().count(), MAX_REASON_CHARS + 1, "200 characters and an ellipsis, cut on a char");
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

    #[test]
    fn unknown_fields_and_absent_optionals_are_fine() {
        let s: ApiSession =
            parse(br#"{"session_id":"s","lane_id":"l","duration":60,"new_thing":[1],"began_at":null}"#).unwrap();
        assert_eq!((s.began_at, s.minutes_remaining, s.enable_purchasing), (None, None, false));
        let e = parse::<Vec<ApiLane>>(br#"[{"lane_id":"a"}]"#).unwrap_err();
        assert!(e.to_string().contains("[0]"), "names where the answer went wrong: {e}");
    }
}
