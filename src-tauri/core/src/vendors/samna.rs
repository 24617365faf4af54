//! Samna "Bookable" events. `X-Samna-Signature: t=<unix seconds>,v1=<64 hex>` signs
//! `"<t>.<raw body>"` with HMAC-SHA256 keyed by the whole secret string. The signature is checked
//! before the body is parsed; `t` must be within `tolerance_seconds` of now in either direction.
//! Several `v1` values and several secrets are accepted (rotation). Repeats are recognised on `id`.

use super::{NewEvent, Parsed, Refusal, json_body, required_str, str_field};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-samna-signature";

pub const KNOWN_EVENTS: [&str; 12] = [
    "booking_created",
    "booking_updated",
    "booking_canceled",
    "booking_deleted",
    "booking_ended",
    "checkin_created",
    "checkin_started",
    "checkin_updated",
    "checkin_failed",
    "checkout_started",
    "checkout_completed",
    "code_scanned",
];

/// The context entity whose id names what an event is about, by event family.
const SUBJECT_ENTITIES: [&str; 3] = ["code", "checkin", "booking"];

/// What the signature header says, before any signature is checked.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    t: i64,
    /// Only well-formed values: exactly 32 bytes of hex. Empty, truncated or over-long ones are
    /// dropped here, so they can never match.
    v1: Vec<[u8; 32]>,
}

fn parse_header(value: &str) -> Result<Header, Refusal> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in value.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k {
            "t" => {
                let digits = v.trim();
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Refusal::unauthorized("signature timestamp is not a number"));
                }
                t = Some(digits.parse::<i64>().map_err(|_| Refusal::unauthorized("signature timestamp out of range"))?);
            }
            "v1" => {
                let mut sig = [0u8; 32];
                if v.len() == 64 && hex::decode_to_slice(v, &mut sig).is_ok() {
                    v1.push(sig);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or_else(|| Refusal::unauthorized("signature header has no timestamp"))?;
    if v1.is_empty() {
        return Err(Refusal::unauthorized("signature header has no well-formed v1 signature"));
    }
    Ok(Header { t, v1 })
}

/// `hex(hmac_sha256(secret, "<t>.<body>"))`, as a sender computes it.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, t, body))
}

fn mac(secret: &str, t: i64, body: &[u8]) -> [u8; 32] {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut m) => {
            m.update(t.to_string().as_bytes());
            m.update(b".");
            m.update(body);
            m.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// Checks the signature header against the raw body. `now` is unix seconds.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
    tolerance_seconds: u64,
    now: i64,
) -> Result<(), Refusal> {
    if secrets.iter().all(|s| s.is_empty()) {
        return Err(Refusal::unauthorized("no Samna secret is configured"));
    }
    let header = header.ok_or_else(|| Refusal::unauthorized("missing X-Samna-Signature"))?;
    let h = parse_header(header)?;
    if now.abs_diff(h.t) > tolerance_seconds {
        return Err(Refusal::unauthorized("signature timestamp outside the replay window"));
    }
    let mut ok = subtle::Choice::from(0);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let expected = mac(secret, h.t, body);
        for given in &h.v1 {
            ok |= expected.ct_eq(given);
        }
    }
    if bool::from(ok) { Ok(()) } else { Err(Refusal::unauthorized("bad signature")) }
}

