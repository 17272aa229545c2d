//! GHL's error envelopes. The API is NestJS: errors are `{statusCode, message, error}`, and
//! validation failures (422) carry `message` as an array of strings. The OAuth token endpoint
//! answers the same DTOs (oauth.json: 400 BadRequestDTO, 401 UnauthorizedDTO, 422
//! UnprocessableDTO), not RFC 6749's `{error, error_description}`; GHL answers a refresh it
//! refuses with 400 and a sentence such as "Location is not active"
//! (GoHighLevel/highlevel-api-docs issue #249).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message {
    Text(String),
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: Message,
    /// Extra top-level members, e.g. `meta` on the duplicate-contact answer.
    pub extra: Map<String, Value>,
}

pub(crate) const INVALID_JWT: &str = "Invalid JWT";
pub(crate) const NO_LOCATION_ACCESS: &str = "The token does not have access to this location.";
pub(crate) const WRONG_AUTH_CLASS: &str =
    "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.";
pub(crate) const SCOPE_MISSING: &str = "The token is not authorized for this scope.";

/// A token without the route's scope: 401 with the bare `{statusCode, message}` GHL sends
/// (body quoted in GoHighLevel/highlevel-api-docs issue #217, a PIT lacking a scope).
pub(crate) fn scope_missing() -> Response {
    let body = json!({"statusCode": 401, "message": SCOPE_MISSING});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: Message::Text(message.into()),
            extra: Map::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden_location() -> Self {
        Self::new(StatusCode::FORBIDDEN, NO_LOCATION_ACCESS)
    }

    /// A 422 with the validator's list of complaints.
    pub fn unprocessable(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: Message::List(messages),
            extra: Map::new(),
        }
    }

    pub fn unprocessable_one(message: impl Into<String>) -> Self {
        Self::unprocessable(vec![message.into()])
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn body(&self) -> Value {
        let message = match &self.message {
            Message::Text(text) => Value::String(text.clone()),
            Message::List(list) => json!(list),
        };
        let mut body = Map::new();
        body.insert("statusCode".into(), json!(self.status.as_u16()));
        body.insert("message".into(), message);
        // GHL's 429 answer is the bare `{statusCode, message}`.
        if self.status != StatusCode::TOO_MANY_REQUESTS {
            let reason = self.status.canonical_reason().unwrap_or("Error");
            body.insert("error".into(), Value::String(reason.into()));
        }
        for (key, value) in &self.extra {
            body.insert(key.clone(), value.clone());
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// Errors of the OAuth token endpoint, in the spec's DTOs. `error` names the RFC 6749 reason
/// the fake refused for, only to keep its code readable; it is not sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description: description.into(),
        }
    }

    pub fn invalid_client() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Client authentication failed: unknown client_id or wrong client_secret"
                .into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: format!("grant_type '{grant_type}' is not supported"),
        }
    }
}

impl IntoResponse for OAuthError {
    /// `{statusCode, message, error}` with `error` the status's reason phrase, as every other
    /// GHL route answers. Guess: the sentences of `message` (GHL lists none, issue #249).
    fn into_response(self) -> Response {
        ApiError::new(self.status, self.description).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprocessable_carries_message_array() {
        let body = ApiError::unprocessable_one("property foo should not exist").body();
        assert_eq!(
            body,
            json!({"statusCode": 422, "message": ["property foo should not exist"], "error": "Unprocessable Entity"})
        );
    }

    #[test]
    fn token_errors_are_the_documented_dtos() {
        let answer = OAuthError::invalid_grant("Invalid grant: refresh token is invalid");
        assert_eq!(
            ApiError::new(answer.status, answer.description.clone()).body(),
            json!({"statusCode": 400, "message": "Invalid grant: refresh token is invalid", "error": "Bad Request"})
        );
    }

    #[test]
    fn too_many_requests_is_the_bare_envelope() {
        let body = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests").body();
        assert_eq!(
            body,
            json!({"statusCode": 429, "message": "Too many requests"})
        );
    }
}
