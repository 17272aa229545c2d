//! Turns a remote's error answer into a [`BridgeError`] that keeps the remote's own words.
//!
//! GHL (and most NestJS backends) answer `{statusCode, message, error}`; for 422 `message` is an
//! array of sentences, e.g. `["property companyName should not exist"]`, joined here with "; ".
//! Details some apps list beside the message are kept too: Nifty's `errors: [{message}]` and
//! Connectif's `validationErrors: [{path, reason}]`.

use bridge_core::{BridgeError, ErrorCode};
use reqwest::StatusCode;
use serde_json::Value;

/// Longest excerpt of a body that is not JSON (an HTML page from a proxy) kept in a message.
const EXCERPT_CHARS: usize = 300;

/// The code an HTTP status maps to. A server error (5xx) that outlasted the client's retries
/// is `Network`: as with no answer at all, the request may or may not have been carried out,
/// and it is worth sending again later (the journal keeps it `failed`, not dead).
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 | 403 => ErrorCode::Unauthorized,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::Network,
        _ => ErrorCode::Remote,
    }
}

/// Builds the error for a final non-success answer.
/// `context` names the record and operation ("update GHL contact abc123");
/// `request` is method and path only (never the query: it can hold an email address).
pub fn error_from_answer(
    app: &str,
    context: &str,
    request: &str,
    status: StatusCode,
    body: &[u8],
) -> BridgeError {
    let status_text = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    let mut message = format!("{context}: {app} answered {status_text} to {request}");
    if let Some(remote) = remote_message(body) {
        message.push_str(": ");
        message.push_str(&remote);
    }
    BridgeError::new(code_for_status(status), message)
}

/// The remote's own explanation, from a JSON envelope or, failing that, the body's text.
pub fn remote_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(envelope)) => {
            let message = ["message", "msg", "error_description", "detail"]
                .iter()
                .find_map(|key| envelope.get(*key).and_then(sentence));
            let error = envelope.get("error").and_then(sentence);
            let summary = match (message, error) {
                (Some(message), Some(error)) if error != message => {
                    Some(format!("{message} ({error})"))
                }
                (Some(message), _) => Some(message),
                (None, Some(error)) => Some(error),
                (None, None) => None,
            };
            match (summary, listed_details(&envelope)) {
                (Some(summary), Some(details)) if details != summary => {
                    Some(format!("{summary}: {details}"))
                }
                (Some(summary), _) => Some(summary),
                (None, Some(details)) => Some(details),
                (None, None) => Some(excerpt(text)),
            }
        }
        Ok(other) => sentence(&other).or_else(|| Some(excerpt(text))),
        Err(_) => Some(excerpt(text)),
    }
}

/// The per-field problems an envelope lists: `errors: [{message}]` (Nifty) and
/// `validationErrors: [{path, reason}]` (Connectif), joined with "; ".
fn listed_details(envelope: &serde_json::Map<String, Value>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(Value::Array(errors)) = envelope.get("errors") {
        parts.extend(errors.iter().filter_map(sentence));
    }
    if let Some(Value::Array(problems)) = envelope.get("validationErrors") {
        parts.extend(problems.iter().filter_map(|problem| {
            let reason = problem.get("reason").and_then(sentence)?;
            Some(match problem.get("path").and_then(sentence) {
                Some(path) => format!("{path}: {reason}"),
                None => reason,
            })
        }));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A JSON value as one readable sentence: strings as they are, arrays joined with "; ".
fn sentence(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(sentence).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Value::Object(inner) => inner.get("message").and_then(sentence),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_422_message_array_joined() {
        let body = br#"{"statusCode":422,"message":["property companyName should not exist","email must be an email"],"error":"Unprocessable Entity"}"#;
        let err = error_from_answer(
            "GHL",
            "update GHL contact abc",
            "PUT /contacts/abc",
            StatusCode::UNPROCESSABLE_ENTITY,
            body,
        );
        assert_eq!(err.code, ErrorCode::Remote);
        assert_eq!(
            err.message,
            "update GHL contact abc: GHL answered 422 Unprocessable Entity to PUT /contacts/abc: \
             property companyName should not exist; email must be an email (Unprocessable Entity)"
        );
    }

    #[test]
    fn maps_statuses_to_codes_and_keeps_the_message() {
        let body = br#"{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}"#;
        let err = error_from_answer("GHL", "get", "GET /x", StatusCode::UNAUTHORIZED, body);
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert!(
            err.message.ends_with("Invalid JWT (Unauthorized)"),
            "{}",
            err.message
        );

        let cases = [
            (StatusCode::FORBIDDEN, ErrorCode::Unauthorized),
            (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            (StatusCode::CONFLICT, ErrorCode::Conflict),
            (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            (StatusCode::BAD_REQUEST, ErrorCode::Remote),
            (StatusCode::BAD_GATEWAY, ErrorCode::Network),
        ];
        for (status, code) in cases {
            assert_eq!(code_for_status(status), code, "{status}");
        }
    }

    #[test]
    fn message_equal_to_error_is_not_repeated() {
        let body = br#"{"statusCode":404,"message":"Not Found","error":"Not Found"}"#;
        assert_eq!(remote_message(body).as_deref(), Some("Not Found"));
    }

    #[test]
    fn non_json_bodies_are_kept_as_a_short_excerpt() {
        assert_eq!(
            remote_message(b"<html>\n  <body>Bad   gateway</body>\n</html>").as_deref(),
            Some("<html> <body>Bad gateway</body> </html>")
        );
        let long = "x".repeat(1_000);
        let kept = remote_message(long.as_bytes()).unwrap();
        assert_eq!(kept.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(remote_message(b"  "), None);
    }

    #[test]
    fn listed_details_follow_the_message() {
        let nifty = br#"{"message":"Validation failed","errors":[{"message":"name is required"},{"message":"task_group_id is required"}]}"#;
        assert_eq!(
            remote_message(nifty).as_deref(),
            Some("Validation failed: name is required; task_group_id is required")
        );
        let connectif = br#"{"detail":"Invalid body","validationErrors":[{"path":"/filters/fromDate","reason":"not allowed for contacts"}]}"#;
        assert_eq!(
            remote_message(connectif).as_deref(),
            Some("Invalid body: /filters/fromDate: not allowed for contacts")
        );
        assert_eq!(
            remote_message(br#"{"errors":["first","second"]}"#).as_deref(),
            Some("first; second")
        );
    }

    #[test]
    fn other_envelope_shapes_still_yield_text() {
        assert_eq!(
            remote_message(br#"{"error":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(
            remote_message(br#"{"message":{"message":"nested"}}"#).as_deref(),
            Some("nested")
        );
        assert_eq!(
            remote_message(br#"{"statusCode":500}"#).as_deref(),
            Some(r#"{"statusCode":500}"#)
        );
        assert_eq!(remote_message(br#""plain""#).as_deref(), Some("plain"));
    }
}
