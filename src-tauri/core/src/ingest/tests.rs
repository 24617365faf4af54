//! Ingest's unit tests: verdicts, duplicates, purchases and refusals through a temp store.

use super::*;
use crate::store::{self, events};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = store::open(&dir.path().join("r.db"), store::Options::default()).unwrap();
    (dir, s)
}

fn keys() -> Keys {
    Keys {
        hook_token: "t".repeat(43),
        enviso_hmac_keys: vec!["k".into()],
        samna_secrets: vec!["wh_sec_s".into()],
        samna_tolerance_seconds: 300,
    }
}

fn inbound(source: Source, body: &str, headers: http::HeaderMap) -> Inbound {
    Inbound {
        source,
        headers,
        body: body.as_bytes().to_vec(),
        remote_addr: None,
        now: jiff::Timestamp::from_second(1_764_000_000).unwrap(),
    }
}

#[tokio::test]
async fn repeats_are_logged_as_duplicates_and_add_no_events() {
    let (_d, s) = store();
    let ingest = Ingest::new(s.clone(), keys(), PurchaseSettings { window_seconds: 20, ..Default::default() });
    let sig = enviso::sign_double("k", &enviso::signed_string("n", "T", "ORDER_CREATED", "ts"));
    let body = serde_json::json!({"id":"n","tenant":"T","event":"ORDER_CREATED","timestamp":"ts","data":{"id":"o"},"signature":sig}).to_string();
    let first = ingest.deliver(inbound(Source::Enviso, &body, Default::default())).await.unwrap();
    let Outcome::Accepted { trace_id, duplicate: false } = first else { panic!("{first:?}") };
    for _ in 0..3 {
        let again = ingest.deliver(inbound(Source::Enviso, &body, Default::default())).await.unwrap();
        assert_eq!(
            again,
            Outcome::Accepted { trace_id: trace_id.clone(), duplicate: true },
            "a repeat answers with the original"
        );
    }
    let (events, log) = s.read(|c| Ok((events::count(c)?, deliveries::count_by_verdict(c)?))).await.unwrap();
    assert_eq!(events, 1, "a repeat changes nothing");
    assert!(log.contains(&("enviso".into(), "duplicate".into(), 3)), "{log:?}");
}

#[tokio::test]
async fn refusals_are_logged_without_events() {
    let (_d, s) = store();
    let ingest = Ingest::new(s.clone(), keys(), PurchaseSettings { window_seconds: 20, ..Default::default() });
    let out = ingest.deliver(inbound(Source::Samna, "{}", Default::default())).await.unwrap();
    assert!(matches!(out, Outcome::Refused { status: 401, .. }));
    let out = ingest.deliver(inbound(Source::ActionTarget, "nope", Default::default())).await.unwrap();
    assert!(matches!(out, Outcome::Refused { status: 400, .. }));
    let (events, log) = s.read(|c| Ok((events::count(c)?, deliveries::count_by_verdict(c)?))).await.unwrap();
    assert_eq!(events, 0);
    assert_eq!(log.iter().map(|r| r.2).sum::<i64>(), 2);
}

#[tokio::test]
async fn a_purchase_declined_by_rule_is_stored_with_its_answer() {
    let (_d, s) = store();
    let rules =
        rangedesk_domain::purchase::Rules { unknown: rangedesk_domain::purchase::Rule::Decline, ..Default::default() };
    let ingest = Ingest::new(s.clone(), keys(), PurchaseSettings { rules, window_seconds: 20, ..Default::default() });
    let body = r#"{"event":"purchaseRequest","session_id":"s","lane_id":"l","items":[{"id":"AMMO-380","qty":1}]}"#;
    let out = ingest.deliver(inbound(Source::ActionTarget, body, Default::default())).await.unwrap();
    let Outcome::Purchase {
        trace_id,
        verdict: purchases::Verdict::Answered(rangedesk_domain::purchase::Answer::Declined { user_message, .. }),
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(user_message, rangedesk_domain::purchase::SEE_THE_DESK);
    let evs = s.read(|c| events::list(c, &events::Filter { limit: 10, ..Default::default() })).await.unwrap();
    let kinds: Vec<_> = evs.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["purchaseDeclined", "purchaseRequest"], "the request and our answer are both events");
    assert!(evs.iter().all(|e| e.subject.as_deref() == Some(trace_id.as_str())), "both carry our trace id");
}

/// Each vendor's body is stored once, in its delivery row, and is its webhook event's data; the
/// desk's own answer to a purchase carries data of its own.
#[tokio::test]
async fn each_body_is_stored_once_and_read_back_as_the_events_data() {
    let (_d, s) = store();
    let rules =
        rangedesk_domain::purchase::Rules { unknown: rangedesk_domain::purchase::Rule::Decline, ..Default::default() };
    let ingest = Ingest::new(s.clone(), keys(), PurchaseSettings { rules, window_seconds: 20, ..Default::default() });
    let sig = enviso::sign_double("k", &enviso::signed_string("n", "T", "ORDER_CREATED", "ts"));
    let enviso_body = serde_json::json!({"id":"n","tenant":"T","event":"ORDER_CREATED","timestamp":"ts","data":{"id":"o", "note": "\u{e9} \" ,"},"signature":sig});
    ingest.deliver(inbound(Source::Enviso, &enviso_body.to_string(), Default::default())).await.unwrap();
    let purchase = r#"{"event":"purchaseRequest","session_id":"s","lane_id":"l","items":[{"id":"AMMO-380","qty":1}]}"#;
    ingest.deliver(inbound(Source::ActionTarget, purchase, Default::default())).await.unwrap();
    let (evs, own) = s
        .read(|c| {
            Ok((events::list(c, &events::Filter { limit: 10, ..Default::default() })?, events::with_own_data(c)?))
        })
        .await
        .unwrap();
    let data: Vec<_> = evs.iter().map(|e| (e.kind.as_str(), e.data.clone())).collect();
    let mut without_signature = enviso_body.clone();
    without_signature.as_object_mut().unwrap().remove("signature");
    assert_eq!(data[1], ("purchaseRequest", serde_json::from_str(purchase).unwrap()));
    assert_eq!(data[2], ("ORDER_CREATED", without_signature));
    assert_eq!(data[0].0, "purchaseDeclined");
    assert_eq!(own, 1, "only the desk's own event carries data of its own");
}
