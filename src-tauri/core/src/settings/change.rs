//! Changing one section: the patch is turned into edits, the result passes `config::check` and
//! what the Action Target client and the TLS loader need, the file is written, what applies live is
//! applied, and the change is recorded as a `settingsChanged` event naming who and which keys,
//! never a secret's value. A move of `api_base` to another server clears the stored API key.

use super::in_force::{RESTART_KEYS, in_force};
use super::patch::{Edit, edits, set_path, write_file};
use super::{SETTINGS_CHANGED, Settings, SettingsChanged, SettingsRefusal, one_line, refusal};
use crate::config::{self, Config};
use crate::error::ApiError;
use crate::reconciler::ApiHealth;
use crate::store::events;
use rangedesk_domain::{NewEvent, Source, Staff};
use serde_json::Value;
use std::sync::Arc;

impl Settings {
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
        // A folder the next backup cannot write to would fail every night: try it now.
        if edits.iter().any(|e| e.key == "backup.folder") && !new.backup.folder.is_empty() {
            let folder = std::path::PathBuf::from(&new.backup.folder);
            tokio::task::spawn_blocking(move || crate::backups::prepare_folder(&folder))
                .await
                .map_err(|e| SettingsRefusal::invalid("backup.folder", e))?
                .map_err(|e| SettingsRefusal::invalid("backup.folder", format!("cannot be created or written: {e}")))?;
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
