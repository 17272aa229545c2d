//! What the mapping editor's field pickers show of each field: the kind of value it holds
//! and a sample, both read from the mirror (the values the last sync stored), so the second
//! picker can list only fields that can hold what the first one holds.

use std::collections::BTreeMap;

use bridge_core::BridgeError;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, remote_records};
use bridge_store::Store;
use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::pair::ghl_contact_values;
use crate::preview::display;

/// How many contacts are read for samples.
const SAMPLE_CONTACTS: u32 = 100;
/// Samples are cut to this many characters.
const SAMPLE_CHARS: usize = 60;

/// The kind of value a field holds, as far as its values show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    Number,
    Date,
    YesNo,
    List,
    /// No value seen yet.
    Unknown,
}

impl FieldKind {
    /// The kind a value shows.
    pub fn of(value: &Value) -> Option<Self> {
        match value {
            Value::Null => None,
            Value::Bool(_) => Some(Self::YesNo),
            Value::Number(_) => Some(Self::Number),
            Value::Array(_) => Some(Self::List),
            Value::Object(_) => Some(Self::Text),
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(Self::of_text(s.trim())),
        }
    }

    fn of_text(text: &str) -> Self {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if text.contains('@') && !text.contains(' ') && text.contains('.') {
            Self::Email
        } else if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            || DateTime::parse_from_rfc3339(text).is_ok()
        {
            Self::Date
        } else if digits >= 7
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            && (text.starts_with('+') || digits >= 10)
        {
            Self::Phone
        } else if text.parse::<f64>().is_ok() {
            Self::Number
        } else {
            Self::Text
        }
    }

    /// GHL's standard fields whose kind is known without a value.
    fn of_ghl_field(key: &str) -> Option<Self> {
        match key {
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            "tags" => Some(Self::List),
            "dateOfBirth" => Some(Self::Date),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProfile {
    pub key: String,
    pub kind: FieldKind,
    /// One value seen in the mirror, shortened.
    pub sample: Option<String>,
}

/// The profiles of both sides' fields, from the first contacts of the GHL connection and
/// their linked records of `app`.
pub fn field_profiles(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    ghl_fields: &[String],
    app_fields: &[String],
) -> Result<(Vec<FieldProfile>, Vec<FieldProfile>), BridgeError> {
    let mut ghl_seen = BTreeMap::new();
    let mut app_seen = BTreeMap::new();
    for row in contacts::page(store.conn(), ghl_connection_id, 0, SAMPLE_CONTACTS)? {
        remember(&mut ghl_seen, ghl_contact_values(&row.contact));
        if let Some(record) =
            remote_records::for_contact(store.conn(), &app.id, "contact", &row.id)?
        {
            remember(&mut app_seen, record.values);
        }
    }
    let profile = |key: &String, seen: &BTreeMap<String, Value>, known: Option<FieldKind>| {
        let value = seen.get(key);
        FieldProfile {
            key: key.clone(),
            kind: known
                .or_else(|| value.and_then(FieldKind::of))
                .unwrap_or(FieldKind::Unknown),
            sample: value.and_then(display).map(|s| shorten(&s)),
        }
    };
    Ok((
        ghl_fields
            .iter()
            .map(|k| profile(k, &ghl_seen, FieldKind::of_ghl_field(k)))
            .collect(),
        app_fields
            .iter()
            .map(|k| profile(k, &app_seen, None))
            .collect(),
    ))
}

/// Keeps the first non-empty value of each field.
fn remember(seen: &mut BTreeMap<String, Value>, values: impl IntoIterator<Item = (String, Value)>) {
    for (key, value) in values {
        if FieldKind::of(&value).is_some() {
            seen.entry(key).or_insert(value);
        }
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= SAMPLE_CHARS {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(SAMPLE_CHARS).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_show_their_kind() {
        for (value, kind) in [
            (json!("ann@example.org"), FieldKind::Email),
            (json!("+1 555 010 0199"), FieldKind::Phone),
            (json!("2026-03-01"), FieldKind::Date),
            (json!("2026-03-01T10:00:00Z"), FieldKind::Date),
            (json!("42.5"), FieldKind::Number),
            (json!(7), FieldKind::Number),
            (json!(true), FieldKind::YesNo),
            (json!(["a"]), FieldKind::List),
            (json!("Gold member"), FieldKind::Text),
        ] {
            assert_eq!(FieldKind::of(&value), Some(kind), "{value}");
        }
        assert_eq!(FieldKind::of(&json!(" ")), None);
        assert_eq!(FieldKind::of(&Value::Null), None);
        assert_eq!(shorten(&"x".repeat(70)).chars().count(), SAMPLE_CHARS + 1);
    }
}
