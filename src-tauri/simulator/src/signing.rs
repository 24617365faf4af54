//! The two vendor signatures, written from `integrations.md` alone and independently of the core's
//! verifiers, so that a test of one against the other checks both.
//!
//! - Enviso: `base64(base64(HMAC-SHA256(key_utf8, "id|tenant|event|timestamp")))`; `data` is not signed.
//! - Samna: header `t=<unix>,v1=<hex HMAC-SHA256(secret_utf8, "<t>.<raw body>")>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac_sha256(key: &str, msg: &str) -> [u8; 32] {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; the fallback is unreachable.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return [0; 32] };
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The string Enviso signs: the four envelope values exactly as sent, joined by `|`.
pub fn enviso_signed_string(id: &str, tenant: &str, event: &str, timestamp: &str) -> String {
    format!("{id}|{tenant}|{event}|{timestamp}")
}

/// Enviso's `signature` field: base64 of base64 of the digest, as in the vendor's example.
pub fn enviso_signature(key: &str, id: &str, tenant: &str, event: &str, timestamp: &str) -> String {
    let digest = hmac_sha256(key, &enviso_signed_string(id, tenant, event, timestamp));
    B64.encode(B64.encode(digest))
}

/// The `X-Samna-Signature` header value for `raw_body` sent at unix second `t`.
pub fn samna_header(secret: &str, t: i64, raw_body: &str) -> String {
    let digest = hmac_sha256(secret, &format!("{t}.{raw_body}"));
    format!("t={t},v1={}", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/signatures.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn enviso_signer_matches_the_independent_vectors() {
        for v in vectors()["enviso"].as_array().unwrap() {
            let e = &v["envelope"];
            let f = |k: &str| e[k].as_str().unwrap().to_owned();
            let (id, tenant, event, ts) = (f("id"), f("tenant"), f("event"), f("timestamp"));
            assert_eq!(enviso_signed_string(&id, &tenant, &event, &ts), v["signed_string"].as_str().unwrap());
            let key = v["hmac_key"].as_str().unwrap();
            assert_eq!(
                enviso_signature(key, &id, &tenant, &event, &ts),
                v["signature_double_base64"].as_str().unwrap(),
                "the vendor's example form is base64(base64(hmac))"
            );
        }
    }

    #[test]
    fn samna_signer_matches_the_independent_vectors() {
        for v in vectors()["samna"].as_array().unwrap() {
            let header =
                samna_header(v["secret"].as_str().unwrap(), v["t"].as_i64().unwrap(), v["raw_body"].as_str().unwrap());
            assert_eq!(header, v["header"].as_str().unwrap(), "signed string is \"<t>.<raw body>\"");
        }
    }
}
