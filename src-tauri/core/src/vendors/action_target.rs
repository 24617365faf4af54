//! Action Target SmartRange lane events. Webhooks are unsigned, so the per-install token in the
//! URL is the proof of origin (compared in constant time). Payloads are `{event, session_id,
//! lane_id}` plus `items` for `purchaseRequest`; there is no delivery id, so every delivery is new.

use super::{NewEvent, Parsed, Refusal, json_body, required_str, str_field};
pub use rangedesk_domain::purchase::PurchaseItem;
use subtle::ConstantTimeEq;

/// The nine event types the vendor documents; anything else is stored and shown as unknown.
pub const KNOWN_EVENTS: [&str; 9] = [
    "purchaseRequest",
    "help",
    "carrierHit",
    "sessionCreated",
    "sessionStarted",
    "sessionPaused",
    "sessionResumed",
    "sessionStopped",
    "sessionModified",
];

pub const PURCHASE_REQUEST: &str = "purchaseRequest";

/// Whether the token in the path is ours. Constant time in the content; the length of our own
/// token is not a secret.
pub fn token_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Parses a lane event. Only `event` is required of every payload; a `purchaseRequest` also
/// needs `session_id` and a list of `{id, qty}` items, since it cannot be answered without them.
pub fn parse(body: &[u8]) -> Result<Parsed, Refusal> {
    let v = json_body(body)?;
    if !v.is_object() {
        return Err(Refusal::bad_request("body is not a JSON object"));
    }
    let kind = required_str(&v, "event")?;
    let session_id = optional_id(&v, "session_id")?;
    let lane_id = optional_id(&v, "lane_id")?;
    if kind == PURCHASE_REQUEST {
        if session_id.is_none() {
            return Err(Refusal::bad_request("purchaseRequest without `session_id`"));
        }
        purchase_items(&v)?;
    }
    Ok(Parsed {
        dedup_key: None,
        events: vec![NewEvent {
            known: KNOWN_EVENTS.contains(&kind.as_str()),
            kind,
            lane_id,
            session_id,
            subject: None,
            vendor_time: str_field(&v, "timestamp"),
            data: v,
        }],
    })
}

/// The items of a `purchaseRequest` payload: a non-empty array of `{id: string, qty: integer}`.
/// A `qty` that is a whole number but not one the catalogue sells (0, negative, too many) is a
/// well-formed request that gets a decline the lane can show (`purchases::limits`); a `qty` that
/// is not an integer an `i64` holds says nothing we could decline, so it is a bad request.
pub fn purchase_items(v: &serde_json::Value) -> Result<Vec<PurchaseItem>, Refusal> {
    let items = v
        .get("items")
        .and_then(|i| i.as_array())
        .ok_or_else(|| Refusal::bad_request("purchaseRequest without an `items` array"))?;
    if items.is_empty() {
        return Err(Refusal::bad_request("purchaseRequest with no items"));
    }
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let id = item.get("id").and_then(|x| x.as_str()).filter(|s| !s.is_empty());
            let qty = item.get("qty").and_then(|x| x.as_i64());
            match (id, qty) {
                (Some(id), Some(qty)) => Ok(PurchaseItem { id: id.to_owned(), qty }),
                _ => Err(Refusal::bad_request(format!("items[{n}] needs a string `id` and an integer `qty`"))),
            }
        })
        .collect()
}

/// `session_id` and `lane_id` are optional for unknown events, but when present must be strings.
fn optional_id(v: &serde_json::Value, key: &str) -> Result<Option<String>, Refusal> {
    match v.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Refusal::bad_request(format!("`{key}` is not a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_compare_requires_exact_match() {
        assert!(token_matches("abc123", "abc123"));
        assert!(!token_matches("abc123", "abc124"), "one byte off must fail");
        assert!(!token_matches("abc123", "abc12"), "a prefix must fail");
        assert!(!token_matches("abc123", "abc1234"), "an extension must fail");
        assert!(!token_matches("", ""), "an unset token must never match");
    }

    #[test]
    fn every_documented_event_is_known() {
        for kind in KNOWN_EVENTS {
            let body =
                format!(r#"{{"event":"{kind}","session_id":"s","lane_id":"l","items":[{{"id":"time","qty":60}}]}}"#);
            let p = parse(body.as_bytes()).unwrap();
            assert_eq!(p.dedup_key, None, "Action Target has no delivery id");
            assert_eq!(p.events.len(), 1);
            assert!(p.events[0].known, "{kind} is documented");
            assert_eq!(p.events[0].lane_id.as_deref(), Some("l"));
            assert_eq!(p.events[0].session_id.as_deref(), Some("s"));
        }
    }

    #[test]
    fn unknown_event_is_kept_with_its_fields() {
        let p = parse(br#"{"event":"laneJammed","lane_id":"l","extra":{"a":[1,2]}}"#).unwrap();
        let e = &p.events[0];
        assert!(!e.known);
        assert_eq!(e.kind, "laneJammed");
        assert_eq!(e.data["extra"]["a"][1], 2, "unknown fields are kept whole");
    }

    #[test]
    fn purchase_items_are_read() {
        let body = br#"{"event":"purchaseRequest","session_id":"s","lane_id":"l","items":[{"id":"time","qty":60},{"id":"TARGET-123","qty":2}]}"#;
        let p = parse(body).unwrap();
        let items = purchase_items(&p.events[0].data).unwrap();
        assert_eq!(
            items,
            vec![PurchaseItem { id: "time".into(), qty: 60 }, PurchaseItem { id: "TARGET-123".into(), qty: 2 },]
        );
    }

    #[test]
    fn malformed_purchases_are_refused() {
        for body in [
            r#"{"event":"purchaseRequest","session_id":"s"}"#,
            r#"{"event":"purchaseRequest","session_id":"s","items":[]}"#,
            r#"{"event":"purchaseRequest","session_id":"s","items":[{"id":"x","qty":1.5}]}"#,
            r#"{"event":"purchaseRequest","session_id":"s","items":[{"id":"x","qty":18446744073709551615}]}"#,
            r#"{"event":"purchaseRequest","session_id":"s","items":[{"id":"","qty":1}]}"#,
            r#"{"event":"purchaseRequest","session_id":"s","items":[{"id":"x","qty":"2"}]}"#,
            r#"{"event":"purchaseRequest","items":[{"id":"x","qty":1}]}"#,
        ] {
            assert!(matches!(parse(body.as_bytes()), Err(Refusal::BadRequest(_))), "{body}");
        }
    }

    #[test]
    fn envelope_errors_are_bad_requests() {
        for body in
            [&b"not json"[..], b"[]", b"{}", br#"{"event":5}"#, br#"{"event":"help","lane_id":7}"#, b"\xff\xfe{}"]
        {
            assert!(matches!(parse(body), Err(Refusal::BadRequest(_))), "{body:?}");
        }
    }

    #[test]
    fn deep_json_is_refused_not_overflowed() {
        let body = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(matches!(parse(body.as_bytes()), Err(Refusal::BadRequest(_))));
        let body = format!(r#"{{"event":"help","x":{}{}}}"#, "{\"a\":".repeat(20_000), "}".repeat(20_000));
        assert!(matches!(parse(body.as_bytes()), Err(Refusal::BadRequest(_))));
    }
}
