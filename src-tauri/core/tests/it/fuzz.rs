//! Bad input in bulk (issue 10, point 9): property tests over everything a stranger can hand the
//! app: each vendor's verify-and-parse, the Samna signature header, `rangedesk.toml`, settings
//! patches, and the ingest path with a real store. The properties: nothing panics; nothing passes
//! verification without the key (a signature made with any other key, random signatures, and
//! bit-flips of a validly signed delivery are refused, unless the flip left the signed delivery
//! the same); and nothing refused is ever stored as an event.
//!
//! Each property prints `property NAME: N cases passed` (run with `--nocapture` to see it); the
//! counts are set so the whole binary stays well under a minute in debug on two cores.

use crate::support;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use rangedesk_core::config;
use rangedesk_core::domain::Source;
use rangedesk_core::testing::store::{self, events};
use rangedesk_core::testing::{Ingest, Keys, PurchaseSettings};
use rangedesk_core::testing::{action_target, enviso, samna};
use rangedesk_core::{Inbound, Outcome};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// The keys the app verifies with. No generator below uses them: they sign with keys of their own.
const ENVISO_KEY: &str = "enviso-key-the-generators-never-see";
const SAMNA_SECRET: &str = "wh_sec_the-generators-never-see";
const NOW: i64 = 1_764_000_000;

use crate::support::property::property;

// ---- generators ----

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,24}", Just(String::new())]
}

/// Any JSON value, nested a few levels, with object keys that are often the ones vendors use.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    let known = [
        "id",
        "tenant",
        "event",
        "timestamp",
        "data",
        "signature",
        "event_name",
        "context",
        "session_id",
        "lane_id",
        "items",
        "qty",
    ];
    prop_oneof![prop::sample::select(known.to_vec()).prop_map(str::to_owned), text()]
}

/// Bytes as a stranger sends them: anything, JSON of any shape, or JSON text cut short.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json().prop_map(|v| v.to_string().into_bytes()),
        (json(), any::<Index>()).prop_map(|(v, at)| {
            let b = v.to_string().into_bytes();
            b[..at.index(b.len() + 1)].to_vec()
        }),
    ]
}

fn signing_key() -> impl Strategy<Value = String> {
    text().prop_filter("a key the app does not hold", |k| k != ENVISO_KEY && k != SAMNA_SECRET)
}

/// An Enviso envelope with its four signed strings (never empty: an empty one is a 400) and `data`.
fn enviso_envelope() -> impl Strategy<Value = (String, String, String, String, Value)> {
    let value = || text().prop_map(|s| if s.is_empty() { "x".to_owned() } else { s });
    let event = prop_oneof![prop::sample::select(enviso::KNOWN_EVENTS[..4].to_vec()).prop_map(str::to_owned), value()];
    (value(), value(), event, value(), json())
}

/// An Enviso body whose signature is anything but one made with the app's key.
fn enviso_unsigned() -> impl Strategy<Value = Vec<u8>> {
    let signature = prop_oneof![
        text().prop_map(Value::String),
        json(),
        prop::collection::vec(any::<u8>(), 32).prop_map(|d| Value::String(b64(b64(&d).as_bytes()))),
        prop::collection::vec(any::<u8>(), 32).prop_map(|d| Value::String(b64(&d))),
    ];
    let forged = (enviso_envelope(), signing_key(), any::<bool>()).prop_map(|((id, tenant, event, ts, data), k, double)| {
        let signed = enviso::signed_string(&id, &tenant, &event, &ts);
        let sig = if double { enviso::sign_double(&k, &signed) } else { enviso::sign_single(&k, &signed) };
        serde_json::json!({"id": id, "tenant": tenant, "event": event, "timestamp": ts, "data": data, "signature": sig})
    });
    let random = (enviso_envelope(), signature).prop_map(|((id, tenant, event, ts, data), sig)| {
        serde_json::json!({"id": id, "tenant": tenant, "event": event, "timestamp": ts, "data": data, "signature": sig})
    });
    prop_oneof![body(), prop_oneof![forged, random].prop_map(|v| v.to_string().into_bytes())]
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex64() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 32).prop_map(hex::encode)
}

