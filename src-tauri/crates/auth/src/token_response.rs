//! Reading a token endpoint's answer into a [`TokenSet`] or a [`BridgeError`] written for the
//! operator. The success body is the `oauth2` crate's RFC 6749 §5.1 token response with GHL's
//! extra fields; errors are read here by hand because providers answer more than RFC 6749
//! §5.2 error bodies (GHL's NestJS DTOs `{statusCode, message}` must still mean "reconnect"),
//! and every provider text we repeat passes through [`redact`] first.

use bridge_core::{json, BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    EndpointNotSet, EndpointSet, ExtraTokenFields, StandardRevocableToken, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Sensitive, TokenSet};

/// What GHL adds to the standard token response (apps/oauth.json); other providers leave
/// them out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct GhlTokenFields {
    location_id: Option<String>,
    company_id: Option<String>,
    user_type: Option<String>,
    user_id: Option<String>,
}

impl ExtraTokenFields for GhlTokenFields {}

pub(crate) type TokenAnswer = StandardTokenResponse<GhlTokenFields, BasicTokenType>;

/// An `oauth2` client with only a token endpoint, answering [`TokenAnswer`]s.
pub(crate) type TokenClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A 2xx body that is no token response. Never quotes the body: it may hold a token.
pub(crate) fn unreadable_answer(provider: &str) -> BridgeError {
    BridgeError::new(
        ErrorCode::Remote,
        format!("{provider} answered the token request with a body that is not a token response"),
    )
}

/// Reads a 2xx body (GHL's location token answer, which the crate does not send).
pub(crate) fn parse_token_body(
    provider: &str,
    body: &str,
    issued_at: DateTime<Utc>,
) -> Result<TokenSet, BridgeError> {
    let answer: TokenAnswer =
        serde_json::from_str(body).map_err(|_| unreadable_answer(provider))?;
    token_set(provider, &answer, issued_at)
}

/// The token set of an answer. `issued_at` is when the request was sent, so the computed
/// expiry errs on the early side.
pub(crate) fn token_set(
    provider: &str,
    answer: &TokenAnswer,
    issued_at: DateTime<Utc>,
) -> Result<TokenSet, BridgeError> {
    let unreadable = |what: &str| {
        BridgeError::new(
            ErrorCode::Remote,
            format!("{provider} answered the token request with {what}"),
        )
    };
    let access_token = answer.access_token().secret();
    if access_token.is_empty() {
        return Err(unreadable("an empty access_token"));
    }
    if *answer.token_type() != BasicTokenType::Bearer {
        return Err(unreadable(&format!(
            "a token of type \"{}\"; only Bearer tokens are supported",
            answer.token_type().as_ref()
        )));
    }
    let expires_at = answer
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| issued_at.checked_add_signed(d));
    let extra = answer.extra_fields().clone();
    Ok(TokenSet {
        access_token: Sensitive::new(access_token.clone()),
        refresh_token: answer
            .refresh_token()
            .map(|t| t.secret().clone())
            .filter(|t| !t.is_empty())
            .map(Sensitive::new),
        expires_at,
        scope: answer.scopes().map(|scopes| {
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        location_id: extra.location_id,
        company_id: extra.company_id,
        user_type: extra.user_type,
        user_id: extra.user_id,
    })
}

/// What a token request is for, which decides how `invalid_grant` is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
    /// GHL's agency → location exchange with a Bearer agency token.
    LocationToken,
}

