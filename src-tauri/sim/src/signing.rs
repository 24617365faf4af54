//! How each vendor signs a delivery, as a sender does it. The HMACs themselves are the core's own
//! functions, so the simulator can never drift from what the server checks; this module only puts
//! them where each vendor puts them (Enviso: inside the JSON; Samna: a header; Action Target: an
//! unguessable token in the URL instead of a signature).

use rangedesk_core::testing::{enviso, samna};
use serde_json::{Value, json};

/// An Enviso envelope `{id, tenant, event, timestamp, data, signature}` with
/// `signature = base64(base64(hmac_sha256(key, "id|tenant|event|timestamp")))`.
pub fn enviso_body(key: &str, id: &str, tenant: &str, event: &str, timestamp: &str, data: Value) -> Vec<u8> {
    let signature = enviso::sign_double(key, &enviso::signed_string(id, tenant, event, timestamp));
    json!({"id": id, "tenant": tenant, "event": event, "timestamp": timestamp, "data": data, "signature": signature})
        .to_string()
        .into_bytes()
}

/// The `X-Samna-Signature` value for `body` sent at unix second `t`: `t=<t>,v1=<hex hmac of "<t>.<body>">`.
pub fn samna_header(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", samna::sign(secret, t, body))
}

/// The path Action Target posts to; the token is the only proof of who is calling.
pub fn action_target_path(hook_token: &str) -> String {
    format!("/hooks/action-target/{hook_token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enviso_bodies_verify_with_the_server_code() {
        let body = enviso_body("k", "n-1", "T", "ORDER_CREATED", "2026-01-01T00:00:00Z", json!({"id": "o-1"}));
        let parsed = enviso::verify_and_parse(&body, &["k".to_owned()]);
        assert!(parsed.is_ok(), "the server must accept what the simulator signs: {parsed:?}");
        assert!(enviso::verify_and_parse(&body, &["other".to_owned()]).is_err(), "and only with the right key");
    }

    #[test]
    fn samna_headers_verify_with_the_server_code() {
        let body = br#"{"id":"e1","event_name":"booking_created","timestamp":"2026-01-01T00:00:00Z","context":{}}"#;
        let header = samna_header("wh_sec_x", 1_764_000_000, body);
        let secrets = ["wh_sec_x".to_owned()];
        assert!(samna::verify(Some(&header), body, &secrets, 300, 1_764_000_010).is_ok(), "{header}");
        assert!(samna::verify(Some(&header), b"{}", &secrets, 300, 1_764_000_010).is_err(), "the body is signed");
    }
}
