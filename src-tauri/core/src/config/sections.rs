//! The sections of `rangedesk.toml` (`[server]`, `[action_target]`, …) as typed structs, with the
//! defaults INTERFACES.md documents. Unknown keys are refused by serde (`deny_unknown_fields`), so a
//! typo is an error naming the key rather than a setting silently ignored. Their bounds are checked
//! in `check.rs`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub action_target: ActionTarget,
    pub enviso: Enviso,
    pub samna: Samna,
    pub purchases: Purchases,
    pub board: Board,
    pub notifications: Notifications,
    pub carrier_hits: CarrierHits,
    pub backup: Backup,
    pub store: StoreSettings,
    pub setup: Setup,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub listen: String,
    pub board_listen: String,
    pub board_pin: String,
    pub tls_cert: String,
    pub tls_key: String,
    pub time_zone: String,
    /// A connection that has not sent its whole request head by then is dropped (slowloris).
    pub header_timeout_seconds: u64,
    /// A request whose body has not arrived by then is answered 408.
    pub body_timeout_seconds: u64,
    /// Open connections per listener; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Open connections one client address may hold on a listener, so a slow client or held
    /// purchases from one address never make another vendor or `/healthz` wait. 0 = a quarter of
    /// `max_connections` (Action Target's cloud posts every lane's purchases from few addresses).
    pub max_connections_per_client: usize,
    /// Extra `host:port` names the board answers to in PIN mode (`desk-pc.local:8788`); any
    /// other `Host` is refused, so a web page cannot reach the board by DNS rebinding.
    pub board_hosts: Vec<String>,
    /// The board listener speaks HTTPS with `tls_cert`/`tls_key`, so a PIN on the LAN is not
    /// sent in cleartext.
    pub board_tls: bool,
    /// The built web UI served at `/` on `board_listen`; empty = look in the usual places.
    pub ui_dir: String,
    /// The range's name, as the first-run set-up asks for it; shown on the screens.
    pub range_name: String,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "0.0.0.0:8787".into(),
            board_listen: "127.0.0.1:8788".into(),
            board_pin: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            time_zone: String::new(),
            header_timeout_seconds: 10,
            body_timeout_seconds: 10,
            max_connections: 1024,
            max_connections_per_client: 0,
            board_hosts: Vec::new(),
            board_tls: false,
            ui_dir: String::new(),
            range_name: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionTarget {
    pub hook_token: String,
    pub api_base: String,
    pub api_key: String,
    pub api_auth_header: String,
    pub poll_seconds: u64,
}

