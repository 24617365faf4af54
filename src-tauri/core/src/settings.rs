//! Settings as the manager changes them from the app: read as a view that never carries a secret
//! (only whether one is set, how many, and a masked hint), and changed one section at a time.
//!
//! Promises:
//! - A change passes exactly the checks a config file passes at start (`config::check`); a bad
//!   value is refused naming the key and the problem, and then the file is left untouched.
//! - A change is written into `rangedesk.toml` with `toml_edit`, only the changed keys, so the
//!   person's comments and layout stay; the file is replaced atomically and stays private
//!   (`files::write_private`: a 0600 temp file, fsynced, renamed, the directory fsynced).
//! - Moving `action_target.api_base` to another server clears the stored API key unless the same
//!   change sets one; the answer's `changed` and the event name `action_target.api_key` then.
//! - A certificate or key is read and checked before it is saved (`tls::server_config`).
//! - What can apply live does at once: vendor keys and secrets, purchase rules and window, the
//!   carrier-hit fee, notifications, ageing, the time zone, and the Action Target API settings
//!   (the reconciler follows them). What the running listeners were built from (addresses, PIN,
//!   TLS, timeouts) is saved and reported as "applies after restart"; [`Settings::current`] keeps the values in
//!   force until then.
//! - Every change is recorded as a `settingsChanged` event with who and which keys, never a
//!   secret's value.

use crate::config::{self, Config, ConfigError};
use crate::error::{ApiError, ApiErrorCode};
use crate::ingest::{Ingest, Keys};
use crate::reconciler::ApiHealth;
use crate::store::deliveries;
use crate::store::{Store, events};
use rangedesk_domain::Staff;
use rangedesk_domain::{NewEvent, Source};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use ts_rs::TS;

mod patch;
mod test_delivery;
mod view;

use patch::{Edit, edits, get_path, set_path, write_file};
pub use test_delivery::TestDeliveryResult;
pub use view::{
    ActionTargetSettingsView, ConnectionView, EnvisoSettingsView, HookUrls, LastDelivery, SamnaSettingsView,
    SecretView, ServerSettingsView, SettingsChanged, SettingsView,
};

/// A change to one section: a JSON object of the keys to set (see [`Settings::change`]).
pub type Patch = serde_json::Value;

/// How many days back the connections panel looks for each vendor's last delivery.
pub const LOOK_BACK_DAYS: i64 = 30;

/// The event every saved change is recorded as.
pub use rangedesk_domain::kinds::SETTINGS_CHANGED;

/// The sections of `rangedesk.toml` the settings screens change, as `PUT /api/settings/{section}`.
pub const SECTIONS: [&str; 8] =
    ["server", "action_target", "enviso", "samna", "purchases", "board", "notifications", "carrier_hits"];

/// A section of `rangedesk.toml` the settings screens change (`PUT /api/settings/{section}`), as
/// the UI's type. The core takes the section as the path segment it came in and refuses an unknown
/// one in words (`patch::edits`); the bindings test keeps this enum and `SECTIONS` equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingsSection {
    Server,
    ActionTarget,
    Enviso,
    Samna,
    Purchases,
    Board,
    Notifications,
    CarrierHits,
}

