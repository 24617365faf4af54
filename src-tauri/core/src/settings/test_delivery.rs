//! "Send a test delivery": a delivery built and signed exactly as the vendor builds it, with the
//! keys in force, posted over HTTP to our own public listener — the same route, checks and store
//! a real one goes through — so the verdict staff read is the listener's own.
//!
//! A test delivery is marked three ways so nobody mistakes it for the vendor: the header
//! `x-rangedesk-test` (kept with the delivery in the log), an id starting `rangedesk-test-`, and an
//! event type no vendor sends (`rangedeskTest`, `RANGEDESK_TEST`, `rangedesk_test`), which is
//! stored as an unknown event: no lane, no session, so it raises no help call, purchase or hit.

use crate::config::Config;
use crate::ingest::TEST_HEADER;
use crate::vendors::{enviso, samna};
use rangedesk_domain::Source;
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;
use ts_rs::TS;

pub const ENVISO_EVENT: &str = "RANGEDESK_TEST";
pub const SAMNA_EVENT: &str = "rangedesk_test";
pub const ID_PREFIX: &str = "rangedesk-test-";

/// What the listener made of a test delivery.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TestDeliveryResult {
    pub source: Source,
    /// The listener stored it (2xx).
    pub accepted: bool,
    /// The HTTP status the listener answered; 0 when it could not be reached.
    pub status: u16,
    /// Why it was refused, in the listener's words (e.g. "no Samna secret is configured").
    pub reason: Option<String>,
    /// Our trace id of the stored delivery, as the delivery log shows it.
    pub trace_id: Option<String>,
}

pub(super) async fn send(c: &Config, source: Source, addr: SocketAddr, tls: bool) -> TestDeliveryResult {
    let scheme = if tls { "https" } else { "http" };
    let id = format!("{ID_PREFIX}{}", uuid::Uuid::new_v4());
    let now = jiff::Timestamp::now();
    let mut headers = vec![(TEST_HEADER, "1".to_owned())];
    let (path, body) = match source {
        Source::ActionTarget => (
            format!("/hooks/action-target/{}", c.action_target.hook_token),
            serde_json::json!({
                "event": crate::ingest::TEST_EVENT_ACTION_TARGET,
                "id": id,
                "timestamp": now.to_string(),
                "note": "test delivery sent from rangedesk's settings",
            })
            .to_string(),
        ),
        Source::Enviso => {
            let (tenant, ts) = ("rangedesk-test", now.to_string());
            // The newest key signs, so a key just added is the one proven to work. Without any
            // key the delivery goes unsigned and the listener says so.
            let signature = c
                .enviso
                .hmac_keys
                .last()
                .map(|k| enviso::sign_double(k, &enviso::signed_string(&id, tenant, ENVISO_EVENT, &ts)))
                .unwrap_or_default();
            let body = serde_json::json!({
                "id": id,
                "tenant": tenant,
                "event": ENVISO_EVENT,
                "timestamp": ts,
                "data": {"note": "test delivery sent from rangedesk's settings"},
                "signature": signature,
            });
            ("/hooks/enviso".to_owned(), body.to_string())
        }
        Source::Samna => {
            let body = serde_json::json!({
                "id": id,
                "event_name": SAMNA_EVENT,
                "timestamp": now.to_string(),
                "context": {"note": "test delivery sent from rangedesk's settings"},
            })
            .to_string();
            if let Some(secret) = c.samna.secrets.last() {
                let t = now.as_second();
                headers
                    .push((samna::SIGNATURE_HEADER, format!("t={t},v1={}", samna::sign(secret, t, body.as_bytes()))));
            }
            ("/hooks/samna".to_owned(), body)
        }
    };
    let url = format!("{scheme}://{addr}{path}");
    let result = post(&url, headers, body).await;
    match result {
        Ok((status, answer)) => {
            let accepted = (200..300).contains(&status);
            let field = |k: &str| answer.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let reason = if accepted {
                None
            } else if status == 404 {
                Some("the listener did not recognise the webhook URL".into())
            } else {
                field("error").or_else(|| Some(format!("answered {status}")))
            };
            TestDeliveryResult { source, accepted, status, reason, trace_id: field("trace_id") }
        }
        Err(e) => TestDeliveryResult {
            source,
            accepted: false,
            status: 0,
            reason: Some(format!("the listener at {addr} could not be reached: {e}")),
            trace_id: None,
        },
    }
}

async fn post(
    url: &str,
    headers: Vec<(&'static str, String)>,
    body: String,
) -> Result<(u16, serde_json::Value), reqwest::Error> {
    let client = reqwest::Client::builder()
        // Straight to our own listener, never through a proxy from the environment.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .user_agent("rangedesk-test-delivery")
        // Only ever our own listener on loopback, whose certificate names the range's public host,
        // not 127.0.0.1: what is tested here is the route and its keys, not the certificate.
        .danger_accept_invalid_certs(true)
        .build()?;
    let mut req = client.post(url).header("content-type", "application/json").body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let answer = resp.json::<serde_json::Value>().await.unwrap_or(serde_json::Value::Null);
    Ok((status, answer))
}
