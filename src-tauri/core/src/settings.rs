//! Settings as the manager changes them from the app: read as a view that never carries a secret
//! (only whether one is set, how many, and a masked hint), and changed one section at a time.
//!
//! Promises:
//! - A change passes exactly the checks a config file passes at start (`config::check`); a bad
//!   value is refused naming the key and the problem, and then the file is left untouched.
//! - A change is written into `rangedesk.toml` with `toml_edit`, only the changed keys, so the
//!   person's comments and layout stay; the file is replaced atomically (write, then rename).
//! - What can apply live does at once: vendor keys and secrets, purchase rules and window, the
//!   carrier-hit fee, notifications, ageing, the time zone, and the Action Target API settings
//!   (the reconciler follows them). What the running listeners were built from (addresses, PIN,
//!   TLS, timeouts) is saved and reported as "applies after restart"; [`Settings::current`] keeps the values in
//!   force until then.
//! - Every change is recorded as a `settingsChanged` event with who and which keys, never a
//!   secret's value.

use crate::api::{ApiError, ApiErrorCode, HookUrls};
use crate::config::{self, Config, ConfigError};
use crate::ingest::{Ingest, Keys};
use crate::reconciler::ApiHealth;
use crate::store::deliveries::{self, Verdict};
use crate::store::{Store, events};
use crate::vendors::{NewEvent, Source};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use ts_rs::TS;

mod test_delivery;

pub use test_delivery::TestDeliveryResult;

/// A change to one section: a JSON object of the keys to set (see [`Settings::change`]).
pub type Patch = serde_json::Value;

/// How many days back the connections panel looks for each vendor's last delivery.
pub const LOOK_BACK_DAYS: i64 = 30;

/// The event every saved change is recorded as.
pub const SETTINGS_CHANGED: &str = "settingsChanged";

/// The sections of `rangedesk.toml` the settings screens change, as `PUT /api/settings/{section}`.
pub const SECTIONS: [&str; 8] =
    ["server", "action_target", "enviso", "samna", "purchases", "board", "notifications", "carrier_hits"];

/// Keys the running app was built from: saved now, in force after the next start.
const RESTART_KEYS: [&str; 8] = [
    "server.listen",
    "server.board_listen",
    "server.board_pin",
    "server.tls_cert",
    "server.tls_key",
    "server.header_timeout_seconds",
    "server.body_timeout_seconds",
    "server.max_connections",
];

/// Keys whose values are never shown, logged or recorded.
const SECRET_KEYS: [&str; 4] = ["server.board_pin", "action_target.api_key", "enviso.hmac_keys", "samna.secrets"];

/// What each section lets people set directly. Key lists are changed one key at a time
/// (`add_…`/`remove_…`), the hook token is generated, `ui_dir` is for developers.
fn editable(section: &str) -> &'static [&'static str] {
    match section {
        "server" => &[
            "listen",
            "board_listen",
            "board_pin",
            "tls_cert",
            "tls_key",
            "time_zone",
            "header_timeout_seconds",
            "body_timeout_seconds",
            "max_connections",
        ],
        "action_target" => &["api_base", "api_key", "api_auth_header", "poll_seconds"],
        "samna" => &["tolerance_seconds"],
        "purchases" => &["approval_window_seconds"],
        "board" => &["ageing_amber_seconds", "ageing_red_seconds"],
        "notifications" => &[
            "help",
            "carrier_hit",
            "purchase",
            "ending_soon",
            "overtime",
            "vendor_silent",
            "vendor_silent_minutes",
            "sound",
        ],
        "carrier_hits" => &["fee"],
        _ => &[],
    }
}

/// A refused change or a failed read: `{error, code, key}`; `key` names the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{error}")]
pub struct SettingsRefusal {
    pub error: String,
    pub code: ApiErrorCode,
    pub key: Option<String>,
}

impl SettingsRefusal {
    fn invalid(key: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        let key = key.into();
        SettingsRefusal { error: format!("{key}: {problem}"), code: ApiErrorCode::BadRequest, key: Some(key) }
    }

    pub fn status(&self) -> u16 {
        ApiError { code: self.code, message: String::new() }.status()
    }
}

