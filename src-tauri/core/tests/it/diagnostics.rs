//! "Export diagnostics" (issue 13, point 8): the zip a browser on the desk PC downloads holds the
//! logs, the config, the store's figures, the delivery verdicts, the status and the versions, and
//! not one secret — neither from the config nor from a log line that carried one by accident.

use crate::support::{ENVISO_KEY, SAMNA_SECRET, TOKEN, at_body, config_text, enviso_body, start_with};
use std::io::Read;

const API_KEY: &str = "at-api-key-for-diagnostics-1234";
const PIN: &str = "482916";

#[tokio::test]
async fn the_diagnostics_zip_holds_what_support_needs_and_no_secret() {
    let config = format!(
        "{}\n[server]\nboard_pin = \"{PIN}\"\n",
        config_text().replace("poll_seconds = 0", &format!("poll_seconds = 0\napi_key = \"{API_KEY}\""))
    );
    let r = start_with(&config, Default::default()).await;
    let logs = rangedesk_core::paths::log_dir(r.dir.path());
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("rangedesk.2026-12-01.log"),
        format!("INFO started\nWARN a careless line: key={ENVISO_KEY} secret={SAMNA_SECRET} url=/hooks/action-target/{TOKEN}\n"),
    )
    .unwrap();
    let ok = r.http.post(r.at_hook()).body(at_body("help", "L1", "s1")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let enviso = r.http.post(r.public("/hooks/enviso")).body(enviso_body("d-1", "ORDER_CREATED")).send().await.unwrap();
    assert_eq!(enviso.status(), 200);
    let bad =
        r.http.post(r.public("/hooks/samna")).header("x-samna-signature", "t=1,v1=00").body("{}").send().await.unwrap();
    assert_eq!(bad.status(), 401);

    assert_eq!(r.http.get(r.board("/api/diagnostics")).send().await.unwrap().status(), 403, "behind the PIN");
    let resp = r.http.get(r.board("/api/diagnostics")).header("x-rangedesk-pin", PIN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"rangedesk-diagnostics-"), "{disposition}");
    let bytes = resp.bytes().await.unwrap().to_vec();

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        files.insert(f.name().to_owned(), text);
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["README.txt", "config.toml", "logs/rangedesk.2026-12-01.log", "status.json", "store.json", "versions.txt"]
    );
    for secret in [TOKEN, ENVISO_KEY, SAMNA_SECRET, API_KEY, PIN] {
        for (name, text) in &files {
            assert!(!text.contains(secret), "{name} carries the secret {secret}:\n{text}");
        }
        assert!(!String::from_utf8_lossy(&bytes).contains(secret), "the zip's own bytes carry {secret}");
    }
    let config: toml::Value = toml::from_str(&files["config.toml"]).unwrap();
    assert_eq!(config["action_target"]["hook_token"].as_str(), Some("(removed)"));
    assert_eq!(config["action_target"]["api_key"].as_str(), Some("(removed)"));
    assert_eq!(config["enviso"]["hmac_keys"][0].as_str(), Some("(removed)"), "how many keys, not what they are");
    assert_eq!(config["server"]["board_pin"].as_str(), Some("(removed)"));
    assert_eq!(config["carrier_hits"]["fee"].as_float(), Some(0.0), "the rest of the settings as they are");
    assert!(files["logs/rangedesk.2026-12-01.log"].contains("key=(secret removed) secret=(secret removed)"));

    let store: serde_json::Value = serde_json::from_str(&files["store.json"]).unwrap();
    let rows: std::collections::BTreeMap<String, i64> =
        serde_json::from_value(store["rows"].clone()).map(|v: Vec<(String, i64)>| v.into_iter().collect()).unwrap();
    assert_eq!((rows["deliveries"], rows["events"]), (3, 2), "{store}");
    let verdicts = store["verdicts"].as_array().unwrap();
    let count = |source: &str, verdict: &str| {
        verdicts
            .iter()
            .filter(|v| v["source"] == source && v["verdict"] == verdict)
            .map(|v| v["count"].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(
        (count("action_target", "accepted"), count("enviso", "accepted"), count("samna", "rejected")),
        (1, 1, 1)
    );
    assert!(store["schema_version"].as_i64().unwrap() >= 10);
    assert!(files["versions.txt"].starts_with(&format!("rangedesk {}\n", env!("CARGO_PKG_VERSION"))));
    assert!(files["versions.txt"].contains("SQLite 3."));
    let status: serde_json::Value = serde_json::from_str(&files["status.json"]).unwrap();
    assert_eq!(status["store_ok"], true);
    r.stop().await;
}