/// A Samna signature header: anything, or the documented shape with parts that may be off.
fn samna_header() -> impl Strategy<Value = String> {
    let t = prop_oneof![
        (NOW - 400..NOW + 400).prop_map(|t| t.to_string()),
        text(),
        any::<i64>().prop_map(|t| t.to_string())
    ];
    let part = prop_oneof![
        hex64().prop_map(|h| format!("v1={h}")),
        "[0-9a-fA-F]{0,70}".prop_map(|h| format!("v1={h}")),
        text().prop_map(|s| format!("v1={s}")),
        text(),
        "[ ,=tv1]{0,6}",
    ];
    let shaped = (t, prop::collection::vec(part, 0..4), any::<bool>()).prop_map(|(t, parts, spaced)| {
        let sep = if spaced { ", " } else { "," };
        std::iter::once(format!("t={t}")).chain(parts).collect::<Vec<_>>().join(sep)
    });
    prop_oneof![text(), shaped]
}

/// A header signed correctly, but with a secret the app does not hold.
fn samna_forged() -> impl Strategy<Value = (String, Vec<u8>)> {
    (signing_key(), body(), NOW - 300..NOW + 300)
        .prop_map(|(k, body, t)| (format!("t={t},v1={}", samna::sign(&k, t, &body)), body))
}

fn flip(bytes: &mut [u8], at: Index, bit: u8) {
    if !bytes.is_empty() {
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << (bit % 8);
    }
}

// ---- the vendors ----

#[test]
fn action_target_parse_never_panics_and_agrees_with_ingest() {
    let purchase = (json(), json(), prop::collection::vec((json(), json()), 0..4)).prop_map(|(s, l, items)| {
        let items: Vec<Value> = items.into_iter().map(|(id, qty)| serde_json::json!({"id": id, "qty": qty})).collect();
        serde_json::json!({"event": "purchaseRequest", "session_id": s, "lane_id": l, "items": items})
            .to_string()
            .into_bytes()
    });
    property("action_target_parse", 1024, prop_oneof![body(), purchase], |bytes| {
        let Ok(p) = action_target::parse(&bytes) else { return Ok(()) };
        prop_assert_eq!(p.events.len(), 1, "one lane event per delivery");
        let e = &p.events[0];
        if e.kind == action_target::PURCHASE_REQUEST {
            // Ingest reads the items again from the stored event: what parse let in, it can read.
            let items = action_target::purchase_items(&e.data);
            prop_assert!(items.as_ref().is_ok_and(|i| !i.is_empty()), "{:?}", items);
            prop_assert!(e.session_id.is_some(), "a purchase names its session");
        }
        Ok(())
    });
}

#[test]
fn enviso_refuses_everything_not_signed_with_the_key() {
    let keys = vec![ENVISO_KEY.to_owned()];
    property("enviso_unsigned_refused", 1024, enviso_unsigned(), |bytes| {
        let verdict = enviso::verify_and_parse(&bytes, &keys);
        prop_assert!(verdict.is_err(), "accepted without the key: {}", String::from_utf8_lossy(&bytes));
        Ok(())
    });
}

