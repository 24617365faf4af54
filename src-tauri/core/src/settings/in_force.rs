//! What of a saved change is in force: everything but the keys the running listeners were built
//! from (addresses, PIN, TLS, timeouts, connection caps), which are saved now and apply after the
//! next start; and handing what applies live to the parts that use it.

use super::Settings;
use super::patch::get_path;
use crate::config::Config;
use crate::ingest::Keys;
use rangedesk_domain::money::fee_cents;

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

impl Settings {
    pub(super) fn restart_needed(&self, saved: &Config) -> Vec<String> {
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

    /// Hands what applies live to the parts that use it; the rest read [`Settings::current`].
    pub(super) fn apply(&self, c: &Config) {
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
}

/// The config in force: everything saved, except what the running app was built from.
pub(super) fn in_force(saved: &Config, started: &Config) -> Config {
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