impl From<ApiError> for SettingsRefusal {
    fn from(e: ApiError) -> Self {
        SettingsRefusal { error: e.message, code: e.code, key: None }
    }
}

impl From<crate::store::StoreError> for SettingsRefusal {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// A secret as the screens see it: set, and at most its last four characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SecretView {
    /// `…` and the last four characters, for telling keys apart; `None` for short secrets, where
    /// four characters would give too much away.
    pub hint: Option<String>,
}

impl SecretView {
    fn of(secret: &str) -> SecretView {
        let chars: Vec<char> = secret.chars().collect();
        let hint = (chars.len() >= 12).then(|| format!("…{}", chars[chars.len() - 4..].iter().collect::<String>()));
        SecretView { hint }
    }

    fn optional(secret: &str) -> Option<SecretView> {
        (!secret.trim().is_empty()).then(|| SecretView::of(secret))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ServerSettingsView {
    pub listen: String,
    pub board_listen: String,
    /// Whether a PIN is set; the PIN itself is never sent back.
    pub board_pin_set: bool,
    pub tls_cert: String,
    pub tls_key: String,
    pub time_zone: String,
    #[ts(type = "number")]
    pub header_timeout_seconds: u64,
    #[ts(type = "number")]
    pub body_timeout_seconds: u64,
    #[ts(type = "number")]
    pub max_connections: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ActionTargetSettingsView {
    pub api_base: String,
    pub api_key: Option<SecretView>,
    pub api_auth_header: String,
    #[ts(type = "number")]
    pub poll_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EnvisoSettingsView {
    /// In the file's order; remove one by its position.
    pub hmac_keys: Vec<SecretView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SamnaSettingsView {
    /// In the file's order; remove one by its position.
    pub secrets: Vec<SecretView>,
    #[ts(type = "number")]
    pub tolerance_seconds: u64,
}

/// The last request a vendor route received, whatever its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LastDelivery {
    pub trace_id: String,
    pub received_at: String,
    pub verdict: Verdict,
    pub status: u16,
    pub reason: Option<String>,
    /// Sent by the settings screen's "send a test delivery", not by the vendor.
    pub test: bool,
}

/// "Is it connected?" for one vendor.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionView {
    pub source: Source,
    /// Verification keys configured (for Action Target: 1, its hook token).
    pub keys: u32,
    /// The newest delivery of the last 30 days, whatever its verdict.
    pub last_delivery: Option<LastDelivery>,
    /// When the newest accepted delivery of the last 30 days arrived.
    pub last_accepted_at: Option<String>,
}

/// Everything the settings screens show. Carries no secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SettingsView {
    /// The config file changes are saved to.
    pub file: String,
    pub server: ServerSettingsView,
    pub action_target: ActionTargetSettingsView,
    pub enviso: EnvisoSettingsView,
    pub samna: SamnaSettingsView,
    pub purchases: config::Purchases,
    pub board: config::Board,
    pub notifications: config::Notifications,
    pub carrier_hits: config::CarrierHits,
    /// Saved keys whose new value takes effect only when the app starts again.
    pub restart_needed: Vec<String>,
    /// Whether this client may change settings: the window, or a browser on this computer.
    pub can_change: bool,
    /// The URLs to paste into the vendor portals; they carry the hook token, so only the window
    /// and browsers on this computer get them.
    pub hook_urls: Option<HookUrls>,
    pub connections: Vec<ConnectionView>,
    /// Action Target's API: the last successful poll and the last error.
    pub action_target_api: ApiHealth,
    /// The IANA zone names this computer knows, for the time zone field.
    pub time_zones: Vec<String>,
    /// The computer's own zone, used while `time_zone` is empty.
    pub system_time_zone: Option<String>,
}

/// The answer to a saved change.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SettingsChanged {
    /// The keys saved, e.g. `carrier_hits.fee`.
    pub changed: Vec<String>,
    /// Of those, the ones that take effect only after a restart.
    pub applies_after_restart: Vec<String>,
    pub settings: SettingsView,
}

/// The live settings of a running app; cheap to clone.
#[derive(Clone)]
pub struct Settings {
    inner: Arc<Inner>,
}

struct Inner {
    file: PathBuf,
    /// The config the running listeners and clients were built from.
    started: Config,
    /// The config with every change saved since: what the file says, as far as this app wrote it.
    saved: Mutex<Config>,
    /// The config in force: `saved`, with the restart-only keys as `started` has them.
    current: watch::Sender<Arc<Config>>,
    public_addr: SocketAddr,
    tls: bool,
    ingest: Ingest,
    store: Store,
    /// One change at a time, so two saves cannot interleave their file writes.
    changing: tokio::sync::Mutex<()>,
}

/// One key to set: its dotted name, its path in the config, its new value.
struct Edit {
    key: String,
    path: Vec<String>,
    value: Value,
    /// For the event: what happened, in words that never contain a secret.
    note: String,
}

impl Settings {
    pub fn new(checked: &config::Checked, public_addr: SocketAddr, ingest: Ingest, store: Store) -> Settings {
        let config = checked.config.clone();
        let (current, _) = watch::channel(Arc::new(config.clone()));
        Settings {
            inner: Arc::new(Inner {
                file: checked.file.clone(),
                tls: !config.server.tls_cert.is_empty(),
                started: config.clone(),
                saved: Mutex::new(config),
                current,
                public_addr,
                ingest,
                store,
                changing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The config in force now.
    pub fn current(&self) -> Arc<Config> {
        self.inner.current.borrow().clone()
    }

    /// Hears each new config in force as changes are saved.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Config>> {
        self.inner.current.subscribe()
    }

    fn saved(&self) -> Config {
        match self.inner.saved.lock() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The URLs to paste into each vendor's portal, as this listener is reached locally. Behind a
    /// port forward or proxy the host part is the range's public name instead.
    pub fn hook_urls(&self) -> HookUrls {
        let scheme = if self.inner.tls { "https" } else { "http" };
        let base = format!("{scheme}://{}/hooks", self.local_public_addr());
        let token = &self.inner.started.action_target.hook_token;
        HookUrls {
            action_target: format!("{base}/action-target/{token}"),
            action_target_products: format!("{base}/action-target/{token}/products"),
            enviso: format!("{base}/enviso"),
            samna: format!("{base}/samna"),
        }
    }

    /// The public listener as this computer reaches it (an unspecified address is loopback).
    fn local_public_addr(&self) -> SocketAddr {
        let mut a = self.inner.public_addr;
        if a.ip().is_unspecified() {
            a.set_ip(if a.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        a
    }

    /// The settings as the screens show them. `local` is the window or a browser on this
    /// computer: only they may change settings and see the hook URLs.
    pub async fn view(&self, api: ApiHealth, local: bool) -> Result<SettingsView, ApiError> {
        let c = self.saved();
        let connections = self.connections(&c).await?;
        let restart_needed = self.restart_needed(&c);
        let s = &c.server;
        Ok(SettingsView {
            file: self.inner.file.display().to_string(),
            server: ServerSettingsView {
                listen: s.listen.clone(),
                board_listen: s.board_listen.clone(),
                board_pin_set: !s.board_pin.trim().is_empty(),
                tls_cert: s.tls_cert.clone(),
                tls_key: s.tls_key.clone(),
                time_zone: s.time_zone.clone(),
                header_timeout_seconds: s.header_timeout_seconds,
                body_timeout_seconds: s.body_timeout_seconds,
                max_connections: s.max_connections,
            },
            action_target: ActionTargetSettingsView {
                api_base: c.action_target.api_base.clone(),
                api_key: SecretView::optional(&c.action_target.api_key),
                api_auth_header: c.action_target.api_auth_header.clone(),
                poll_seconds: c.action_target.poll_seconds,
            },
            enviso: EnvisoSettingsView { hmac_keys: c.enviso.hmac_keys.iter().map(|k| SecretView::of(k)).collect() },
            samna: SamnaSettingsView {
                secrets: c.samna.secrets.iter().map(|k| SecretView::of(k)).collect(),
                tolerance_seconds: c.samna.tolerance_seconds,
            },
            purchases: c.purchases.clone(),
            board: c.board.clone(),
            notifications: c.notifications.clone(),
            carrier_hits: c.carrier_hits.clone(),
            restart_needed,
            can_change: local,
            hook_urls: local.then(|| self.hook_urls()),
            connections,
            action_target_api: api,
            time_zones: jiff::tz::db().available().map(|n| n.to_string()).collect(),
            system_time_zone: jiff::tz::TimeZone::try_system().ok().and_then(|z| z.iana_name().map(str::to_owned)),
        })
    }

    fn restart_needed(&self, saved: &Config) -> Vec<String> {
        let (Ok(now), Ok(then)) = (serde_json::to_value(saved), serde_json::to_value(&self.inner.started)) else {
            return Vec::new();
        };
        RESTART_KEYS
            .iter()
            .filter(|k| {
                let path: Vec<&str> = k.split('.').collect();
                get_path(&now, &path) != get_path(&then, &path)
            })
            .map(|k| (*k).to_owned())
            .collect()
    }

    async fn connections(&self, c: &Config) -> Result<Vec<ConnectionView>, ApiError> {
        let counts = [
            (Source::ActionTarget, u32::from(!c.action_target.hook_token.is_empty())),
            (Source::Enviso, c.enviso.hmac_keys.len() as u32),
            (Source::Samna, c.samna.secrets.len() as u32),
        ];
        // "Is it connected?" looks back this far; older deliveries do not answer it.
        let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * LOOK_BACK_DAYS);
        let rows = self
            .inner
            .store
            .read(move |conn| {
                let mut out = Vec::new();
                for (source, _) in counts {
                    let last = deliveries::newest_since(conn, source, since, false)?;
                    let accepted = deliveries::newest_since(conn, source, since, true)?;
                    out.push((last, accepted));
                }
                Ok(out)
            })
            .await?;
        Ok(counts
            .into_iter()
            .zip(rows)
            .map(|((source, keys), (last, accepted))| ConnectionView {
                source,
                keys,
                last_delivery: last.map(|d| LastDelivery {
                    test: is_test(&d.headers),
                    trace_id: d.trace_id,
                    received_at: d.received_at,
                    verdict: d.verdict,
                    status: d.status,
                    reason: d.reason,
                }),
                last_accepted_at: accepted.map(|d| d.received_at),
            })
            .collect())
    }

    /// Checks, saves and applies a change to one section. `patch` is a JSON object of the keys
    /// to set; key lists take `add_…` (a new key) and `remove_…` (a position) instead.
    pub async fn change(
        &self,
        section: &str,
        patch: Value,
        by: &str,
        api: ApiHealth,
    ) -> Result<SettingsChanged, SettingsRefusal> {
        let _one_at_a_time = self.inner.changing.lock().await;
        let saved = self.saved();
        let edits = edits(section, &patch, &saved)?;
        if edits.is_empty() {
            return Err(SettingsRefusal::invalid(section, "nothing to change"));
        }
        let mut json = serde_json::to_value(&saved).map_err(|e| SettingsRefusal::invalid(section, e))?;
        for e in &edits {
            set_path(&mut json, &e.path, e.value.clone());
        }
        let new: Config = serde_path_to_error::deserialize(json).map_err(|e| {
            let key = e.path().to_string();
            SettingsRefusal::invalid(key, one_line(&e.inner().to_string()))
        })?;
        config::check(&self.inner.file, new.clone()).map_err(refusal)?;
        // The reconciler builds its client from these when they change; refuse what it cannot use.
        let api_config = crate::vendors::action_target_api::ApiConfig::from_config(&new.action_target);
        crate::vendors::action_target_api::Client::new(api_config).map_err(|e| {
            let text = e.to_string();
            let key = if text.contains("header") {
                "action_target.api_auth_header"
            } else if text.contains("URL") {
                "action_target.api_base"
            } else {
                "action_target.api_key"
            };
            SettingsRefusal::invalid(key, text)
        })?;
        let new_json = serde_json::to_value(&new).map_err(|e| SettingsRefusal::invalid(section, e))?;
        write_file(&self.inner.file, &edits, &new_json)?;

        let after_restart: Vec<String> =
            edits.iter().filter(|e| RESTART_KEYS.contains(&e.key.as_str())).map(|e| e.key.clone()).collect();
        match self.inner.saved.lock() {
            Ok(mut s) => *s = new.clone(),
            Err(p) => *p.into_inner() = new.clone(),
        }
        let in_force = in_force(&new, &self.inner.started);
        self.apply(&in_force);
        self.inner.current.send_replace(Arc::new(in_force));
        tracing::info!(section, by, keys = ?edits.iter().map(|e| &e.key).collect::<Vec<_>>(), "settings changed");

        let changed: Vec<String> = edits.iter().map(|e| e.key.clone()).collect();
        self.record(section, by, &edits, &after_restart).await?;
        Ok(SettingsChanged { changed, applies_after_restart: after_restart, settings: self.view(api, true).await? })
    }

    /// Hands what applies live to the parts that use it; the rest read [`Settings::current`].
    fn apply(&self, c: &Config) {
        self.inner.ingest.set_keys(Keys {
            hook_token: c.action_target.hook_token.clone(),
            enviso_hmac_keys: c.enviso.hmac_keys.clone(),
            samna_secrets: c.samna.secrets.clone(),
            samna_tolerance_seconds: c.samna.tolerance_seconds,
        });
        self.inner.ingest.set_purchase_settings(
            c.purchases.rules.clone(),
            c.purchases.approval_window_seconds,
            fee_cents(c.carrier_hits.fee),
        );
    }

    async fn record(&self, section: &str, by: &str, edits: &[Edit], after_restart: &[String]) -> Result<(), ApiError> {
        let source = match section {
            "enviso" => Source::Enviso,
            "samna" => Source::Samna,
            // Range-wide settings are filed with the lane system, like the staff actions.
            _ => Source::ActionTarget,
        };
        let changes: Vec<Value> = edits.iter().map(|e| serde_json::json!({"key": e.key, "change": e.note})).collect();
        let e = NewEvent {
            kind: SETTINGS_CHANGED.into(),
            known: true,
            lane_id: None,
            session_id: None,
            subject: Some(section.to_owned()),
            vendor_time: None,
            data: serde_json::json!({
                "section": section,
                "by": by,
                "keys": edits.iter().map(|e| &e.key).collect::<Vec<_>>(),
                "changes": changes,
                "after_restart": after_restart,
            }),
        };
        let now = jiff::Timestamp::now();
        self.inner
            .store
            .writer()
            .write(move |t| events::insert(t, None, now, source, events::Origin::Staff, &e).map(|_| ()))
            .await?;
        Ok(())
    }

    /// Builds a correctly signed delivery for `source` with the keys in force and posts it to our
    /// own public listener, the way the vendor would; reports the listener's verdict.
    pub async fn send_test_delivery(&self, source: Source) -> TestDeliveryResult {
        let c = self.current();
        test_delivery::send(&c, source, self.local_public_addr(), self.inner.tls).await
    }
}

/// The config in force: everything saved, except what the running app was built from.
fn in_force(saved: &Config, started: &Config) -> Config {
    let mut c = saved.clone();
    c.server.listen.clone_from(&started.server.listen);
    c.server.board_listen.clone_from(&started.server.board_listen);
    c.server.board_pin.clone_from(&started.server.board_pin);
    c.server.tls_cert.clone_from(&started.server.tls_cert);
    c.server.tls_key.clone_from(&started.server.tls_key);
    c.server.header_timeout_seconds = started.server.header_timeout_seconds;
    c.server.body_timeout_seconds = started.server.body_timeout_seconds;
    c.server.max_connections = started.server.max_connections;
    c
}

/// A fee in currency units (checked: at most two decimals) as cents.
pub fn fee_cents(fee: f64) -> i64 {
    (fee * 100.0).round() as i64
}

/// Whether a kept-headers object marks a test delivery.
pub fn is_test(headers: &Value) -> bool {
    headers.get(crate::ingest::TEST_HEADER).is_some()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn refusal(e: ConfigError) -> SettingsRefusal {
    match e {
        ConfigError::Invalid { key, problem, .. } => SettingsRefusal::invalid(key, problem),
        other => SettingsRefusal { error: other.to_string(), code: ApiErrorCode::StoreUnavailable, key: None },
    }
}

/// The keys a patch sets, checked against what the section allows.
fn edits(section: &str, patch: &Value, saved: &Config) -> Result<Vec<Edit>, SettingsRefusal> {
    if !SECTIONS.contains(&section) {
        return Err(SettingsRefusal {
            error: format!("there is no settings section {section:?}; use one of {}", SECTIONS.join(", ")),
            code: ApiErrorCode::NotFound,
            key: None,
        });
    }
    let Some(fields) = patch.as_object() else {
        return Err(SettingsRefusal::invalid(section, "the body must be a JSON object of the keys to change"));
    };
    let mut out = Vec::new();
    let list = match section {
        "enviso" => Some(("hmac_keys", "add_hmac_key", "remove_hmac_key", &saved.enviso.hmac_keys)),
        "samna" => Some(("secrets", "add_secret", "remove_secret", &saved.samna.secrets)),
        _ => None,
    };
    if let Some((name, add, remove, current)) = list {
        let key = format!("{section}.{name}");
        let mut keys = current.clone();
        let mut notes = Vec::new();
        if let Some(v) = fields.get(remove) {
            let n = v.as_u64().and_then(|n| usize::try_from(n).ok()).filter(|&n| n < keys.len()).ok_or_else(|| {
                SettingsRefusal::invalid(
                    &key,
                    format!(
                        "{remove} must be the position of a configured key (0 to {})",
                        keys.len().saturating_sub(1)
                    ),
                )
            })?;
            keys.remove(n);
            notes.push("a key removed");
        }
        if let Some(v) = fields.get(add) {
            let new = v
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| SettingsRefusal::invalid(&key, format!("{add} must be a non-empty string")))?;
            if keys.iter().any(|k| k == new) {
                return Err(SettingsRefusal::invalid(&key, "that key is already configured"));
            }
            keys.push(new.to_owned());
            notes.push("a key added");
        }
        if !notes.is_empty() {
            out.push(Edit {
                path: vec![section.to_owned(), name.to_owned()],
                key,
                value: Value::from(keys),
                note: notes.join(", "),
            });
        }
    }
    for (k, v) in fields {
        let key = format!("{section}.{k}");
        if let Some((name, add, remove, _)) = list {
            if k == add || k == remove {
                continue;
            }
            if k == name {
                return Err(SettingsRefusal::invalid(
                    key,
                    format!("add or remove one key at a time ({add}, {remove})"),
                ));
            }
        }
        if section == "purchases" && k == "rules" {
            let Some(rules) = v.as_object() else {
                return Err(SettingsRefusal::invalid(key, "must be an object such as {\"ammo\": \"ask\"}"));
            };
            for (rk, rv) in rules {
                out.push(Edit {
                    key: format!("purchases.rules.{rk}"),
                    path: vec!["purchases".into(), "rules".into(), rk.clone()],
                    value: rv.clone(),
                    note: format!("set to {rv}"),
                });
            }
            continue;
        }
        if section == "action_target" && k == "hook_token" {
            return Err(SettingsRefusal::invalid(key, "is generated by the app and cannot be set here"));
        }
        if !editable(section).contains(&k.as_str()) {
            return Err(SettingsRefusal::invalid(key, "is not a setting that can be changed here"));
        }
        let secret = SECRET_KEYS.contains(&key.as_str());
        let value = match v {
            // A key pasted into a field often brings spaces or a newline along.
            Value::String(s) if secret => Value::String(s.trim().to_owned()),
            other => other.clone(),
        };
        let note = match (&value, secret) {
            (Value::String(s), true) if s.is_empty() => "cleared".to_owned(),
            (_, true) => "set (secret, not recorded)".to_owned(),
            (v, false) => format!("set to {v}"),
        };
        out.push(Edit { path: vec![section.to_owned(), k.clone()], key, value, note });
    }
    Ok(out)
}

fn get_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn set_path(v: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut at = v;
    for p in parents {
        let Some(obj) = at.as_object_mut() else { return };
        at = obj.entry(p.clone()).or_insert_with(|| Value::Object(Default::default()));
    }
    if let Some(obj) = at.as_object_mut() {
        obj.insert(last.clone(), value);
    }
}

/// A JSON value as TOML; `None` for what a config key never holds (null, objects).
fn toml_value(v: &Value) -> Option<toml_edit::Value> {
    Some(match v {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64()?.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for i in items {
                a.push(toml_value(i)?);
            }
            a.into()
        }
        Value::Null | Value::Object(_) => return None,
    })
}

/// Writes each edited key into the file with its new (checked) value, keeping everything else —
/// comments included, and the comment after a changed value — as the person wrote it.
fn write_file(file: &std::path::Path, edits: &[Edit], new: &Value) -> Result<(), SettingsRefusal> {
    let io = |e: std::io::Error| SettingsRefusal {
        error: format!("{}: cannot save: {e}", file.display()),
        code: ApiErrorCode::StoreUnavailable,
        key: None,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| SettingsRefusal::invalid("(file)", one_line(e.message())))?;
    for e in edits {
        let path: Vec<&str> = e.path.iter().map(String::as_str).collect();
        let mut value = get_path(new, &path)
            .and_then(toml_value)
            .ok_or_else(|| SettingsRefusal::invalid(&e.key, "has no value that can be written to the file"))?;
        let Some((last, parents)) = path.split_last() else { continue };
        let mut table: &mut dyn toml_edit::TableLike = doc.as_table_mut();
        for p in parents {
            let item = table.entry(p).or_insert_with(|| {
                let mut t = toml_edit::Table::new();
                t.set_implicit(true);
                toml_edit::Item::Table(t)
            });
            table = item
                .as_table_like_mut()
                .ok_or_else(|| SettingsRefusal::invalid(&e.key, format!("`{p}` in the file is not a table")))?;
        }
        match table.get_mut(last) {
            Some(item) => {
                if let Some(old) = item.as_value() {
                    *value.decor_mut() = old.decor().clone();
                }
                *item = toml_edit::Item::Value(value);
            }
            None => {
                table.insert(last, toml_edit::Item::Value(value));
            }
        }
    }
    let text = doc.to_string();
    // The file as it will be must load: a hand edit since start that broke it is refused here,
    // before anything is replaced.
    config::parse(file, &text).map_err(refusal)?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = file.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, file).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_show_at_most_their_last_four_characters() {
        assert_eq!(SecretView::of("wh_sec_abcdefgh1234").hint.as_deref(), Some("…1234"));
        assert_eq!(SecretView::of("4821").hint, None, "a short secret gets no hint at all");
        assert_eq!(SecretView::optional("  "), None);
    }

    #[test]
    fn patches_name_the_key_they_break() {
        let c = Config::default();
        let err = |section: &str, patch: Value| edits(section, &patch, &c).err().map(|e| e.key.unwrap_or_default());
        assert_eq!(
            err("action_target", serde_json::json!({"hook_token": "x"})).as_deref(),
            Some("action_target.hook_token")
        );
        assert_eq!(err("enviso", serde_json::json!({"hmac_keys": []})).as_deref(), Some("enviso.hmac_keys"));
        assert_eq!(err("enviso", serde_json::json!({"remove_hmac_key": 0})).as_deref(), Some("enviso.hmac_keys"));
        assert_eq!(err("board", serde_json::json!({"colour": 1})).as_deref(), Some("board.colour"));
        assert!(edits("nope", &serde_json::json!({}), &c).is_err());
    }

    #[test]
    fn rotation_removes_by_position_then_adds() {
        let mut c = Config::default();
        c.samna.secrets = vec!["wh_sec_old".into(), "wh_sec_mid".into()];
        let e = edits("samna", &serde_json::json!({"remove_secret": 0, "add_secret": " wh_sec_new\n"}), &c).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].value, serde_json::json!(["wh_sec_mid", "wh_sec_new"]));
        assert!(!e[0].note.contains("wh_sec"), "the event never holds a secret: {}", e[0].note);
    }

    #[test]
    fn restart_only_keys_keep_their_started_value_in_force() {
        let started = Config::default();
        let mut saved = started.clone();
        saved.server.board_listen = "0.0.0.0:8788".into();
        saved.carrier_hits.fee = 2.5;
        let c = in_force(&saved, &started);
        assert_eq!(c.server.board_listen, "127.0.0.1:8788");
        assert_eq!(c.carrier_hits.fee, 2.5);
    }
}