/// Keys the running app was built from: saved now, in force after the next start.
pub const RESTART_KEYS: [&str; 11] = [
    "server.listen",
    "server.board_listen",
    "server.board_pin",
    "server.tls_cert",
    "server.tls_key",
    "server.header_timeout_seconds",
    "server.body_timeout_seconds",
    "server.max_connections",
    "server.max_connections_per_client",
    "server.board_hosts",
    "server.board_tls",
];

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
                max_connections_per_client: s.max_connections_per_client,
                board_hosts: s.board_hosts.clone(),
                board_tls: s.board_tls,
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
        who: &Staff,
        api: ApiHealth,
    ) -> Result<SettingsChanged, SettingsRefusal> {
        let by = who.by.as_str();
        let _one_at_a_time = self.inner.changing.lock().await;
        let saved = self.saved();
        let mut edits = edits(section, &patch, &saved)?;
        if edits.is_empty() {
            return Err(SettingsRefusal::invalid(section, "nothing to change"));
        }
        let mut json = serde_json::to_value(&saved).map_err(|e| SettingsRefusal::invalid(section, e))?;
        for e in &edits {
            set_path(&mut json, &e.path, e.value.clone());
        }
        let mut new: Config = serde_path_to_error::deserialize(json).map_err(|e| {
            let key = e.path().to_string();
            SettingsRefusal::invalid(key, one_line(&e.inner().to_string()))
        })?;
        if let Some(cleared) = clear_key_for_another_server(&saved.action_target, &mut new.action_target, &edits) {
            edits.push(cleared);
        }
        config::check(&self.inner.file, new.clone()).map_err(refusal)?;
        // The reconciler builds its client from these when they change; refuse what it cannot use.
        check_api(&new.action_target)?;
        // A certificate the next start cannot load would stop the app there: read it now.
        let tls_edited = edits.iter().any(|e| e.key == "server.tls_cert" || e.key == "server.tls_key");
        if tls_edited && !new.server.tls_cert.is_empty() {
            crate::tls::server_config(&new.server.tls_cert, &new.server.tls_key)
                .map_err(|e| SettingsRefusal::invalid(e.key, e.problem))?;
        }
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
        self.record(section, who, &edits, &after_restart).await?;
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

    async fn record(
        &self,
        section: &str,
        who: &Staff,
        edits: &[Edit],
        after_restart: &[String],
    ) -> Result<(), ApiError> {
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
            data: who.stamp(serde_json::json!({
                "section": section,
                "keys": edits.iter().map(|e| &e.key).collect::<Vec<_>>(),
                "changes": changes,
                "after_restart": after_restart,
            })),
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

/// The edit that clears the stored API key when a change moves `api_base` to another server
/// (scheme, host or port) without setting a key of its own: the key was given for the old server,
/// and whoever can change the address must not receive it. The path alone moves nothing.
fn clear_key_for_another_server(
    old: &config::ActionTarget,
    new: &mut config::ActionTarget,
    edits: &[Edit],
) -> Option<Edit> {
    const KEY: &str = "action_target.api_key";
    let server = |base: &str| {
        reqwest::Url::parse(base.trim())
            .ok()
            .map(|u| (u.scheme().to_owned(), u.host_str().map(str::to_owned), u.port_or_known_default()))
    };
    let base_edited = edits.iter().any(|e| e.key == "action_target.api_base");
    if !base_edited || new.api_key.is_empty() || edits.iter().any(|e| e.key == KEY) {
        return None;
    }
    // An old address that does not parse names no server the key could stay with.
    let moved = server(&old.api_base).is_none() || server(&old.api_base) != server(&new.api_base);
    if !moved {
        return None;
    }
    new.api_key.clear();
    Some(Edit {
        key: KEY.to_owned(),
        path: vec!["action_target".into(), "api_key".into()],
        value: Value::String(String::new()),
        note: "cleared: action_target.api_base now points at another server".into(),
    })
}

/// What the Action Target client needs beyond `config::check`: a key that fits in a header.
/// Each refusal names its key; nothing matches on error text.
fn check_api(at: &config::ActionTarget) -> Result<(), SettingsRefusal> {
    use crate::vendors::action_target_api::{ApiConfig, Client};
    let cfg = ApiConfig::from_config(at);
    if reqwest::header::HeaderValue::try_from(format!("Bearer {}", cfg.api_key)).is_err() {
        return Err(SettingsRefusal::invalid("action_target.api_key", "has characters a key cannot have"));
    }
    Client::new(cfg).map(|_| ()).map_err(|e| SettingsRefusal::invalid("action_target", e))
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
    c.server.max_connections_per_client = started.server.max_connections_per_client;
    c.server.board_hosts.clone_from(&started.server.board_hosts);
    c.server.board_tls = started.server.board_tls;
    c
}

pub use rangedesk_domain::money::fee_cents;

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

#[cfg(test)]
mod tests {
    use super::*;

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
