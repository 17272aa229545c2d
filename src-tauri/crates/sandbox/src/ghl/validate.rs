//! Request validation the way GHL's NestJS pipes do it: the DTO is a whitelist (unknown
//! properties are rejected with "property X should not exist"), every complaint is collected,
//! and the answer is one 422 listing them all.

use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use serde_json::{Map, Value};

use super::dates::parse_instant_str;
use super::errors::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Email,
    Phone,
    Bool,
    Object,
    StrArray,
    Array,
    Integer,
    /// An ISO-8601 date-time (or bare date).
    DateTime,
    /// A calendar date: `YYYY-MM-DD`, an ISO date-time, or `MM/DD/YYYY`.
    Date,
}

/// One whitelisted property of a DTO.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prop(pub &'static str, pub Kind);

/// The request body as Express hands it to Nest: parsed only when it is declared JSON,
/// otherwise an empty object (so a body sent without `Content-Type` fails validation).
pub(crate) fn json_body(headers: &HeaderMap, bytes: &Bytes) -> Result<Value, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    if !is_json || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "Unexpected token in JSON at line {} column {}",
            e.line(),
            e.column()
        ))
    })
}

/// Checks `body` against the DTO; on success returns its members.
pub(crate) fn validate<'a>(
    body: &'a Value,
    props: &[Prop],
    required: &[&str],
) -> Result<&'a Map<String, Value>, ApiError> {
    let Some(map) = body.as_object() else {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object",
        ));
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !props.iter().any(|Prop(name, _)| name == key) {
            problems.push(format!("property {key} should not exist"));
        }
    }
    for Prop(name, kind) in props {
        let value = map.get(*name);
        let missing = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if required.contains(name) && missing {
            problems.extend(missing_messages(name, *kind));
            continue;
        }
        if let Some(value) = value.filter(|v| !v.is_null()) {
            problems.extend(check_kind(name, *kind, value));
        }
    }
    if problems.is_empty() {
        Ok(map)
    } else {
        Err(ApiError::unprocessable(problems))
    }
}

fn missing_messages(name: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Bool => vec![format!("{name} must be a boolean value")],
        Kind::Str | Kind::Email | Kind::Phone => vec![
            format!("{name} should not be empty"),
            format!("{name} must be a string"),
        ],
        _ => vec![format!("{name} should not be empty")],
    }
}

fn check_kind(name: &str, kind: Kind, value: &Value) -> Option<String> {
    let ok = match kind {
        Kind::Str => value.is_string(),
        Kind::Email => value.as_str().is_some_and(is_email),
        Kind::Phone => value.as_str().is_some_and(|p| normalize_phone(p).is_some()),
        Kind::Bool => value.is_boolean(),
        Kind::Object => value.is_object(),
        Kind::Array => value.is_array(),
        Kind::StrArray => {
            let Some(items) = value.as_array() else {
                return Some(format!("{name} must be an array"));
            };
            if items.iter().all(Value::is_string) {
                true
            } else {
                return Some(format!("each value in {name} must be a string"));
            }
        }
        Kind::Integer => value.is_i64() || value.is_u64(),
        Kind::DateTime => value.as_str().and_then(parse_instant_str).is_some(),
        Kind::Date => value.as_str().and_then(parse_date).is_some(),
    };
    if ok {
        return None;
    }
    Some(match kind {
        Kind::Str => format!("{name} must be a string"),
        Kind::Email => format!("{name} must be an email"),
        Kind::Phone => format!("{name} must be a valid phone number"),
        Kind::Bool => format!("{name} must be a boolean value"),
        Kind::Object => format!("{name} must be an object"),
        Kind::Array | Kind::StrArray => format!("{name} must be an array"),
        Kind::Integer => format!("{name} must be an integer number"),
        Kind::DateTime => format!("{name} must be a valid ISO 8601 date string"),
        Kind::Date => format!("{name} must be a valid date"),
    })
}

/// A plausible address: one `@`, a local part, a dotted domain, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').filter(|part| !part.is_empty()).count() >= 2
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// E.164, as GHL stores numbers: separators dropped; ten digits read as a US number.
pub(crate) fn normalize_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let plus = trimmed.starts_with('+');
    let body = if plus { &trimmed[1..] } else { trimmed };
    let mut digits = String::new();
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let e164 = if plus {
        digits
    } else if digits.len() == 10 {
        format!("1{digits}")
    } else if digits.len() == 11 && digits.starts_with('1') {
        digits
    } else {
        return None;
    };
    ((8..=15).contains(&e164.len()) && !e164.starts_with('0')).then(|| format!("+{e164}"))
}

pub(crate) fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%m/%d/%Y"))
        .ok()
        .or_else(|| parse_instant_str(s).map(|t| t.date_naive()))
}

/// Reads an optional string member (validated before).
pub(crate) fn opt_str<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROPS: &[Prop] = &[
        Prop("title", Kind::Str),
        Prop("completed", Kind::Bool),
        Prop("email", Kind::Email),
        Prop("tags", Kind::StrArray),
    ];

    fn messages(err: ApiError) -> Vec<String> {
        match err.message {
            super::super::errors::Message::List(list) => list,
            super::super::errors::Message::Text(text) => vec![text],
        }
    }

    #[test]
    fn unknown_properties_are_rejected_by_name() {
        let body = json!({"title": "x", "completed": true, "foo": 1});
        let err = validate(&body, PROPS, &["title"]).unwrap_err();
        assert_eq!(err.status.as_u16(), 422);
        assert_eq!(messages(err), vec!["property foo should not exist"]);
    }

    #[test]
    fn every_problem_is_listed() {
        let body = json!({"completed": "yes", "email": "not-an-email", "tags": ["a", 2]});
        let problems = messages(validate(&body, PROPS, &["title", "completed"]).unwrap_err());
        assert!(
            problems.contains(&"title should not be empty".to_string()),
            "{problems:?}"
        );
        assert!(problems.contains(&"completed must be a boolean value".to_string()));
        assert!(problems.contains(&"email must be an email".to_string()));
        assert!(problems.contains(&"each value in tags must be a string".to_string()));
    }

    #[test]
    fn valid_bodies_pass() {
        let body = json!({"title": "Call", "completed": false, "email": null, "tags": []});
        assert!(validate(&body, PROPS, &["title", "completed"]).is_ok());
    }

    #[test]
    fn emails() {
        assert!(is_email("jane.doe@example.co.uk"));
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "a@b@c.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("+1 888-888-8888").as_deref(),
            Some("+18888888888")
        );
        assert_eq!(
            normalize_phone("(512) 555-0100").as_deref(),
            Some("+15125550100")
        );
        assert_eq!(
            normalize_phone("+44 7700 900123").as_deref(),
            Some("+447700900123")
        );
        assert_eq!(normalize_phone("call me"), None);
        assert_eq!(normalize_phone("12345"), None);
    }

    #[test]
    fn bodies_without_json_content_type_are_empty() {
        let mut headers = HeaderMap::new();
        let body = Bytes::from_static(br#"{"tags":["a"]}"#);
        assert_eq!(json_body(&headers, &body).unwrap(), json!({}));
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(json_body(&headers, &body).unwrap(), json!({"tags": ["a"]}));
        let broken = Bytes::from_static(b"{\"tags\":");
        assert_eq!(
            json_body(&headers, &broken).unwrap_err().status.as_u16(),
            400
        );
    }
}
