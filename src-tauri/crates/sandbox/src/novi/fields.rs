//! Novi objects as JSON maps with a fixed field list. A PUT body becomes a whole new object:
//! every writable field not in the body is cleared (null, or false for booleans, as .NET
//! deserialization leaves them), which is exactly what Novi's full-replacement PUT does.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Bool,
    Date,
    Obj,
}

/// Builds the writable part of an object from a request body.
pub(crate) fn replace_from(
    schema: &[(&str, Kind)],
    body: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (name, kind) in schema {
        // ASP.NET model binding matches property names case-insensitively.
        let given = body
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value);
        let value = match (kind, given) {
            (Kind::Bool, None | Some(Value::Null)) => Value::Bool(false),
            (_, None | Some(Value::Null)) => Value::Null,
            (Kind::Str, Some(Value::String(s))) => Value::String(s.clone()),
            (Kind::Str, Some(Value::Number(n))) => Value::String(n.to_string()),
            (Kind::Bool, Some(Value::Bool(b))) => Value::Bool(*b),
            (Kind::Bool, Some(Value::String(s))) if s.eq_ignore_ascii_case("true") => {
                Value::Bool(true)
            }
            (Kind::Bool, Some(Value::String(s))) if s.eq_ignore_ascii_case("false") => {
                Value::Bool(false)
            }
            (Kind::Date, Some(Value::String(s))) if s.trim().is_empty() => Value::Null,
            (Kind::Date, Some(Value::String(s))) => match parse_date(s) {
                Some(date) => Value::String(format_date(date)),
                None => return Err(format!("The value '{s}' is not valid for {name}.")),
            },
            (Kind::Obj, Some(Value::Object(o))) => Value::Object(o.clone()),
            (_, Some(other)) => {
                return Err(format!("Error converting value {other} to type of {name}."));
            }
        };
        out.insert((*name).to_string(), value);
    }
    Ok(out)
}

/// The date formats Novi accepts in bodies and query strings.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}

pub(crate) fn format_date(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A member's `CreatedDate`/`LastUpdatedDate`: tenant-local time with its offset and seven
/// fraction digits (.NET's `DateTimeOffset` "o" format), e.g. `2018-10-28T13:31:52.4566667-04:00`
/// (member JSON captured from a Novi test tenant, as api-fidelity.md cites).
pub(crate) fn format_stamp(date: DateTime<Utc>, zone: FixedOffset) -> String {
    let local = date.with_timezone(&zone);
    format!(
        "{}.{:07}{}",
        local.format("%Y-%m-%dT%H:%M:%S"),
        local.nanosecond() % 1_000_000_000 / 100,
        local.format("%:z")
    )
}

/// A stored date field read back (None when empty or unreadable).
pub(crate) fn date_of(object: &Map<String, Value>, field: &str) -> Option<DateTime<Utc>> {
    object
        .get(field)
        .and_then(Value::as_str)
        .and_then(parse_date)
}

pub(crate) fn str_of<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    object.get(field).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &[(&str, Kind)] = &[
        ("Name", Kind::Str),
        ("Active", Kind::Bool),
        ("Date", Kind::Date),
    ];

    #[test]
    fn missing_fields_are_cleared_and_types_checked() {
        let body = json!({"name": "Ada", "Extra": 1});
        let built = replace_from(SCHEMA, body.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(built),
            json!({"Name": "Ada", "Active": false, "Date": null})
        );
        let bad = json!({"Active": [1]});
        assert!(replace_from(SCHEMA, bad.as_object().unwrap()).is_err());
        let bad_date = json!({"Date": "soon"});
        assert!(replace_from(SCHEMA, bad_date.as_object().unwrap()).is_err());
    }

    #[test]
    fn dates_in_several_formats() {
        for text in [
            "2026-03-01",
            "2026-03-01T00:00:00",
            "2026-03-01T00:00:00Z",
            "03/01/2026",
        ] {
            let parsed = parse_date(text).unwrap();
            assert_eq!(format_date(parsed), "2026-03-01T00:00:00.000Z", "{text}");
        }
        assert!(parse_date("yesterday").is_none());
    }
}