#[test]
fn enviso_bit_flips_never_pass_as_another_delivery() {
    let keys = vec![ENVISO_KEY.to_owned()];
    let accepted = AtomicU32::new(0);
    let strategy = (enviso_envelope(), any::<bool>(), any::<Index>(), any::<u8>());
    property("enviso_bit_flips", 1024, strategy, |((id, tenant, event, ts, data), double, at, bit)| {
        let signed = enviso::signed_string(&id, &tenant, &event, &ts);
        let sig =
            if double { enviso::sign_double(ENVISO_KEY, &signed) } else { enviso::sign_single(ENVISO_KEY, &signed) };
        let body = serde_json::json!({"id": id, "tenant": tenant, "event": event, "timestamp": ts, "data": data, "signature": sig});
        let mut bytes = body.to_string().into_bytes();
        prop_assert!(enviso::verify_and_parse(&bytes, &keys).is_ok(), "the unflipped delivery verifies");
        flip(&mut bytes, at, bit);
        if let Ok(p) = enviso::verify_and_parse(&bytes, &keys) {
            // `data` is not signed (integrations.md), and a flip may turn an escape into an
            // equal one (`\u001f` and `\u001F`): then it is the same signed delivery, nothing else.
            accepted.fetch_add(1, Ordering::Relaxed);
            let e = &p.events[0];
            prop_assert_eq!(&e.kind, &event);
            prop_assert_eq!(e.vendor_time.as_deref(), Some(ts.as_str()));
            prop_assert_eq!(p.dedup_key, Some(enviso::dedup_key(&tenant, &id)));
        }
        Ok(())
    });
    println!("  of which {} flips (in unsigned `data` or an equal escape) still verified", accepted.into_inner());
}

#[test]
fn samna_refuses_everything_not_signed_with_the_secret() {
    let secrets = vec![SAMNA_SECRET.to_owned()];
    let strategy = prop_oneof![(samna_header(), body()), samna_forged()];
    property("samna_unsigned_refused", 1024, strategy, |(header, bytes)| {
        let verdict = samna::verify(Some(&header), &bytes, &secrets, 300, NOW);
        prop_assert!(verdict.is_err(), "accepted without the secret: {header}");
        Ok(())
    });
}

/// The header parser takes any text without panicking, ignores parts it does not know, and
/// finds a good `v1` among others (rotation).
#[test]
fn samna_header_parser_finds_the_good_signature_among_junk() {
    let secrets = vec![SAMNA_SECRET.to_owned()];
    let junk = prop_oneof![
        hex64().prop_map(|h| format!("v1={h}")),
        "[a-su-z0-9]{1,8}=[ -+\\--~]{0,16}",
        "[ -+\\--<>-~]{0,16}"
    ];
    let strategy = (body(), prop::collection::vec(junk, 0..5), any::<Index>(), NOW - 300..NOW + 300);
    property("samna_header_junk", 512, strategy, |(bytes, mut parts, at, t)| {
        let good = format!("v1={}", samna::sign(SAMNA_SECRET, t, &bytes));
        parts.insert(at.index(parts.len() + 1), good);
        parts.insert(0, format!("t={t}"));
        let header = parts.join(",");
        prop_assert!(samna::verify(Some(&header), &bytes, &secrets, 300, NOW).is_ok(), "{header}");
        Ok(())
    });
}

#[test]
fn samna_bit_flips_are_refused() {
    let secrets = vec![SAMNA_SECRET.to_owned()];
    let strategy = (body(), NOW - 300..NOW + 300, any::<bool>(), any::<Index>(), any::<u8>());
    property("samna_bit_flips", 1024, strategy, |(mut bytes, t, in_header, at, bit)| {
        let original = format!("t={t},v1={}", samna::sign(SAMNA_SECRET, t, &bytes));
        let mut header = original.clone().into_bytes();
        if in_header {
            flip(&mut header, at, bit);
        } else if bytes.is_empty() {
            return Ok(());
        } else {
            flip(&mut bytes, at, bit);
        }
        let Ok(header) = String::from_utf8(header) else { return Ok(()) };
        if samna::verify(Some(&header), &bytes, &secrets, 300, NOW).is_ok() {
            // Only the case of a hex digit may change: the same signature, written otherwise.
            prop_assert!(in_header && header.eq_ignore_ascii_case(&original), "a flipped delivery verified: {header}");
        }
        Ok(())
    });
}

// ---- the config and the settings ----

