//! Enviso notifications. The envelope `{id, tenant, event, timestamp, data, signature}` is signed
//! with HMAC-SHA256 over `id|tenant|event|timestamp`, the four values exactly as received (`data` is
//! not covered). The vendor's example is `base64(base64(hmac))`; plain `base64(hmac)` is accepted
//! too. Several keys may be configured (rotation). Repeats are recognised on `(tenant, id)` for ever.

use super::{NewEvent, Parsed, Refusal, json_body, required_str};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Event names from the vendor's notification page, plus the extra names and the
/// `BOOKINGS_CANCELLED` spelling seen on its create-webhook page.
pub const KNOWN_EVENTS: [&str; 41] = [
    "ORDER_CREATED",
    "ORDER_CONFIRMED",
    "ORDER_CANCELLED",
    "ORDER_PARTIALLY_CANCELLED",
    "ORDER_REBOOKED",
    "ORDER_REBOOK_CANCELLED",
    "PASS_SCANNED",
    "PAYMENT_LINK_CREATED",
    "BOOKING_CREATED",
    "BOOKING_UPDATED",
    "BOOKING_CANCELLED",
    "BOOKINGS_CANCELLED",
    "VENUE_TASK_CREATED",
    "VENUE_TASK_UPDATED",
    "VENUE_TASK_CANCELLED",
    "VENUE_TASK_ASSIGNED",
    "VENUE_TASK_UNASSIGNED",
    "LOCKER_STATE_CHANGED",
    "DATA_CARRIER_CREATED",
    "DATA_CARRIER_DELETED",
    "DATA_CARRIER_STATUS_UPDATED",
    "DATA_CARRIER_UPDATED",
    "EXECUTE_LOCK_ACTION",
    "LOCKER_CREATED",
    "LOCKER_DELETED",
    "LOCKER_MODE_CHANGED",
    "LOCKER_GROUP_CREATED",
    "LOCKER_GROUP_DELETED",
    "LOCKER_GROUP_UPDATED",
    "LOCKER_USER_CREATED",
    "LOCKER_USER_DELETED",
    "LOCKER_USER_UPDATED",
    "MAINTENANCE_DATA_CARRIER_CREATED",
    "MAINTENANCE_DATA_CARRIER_DELETED",
    "MAINTENANCE_DATA_CARRIER_STATUS_UPDATED",
    "MAINTENANCE_DATA_CARRIER_UPDATED",
    "MASTER_CARD_SET_CREATED",
    "MASTER_CARD_SET_DELETED",
    "MASTER_CARD_SET_SYNCHRONIZED",
    "MASTER_CARD_SET_UPDATED",
    "LOCK_ALARM_CHANGED",
];

/// The id fields `data` uses for the thing an event is about, in the order we look for them.
const SUBJECT_FIELDS: [&str; 8] =
    ["id", "ids", "lockId", "lockIds", "dataCarrierId", "lockerUserId", "lockerGroupId", "masterCardSetId"];

/// The string both signature forms are computed over.
pub fn signed_string(id: &str, tenant: &str, event: &str, timestamp: &str) -> String {
    format!("{id}|{tenant}|{event}|{timestamp}")
}

/// `base64(hmac)`, the inner form; the vendor sends `base64` of this.
pub fn sign_single(key: &str, signed: &str) -> String {
    B64.encode(hmac_sha256(key, signed))
}

/// `base64(base64(hmac))`, the form in the vendor's example.
pub fn sign_double(key: &str, signed: &str) -> String {
    B64.encode(sign_single(key, signed))
}

fn hmac_sha256(key: &str, msg: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an impossible digest anyway.
    match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(msg.as_bytes());
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// Whether `given` is a valid signature of `signed` under any of `keys`, in either form. Every
/// key and form is compared in full, in constant time.
pub fn signature_matches(keys: &[String], signed: &str, given: &str) -> bool {
    let given = given.trim().as_bytes();
    let mut ok = subtle::Choice::from(0);
    for key in keys.iter().filter(|k| !k.is_empty()) {
        let single = sign_single(key, signed);
        let double = B64.encode(&single);
        ok |= single.as_bytes().ct_eq(given) | double.as_bytes().ct_eq(given);
    }
    bool::from(ok)
}

/// Verifies and parses one notification.
pub fn verify_and_parse(body: &[u8], keys: &[String]) -> Result<Parsed, Refusal> {
    if keys.iter().all(|k| k.is_empty()) {
        return Err(Refusal::unauthorized("no Enviso HMAC key is configured"));
    }
    let mut v = json_body(body)?;
    if !v.is_object() {
        return Err(Refusal::bad_request("body is not a JSON object"));
    }
    let id = required_str(&v, "id")?;
    let tenant = required_str(&v, "tenant")?;
    let event = required_str(&v, "event")?;
    let timestamp = required_str(&v, "timestamp")?;
    let signature = match v.get("signature") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(Refusal::unauthorized("missing signature")),
    };
    if !signature_matches(keys, &signed_string(&id, &tenant, &event, &timestamp), &signature) {
        return Err(Refusal::unauthorized("bad signature"));
    }
    if let Some(obj) = v.as_object_mut() {
        obj.remove("signature");
    }
    let subject = v.get("data").and_then(subject_of);
    Ok(Parsed {
        dedup_key: Some(dedup_key(&tenant, &id)),
        events: vec![NewEvent {
            known: KNOWN_EVENTS.contains(&event.as_str()),
            kind: event,
            lane_id: None,
            session_id: None,
            subject,
            vendor_time: Some(timestamp),
            data: v,
        }],
    })
}

