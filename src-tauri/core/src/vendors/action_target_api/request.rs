//! How one call reaches Action Target: the URL and auth header, a GET retried after a transient
//! failure (never a POST), a body read up to [`MAX_BODY`], the status mapped to an [`AtError`],
//! the vendor's reason trimmed for a toast, and the answer parsed naming where it went wrong.

use super::{AtError, Client, NewSession};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// Waits before the second and third attempt of a GET.
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(600)];
/// No answer of this API comes near it; a body beyond it is a broken or hostile server.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Longest vendor error text shown to staff.
const MAX_REASON_CHARS: usize = 200;

/// What one call sends, and what a 404 to it means.
pub(super) struct Call<'a> {
    method: reqwest::Method,
    path: &'a [&'a str],
    query: Option<String>,
    body: Option<&'a NewSession>,
    missing: &'static str,
}

impl Client {
    /// Sends `call`, retrying a GET after a transient failure; answers the 2xx body.
    pub(super) async fn call(&self, call: Call<'_>) -> Result<Vec<u8>, AtError> {
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
    pub(super) fn get(path: &'a [&'a str], missing: &'static str) -> Self {
        Call { method: reqwest::Method::GET, path, query: None, body: None, missing }
    }
    pub(super) fn post(
        path: &'a [&'a str],
        query: Option<String>,
        body: Option<&'a NewSession>,
        missing: &'static str,
    ) -> Self {
        Call { method: reqwest::Method::POST, path, query, body, missing }
    }
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

pub(super) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AtError> {
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
    use crate::vendors::action_target_api::{ApiLane, ApiSession};

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
    fn unknown_fields_and_absent_optionals_are_fine() {
        let s: ApiSession =
            parse(br#"{"session_id":"s","lane_id":"l","duration":60,"new_thing":[1],"began_at":null}"#).unwrap();
        assert_eq!((s.began_at, s.minutes_remaining, s.enable_purchasing), (None, None, false));
        let e = parse::<Vec<ApiLane>>(br#"[{"lane_id":"a"}]"#).unwrap_err();
        assert!(e.to_string().contains("[0]"), "names where the answer went wrong: {e}");
    }
}