const KNOWN_KEYS: [(&str, &str); 30] = [
    ("server", "listen"),
    ("server", "board_listen"),
    ("server", "board_pin"),
    ("server", "tls_cert"),
    ("server", "tls_key"),
    ("server", "time_zone"),
    ("server", "header_timeout_seconds"),
    ("server", "body_timeout_seconds"),
    ("server", "max_connections"),
    ("server", "ui_dir"),
    ("action_target", "hook_token"),
    ("action_target", "api_base"),
    ("action_target", "api_key"),
    ("action_target", "api_auth_header"),
    ("action_target", "poll_seconds"),
    ("enviso", "hmac_keys"),
    ("samna", "secrets"),
    ("samna", "tolerance_seconds"),
    ("purchases", "approval_window_seconds"),
    ("purchases", "rules"),
    ("board", "ageing_amber_seconds"),
    ("board", "ageing_red_seconds"),
    ("notifications", "help"),
    ("notifications", "purchase"),
    ("notifications", "vendor_silent"),
    ("notifications", "vendor_silent_minutes"),
    ("notifications", "sound"),
    ("carrier_hits", "fee"),
    ("board", "lan_can_act"),
    ("server", "board_hosts"),
];

fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        prop_oneof![any::<i64>(), Just(0i64), Just(1), Just(60), Just(61), Just(300), Just(3600), Just(-1)]
            .prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        prop_oneof![
            text(),
            "(127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1\\]|localhost|[0-9.]{1,15}):[0-9]{0,6}",
            "https?://[a-z0-9.:]{0,20}/?",
            prop::sample::select(vec!["approve", "ask", "decline", "Europe/Brussels", "Mars/Olympus"])
                .prop_map(str::to_owned),
            "[A-Za-z0-9_-]{0,40}",
        ]
        .prop_map(toml::Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

/// Checks what `config::parse` promises: a refusal is one line naming the file, and an accepted
/// config keeps the documented ranges and reads back the same after it is written out.
fn check_config(text: &str) -> Result<(), TestCaseError> {
    let file = Path::new("fuzz.toml");
    match config::parse(file, text) {
        Err(e) => {
            let line = e.to_string();
            prop_assert!(!line.contains('\n') && line.starts_with("fuzz.toml: "), "one line naming the file: {line}");
        }
        Ok(c) => {
            let k = &c.config;
            prop_assert!((1..=60).contains(&k.purchases.approval_window_seconds));
            prop_assert!(k.samna.tolerance_seconds >= 1);
            prop_assert!((1..=300).contains(&k.server.header_timeout_seconds));
            prop_assert!(k.board.ageing_red_seconds > k.board.ageing_amber_seconds);
            prop_assert!(k.carrier_hits.fee.is_finite() && (0.0..=10_000.0).contains(&k.carrier_hits.fee));
            let again = toml::to_string(k).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(config::parse(file, &again).is_ok(), "an accepted config reads back: {again}");
        }
    }
    Ok(())
}

#[test]
fn config_parse_takes_any_text() {
    let line = (prop::sample::select(KNOWN_KEYS.to_vec()), "[ -~]{0,30}")
        .prop_map(|((section, key), value)| format!("[{section}]\n{key} = {value}\n"));
    let strategy = prop_oneof![text(), prop::collection::vec(line, 0..4).prop_map(|l| l.concat())];
    property("config_text", 1024, strategy, |text| check_config(&text));
}

#[test]
fn config_parse_takes_any_value_for_known_keys() {
    let entries = prop::collection::vec((prop::sample::select(KNOWN_KEYS.to_vec()), toml_value()), 0..6);
    property("config_values", 1024, entries, |entries| {
        let mut doc = toml::Table::new();
        for ((section, key), value) in entries {
            let table = doc.entry(section).or_insert_with(|| toml::Value::Table(Default::default()));
            if let toml::Value::Table(t) = table {
                t.insert(key.to_owned(), value);
            }
        }
        let text = toml::to_string(&doc).map_err(|e| TestCaseError::fail(format!("not writable as TOML: {e}")))?;
        check_config(&text)
    });
}

/// Settings changes with any JSON, through the app the window and the browser API use: a refusal
/// leaves the file byte for byte as it was, and whatever is accepted still loads at the next start.
#[test]
fn settings_patches_refuse_cleanly_or_leave_a_file_that_loads() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(support::start());
    let file = r.dir.path().join("rangedesk.toml");
    let sections = prop_oneof![prop::sample::select(rangedesk_core::SECTIONS.to_vec()).prop_map(str::to_owned), text()];
    let field = prop_oneof![
        prop::sample::select(KNOWN_KEYS.to_vec()).prop_map(|(_, k)| k.to_owned()),
        prop::sample::select(vec!["add_hmac_key", "remove_hmac_key", "add_secret", "remove_secret", "by"])
            .prop_map(str::to_owned),
        text(),
    ];
    let patch = prop_oneof![
        prop::collection::btree_map(field, json(), 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        json(),
    ];
    property("settings_patches", 192, (sections, patch, text()), |(section, patch, by)| {
        let before = std::fs::read(&file).unwrap_or_default();
        match rt.block_on(r.app.change_settings(
            &section,
            patch.clone(),
            &rangedesk_core::domain::Staff::window(by.clone()),
        )) {
            Err(refused) => {
                prop_assert!((400..500).contains(&refused.status()), "a bad patch is a 4xx: {refused:?}");
                let after = std::fs::read(&file).unwrap_or_default();
                prop_assert!(after == before, "a refused change left the file as it was: {patch}");
            }
            Ok(_) => {
                prop_assert!(config::load(&file).is_ok(), "an accepted change leaves a file that loads: {patch}");
            }
        }
        Ok(())
    });
    rt.block_on(r.stop());
}

// ---- the ingest path ----

/// What no vendor would send: unsigned or garbled deliveries for each source.
fn garbled() -> impl Strategy<Value = (Source, http::HeaderMap, Vec<u8>)> {
    let headers = |h: Option<String>| {
        let mut m = http::HeaderMap::new();
        if let Some(v) = h.and_then(|h| http::HeaderValue::from_str(&h).ok()) {
            m.insert(samna::SIGNATURE_HEADER, v);
        }
        m
    };
    let at_cut = (key(), json(), any::<Index>()).prop_map(|(k, v, at)| {
        let b = serde_json::json!({"event": k, "session_id": "s", "lane_id": "l", "data": v}).to_string().into_bytes();
        b[..at.index(b.len())].to_vec()
    });
    prop_oneof![
        enviso_unsigned().prop_map(|b| (Source::Enviso, http::HeaderMap::new(), b)),
        (prop::option::of(samna_header()), body()).prop_map(move |(h, b)| (Source::Samna, headers(h), b)),
        samna_forged().prop_map(move |(h, b)| (Source::Samna, headers(Some(h)), b)),
        at_cut.prop_map(|b| (Source::ActionTarget, http::HeaderMap::new(), b)),
    ]
}

#[test]
fn refused_deliveries_never_store_an_event() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = store::open(&dir.path().join("rangedesk.db"), store::Options::default()).unwrap();
    let keys = Keys {
        hook_token: support::TOKEN.into(),
        enviso_hmac_keys: vec![ENVISO_KEY.into()],
        samna_secrets: vec![SAMNA_SECRET.into()],
        samna_tolerance_seconds: 300,
    };
    let ingest = Ingest::new(s.clone(), keys, PurchaseSettings { window_seconds: 20, ..Default::default() });
    property("ingest_refusals", 256, garbled(), |(source, headers, body)| {
        let now = jiff::Timestamp::from_second(NOW).unwrap();
        let inbound = Inbound { source, headers, body, remote_addr: Some("203.0.113.9:1".into()), now };
        let outcome = rt.block_on(ingest.deliver(inbound)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            matches!(outcome, Outcome::Refused { status: 400 | 401, .. }),
            "{source}: refused as bad or unsigned: {outcome:?}"
        );
        let stored = rt.block_on(s.read(events::count)).unwrap();
        prop_assert_eq!(stored, 0, "{}: a refused delivery is never an event", source);
        Ok(())
    });
}

