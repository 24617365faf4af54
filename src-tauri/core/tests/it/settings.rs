//! The settings screens' API through real HTTP on loopback, against the real config file and store:
//! secrets never come back, a bad value is refused naming its key and leaves the file alone, a saved
//! change keeps the person's comments and applies at once where it can, and a test delivery goes
//! through the public listener into the delivery log.

use crate::support;

use serde_json::{Value, json};
use support::*;

const API_KEY: &str = "at-api-key-0123456789-SECRET";
const PIN: &str = "482190";

fn file(r: &Running) -> std::path::PathBuf {
    r.dir.path().join("rangedesk.toml")
}

async fn put(r: &Running, section: &str, body: Value) -> (u16, Value) {
    let resp = r.http.put(r.board(&format!("/api/settings/{section}"))).json(&body).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn test_delivery(r: &Running, source: &str) -> Value {
    let resp = r.act(&format!("/api/settings/test-delivery/{source}")).await;
    assert_eq!(resp.status(), 200, "the test itself always answers; its verdict is in the body");
    resp.json().await.unwrap()
}

async fn post_samna(r: &Running, id: &str, secret: &str) -> u16 {
    let body = json!({"id": id, "event_name": "checkin_started", "timestamp": "2026-11-24T10:00:00Z", "context": {}})
        .to_string();
    let t = jiff::Timestamp::now().as_second();
    let header = format!("t={t},v1={}", rangedesk_core::testing::samna::sign(secret, t, body.as_bytes()));
    let resp = r.http.post(r.public("/hooks/samna")).header("x-samna-signature", header).body(body).send().await;
    resp.unwrap().status().as_u16()
}

#[tokio::test]
async fn reading_settings_never_returns_a_secret() {
    let config = format!(
        "{}\n[server]\nboard_pin = \"{PIN}\"\n",
        config_text().replace("poll_seconds = 0", &format!("poll_seconds = 0\napi_key = \"{API_KEY}\""))
    );
    let r = start_with(&config, Default::default()).await;
    let without = r.http.get(r.board("/api/settings")).send().await.unwrap();
    assert_eq!(without.status(), 403, "with a PIN set, settings need it like every other API path");

    let resp = r.http.get(r.board("/api/settings")).header("x-rangedesk-pin", PIN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    for secret in [API_KEY, ENVISO_KEY, SAMNA_SECRET, PIN] {
        assert!(!text.contains(secret), "{secret} must never leave the app once entered: {text}");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["action_target"]["api_key"]["hint"], "…CRET", "a masked hint tells keys apart");
    assert_eq!(v["enviso"]["hmac_keys"].as_array().unwrap().len(), 1, "how many keys, not what they are");
    assert_eq!(v["samna"]["secrets"][0]["hint"], Value::Null, "an 11-character secret is too short to hint at");
    assert_eq!(v["server"]["board_pin_set"], true);
    assert_eq!(v["can_change"], true, "a loopback client is on the desk computer");
    assert!(v["hook_urls"]["action_target"].as_str().unwrap().ends_with(TOKEN), "the URL to paste is shown here");
    let urls = r.http.get(r.board("/api/hook-urls")).header("x-rangedesk-pin", PIN).send().await.unwrap();
    assert_eq!(urls.status(), 200, "Status in a browser on the desk computer shows them too");
    assert_eq!(urls.json::<Value>().await.unwrap(), v["hook_urls"], "the same URLs as Settings");
    assert_eq!(
        r.http.get(r.board("/api/hook-urls")).send().await.unwrap().status(),
        403,
        "behind the PIN like every API path"
    );
    assert!(v["time_zones"].as_array().unwrap().iter().any(|z| z == "Europe/Brussels"));
    let sources: Vec<_> = v["connections"].as_array().unwrap().iter().map(|c| c["source"].clone()).collect();
    assert_eq!(sources, [json!("action_target"), json!("enviso"), json!("samna")]);
    r.stop().await;
}

#[tokio::test]
async fn a_bad_value_is_refused_with_its_key_and_the_file_is_unchanged() {
    let r = start().await;
    let before = std::fs::read(file(&r)).unwrap();
    let cases = [
        ("board", json!({"ageing_red_seconds": 30}), "board.ageing_red_seconds", "must be more than"),
        ("notifications", json!({"help": "yes"}), "notifications.help", "invalid type"),
        ("purchases", json!({"approval_window_seconds": 90}), "purchases.approval_window_seconds", "between 1 and 60"),
        ("purchases", json!({"rules": {"ammo": "maybe"}}), "purchases.rules.ammo", "unknown variant"),
        ("carrier_hits", json!({"fee": 1.005}), "carrier_hits.fee", "two decimals"),
        ("server", json!({"time_zone": "Mars/Olympus"}), "server.time_zone", "IANA"),
        ("server", json!({"board_listen": "0.0.0.0:8788"}), "server.board_pin", "must be set"),
        ("action_target", json!({"hook_token": "mine"}), "action_target.hook_token", "generated"),
        ("board", json!({"colour": "red"}), "board.colour", "not a setting"),
    ];
    for (section, body, key, problem) in cases {
        let (status, err) = put(&r, section, body.clone()).await;
        assert_eq!(status, 400, "{section} {body}: {err}");
        assert_eq!(err["key"], key, "the screen marks the field at fault: {err}");
        let message = err["error"].as_str().unwrap();
        assert!(message.starts_with(&format!("{key}: ")) && message.contains(problem), "{message}");
    }
    assert_eq!(std::fs::read(file(&r)).unwrap(), before, "a refused change leaves the file byte for byte");
    assert_eq!(r.app.config().board.ageing_red_seconds, 180, "and nothing in force changed");
    r.stop().await;
}

#[tokio::test]
async fn a_saved_change_keeps_comments_and_applies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# The range's config — ask Sam before changing.\n{}\n[carrier_hits]\n# per hit\nfee = 0 # free for now\n\n[notifications]\nsound = false # too loud\n",
        config_text()
    );
    let r = start_in(dir, &text, Default::default()).await;
    let changes = r.app.subscribe_config();
    let (status, v) = put(&r, "carrier_hits", json!({"fee": 2.5, "by": "Sam"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changed"], json!(["carrier_hits.fee"]));
    assert_eq!(v["applies_after_restart"], json!([]), "the fee applies live");
    assert_eq!(v["settings"]["carrier_hits"]["fee"], 2.5);
    assert!(changes.has_changed().unwrap(), "subscribers hear the change");
    assert_eq!(r.app.config().carrier_hits.fee, 2.5, "App::config() is the config in force");

    let saved = std::fs::read_to_string(file(&r)).unwrap();
    for comment in ["# The range's config — ask Sam before changing.", "# per hit", "# free for now", "# too loud"] {
        assert!(saved.contains(comment), "{comment:?} kept: {saved}");
    }
    assert!(saved.contains("fee = 2.5"), "{saved}");
    let (status, _) = put(&r, "purchases", json!({"rules": {"ammo": "decline"}, "approval_window_seconds": 30})).await;
    assert_eq!(status, 200);
    let reloaded = rangedesk_core::config::load(&file(&r)).unwrap().config;
    assert_eq!(reloaded.carrier_hits.fee, 2.5, "the next start reads what was saved");
    assert_eq!(reloaded.purchases.rules.ammo, rangedesk_core::domain::purchase::Rule::Decline);
    assert_eq!(reloaded.purchases.approval_window_seconds, 30);
    assert!(!std::fs::exists(file(&r).with_extension("toml.tmp")).unwrap(), "no temp file left behind");

    let events = r.get_json(&r.board("/api/events?type=settingsChanged")).await;
    let first = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(first["origin"], "staff");
    assert_eq!(first["data"]["by"], "Sam", "who changed it");
    assert_eq!(first["data"]["keys"], json!(["carrier_hits.fee"]), "and which key");
    r.stop().await;
}

#[tokio::test]
async fn a_new_samna_secret_is_accepted_without_a_restart_and_a_removed_one_refused() {
    let r = start().await;
    let new_secret = "wh_sec_rotated_in_november";
    assert_eq!(post_samna(&r, "evt_new_1", new_secret).await, 401, "not configured yet");
    let (status, v) = put(&r, "samna", json!({"add_secret": new_secret})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["settings"]["samna"]["secrets"].as_array().unwrap().len(), 2);
    assert_eq!(v["settings"]["samna"]["secrets"][1]["hint"], "…mber");
    assert!(!v.to_string().contains(new_secret), "the answer never echoes the secret");
    assert_eq!(post_samna(&r, "evt_new_2", new_secret).await, 200, "the new secret works at once");
    assert_eq!(post_samna(&r, "evt_old_1", SAMNA_SECRET).await, 200, "both work during the rotation");

    let (status, _) = put(&r, "samna", json!({"remove_secret": 0})).await;
    assert_eq!(status, 200);
    assert_eq!(post_samna(&r, "evt_old_2", SAMNA_SECRET).await, 401, "the removed secret stops working at once");
    assert_eq!(post_samna(&r, "evt_new_3", new_secret).await, 200);
    let saved = std::fs::read_to_string(file(&r)).unwrap();
    assert!(saved.contains(new_secret) && !saved.contains(SAMNA_SECRET), "{saved}");

    let events = r.get_json(&r.board("/api/events?type=settingsChanged")).await;
    let text = events.to_string();
    assert!(!text.contains(new_secret) && !text.contains(SAMNA_SECRET), "events never hold a secret: {text}");
    assert_eq!(events["items"][0]["data"]["keys"], json!(["samna.secrets"]));
    r.stop().await;
}

#[tokio::test]
async fn a_test_delivery_goes_through_the_listener_into_the_delivery_log() {
    let r = start().await;
    for source in ["action_target", "enviso", "samna"] {
        let result = test_delivery(&r, source).await;
        assert_eq!(result["accepted"], true, "{source}: {result}");
        assert_eq!(result["status"], 200);
        let trace_id = result["trace_id"].as_str().unwrap().to_owned();
        let log = r.get_json(&r.board(&format!("/api/deliveries?source={source}&limit=1"))).await;
        let row = &log["items"][0];
        assert_eq!(row["trace_id"], trace_id.as_str(), "the delivery log shows the same delivery");
        assert_eq!(row["verdict"], "accepted");
        assert_eq!(row["headers"]["x-rangedesk-test"], "1", "marked as a test in the log: {row}");
        assert!(row["body"].as_str().unwrap().contains("rangedesk-test-"), "its id says test too");
    }
    let board = r.get_json(&r.board("/api/board")).await;
    assert_eq!(board["help"], json!([]), "a test Action Target delivery raises no help call");
    assert_eq!(board["purchases"], json!([]));
    let events = r.get_json(&r.board("/api/events?type=rangedeskTest")).await;
    assert_eq!(events["items"][0]["known"], false, "stored as an event type no vendor sends");

    let settings = r.get_json(&r.board("/api/settings")).await;
    let samna = &settings["connections"][2];
    assert_eq!(samna["last_delivery"]["test"], true, "the connections panel says the last one was a test");

    // No key configured: the listener refuses, says why, and logs it.
    let (status, _) = put(&r, "enviso", json!({"remove_hmac_key": 0})).await;
    assert_eq!(status, 200);
    let result = test_delivery(&r, "enviso").await;
    assert_eq!(result["accepted"], false);
    assert_eq!(result["status"], 401);
    assert_eq!(result["reason"], "no Enviso HMAC key is configured");
    let log = r.get_json(&r.board("/api/deliveries?source=enviso&limit=1")).await;
    assert_eq!(log["items"][0]["verdict"], "rejected");
    assert_eq!(log["items"][0]["reason"], "no Enviso HMAC key is configured");
    r.stop().await;
}

#[tokio::test]
async fn with_a_fee_each_carrier_hit_adds_a_line_to_the_sessions_tab() {
    let r = start().await;
    let post = async |event: &str| {
        let resp = r.http.post(r.at_hook()).body(at_body(event, "L1", "S1")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    };
    post("sessionCreated").await;
    post("sessionStarted").await;
    post("carrierHit").await;
    let tab = |b: &Value| {
        b["tab"].as_array().unwrap().iter().filter(|i| i["name"] == "Carrier hit").cloned().collect::<Vec<_>>()
    };
    assert!(tab(&r.get_json(&r.board("/api/board")).await).is_empty(), "no fee, no charge");

    let (status, _) = put(&r, "carrier_hits", json!({"fee": 12.5})).await;
    assert_eq!(status, 200);
    post("carrierHit").await;
    post("carrierHit").await;
    let board = r.get_json(&r.board("/api/board")).await;
    let lines = tab(&board);
    assert_eq!(lines.len(), 2, "one line per hit after the fee was set: {board}");
    for l in &lines {
        assert_eq!(l["session_id"], "S1");
        assert_eq!((l["unit_price_cents"].as_i64(), l["total_cents"].as_i64()), (Some(1250), Some(1250)));
        assert_eq!(l["to_deliver"], false, "nothing to take to the lane");
    }
    assert_eq!(board["sessions"][0]["carrier_hits"], 3, "every hit still counts on the board");
    let events = r.get_json(&r.board("/api/events?type=tabItemAdded")).await;
    assert_eq!(events["items"].as_array().unwrap().len(), 2, "each charge is an event");
    r.stop().await;
}

#[tokio::test]
async fn opening_the_board_to_the_lan_is_saved_for_the_next_start() {
    let r = start().await;
    let (status, v) = put(&r, "server", json!({"board_listen": "0.0.0.0:8788", "board_pin": " 482190 "})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["applies_after_restart"], json!(["server.board_listen", "server.board_pin"]));
    assert_eq!(v["settings"]["restart_needed"], json!(["server.board_listen", "server.board_pin"]));
    assert_eq!(v["settings"]["server"]["board_pin_set"], true);
    assert!(!v.to_string().contains(PIN), "the PIN is never sent back");
    let resp = r.http.get(r.board("/api/board")).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the running board keeps its started access until the restart");
    assert_eq!(r.app.config().server.board_listen, "127.0.0.1:8788", "in force: the started value");
    let next = rangedesk_core::config::load(&file(&r)).unwrap();
    assert_eq!((next.board_listen.to_string().as_str(), next.config.server.board_pin.as_str()), ("0.0.0.0:8788", PIN));

    let (status, v) = put(&r, "server", json!({"board_listen": "127.0.0.1:8788"})).await;
    assert_eq!(status, 200);
    assert_eq!(v["settings"]["restart_needed"], json!(["server.board_pin"]), "back as started: no notice for it");
    r.stop().await;
}

#[tokio::test]
async fn the_catalogue_check_names_the_rule_and_row_without_saving() {
    let r = start().await;
    let before = r.get_json(&r.board("/api/products")).await;
    let mut bad = before.clone();
    bad[1]["price"] = json!(1.005);
    let resp = r.http.post(r.board("/api/products/check")).json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!((err["rule"].as_str(), err["index"].as_u64()), (Some("price_decimals"), Some(1)), "{err}");
    let put = r.http.put(r.board("/api/products")).json(&bad).send().await.unwrap();
    assert_eq!(put.status(), 400);
    assert_eq!(put.json::<Value>().await.unwrap(), err, "the same refusal a PUT gets");

    let resp = r.http.post(r.board("/api/products/check")).json(&before).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut renamed = before.clone();
    renamed[1]["display_name"] = json!("Checked, not saved");
    let resp = r.http.post(r.board("/api/products/check")).json(&renamed).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(r.get_json(&r.board("/api/products")).await, before, "a check saves nothing");
    r.stop().await;
}

#[tokio::test]
async fn a_browser_on_the_lan_reads_settings_with_the_pin_but_cannot_change_them() {
    let Some(lan) = lan_address() else {
        eprintln!("skipped: this machine has no non-loopback address to connect from");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rangedesk.toml");
    let text = format!("{}\n[server]\nboard_listen = \"0.0.0.0:8788\"\nboard_pin = \"{PIN}\"\n", config_text());
    std::fs::write(&file, &text).unwrap();
    let checked = rangedesk_core::config::load(&file).unwrap();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let app = rangedesk_core::app::App::start_on(checked, dir.path().to_owned(), public, board, Default::default())
        .await
        .unwrap();
    let base = format!("http://{lan}:{}", app.board_addr().port());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    let resp = http.get(format!("{base}/api/settings")).send().await.unwrap();
    assert_eq!(resp.status(), 403, "without the PIN a LAN browser gets nothing");
    let v: Value = http
        .get(format!("{base}/api/settings"))
        .header("x-rangedesk-pin", PIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["can_change"], false, "{v}");
    assert_eq!(v["hook_urls"], Value::Null, "the hook token stays on the desk computer");
    assert!(!v.to_string().contains(TOKEN));
    let urls = http.get(format!("{base}/api/hook-urls")).header("x-rangedesk-pin", PIN).send().await.unwrap();
    assert_eq!(urls.status(), 403, "nor does Status on the LAN get them");
    let refused: Value = urls.json().await.unwrap();
    assert_eq!(refused["code"], "forbidden");
    assert!(!refused.to_string().contains(TOKEN));

    let put = http
        .put(format!("{base}/api/settings/carrier_hits"))
        .header("x-rangedesk-pin", PIN)
        .json(&json!({"fee": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403, "only the window or a browser on the desk computer changes settings");
    let test = http
        .post(format!("{base}/api/settings/test-delivery/samna"))
        .header("x-rangedesk-pin", PIN)
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 403);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "the file is untouched");
    assert_eq!(app.config().carrier_hits.fee, 0.0);
    app.shutdown();
    app.stopped().await;
}

#[tokio::test]
async fn an_action_target_api_key_pasted_into_settings_works_without_a_restart() {
    let sim = rangedesk_simulator::Simulator::start(rangedesk_simulator::SimConfig {
        api_key: SIM_KEY.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let config =
        format!("[action_target]\nhook_token = \"{TOKEN}\"\napi_base = \"{}\"\npoll_seconds = 1\n", sim.api_base());
    let r = start_with(&config, Default::default()).await;
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["action_target_api"]["polling"], false, "no key, no polling");
    assert_eq!(r.get_json(&r.board("/api/lanes")).await, json!([]));

    let (status, v) = put(&r, "action_target", json!({"api_key": "not-the-key"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["applies_after_restart"], json!([]), "the reconciler follows the API settings live");
    let refused = eventually(std::time::Duration::from_secs(10), async || {
        let s = r.get_json(&r.board("/api/status")).await;
        s["action_target_api"]["last_error"].as_str().is_some_and(|e| e.contains("refused the key"))
    })
    .await;
    assert!(refused, "a wrong key is used at once, and the vendor's refusal shows");

    let (status, _) = put(&r, "action_target", json!({"api_key": SIM_KEY})).await;
    assert_eq!(status, 200);
    let polling = eventually(std::time::Duration::from_secs(10), async || {
        let s = r.get_json(&r.board("/api/status")).await;
        let lanes = r.get_json(&r.board("/api/lanes")).await;
        s["action_target_api"]["polling"] == true
            && s["action_target_api"]["last_poll_ok"].is_string()
            && lanes.as_array().is_some_and(|l| l.len() == 24)
    })
    .await;
    assert!(polling, "the right key reads the range set-up and polls without a restart");

    let (status, err) = put(&r, "action_target", json!({"api_base": "https://"})).await;
    assert_eq!((status, err["key"].as_str()), (400, Some("action_target.api_base")), "{err}");
    r.stop().await;
    sim.shutdown().await;
}

/// A self-signed certificate and its key, as PEM files in `dir`; `name` keeps pairs apart.
fn cert_files(dir: &std::path::Path, name: &str) -> (String, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (c, k) = (dir.join(format!("{name}-cert.pem")), dir.join(format!("{name}-key.pem")));
    std::fs::write(&c, cert.cert.pem()).unwrap();
    std::fs::write(&k, cert.signing_key.serialize_pem()).unwrap();
    (c.display().to_string(), k.display().to_string())
}

#[tokio::test]
async fn unsafe_values_are_refused_naming_the_key_and_the_file_is_unchanged() {
    let r = start().await;
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = cert_files(certs.path(), "a");
    let (_, other_key) = cert_files(certs.path(), "b");
    let garbage = certs.path().join("garbage.pem");
    std::fs::write(&garbage, "not a PEM file\n").unwrap();
    let garbage = garbage.display().to_string();
    let before = std::fs::read(file(&r)).unwrap();
    let cases = [
        // The API key travels to api_base in a header: only over TLS, or to this computer.
        ("action_target", json!({"api_base": "http://api.action-target.net/api/v2/pos"}), "action_target.api_base"),
        ("action_target", json!({"api_base": "http://127.0.0.1.attacker.example/pos"}), "action_target.api_base"),
        ("action_target", json!({"api_base": "http://localhost.attacker.example/pos"}), "action_target.api_base"),
        ("action_target", json!({"api_base": "http://10.0.0.5/pos"}), "action_target.api_base"),
        ("action_target", json!({"api_base": "ftp://api.action-target.net/pos"}), "action_target.api_base"),
        ("action_target", json!({"api_base": "https://"}), "action_target.api_base"),
        ("action_target", json!({"api_auth_header": "Host"}), "action_target.api_auth_header"),
        ("action_target", json!({"api_auth_header": "content-length"}), "action_target.api_auth_header"),
        ("action_target", json!({"api_auth_header": "Transfer-Encoding"}), "action_target.api_auth_header"),
        ("action_target", json!({"api_auth_header": "Connection"}), "action_target.api_auth_header"),
        ("action_target", json!({"api_auth_header": "X Api Key"}), "action_target.api_auth_header"),
        ("action_target", json!({"api_auth_header": "X-Key:"}), "action_target.api_auth_header"),
        ("samna", json!({"tolerance_seconds": 3601}), "samna.tolerance_seconds"),
        ("samna", json!({"tolerance_seconds": 86_400_000}), "samna.tolerance_seconds"),
        // The next start would fail on these: they are read and checked before they are saved.
        ("server", json!({"tls_cert": "/etc/shadow", "tls_key": "/etc/shadow"}), "server.tls_cert"),
        ("server", json!({"tls_cert": "/no/such/cert.pem", "tls_key": key}), "server.tls_cert"),
        ("server", json!({"tls_cert": garbage, "tls_key": key}), "server.tls_cert"),
        ("server", json!({"tls_cert": cert, "tls_key": "/no/such/key.pem"}), "server.tls_key"),
        ("server", json!({"tls_cert": cert, "tls_key": garbage}), "server.tls_key"),
        ("server", json!({"tls_cert": cert, "tls_key": other_key}), "server.tls_key"),
    ];
    for (section, body, want) in cases {
        let (status, err) = put(&r, section, body.clone()).await;
        let said = err.get("error").unwrap_or(&err["changed"]);
        assert_eq!(status, 400, "{section} {body} must be refused: {said}");
        assert_eq!(err["key"], want, "the refusal names the key at fault: {body} {err}");
        assert_eq!(err["code"], "bad_request", "{err}");
        assert!(err["error"].as_str().unwrap().starts_with(&format!("{want}: ")), "{err}");
        assert!(!err.to_string().contains("root:"), "a refused file's content is never echoed: {err}");
        assert_eq!(std::fs::read(file(&r)).unwrap(), before, "{body}: a refused change leaves the file byte for byte");
    }
    let c = r.app.config();
    assert_eq!(c.action_target.api_base, "https://api.action-target.net/api/v2/pos", "nothing in force changed");
    assert_eq!((c.samna.tolerance_seconds, c.server.tls_cert.as_str()), (300, ""));

    // What is safe still saves: loopback over plain HTTP (the simulator, the demo), the limit itself,
    // a custom header name, and a certificate with its own key.
    let fine = [
        ("action_target", json!({"api_base": "http://127.0.0.1:9/pos"})),
        ("action_target", json!({"api_base": "http://127.8.0.1:9/pos"})),
        ("action_target", json!({"api_base": "http://localhost:9/pos"})),
        ("action_target", json!({"api_base": "http://[::1]:9/pos"})),
        ("action_target", json!({"api_base": "https://api.action-target.net/api/v2/pos"})),
        ("action_target", json!({"api_auth_header": "X-Api-Key"})),
        ("samna", json!({"tolerance_seconds": 3600})),
        ("server", json!({"tls_cert": cert, "tls_key": key})),
    ];
    for (section, body) in fine {
        let (status, v) = put(&r, section, body.clone()).await;
        assert_eq!(status, 200, "{section} {body} is safe: {v}");
    }
    rangedesk_core::config::load(&file(&r)).expect("what was saved loads at the next start");
    r.stop().await;
}

async fn settings_events(r: &Running) -> Vec<Value> {
    r.get_json(&r.board("/api/events?type=settingsChanged")).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn moving_the_api_base_to_another_host_clears_the_api_key() {
    let config = config_text().replace("poll_seconds = 0", &format!("poll_seconds = 0\napi_key = \"{API_KEY}\""));
    let r = start_with(&config, Default::default()).await;
    let key_in_file = |r: &Running| std::fs::read_to_string(file(r)).unwrap().contains(API_KEY);

    // Only the path: the same server, the key stays.
    let (status, v) = put(&r, "action_target", json!({"api_base": "https://api.action-target.net/api/v3/pos"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changed"], json!(["action_target.api_base"]), "a new path clears nothing");
    assert_eq!(v["settings"]["action_target"]["api_key"]["hint"], "…CRET");
    assert!(key_in_file(&r) && r.app.config().action_target.api_key == API_KEY);

    // Another host: the key was given for the old server and must not follow the address.
    let (status, v) = put(&r, "action_target", json!({"api_base": "https://attacker.example/api/v2/pos"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changed"], json!(["action_target.api_base", "action_target.api_key"]), "the answer says so");
    assert_eq!(v["settings"]["action_target"]["api_key"], Value::Null, "no key is set any more");
    assert!(!key_in_file(&r), "cleared in the file too");
    assert_eq!(r.app.config().action_target.api_key, "", "and in force: the next poll sends no key");
    assert_eq!(rangedesk_core::config::load(&file(&r)).unwrap().config.action_target.api_key, "");
    let event = settings_events(&r).await[0].clone();
    assert_eq!(event["data"]["keys"], json!(["action_target.api_base", "action_target.api_key"]), "{event}");
    let note = event["data"]["changes"][1]["change"].as_str().unwrap();
    assert!(note.contains("cleared"), "the event records why the key went: {event}");
    assert!(!event.to_string().contains(API_KEY), "never the key itself: {event}");

    // A new host with a new key in the same change: the person typed the key for that server.
    let new_key = "at-api-key-for-the-new-server-9876";
    let (status, v) =
        put(&r, "action_target", json!({"api_base": "https://api2.action-target.net/pos", "api_key": new_key})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["settings"]["action_target"]["api_key"]["hint"], "…9876", "the new key is kept");
    assert_eq!(r.app.config().action_target.api_key, new_key);

    // Another port or scheme is another server too.
    for base in ["https://api2.action-target.net:8443/pos", "http://localhost:8443/pos", "https://localhost:8443/pos"] {
        let (status, _) = put(&r, "action_target", json!({"api_key": new_key})).await;
        assert_eq!(status, 200);
        let (status, v) = put(&r, "action_target", json!({"api_base": base})).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["settings"]["action_target"]["api_key"], Value::Null, "{base}: cleared");
        assert!(!std::fs::read_to_string(file(&r)).unwrap().contains(new_key), "{base}");
    }
    r.stop().await;
}

/// Starts the app the way a first start does: `rangedesk.toml` is read (or found missing), the
/// hook token saved, then the listeners (port 0) and the store; a second call on the same
/// directory is the next start.
async fn start_as_installed(dir: tempfile::TempDir) -> Running {
    let file = dir.path().join("rangedesk.toml");
    let mut checked = rangedesk_core::config::load(&file).unwrap();
    rangedesk_core::config::ensure_hook_token(&mut checked).unwrap();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let board = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = rangedesk_core::app::App::start_on(checked, dir.path().to_owned(), public, board, Default::default())
        .await
        .unwrap();
    Running { app, dir, http: reqwest::Client::new() }
}

#[tokio::test]
async fn first_run_without_a_config_starts_the_set_up_and_resumes_it_where_it_was_left() {
    let r = start_as_installed(tempfile::tempdir().unwrap()).await;
    let v = r.get_json(&r.board("/api/settings")).await;
    assert_eq!(v["setup"], "welcome", "no config file: the set-up is to do");
    assert_eq!(v["server"]["range_name"], "");
    let text = std::fs::read_to_string(file(&r)).unwrap();
    assert!(text.contains("[setup]") && text.contains("step = \"welcome\""), "saved with the hook token: {text}");

    let (status, v) =
        put(&r, "server", json!({"range_name": "  Lakeside Range", "time_zone": "Europe/Brussels"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["applies_after_restart"], json!([]), "name and zone apply at once");
    assert_eq!(v["settings"]["server"]["range_name"], "  Lakeside Range", "kept as typed; the UI trims");
    let (status, v) = put(&r, "setup", json!({"step": "enviso"})).await;
    assert_eq!((status, v["settings"]["setup"].clone()), (200, json!("enviso")), "{v}");
    // The generated hook token works at once: Action Target's test delivery is accepted; Enviso
    // has no key yet and the listener says so.
    assert_eq!(test_delivery(&r, "action_target").await["accepted"], true);
    let enviso = test_delivery(&r, "enviso").await;
    assert_eq!((enviso["accepted"].clone(), enviso["status"].clone()), (json!(false), json!(401)), "{enviso}");

    // Closed mid-way: the next start opens the set-up at the step saved, with what was entered.
    let r = start_as_installed(r.stop().await).await;
    let v = r.get_json(&r.board("/api/settings")).await;
    assert_eq!(v["setup"], "enviso", "resumes where it was");
    assert_eq!(v["server"]["range_name"], "  Lakeside Range");
    assert_eq!(v["server"]["time_zone"], "Europe/Brussels");

    let (status, v) = put(&r, "setup", json!({"step": "later"})).await;
    assert_eq!((status, v["key"].clone()), (400, json!("setup.step")), "{v}");
    let (status, v) = put(&r, "server", json!({"range_name": "Lakeside\nRange"})).await;
    assert_eq!((status, v["key"].clone()), (400, json!("server.range_name")), "{v}");
    let (status, v) = put(&r, "server", json!({"range_name": "x".repeat(81)})).await;
    assert_eq!((status, v["key"].clone()), (400, json!("server.range_name")), "{v}");
    let (status, _) = put(&r, "setup", json!({"step": "done"})).await;
    assert_eq!(status, 200);
    let r = start_as_installed(r.stop().await).await;
    assert_eq!(r.get_json(&r.board("/api/settings")).await["setup"], "done", "finished stays finished");
    r.stop().await;
}

#[tokio::test]
async fn first_run_set_up_is_not_shown_to_an_existing_install() {
    // A config written before the set-up existed (vendors configured, no `[setup]`): done.
    let r = start().await;
    assert_eq!(r.get_json(&r.board("/api/settings")).await["setup"], "done");
    let dir = r.stop().await;
    // An empty file a person created is theirs too: only a file the app creates starts the set-up.
    std::fs::write(dir.path().join("rangedesk.toml"), "").unwrap();
    let r = start_as_installed(dir).await;
    assert_eq!(r.get_json(&r.board("/api/settings")).await["setup"], "done");
    r.stop().await;
}
