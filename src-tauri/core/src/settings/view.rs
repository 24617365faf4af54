//! What the settings screens read: every setting, secrets only ever masked, and whether each
//! vendor reaches the app. Every type here crosses to TypeScript through ts-rs.

use crate::config;
use crate::reconciler::ApiHealth;
use crate::store::deliveries::Verdict;
use rangedesk_domain::Source;
use serde::Serialize;
use ts_rs::TS;

/// A secret as the screens see it: set, and at most its last four characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SecretView {
    /// `…` and the last four characters, for telling keys apart; `None` for short secrets, where
    /// four characters would give too much away.
    pub hint: Option<String>,
}

impl SecretView {
    pub(super) fn of(secret: &str) -> SecretView {
        let chars: Vec<char> = secret.chars().collect();
        let hint = (chars.len() >= 12).then(|| format!("…{}", chars[chars.len() - 4..].iter().collect::<String>()));
        SecretView { hint }
    }

    pub(super) fn optional(secret: &str) -> Option<SecretView> {
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
    /// 0 = a quarter of `max_connections`.
    #[ts(type = "number")]
    pub max_connections_per_client: usize,
    /// Extra `host:port` names the board answers to in PIN mode.
    pub board_hosts: Vec<String>,
    /// The board listener speaks HTTPS with the same certificate.
    pub board_tls: bool,
    /// The range's name; empty until the set-up or Settings gives one.
    pub range_name: String,
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
    pub backup: config::Backup,
    pub store: config::StoreSettings,
    /// Where the first-run set-up was left; `done` once finished or skipped (and for a config
    /// that existed before the set-up did).
    pub setup: config::SetupStep,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_show_at_most_their_last_four_characters() {
        assert_eq!(SecretView::of("wh_sec_abcdefgh1234").hint.as_deref(), Some("…1234"));
        assert_eq!(SecretView::of("4821").hint, None, "a short secret gets no hint at all");
        assert_eq!(SecretView::optional("  "), None);
    }
}

/// The URLs to paste into each vendor's portal.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HookUrls {
    pub action_target: String,
    pub action_target_products: String,
    pub enviso: String,
    pub samna: String,
}