/// Parses a verified body: `id` and `event_name` are required, `context` is kept whole.
pub fn parse(body: &[u8]) -> Result<Parsed, Refusal> {
    let v = json_body(body)?;
    if !v.is_object() {
        return Err(Refusal::bad_request("body is not a JSON object"));
    }
    let id = required_str(&v, "id")?;
    let event = required_str(&v, "event_name")?;
    let subject = v
        .get("context")
        .and_then(|c| SUBJECT_ENTITIES.iter().find_map(|e| c.get(*e)?.get("id")?.as_str().map(str::to_owned)));
    Ok(Parsed {
        dedup_key: Some(id),
        events: vec![NewEvent {
            known: KNOWN_EVENTS.contains(&event.as_str()),
            kind: event,
            lane_id: None,
            session_id: None,
            subject,
            vendor_time: str_field(&v, "timestamp"),
            data: v,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;
    const BODY: &[u8] = br#"{"id":"evt_9","event_name":"booking_created","timestamp":"2025-11-24T16:00:00Z","context":{"booking":{"id":"b-1"},"new":true}}"#;

    fn secrets(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn header(secret: &str, t: i64) -> String {
        format!("t={t},v1={}", sign(secret, t, BODY))
    }

    #[test]
    fn independent_vectors_pass() {
        let raw = include_str!("../../../../tests/vectors/signatures.json");
        let vectors: serde_json::Value = serde_json::from_str(raw).unwrap();
        for v in vectors["samna"].as_array().unwrap() {
            let secret = v["secret"].as_str().unwrap();
            let t = v["t"].as_i64().unwrap();
            let body = v["raw_body"].as_str().unwrap().as_bytes();
            assert_eq!(sign(secret, t, body), v["v1"].as_str().unwrap());
            verify(Some(v["header"].as_str().unwrap()), body, &secrets(&["wh_sec_x", secret]), 300, t).unwrap();
            assert!(parse(body).is_ok());
        }
    }

    #[test]
    fn replay_window_applies_both_ways() {
        let s = secrets(&["wh_sec_a"]);
        for t in [NOW - 300, NOW, NOW + 300] {
            assert!(verify(Some(&header("wh_sec_a", t)), BODY, &s, 300, NOW).is_ok(), "t={t} is inside");
        }
        for t in [NOW - 301, NOW + 301, 0, i64::MAX] {
            assert!(verify(Some(&header("wh_sec_a", t)), BODY, &s, 300, NOW).is_err(), "t={t} is outside");
        }
    }

    #[test]
    fn rotation_several_v1_and_several_secrets() {
        let two = format!("t={NOW},v1={},v1={}", sign("wh_sec_old", NOW, BODY), sign("wh_sec_new", NOW, BODY));
        assert!(verify(Some(&two), BODY, &secrets(&["wh_sec_new"]), 300, NOW).is_ok());
        assert!(verify(Some(&two), BODY, &secrets(&["wh_sec_old"]), 300, NOW).is_ok());
        assert!(
            verify(Some(&header("wh_sec_old", NOW)), BODY, &secrets(&["wh_sec_x", "wh_sec_old"]), 300, NOW).is_ok()
        );
        assert!(verify(Some(&header("wh_sec_old", NOW)), BODY, &secrets(&["wh_sec_x"]), 300, NOW).is_err());
    }

    #[test]
    fn malformed_v1_never_passes() {
        let good = sign("wh_sec_a", NOW, BODY);
        let s = secrets(&["wh_sec_a"]);
        let cases = [
            format!("t={NOW},v1,"), // the svix verifier once passed exactly this
            format!("t={NOW},v1"),
            format!("t={NOW},v1="),
            format!("t={NOW},v1=,"),
            format!("t={NOW},v1={}", &good[..63]),
            format!("t={NOW},v1={}", &good[..32]),
            format!("t={NOW},v1={good}0"),
            format!("t={NOW},v1={good}{good}"),
            format!("t={NOW},v1={}", good.replace(|c: char| c.is_ascii_digit(), "g")),
            format!("v1={good}"),
            format!("t=,v1={good}"),
            format!("t=-{NOW},v1={good}"),
            format!("t={NOW}x,v1={good}"),
            String::new(),
        ];
        for h in cases {
            assert!(matches!(verify(Some(&h), BODY, &s, 300, NOW), Err(Refusal::Unauthorized(_))), "{h:?} must fail");
        }
        assert!(verify(None, BODY, &s, 300, NOW).is_err(), "missing header");
        assert!(verify(Some(&format!("t={NOW},v1={good}")), BODY, &s, 300, NOW).is_ok());
        assert!(
            verify(Some(&format!("t={NOW}, v1=nothex, v1={good}")), BODY, &s, 300, NOW).is_ok(),
            "one good value suffices"
        );
    }

    #[test]
    fn body_changes_break_the_signature() {
        let mut other = BODY.to_vec();
        other.push(b' ');
        assert!(verify(Some(&header("wh_sec_a", NOW)), &other, &secrets(&["wh_sec_a"]), 300, NOW).is_err());
    }

    #[test]
    fn no_secret_refuses() {
        assert!(verify(Some(&header("", NOW)), BODY, &[], 300, NOW).is_err());
        assert!(verify(Some(&header("", NOW)), BODY, &secrets(&[""]), 300, NOW).is_err());
    }

    #[test]
    fn parse_keeps_context_and_finds_subject() {
        let p = parse(BODY).unwrap();
        assert_eq!(p.dedup_key.as_deref(), Some("evt_9"));
        let e = &p.events[0];
        assert!(e.known);
        assert_eq!(e.subject.as_deref(), Some("b-1"));
        assert_eq!(e.data["context"]["new"], true);
        assert!(matches!(parse(br#"{"event_name":"x"}"#), Err(Refusal::BadRequest(_))));
        assert!(matches!(parse(br#"{"id":"x"}"#), Err(Refusal::BadRequest(_))));
        assert!(!parse(br#"{"id":"x","event_name":"brand_new"}"#).unwrap().events[0].known);
    }
}
