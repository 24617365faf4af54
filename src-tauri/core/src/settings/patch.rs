//! A change as a patch: which keys a section lets people set (key lists one key at a time), the
//! edits a patch makes, and writing them into `rangedesk.toml` with `toml_edit` so that every
//! other line, comments included, stays as the person wrote it.

use super::{SECTIONS, SettingsRefusal, one_line, refusal};
use crate::config::{self, Config};
use crate::error::ApiErrorCode;
use serde_json::Value;

/// Keys whose values are never shown, logged or recorded.
pub(super) const SECRET_KEYS: [&str; 4] =
    ["server.board_pin", "action_target.api_key", "enviso.hmac_keys", "samna.secrets"];

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
            "max_connections_per_client",
            "board_hosts",
            "board_tls",
            "range_name",
        ],
        "action_target" => &["api_base", "api_key", "api_auth_header", "poll_seconds"],
        "samna" => &["tolerance_seconds"],
        "purchases" => &["approval_window_seconds"],
        "board" => &["ageing_amber_seconds", "ageing_red_seconds", "lan_can_act"],
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
        "backup" => &["folder", "keep", "daily_at"],
        "store" => &["keep_bodies_days"],
        "setup" => &["step"],
        _ => &[],
    }
}

/// One key to set: its dotted name, its path in the config, its new value.
pub(super) struct Edit {
    pub(super) key: String,
    pub(super) path: Vec<String>,
    pub(super) value: Value,
    /// For the event: what happened, in words that never contain a secret.
    pub(super) note: String,
}

/// The keys a patch sets, checked against what the section allows.
pub(super) fn edits(section: &str, patch: &Value, saved: &Config) -> Result<Vec<Edit>, SettingsRefusal> {
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

pub(super) fn get_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

pub(super) fn set_path(v: &mut Value, path: &[String], value: Value) {
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
pub(super) fn write_file(file: &std::path::Path, edits: &[Edit], new: &Value) -> Result<(), SettingsRefusal> {
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
    // Private (0600) whatever mode the old file had: it holds every vendor key.
    crate::files::write_private(file, text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