/// Turns a non-2xx answer into an error that keeps the provider's own words.
pub(crate) fn token_error(
    provider: &str,
    grant: Grant,
    status: u16,
    body: &str,
    secrets_sent: &[&str],
) -> BridgeError {
    let (error, description) = error_fields(body);
    let description = description.map(|d| redact(&d, secrets_sent));
    let error = error.map(|e| redact(&e, secrets_sent));
    let detail = match (&error, &description) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => format!("HTTP {status}"),
    };

    // GHL's token endpoint answers NestJS DTOs (oauth.json: `{statusCode, message, error}`
    // with `error` a reason phrase): a 400 to a refresh or a code means GHL will not honour
    // the grant ("Location is not active", highlevel-api-docs issue #249), so only signing
    // in again helps. (A 422 is about our request's form and stays an error of its own.)
    let refused_grant_dto = status == 400 && is_error_dto(body);
    match (error.as_deref(), grant) {
        (_, Grant::RefreshToken) if refused_grant_dto => BridgeError::new(
            ErrorCode::ReconnectRequired,
            format!(
                "{provider} refused this connection's refresh token ({detail}); \
                 reconnect the connection to sign in again"
            ),
        ),
        (_, Grant::AuthorizationCode) if refused_grant_dto => BridgeError::new(
            ErrorCode::ReconnectRequired,
            format!("{provider} refused the sign-in code ({detail}); start the sign-in again"),
        ),
        (Some("invalid_grant"), Grant::RefreshToken) => BridgeError::new(
            ErrorCode::ReconnectRequired,
            format!(
                "{provider} no longer accepts this connection's refresh token ({detail}); \
                 reconnect the connection to sign in again"
            ),
        ),
        (Some("invalid_grant"), Grant::AuthorizationCode) => BridgeError::new(
            ErrorCode::ReconnectRequired,
            format!("{provider} refused the sign-in code ({detail}); start the sign-in again"),
        ),
        (Some("invalid_client" | "unauthorized_client"), _) => BridgeError::new(
            ErrorCode::Unauthorized,
            format!(
                "{provider} refused the app's client id or client secret ({detail}); \
                 check them in the connection's settings"
            ),
        ),
        _ if status == 401 || status == 403 => BridgeError::new(
            ErrorCode::Unauthorized,
            format!("{provider} refused the token request (HTTP {status}): {detail}"),
        ),
        _ => BridgeError::new(
            ErrorCode::Remote,
            format!("{provider}'s token endpoint answered HTTP {status}: {detail}"),
        ),
    }
}

/// `error` and a description from RFC 6749 (`error_description`), GHL (`message`, a string
/// or for 422 an array) or Nifty-style (`errors[].message`) bodies; a short plain-text body
/// becomes the description.
fn error_fields(body: &str) -> (Option<String>, Option<String>) {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
        let trimmed = body.trim();
        let short = (!trimmed.is_empty() && !trimmed.starts_with('<'))
            .then(|| trimmed.chars().take(200).collect::<String>());
        return (None, short);
    };
    let error = text(object.get("error"));
    let description = text(object.get("error_description"))
        .or_else(|| joined(object.get("message")))
        .or_else(|| {
            object
                .get("errors")
                .and_then(Value::as_array)
                .map(|errors| {
                    errors
                        .iter()
                        .filter_map(|e| text(e.get("message")))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
        })
        .filter(|d| !d.is_empty());
    (error, description)
}

/// A NestJS error DTO: a numeric `statusCode` beside the message.
fn is_error_dto(body: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("statusCode").map(Value::is_number))
        .unwrap_or(false)
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

fn joined(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        items @ Value::Array(_) => Some(json::strings(items).collect::<Vec<_>>().join("; ")),
        _ => None,
    }
}

