//! The Action Target hook token: the one key the app writes itself. An empty
//! `action_target.hook_token` gets 256 random bits on first start, saved into `rangedesk.toml`
//! with the rest of the file left as the person wrote it.

use super::{Checked, ConfigError, Result, one_line};
use base64::Engine as _;

/// A new hook token: 256 random bits as unpadded URL-safe base64.
pub fn new_hook_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Makes sure `action_target.hook_token` is set, generating and saving one if it is empty. The file
/// is rewritten atomically and private (`files::write_private`) with every other line kept as it was.
pub fn ensure_hook_token(checked: &mut Checked) -> Result<()> {
    if !checked.config.action_target.hook_token.is_empty() {
        return Ok(());
    }
    let file = checked.file.clone();
    let write_err = |source| ConfigError::Write { file: file.clone(), source };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(ConfigError::Read { file, source: e }),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| ConfigError::Invalid {
        file: file.clone(),
        key: "(file)".into(),
        problem: one_line(e.message()),
    })?;
    let token = new_hook_token();
    if !doc.contains_table("action_target") {
        doc["action_target"] = toml_edit::table();
    }
    doc["action_target"]["hook_token"] = toml_edit::value(token.clone());
    // A file the app creates on first start also says the set-up is still to do, so a wizard
    // closed before its end opens again at the next start (a file without `[setup]` reads as done).
    let step = checked.config.setup.step;
    if step.pending() && !doc.contains_table("setup") {
        let name = serde_json::to_value(step).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        doc["setup"] = toml_edit::table();
        doc["setup"]["step"] = toml_edit::value(name);
    }
    crate::files::write_private(&file, doc.to_string().as_bytes()).map_err(write_err)?;
    checked.config.action_target.hook_token = token;
    Ok(())
}
