//! [`AtError`]: what went wrong with a call to Action Target, as a sentence for desk staff
//! (`Display`) and a stable code for the UI ([`AtError::code`]); and which failures are worth
//! another GET.

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AtError {
    #[error("Action Target refused the key")]
    Unauthorized,
    /// What was not known: `session`, `lane`, or an address (a wrong API URL).
    #[error("Action Target does not know that {0}")]
    NotFound(&'static str),
    /// The whole sentence: a 4xx with the vendor's reason, or a request refused before sending.
    #[error("{0}")]
    Refused(String),
    #[error("Action Target had an internal error (HTTP {0})")]
    ServerError(u16),
    #[error("Action Target did not answer in {} s", seconds(.0))]
    Timeout(Duration),
    /// Why, in a few words: `connection refused`, `address not found`…
    #[error("Action Target could not be reached ({0})")]
    Unreachable(String),
    #[error("Action Target gave an answer rangedesk does not understand ({0})")]
    BadAnswer(String),
    #[error("Action Target is not set up: add the API key in settings")]
    NotConfigured,
    /// A setting that cannot work: an API URL or header name that is not one.
    #[error("Action Target is not set up: {0}")]
    BadSetting(String),
}

impl AtError {
    pub fn code(&self) -> &'static str {
        match self {
            AtError::Unauthorized => "unauthorized",
            AtError::NotFound(_) => "not_found",
            AtError::Refused(_) => "refused",
            AtError::ServerError(_) => "server_error",
            AtError::Timeout(_) => "timeout",
            AtError::Unreachable(_) => "unreachable",
            AtError::BadAnswer(_) => "bad_answer",
            AtError::NotConfigured | AtError::BadSetting(_) => "not_configured",
        }
    }

    /// Worth another GET: the next attempt may find the server up again.
    pub(super) fn is_transient(&self) -> bool {
        matches!(self, AtError::Timeout(_) | AtError::Unreachable(_) | AtError::ServerError(_))
    }
}

/// `5` for whole seconds, `0.3` otherwise.
fn seconds(d: &Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{s:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(AtError::Timeout(Duration::from_secs(5)).to_string(), "Action Target did not answer in 5 s");
        assert_eq!(AtError::Timeout(Duration::from_millis(300)).to_string(), "Action Target did not answer in 0.3 s");
    }
}