/// Replaces every secret we sent with a placeholder, in case a server echoes the request.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_string(), |acc, s| acc.replace(s, "<redacted>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn reads_ghl_token_response() {
        let body = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":86399,
            "refresh_token":"rt-1","scope":"contacts.readonly contacts.write","userType":"Location",
            "locationId":"loc1","companyId":"comp1","userId":"user1","approvedLocations":["loc1"]}"#;
        let set = parse_token_body("GHL", body, now()).unwrap();
        assert_eq!(set.access_token.expose(), "at-1");
        assert_eq!(set.refresh_token.unwrap().expose(), "rt-1");
        assert_eq!(
            set.expires_at,
            Some(now() + chrono::Duration::seconds(86399))
        );
        assert_eq!(
            set.scope.as_deref(),
            Some("contacts.readonly contacts.write")
        );
        assert_eq!(set.user_type.as_deref(), Some("Location"));
        assert_eq!(set.location_id.as_deref(), Some("loc1"));
        assert_eq!(set.company_id.as_deref(), Some("comp1"));
        assert_eq!(set.user_id.as_deref(), Some("user1"));
    }

    #[test]
    fn reads_a_nifty_answer_without_ghl_fields() {
        // target-apps.md: 201 `{access_token, token_type, refresh_token, expires_in, scope}`.
        let set = parse_token_body(
            "Nifty",
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"task project"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(set.expires_at, Some(now() + chrono::Duration::hours(1)));
        assert_eq!(set.refresh_token, None);
        assert_eq!(set.scope.as_deref(), Some("task project"));
        assert_eq!(set.location_id, None);
    }

    #[test]
    fn rejects_bodies_without_a_usable_token_and_never_quotes_them() {
        for body in [
            "not json at-secret",
            "[\"at-secret\"]",
            r#"{"token":"at-secret"}"#,
            r#"{"access_token":""}"#,
            r#"{"access_token":"at-secret","token_type":"mac"}"#,
            r#"{"access_token":"at-secret","token_type":"Bearer","expires_in":"soon"}"#,
        ] {
            let err = parse_token_body("GHL", body, now()).unwrap_err();
            assert_eq!(err.code, ErrorCode::Remote, "{body}");
            assert!(!err.message.contains("at-secret"), "{}", err.message);
        }
    }

    #[test]
    fn invalid_grant_on_refresh_asks_for_a_reconnect() {
        let err = token_error(
            "GHL",
            Grant::RefreshToken,
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid grant: refresh token is invalid"}"#,
            &[],
        );
        assert_eq!(err.code, ErrorCode::ReconnectRequired);
        assert!(
            err.message.contains("reconnect the connection"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("refresh token is invalid"),
            "{}",
            err.message
        );
    }

    #[test]
    fn ghls_documented_bad_request_dto_on_a_refresh_asks_for_a_reconnect() {
        // oauth.json: /oauth/token answers 400 BadRequestDTO `{statusCode, message}`.
        for body in [
            r#"{"statusCode":400,"message":"Location is not active"}"#,
            r#"{"statusCode":400,"message":"Location is not active","error":"Bad Request"}"#,
        ] {
            let err = token_error("GHL", Grant::RefreshToken, 400, body, &[]);
            assert_eq!(err.code, ErrorCode::ReconnectRequired, "{body}");
            assert!(
                err.message.contains("Location is not active")
                    && err.message.contains("reconnect the connection"),
                "{}",
                err.message
            );
        }
        let err = token_error(
            "GHL",
            Grant::AuthorizationCode,
            400,
            r#"{"statusCode":400,"message":"Invalid code","error":"Bad Request"}"#,
            &[],
        );
        assert_eq!(err.code, ErrorCode::ReconnectRequired);
        // The same DTO on a 502 from a proxy is not a refusal of the grant.
        let err = token_error(
            "GHL",
            Grant::RefreshToken,
            502,
            r#"{"statusCode":502,"message":"Bad gateway"}"#,
            &[],
        );
        assert_eq!(err.code, ErrorCode::Remote);
    }

    #[test]
    fn other_errors_keep_the_providers_words() {
        let err = token_error(
            "GHL",
            Grant::AuthorizationCode,
            422,
            r#"{"statusCode":422,"message":["user_type must be one of Company, Location"],"error":"Unprocessable Entity"}"#,
            &[],
        );
        assert!(
            err.message.contains("user_type must be one of"),
            "{}",
            err.message
        );

        let err = token_error(
            "GHL",
            Grant::AuthorizationCode,
            401,
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            &[],
        );
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert!(err.message.contains("Client authentication failed"));

        let err = token_error(
            "GHL",
            Grant::RefreshToken,
            502,
            "<html>Bad gateway</html>",
            &[],
        );
        assert_eq!(err.code, ErrorCode::Remote);
        assert!(err.message.contains("HTTP 502"), "{}", err.message);
    }

    #[test]
    fn echoed_secrets_are_redacted() {
        let err = token_error(
            "GHL",
            Grant::RefreshToken,
            400,
            r#"{"error":"invalid_request","error_description":"bad refresh_token rt-echoed-back"}"#,
            &["rt-echoed-back", "client-secret-xyz"],
        );
        assert!(!err.message.contains("rt-echoed-back"), "{}", err.message);
        assert!(err.message.contains("<redacted>"));
    }
}
