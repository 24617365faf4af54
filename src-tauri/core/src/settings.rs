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
//! - A certificate or key is read and checked before it is saved (`tls::server_config`); a backup
//!   folder is created if missing and proven writable before it is saved.
//! - What can apply live does at once: vendor keys and secrets, purchase rules and window, the
//!   carrier-hit fee, notifications, ageing, the time zone, the range's name, the first-run
//!   set-up's step (`setup.step`, so a closed set-up resumes there), and the Action Target API settings
//!   (the reconciler follows them). What the running listeners were built from (addresses, PIN,
//!   TLS, timeouts) is saved and reported as "applies after restart"; [`Settings::current`] keeps the values in
//!   force until then.
//! - Every change is recorded as a `settingsChanged` event with who and which keys, never a
//!   secret's value.
//!
//! Where it lives: the refusal type in `settings/refusal.rs`; checking, saving and recording a
//! change in `settings/change.rs`; what applies live and what after a restart in
//! `settings/in_force.rs`; the connections panel in `settings/connections.rs`; the patch format
//! and the file edit in `settings/patch.rs`; the views in `settings/view.rs`; the test delivery in
//! `settings/test_delivery.rs`.

use crate::config::{self, Config};
use crate::error::ApiError;
use crate::ingest::Ingest;
use crate::reconciler::ApiHealth;
use crate::store::Store;
use rangedesk_domain::Source;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

mod change;
mod connections;
mod in_force;
mod patch;
mod refusal;
mod test_delivery;
mod view;

pub use in_force::RESTART_KEYS;
pub use refusal::SettingsRefusal;
use refusal::{one_line, refusal};
pub use test_delivery::TestDeliveryResult;
pub use view::{
    ActionTargetSettingsView, ConnectionView, EnvisoSettingsView, HookUrls, LastDelivery, SamnaSettingsView,
    SecretView, ServerSettingsView, SettingsChanged, SettingsView,
};

/// A change to one section: a JSON object of the keys to set (see [`Settings::change`]).
pub type Patch = serde_json::Value;

/// The event every saved change is recorded as.
pub use rangedesk_domain::kinds::SETTINGS_CHANGED;

/// The sections of `rangedesk.toml` the settings screens change, as `PUT /api/settings/{section}`.
pub const SECTIONS: [&str; 11] = [
    "server",
    "action_target",
    "enviso",
    "samna",
    "purchases",
    "board",
    "notifications",
    "carrier_hits",
    "backup",
    "store",
    "setup",
];

/// A section of `rangedesk.toml` the settings screens change (`PUT /api/settings/{section}`), as
/// the UI's type. The core takes the section as the path segment it came in and refuses an unknown
/// one in words (`patch::edits`); the bindings test keeps this enum and `SECTIONS` equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
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
    Backup,
    Store,
    /// The first-run set-up's step (`{"step": "enviso"}`), so a closed wizard resumes there.
    Setup,
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
                range_name: s.range_name.clone(),
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
            backup: c.backup.clone(),
            store: c.store.clone(),
            setup: c.setup.step,
            restart_needed,
            can_change: local,
            hook_urls: local.then(|| self.hook_urls()),
            connections,
            action_target_api: api,
            time_zones: jiff::tz::db().available().map(|n| n.to_string()).collect(),
            system_time_zone: jiff::tz::TimeZone::try_system().ok().and_then(|z| z.iana_name().map(str::to_owned)),
        })
    }

    /// Builds a correctly signed delivery for `source` with the keys in force and posts it to our
    /// own public listener, the way the vendor would; reports the listener's verdict.
    pub async fn send_test_delivery(&self, source: Source) -> TestDeliveryResult {
        let c = self.current();
        test_delivery::send(&c, source, self.local_public_addr(), self.inner.tls).await
    }
}

pub use rangedesk_domain::money::fee_cents;
