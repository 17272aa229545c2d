//! The clients of Ninox: the classic v3 API (teams → databases → tables → records, personal
//! key) and the v4 workspace API (workspace → modules → tables → records, workspace key, per
//! ../shared/specs/ninox/ninox-public-openapi-original.json), and [`NinoxTable`], one table of
//! either kind behind one interface for the engine.
//!
//! Records are field maps keyed by field name. Tags go into a multi-choice field (an array of
//! option names), appointments into an appointment field (a start/end range, see
//! [`AppointmentValue`]). [`NinoxField`] exposes each field's kind and options so a mapping can
//! be checked before anything is written.
//!
//! Ninox publishes no rate limits, only that parallel calls are limited: the engine calls it
//! one request at a time and sets no pace of its own ([`RATE_LIMITS`] is only the budget's
//! ceiling); a 429 and any rate headers Ninox sends are honoured by the budget.

mod table;
#[cfg(test)]
mod tests;
pub mod v3;
pub mod v4;

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::http::{RateBudget, RateHeaderNames, RateLimits};

pub use table::{NinoxCursor, NinoxPage, NinoxTable, WRITE_BATCH, WRITE_BATCH_BYTES};
pub use v3::NinoxV3Client;
pub use v4::NinoxV4Client;

/// A record's values by field name.
pub type FieldMap = BTreeMap<String, Value>;

/// No documented limit: a ceiling far above what sequential calls reach, so the budget paces
/// only by what Ninox answers (429, rate headers).
pub const RATE_LIMITS: RateLimits = RateLimits {
    max_per_window: 10_000,
    window: Duration::from_secs(1),
};

/// The budget of one Ninox key (`name` names the connection in messages).
pub fn rate_budget(name: &str) -> RateBudget {
    RateBudget::new(
        format!("Ninox {name}"),
        RATE_LIMITS,
        // Ninox documents no rate headers; these common names are read if it sends them.
        RateHeaderNames {
            max: "x-ratelimit-limit".into(),
            remaining: "x-ratelimit-remaining".into(),
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: None,
        },
    )
}

/// One record of either API.
#[derive(Debug, Clone, PartialEq)]
pub struct NinoxRecord {
    pub id: String,
    /// v3: the sync sequence of the record's last change (the `sinceSq` cursor). v4: none.
    pub sequence: Option<u64>,
    pub created_at: Option<DateTime<Utc>>,
    pub modified_at: Option<DateTime<Utc>>,
    pub fields: FieldMap,
    /// Values of this record that could not be read, each naming the record and the field
    /// (the record is still read; the page goes on).
    pub problems: Vec<String>,
}

/// What a field holds, as far as mapping cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Date,
    Timestamp,
    Time,
    /// A start/end range ([`AppointmentValue`]).
    Appointment,
    /// One option name.
    Choice,
    /// A list of option names: where tags go.
    MultiChoice,
    Email,
    Phone,
    Url,
    Reference,
    /// Computed by Ninox: never written.
    Formula,
    /// Any other type, by its Ninox name.
    Other(String),
}

impl FieldKind {
    /// Reads a type name of either API (v3 "string", "multi"…; v4 "multi", "dmulti"…).
    pub fn from_ninox(type_name: &str) -> Self {
        match type_name.trim().to_ascii_lowercase().as_str() {
            "string" | "text" | "html" | "richtext" | "multilinetext" | "styled" => Self::Text,
            "number" | "currency" | "percent" | "rating" => Self::Number,
            "boolean" | "bool" | "yesno" => Self::Boolean,
            "date" => Self::Date,
            "timestamp" | "datetime" => Self::Timestamp,
            "time" | "timeinterval" | "duration" => Self::Time,
            "appointment" => Self::Appointment,
            "choice" | "dchoice" => Self::Choice,
            "multi" | "dmulti" | "multichoice" | "multiplechoice" => Self::MultiChoice,
            "email" => Self::Email,
            "phone" | "phonenumber" => Self::Phone,
            "url" | "link" => Self::Url,
            "reference" | "ref" | "reverse" => Self::Reference,
            "function" | "formula" | "lambda" | "rowid" | "void" => Self::Formula,
            other => Self::Other(other.to_string()),
        }
    }

    /// Whether a value can be written into the field.
    pub fn is_writable(&self) -> bool {
        !matches!(self, Self::Formula)
    }
}

/// A field of a table: what mapping validates against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NinoxField {
    /// v3 field id ("A", "B"…); v4 has none besides the name.
    pub id: Option<String>,
    /// The name records are keyed by.
    pub name: String,
    /// The display label, when it differs from the name (v4 labels).
    pub label: Option<String>,
    pub kind: FieldKind,
    /// The type name as Ninox gave it.
    pub type_name: String,
    /// Option names of choice and multi-choice fields, in display order.
    pub options: Vec<String>,
    pub required: bool,
}

impl NinoxField {
    /// The values not among this field's options (for tags into a multi-choice field: Ninox
    /// refuses unknown option names, so the mapping must add them first or drop them).
    pub fn unknown_options<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        values
            .into_iter()
            .filter(|v| !self.options.iter().any(|o| o == v))
            .map(str::to_string)
            .collect()
    }
}