/// Lane purchases in bulk through the same path: with every rule set to approve, a purchase is
/// approved exactly when each quantity is one the catalogue sells (checked here against the
/// stored catalogue, in 128-bit sums), and declined otherwise; never anything else.
#[test]
fn purchases_are_approved_only_within_the_catalogue() {
    use rangedesk_core::domain::purchase::{Answer, Rule, Rules};
    use rangedesk_core::testing::purchases::Verdict;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = store::open(&dir.path().join("rangedesk.db"), store::Options::default()).unwrap();
    let catalogue = rt.block_on(s.read(store::products::list)).unwrap();
    let rules = Rules {
        time: Rule::Approve,
        targets: Rule::Approve,
        ammo: Rule::Approve,
        rentals: Rule::Approve,
        unknown: Rule::Approve,
    };
    let settings = PurchaseSettings { rules, window_seconds: 20, ..Default::default() };
    let ingest = Ingest::new(s.clone(), Keys::default(), settings);
    let ids: Vec<String> = catalogue.iter().map(|p| p.id.clone()).chain(["GIFT-CARD".to_owned()]).collect();
    let qty = prop_oneof![
        prop::sample::select(vec![i64::MIN, -1, 0, 1, 2, 4, 5, 10, 15, 20, 30, 99, 100, 120, 121, 135, i64::MAX]),
        any::<i64>(),
        0i64..200,
    ];
    let items = prop::collection::vec((prop::sample::select(ids), qty), 1..4);
    property("purchase_quantities", 256, items, |items| {
        let body = serde_json::json!({
            "event": "purchaseRequest", "session_id": "s-1", "lane_id": "l-1",
            "items": items.iter().map(|(id, qty)| serde_json::json!({"id": id, "qty": qty})).collect::<Vec<_>>(),
        });
        let inbound = Inbound {
            source: Source::ActionTarget,
            headers: http::HeaderMap::new(),
            body: body.to_string().into_bytes(),
            remote_addr: None,
            now: jiff::Timestamp::from_second(NOW).unwrap(),
        };
        let outcome = rt.block_on(ingest.deliver(inbound)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sells = within(&catalogue, &items);
        match outcome {
            Outcome::Purchase { verdict: Verdict::Answered(Answer::Approved), .. } => {
                prop_assert!(sells, "approved, though the catalogue does not sell {items:?}");
            }
            Outcome::Purchase { verdict: Verdict::Answered(Answer::Declined { user_message, .. }), .. } => {
                prop_assert!(!sells, "declined, though the catalogue sells {items:?}: {user_message}");
                prop_assert!(!user_message.is_empty() && user_message.len() < 200, "{user_message}");
            }
            other => prop_assert!(false, "{items:?}: neither approved nor declined: {other:?}"),
        }
        Ok(())
    });
}

/// The catalogue's rules, written out independently of the app's: every qty at least 1 (and
/// `min_qty` in `increment_by` steps for time), every id's total at most `max_qty` (99 unlisted).
fn within(catalogue: &[store::products::ProductRow], items: &[(String, i64)]) -> bool {
    let mut totals: std::collections::HashMap<&str, i128> = Default::default();
    items.iter().all(|(id, qty)| {
        let row = catalogue.iter().find(|p| &p.id == id);
        let max = row.map_or(99, |p| p.max_qty);
        let (min, step) = row.map_or((1, 1), |p| (p.min_qty.unwrap_or(1), p.increment_by.unwrap_or(1)));
        let total = totals.entry(id).or_default();
        *total += i128::from(*qty);
        *qty >= min.max(1) && qty % step == 0 && *total <= i128::from(max)
    })
}
