//! A refused change or a failed read of the settings, as the screens receive it: `{error, code,
//! key}`, where `key` names the setting at fault so the screen can point at it; a config check's
//! refusal keeps its key and problem, anything else is the store's.

use crate::config::ConfigError;
use crate::error::{ApiError, ApiErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// A refused change or a failed read: `{error, code, key}`; `key` names the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{error}")]
pub struct SettingsRefusal {
    pub error: String,
    pub code: ApiErrorCode,
    pub key: Option<String>,
}

impl SettingsRefusal {
    pub(super) fn invalid(key: impl Into<String>, problem: impl std::fmt::Display) -> Self {
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

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn refusal(e: ConfigError) -> SettingsRefusal {
    match e {
        ConfigError::Invalid { key, problem, .. } => SettingsRefusal::invalid(key, problem),
        other => SettingsRefusal { error: other.to_string(), code: ApiErrorCode::StoreUnavailable, key: None },
    }
}