/// An appointment field's value: a start and an end.
/// v4 documents the range form `[2024-02-15T09:00:00Z,2024-02-15T10:00:00Z)`
/// ([`AppointmentValue::to_value`]); v3 documents `"2021-01-23T12:30:00 - 2021-01-23T13:30:00"`,
/// UTC without a zone ([`AppointmentValue::to_v3_value`]; docs.ninox.com/en/api/introduction/
/// tables-fields-records). Reading accepts both, and `{begin|start, end}` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentValue {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl AppointmentValue {
    /// The Ninox 4 form, `[start,end)` in RFC 3339 UTC seconds.
    pub fn to_value(&self) -> Value {
        Value::String(format!(
            "[{},{})",
            self.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.end.to_rfc3339_opts(SecondsFormat::Secs, true)
        ))
    }

    /// The classic (v3) form, `start - end`, each `YYYY-MM-DDThh:mm:ss` in UTC.
    pub fn to_v3_value(&self) -> Value {
        Value::String(format!(
            "{} - {}",
            v3_time_text(self.start),
            v3_time_text(self.end)
        ))
    }

    /// `None` for null; an error (naming the field) for anything unreadable.
    pub fn from_value(field: &str, value: &Value) -> Result<Option<Self>, BridgeError> {
        let unreadable = || {
            BridgeError::new(
                ErrorCode::Remote,
                format!("Ninox appointment field '{field}' holds {value}, not a start and end"),
            )
        };
        let (start, end) = match value {
            Value::Null => return Ok(None),
            Value::String(text) if text.trim().is_empty() => return Ok(None),
            Value::String(text) => {
                let inner = text
                    .trim()
                    .trim_start_matches(['[', '('])
                    .trim_end_matches([']', ')']);
                let (a, b) = inner
                    .split_once(',')
                    .or_else(|| inner.split_once(" - "))
                    .ok_or_else(unreadable)?;
                (
                    parse_time_value(&json_str(a)),
                    parse_time_value(&json_str(b)),
                )
            }
            Value::Object(object) => {
                let start = object.get("begin").or_else(|| object.get("start"));
                let end = object.get("end");
                match (start, end) {
                    (Some(s), Some(e)) => (parse_time_value(s), parse_time_value(e)),
                    _ => return Err(unreadable()),
                }
            }
            _ => return Err(unreadable()),
        };
        match (start, end) {
            (Some(start), Some(end)) => Ok(Some(Self { start, end })),
            _ => Err(unreadable()),
        }
    }
}

fn json_str(text: &str) -> Value {
    Value::String(text.trim().trim_matches('"').to_string())
}

/// A v3 time as Ninox writes it: `YYYY-MM-DDThh:mm:ss`, UTC, no zone.
fn v3_time_text(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A time as Ninox sends it: v3's zone-less `YYYY-MM-DDThh:mm:ss` (UTC, as documented; a
/// fraction is accepted), RFC 3339 text, or milliseconds since the epoch (the v4 API documents
/// both of the latter).
pub fn parse_time_value(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => {
            let text = text.trim();
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .or_else(|| {
                    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|t| t.and_utc())
                })
                .or_else(|| {
                    text.parse::<i64>()
                        .ok()
                        .and_then(DateTime::from_timestamp_millis)
                })
        }
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

/// Option names from a field description: `options`/`choices`/`values` (a list, or v3's object
/// keyed by option id), each a string or an object with `name`/`caption`/`label` (objects
/// carry `order`, honoured).
fn option_names(field: &serde_json::Map<String, Value>) -> Vec<String> {
    // A list, or (v3's database schema) an object of options keyed by their id.
    let list: Option<Vec<Value>> =
        ["options", "choices", "values"]
            .iter()
            .find_map(|k| match field.get(*k) {
                Some(Value::Array(list)) => Some(list.clone()),
                Some(Value::Object(by_id)) => Some(by_id.values().cloned().collect()),
                _ => None,
            });
    let Some(list) = list else {
        return Vec::new();
    };
    let mut named: Vec<(f64, usize, String)> = list
        .iter()
        .enumerate()
        .filter_map(|(i, option)| {
            let name = match option {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => ["name", "caption", "label"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .map(str::to_string),
                _ => None,
            }?;
            let order = option
                .get("order")
                .and_then(Value::as_f64)
                .unwrap_or(i as f64);
            Some((order, i, name))
        })
        .collect();
    named.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    named.into_iter().map(|(_, _, name)| name).collect()
}

/// A field description of either API as a [`NinoxField`]; `None` without a name.
fn field_from_json(value: &Value) -> Option<NinoxField> {
    let object = value.as_object()?;
    let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_string);
    let name = text("name").or_else(|| text("caption"))?;
    let type_name = text("type").unwrap_or_else(|| "string".into());
    let label = object
        .get("labels")
        .and_then(Value::as_object)
        .and_then(|labels| labels.get("").or_else(|| labels.values().next()))
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|l| *l != name);
    Some(NinoxField {
        id: text("id"),
        kind: FieldKind::from_ninox(&type_name),
        options: option_names(object),
        required: object
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        name,
        label,
        type_name,
    })
}

/// A JSON value shortened for a message (a remote body can be large).
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        format!("{}…", text.chars().take(120).collect::<String>())
    }
}

fn remote(message: impl Into<String>) -> BridgeError {
    BridgeError::new(ErrorCode::Remote, message)
}

fn require_id<'a>(what: &str, id: &'a str) -> Result<&'a str, BridgeError> {
    let id = id.trim();
    if id.is_empty() {
        Err(BridgeError::invalid_input(format!("Ninox {what} is empty")))
    } else {
        Ok(id)
    }
}

/// A record id as Ninox sends it (a number in v3, a string in v4) as text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
