//! The three vendors' webhook formats. Each module turns one raw delivery into a verdict:
//! verified or refused, then parsed into a dedup key and normalized events, exactly as
//! `integrations.md` decides. Adapters are pure: no I/O, and time is passed in. The exception is
//! `action_target_api`, the client for Action Target's REST API, which is all I/O.

pub mod action_target;
pub mod action_target_api;
pub mod enviso;
pub mod samna;

use rangedesk_domain::NewEvent;

/// A delivery that passed verification and parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// Repeats of a delivery share this key and change nothing the second time. `None` when the
    /// vendor gives no delivery id (Action Target): every such delivery is new.
    pub dedup_key: Option<String>,
    /// Each event's `data` is the whole body as parsed: the store keeps the body once, in the
    /// delivery row, and gives it back as the data of the delivery's webhook events.
    pub events: Vec<NewEvent>,
}

/// Why a delivery was refused. Maps one-to-one onto the statuses in INTERFACES.md.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 401: missing or bad signature, timestamp outside the window, no key configured.
    #[error("{0}")]
    Unauthorized(String),
    /// 400: not JSON, or JSON without the envelope fields the signature or the event needs.
    #[error("{0}")]
    BadRequest(String),
}

impl Refusal {
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Refusal::Unauthorized(msg.into())
    }
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Refusal::BadRequest(msg.into())
    }
}

/// Parses a body as JSON, refusing non-UTF-8 and over-deep input with a 400 rather than a panic
/// or a stack overflow (serde_json stops at 128 levels).
pub(crate) fn json_body(body: &[u8]) -> Result<serde_json::Value, Refusal> {
    let text = std::str::from_utf8(body).map_err(|_| Refusal::bad_request("body is not UTF-8"))?;
    serde_json::from_str(text).map_err(|e| Refusal::bad_request(format!("body is not valid JSON: {e}")))
}

/// The string value of `key` in a JSON object, if present and a string.
pub(crate) fn str_field(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
}

/// A required string field of the envelope; absent or not a string is a 400.
pub(crate) fn required_str(v: &serde_json::Value, key: &str) -> Result<String, Refusal> {
    match v.get(key) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(serde_json::Value::String(_)) => Err(Refusal::bad_request(format!("`{key}` is empty"))),
        Some(_) => Err(Refusal::bad_request(format!("`{key}` is not a string"))),
        None => Err(Refusal::bad_request(format!("`{key}` is missing"))),
    }
}
