//! The error every operation of the desk returns to its clients, the window and the browser API
//! alike: a stable `code` the UI switches on (never the message) and a message for people.

use crate::store;
use serde::Serialize;
use ts_rs::TS;

/// An error a client can act on: a stable `code` to switch on and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ApiErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    BadRequest,
    NotFound,
    Forbidden,
    /// The state does not allow it (answered already, resolved already).
    Conflict,
    /// Action Target refused or did not answer.
    Upstream,
    StoreUnavailable,
    /// The request named another host (DNS rebinding, a proxy that rewrites `Host`): 421.
    WrongHost,
    /// Too many wrong PINs from one client: 429 with `Retry-After`.
    TooManyRequests,
    /// The desk PC could not write a file the window was asked to save (a full or read-only disk).
    CannotSave,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::BadRequest, message: message.into() }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::Conflict, message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::NotFound, message: message.into() }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::Forbidden, message: message.into() }
    }
    pub fn cannot_save(message: impl Into<String>) -> Self {
        ApiError { code: ApiErrorCode::CannotSave, message: message.into() }
    }
    pub fn status(&self) -> u16 {
        match self.code {
            ApiErrorCode::BadRequest => 400,
            ApiErrorCode::NotFound => 404,
            ApiErrorCode::Forbidden => 403,
            ApiErrorCode::Conflict => 409,
            ApiErrorCode::Upstream => 502,
            ApiErrorCode::StoreUnavailable => 503,
            ApiErrorCode::WrongHost => 421,
            ApiErrorCode::TooManyRequests => 429,
            ApiErrorCode::CannotSave => 500,
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        tracing::error!(error = %e, "store query failed");
        ApiError { code: ApiErrorCode::StoreUnavailable, message: "the store is unavailable".into() }
    }
}