/// Unambiguous even when a tenant contains `|`: a JSON array of the two strings.
pub fn dedup_key(tenant: &str, id: &str) -> String {
    serde_json::json!([tenant, id]).to_string()
}

fn subject_of(data: &serde_json::Value) -> Option<String> {
    SUBJECT_FIELDS.iter().find_map(|f| match data.get(*f)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    fn body(key: &str, double: bool, ts: &str) -> Vec<u8> {
        let signed = signed_string("n-1", "TEN", "ORDER_CREATED", ts);
        let sig = if double { sign_double(key, &signed) } else { sign_single(key, &signed) };
        json!({"id":"n-1","tenant":"TEN","event":"ORDER_CREATED","timestamp":ts,
               "data":{"id":"ord-1","newField":{"x":1}},"signature":sig})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn independent_vectors_pass() {
        let raw = include_str!("../../../../tests/vectors/signatures.json");
        let vectors: serde_json::Value = serde_json::from_str(raw).unwrap();
        for v in vectors["enviso"].as_array().unwrap() {
            let env = &v["envelope"];
            let s = |k: &str| env[k].as_str().unwrap();
            let signed = signed_string(s("id"), s("tenant"), s("event"), s("timestamp"));
            assert_eq!(signed, v["signed_string"].as_str().unwrap());
            let key = v["hmac_key"].as_str().unwrap();
            assert_eq!(sign_double(key, &signed), v["signature_double_base64"].as_str().unwrap());
            assert_eq!(sign_single(key, &signed), v["signature_single_base64"].as_str().unwrap());
            for form in ["signature_double_base64", "signature_single_base64"] {
                let mut delivery = env.clone();
                delivery["signature"] = v[form].clone();
                let p = verify_and_parse(delivery.to_string().as_bytes(), &keys(&["other", key])).unwrap();
                assert_eq!(p.events[0].kind, s("event"));
                assert_eq!(p.events[0].vendor_time.as_deref(), Some(s("timestamp")), "raw timestamp kept");
            }
        }
    }

    #[test]
    fn both_forms_and_rotated_keys_verify() {
        for double in [true, false] {
            let b = body("new-key", double, "2026-11-24T10:00:00.000Z");
            assert!(verify_and_parse(&b, &keys(&["old-key", "new-key"])).is_ok());
            assert!(matches!(verify_and_parse(&b, &keys(&["old-key"])), Err(Refusal::Unauthorized(_))));
        }
    }

    #[test]
    fn timestamp_is_signed_as_received_not_reserialised() {
        // The same instant written differently is a different signed string.
        let b = body("k", true, "2026-11-24T10:00:00.9330000+01:00");
        let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert!(verify_and_parse(&b, &keys(&["k"])).is_ok());
        v["timestamp"] = json!("2026-11-24T09:00:00.933Z");
        assert!(matches!(verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])), Err(Refusal::Unauthorized(_))));
    }

    #[test]
    fn data_is_not_signed_and_kept_whole() {
        let b = body("k", true, "t");
        let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["data"]["another"] = json!([1, 2, 3]);
        let p = verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])).unwrap();
        let e = &p.events[0];
        assert_eq!(e.data["data"]["another"], json!([1, 2, 3]));
        assert_eq!(e.data["data"]["newField"]["x"], 1);
        assert!(e.data.get("signature").is_none(), "the signature is not event data");
        assert_eq!(e.subject.as_deref(), Some("ord-1"));
        assert_eq!(p.dedup_key, Some(dedup_key("TEN", "n-1")));
    }

    #[test]
    fn tampered_envelope_fails() {
        let b = body("k", false, "t");
        for (field, value) in [("id", "n-2"), ("tenant", "X"), ("event", "ORDER_CANCELLED"), ("timestamp", "u")] {
            let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
            v[field] = json!(value);
            assert!(
                matches!(verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])), Err(Refusal::Unauthorized(_))),
                "{field}"
            );
        }
    }

    #[test]
    fn refusals_map_to_their_statuses() {
        let good = body("k", true, "t");
        assert!(matches!(verify_and_parse(&good, &[]), Err(Refusal::Unauthorized(_))), "no key configured");
        assert!(matches!(verify_and_parse(&good, &keys(&[""])), Err(Refusal::Unauthorized(_))), "only empty keys");
        assert!(matches!(verify_and_parse(b"nope", &keys(&["k"])), Err(Refusal::BadRequest(_))));
        let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
        v.as_object_mut().unwrap().remove("tenant");
        assert!(matches!(verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])), Err(Refusal::BadRequest(_))));
        let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
        v.as_object_mut().unwrap().remove("signature");
        assert!(matches!(verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])), Err(Refusal::Unauthorized(_))));
        for bad in ["", "x", "YQ==", "=="] {
            v["signature"] = json!(bad);
            assert!(
                matches!(verify_and_parse(v.to_string().as_bytes(), &keys(&["k"])), Err(Refusal::Unauthorized(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unknown_events_are_kept() {
        let signed = signed_string("n", "t", "SOMETHING_NEW", "ts");
        let b = json!({"id":"n","tenant":"t","event":"SOMETHING_NEW","timestamp":"ts","signature":sign_double("k",&signed)});
        let p = verify_and_parse(b.to_string().as_bytes(), &keys(&["k"])).unwrap();
        assert!(!p.events[0].known);
        assert_eq!(p.events[0].kind, "SOMETHING_NEW");
    }

    #[test]
    fn dedup_key_is_unambiguous() {
        assert_ne!(dedup_key("a|b", "c"), dedup_key("a", "b|c"));
    }
}
