//! One error type with a machine-readable code, so the CLI, the desktop IPC (`{code, message}`)
//! and the UI can tell kinds of failure apart instead of parsing strings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The caller's input is wrong; the message names the record and field.
    InvalidInput,
    NotFound,
    Conflict,
    Unauthorized,
    /// The connection's refresh failed for good (e.g. `invalid_grant`): the operator must reconnect.
    ReconnectRequired,
    RateLimited,
    /// The remote app answered with an error; the message carries its own text.
    Remote,
    Network,
    Storage,
    SecretStore,
    Cancelled,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::ReconnectRequired => "reconnect_required",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Remote => "remote",
            ErrorCode::Network => "network",
            ErrorCode::Storage => "storage",
            ErrorCode::SecretStore => "secret_store",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error every crate returns at its boundary: a code plus a message written for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type), specta(rename = "ApiError"))]
#[error("{code}: {message}")]
pub struct BridgeError {
    pub code: ErrorCode,
    pub message: String,
}

impl BridgeError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Storage, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let err = BridgeError::new(
            ErrorCode::ReconnectRequired,
            "GHL refused the refresh token",
        );
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "reconnect_required", "message": "GHL refused the refresh token"})
        );
    }

    #[test]
    fn as_str_matches_serde_name() {
        for code in [
            ErrorCode::InvalidInput,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::Unauthorized,
            ErrorCode::ReconnectRequired,
            ErrorCode::RateLimited,
            ErrorCode::Remote,
            ErrorCode::Network,
            ErrorCode::Storage,
            ErrorCode::SecretStore,
            ErrorCode::Cancelled,
            ErrorCode::Internal,
        ] {
            let serde_name = serde_json::to_value(code).unwrap();
            assert_eq!(serde_name, serde_json::Value::String(code.as_str().into()));
        }
    }
}