impl Default for ActionTarget {
    fn default() -> Self {
        ActionTarget {
            hook_token: String::new(),
            api_base: "https://api.action-target.net/api/v2/pos".into(),
            api_key: String::new(),
            api_auth_header: "Authorization".into(),
            poll_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Enviso {
    pub hmac_keys: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Samna {
    pub secrets: Vec<String>,
    pub tolerance_seconds: u64,
}

impl Default for Samna {
    fn default() -> Self {
        Samna { secrets: Vec::new(), tolerance_seconds: 300 }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "PurchaseSettings")]
pub struct Purchases {
    #[ts(type = "number")]
    pub approval_window_seconds: u64,
    /// What to do with a lane purchase, per product type (`approve`, `ask`, `decline`).
    pub rules: rangedesk_domain::purchase::Rules,
}

impl Default for Purchases {
    fn default() -> Self {
        Purchases { approval_window_seconds: 20, rules: rangedesk_domain::purchase::Rules::default() }
    }
}

/// How the board shows things that wait for a person.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "BoardSettings")]
pub struct Board {
    /// A help call, purchase or waiting lane turns amber after this long.
    #[ts(type = "number")]
    pub ageing_amber_seconds: u64,
    /// … and red after this long.
    #[ts(type = "number")]
    pub ageing_red_seconds: u64,
    /// A LAN browser with the PIN watches; with this on it may also act (help, purchases,
    /// sessions). Settings and the catalogue change from the desk computer only, whatever this says.
    pub lan_can_act: bool,
}

impl Default for Board {
    fn default() -> Self {
        Board { ageing_amber_seconds: 60, ageing_red_seconds: 180, lan_can_act: false }
    }
}

/// Which desktop notifications the app raises; each kind can be turned off.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "NotificationSettings")]
pub struct Notifications {
    pub help: bool,
    pub carrier_hit: bool,
    pub purchase: bool,
    pub ending_soon: bool,
    pub overtime: bool,
    /// A vendor that has sent nothing (or, for Action Target, not answered a poll) for
    /// `vendor_silent_minutes`.
    pub vendor_silent: bool,
    #[ts(type = "number")]
    pub vendor_silent_minutes: u64,
    /// Play a sound from the app (not the webview) with each notification.
    pub sound: bool,
    /// A range-wide ceasefire: one notification, however many sessions it pauses.
    pub ceasefire: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            help: true,
            carrier_hit: true,
            purchase: true,
            ending_soon: true,
            overtime: true,
            vendor_silent: true,
            vendor_silent_minutes: 30,
            sound: false,
            ceasefire: true,
        }
    }
}

/// What a carrier hit costs the shooter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "CarrierHitSettings")]
pub struct CarrierHits {
    /// In currency units with at most two decimals; 0 = carrier hits are free. When set, each hit
    /// is added to the session's tab.
    pub fee: f64,
}

impl Server {
    /// The per-client connection cap in force (see `max_connections_per_client`).
    pub fn per_client_connections(&self) -> usize {
        match self.max_connections_per_client {
            0 => (self.max_connections / 4).max(1),
            n => n,
        }
    }
}

/// Backups of the store to a folder of the range's choosing (`crate::backups`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "BackupSettings")]
pub struct Backup {
    /// An absolute path (another disk, a USB drive, a network share); empty = no automatic
    /// backups, and "Back up now" asks for one.
    pub folder: String,
    /// How many backups to keep in the folder; older ones are deleted after a new one is checked.
    #[ts(type = "number")]
    pub keep: u32,
    /// The time of the daily backup, `HH:MM` in the range's time zone; empty = no daily backup.
    /// A PC that was off then backs up at its next start.
    pub daily_at: String,
}

impl Default for Backup {
    fn default() -> Self {
        Backup { folder: String::new(), keep: 7, daily_at: "03:00".into() }
    }
}

/// What the store keeps, and for how long.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(rename = "StoreSettings")]
pub struct StoreSettings {
    /// Days the raw bodies of deliveries are kept; 0 = forever. Events, reports and the delivery
    /// log's verdicts stay; so do the bodies the board and the history read (see `retention`).
    #[ts(type = "number")]
    pub keep_bodies_days: u32,
}

impl Config {
    /// Every secret value the config holds (keys, secrets, the hook token, the board PIN), for
    /// whatever must never carry one: a redacted copy, a diagnostics export.
    pub fn secrets(&self) -> Vec<&str> {
        let mut out = vec![
            self.action_target.hook_token.as_str(),
            self.action_target.api_key.as_str(),
            self.server.board_pin.as_str(),
        ];
        out.extend(self.enviso.hmac_keys.iter().map(String::as_str));
        out.extend(self.samna.secrets.iter().map(String::as_str));
        out.retain(|s| !s.is_empty());
        out
    }

    /// This config with every secret replaced by `(removed)` (empty ones stay empty, so the copy
    /// still says which are set).
    pub fn redacted(&self) -> Config {
        let gone = |s: &mut String| {
            if !s.is_empty() {
                *s = "(removed)".into();
            }
        };
        let mut c = self.clone();
        gone(&mut c.action_target.hook_token);
        gone(&mut c.action_target.api_key);
        gone(&mut c.server.board_pin);
        c.enviso.hmac_keys.iter_mut().for_each(gone);
        c.samna.secrets.iter_mut().for_each(gone);
        c
    }
}

/// The first-run set-up: where it was left. A config file the app creates itself (none existed)
/// starts at `welcome`; a file without `[setup]` was written by a person or an older version, so
/// the range is set up already and it reads as `done`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Setup {
    pub step: SetupStep,
}

/// The steps of the first-run set-up, in order; the wizard resumes at the one saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SetupStep {
    /// Set up this range, or try the demo first.
    Welcome,
    /// The range's name and time zone.
    Range,
    /// Each vendor: its key (skippable), the webhook URL to copy, a test delivery.
    ActionTarget,
    Enviso,
    Samna,
    /// What was set up, and the way to the board.
    Finish,
    /// Set-up finished or skipped: the board.
    #[default]
    Done,
}

impl SetupStep {
    pub fn pending(self) -> bool {
        self != SetupStep::Done
    }
}
