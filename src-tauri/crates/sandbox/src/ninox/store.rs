//! One Ninox table ("Contacts" in database "CRM"), shared by the classic v3 API and the Ninox 4
//! API, with a database-wide `sequence` that grows on every change (the v3 `sinceSq` feed).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::seed::{SeedContact, TAGS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Text,
    Multi,
    Appointment,
}

pub(crate) struct Field {
    /// The v3 field id ("A", "B", …).
    pub id: &'static str,
    /// The caption: v3 `style=names` keys and v4 labels.
    pub caption: &'static str,
    /// The v4 field name (`^[a-z0-9_]+$`).
    pub name: &'static str,
    /// The v3 schema `base` type.
    pub base: &'static str,
    /// The v4 type and string variant.
    pub v4_type: &'static str,
    pub variant: Option<&'static str>,
    pub kind: Type,
}

pub(crate) const FIELDS: &[Field] = &[
    Field {
        id: "A",
        caption: "First name",
        name: "first_name",
        base: "string",
        v4_type: "string",
        variant: Some("text"),
        kind: Type::Text,
    },
    Field {
        id: "B",
        caption: "Last name",
        name: "last_name",
        base: "string",
        v4_type: "string",
        variant: Some("text"),
        kind: Type::Text,
    },
    Field {
        id: "C",
        caption: "Email",
        name: "email",
        base: "email",
        v4_type: "string",
        variant: Some("email"),
        kind: Type::Text,
    },
    Field {
        id: "D",
        caption: "Phone",
        name: "phone",
        base: "phone",
        v4_type: "string",
        variant: Some("phone"),
        kind: Type::Text,
    },
    Field {
        id: "E",
        caption: "Tags",
        name: "tags",
        base: "multi",
        v4_type: "multi",
        variant: None,
        kind: Type::Multi,
    },
    Field {
        id: "F",
        caption: "Next appointment",
        name: "next_appointment",
        base: "appointment",
        v4_type: "appointment",
        variant: None,
        kind: Type::Appointment,
    },
    Field {
        id: "G",
        caption: "Notes",
        name: "notes",
        base: "text",
        v4_type: "string",
        variant: Some("multiline-text"),
        kind: Type::Text,
    },
];

/// The options the Tags multiple-choice field is seeded with.
fn seeded_tag_options() -> &'static [&'static str] {
    TAGS
}

#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub id: u64,
    pub sequence: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub modified_at: DateTime<Utc>,
    pub modified_by: String,
    /// By field id; absent = empty.
    pub values: BTreeMap<&'static str, Value>,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub records: BTreeMap<u64, Record>,
    pub sequence: u64,
    next_id: u64,
    /// Fields the operator deleted from the table (by v3 id), and options taken off the Tags
    /// field: what doctor tests remove one at a time.
    pub removed_fields: BTreeSet<&'static str>,
    pub removed_options: BTreeSet<String>,
}

impl Store {
    /// The table's fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        FIELDS
            .iter()
            .filter(|f| !self.removed_fields.contains(f.id))
    }

    /// A field of the table by v3 id, caption or v4 name.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields()
            .find(|f| f.id == key || f.caption == key || f.name == key)
    }

    /// The options of the Tags multiple-choice field.
    pub fn tag_options(&self) -> Vec<&'static str> {
        seeded_tag_options()
            .iter()
            .copied()
            .filter(|o| !self.removed_options.contains(*o))
            .collect()
    }

    /// A record's values keyed as asked, empty fields and deleted fields left out.
    pub fn keyed(
        &self,
        record: &Record,
        key: impl Fn(&Field) -> &'static str,
    ) -> Map<String, Value> {
        self.fields()
            .filter_map(|f| {
                record
                    .values
                    .get(f.id)
                    .map(|v| (key(f).to_string(), v.clone()))
            })
            .collect()
    }

    pub fn create(
        &mut self,
        values: BTreeMap<&'static str, Value>,
        at: DateTime<Utc>,
        user: &str,
    ) -> u64 {
        self.next_id += 1;
        self.sequence += 1;
        let id = self.next_id;
        self.records.insert(
            id,
            Record {
                id,
                sequence: self.sequence,
                created_at: at,
                created_by: user.to_string(),
                modified_at: at,
                modified_by: user.to_string(),
                values,
            },
        );
        id
    }

    /// Sets (or, for null, clears) the given fields. False when the record does not exist.
    pub fn update(
        &mut self,
        id: u64,
        changes: Vec<(&'static str, Option<Value>)>,
        at: DateTime<Utc>,
        user: &str,
    ) -> bool {
        let Some(record) = self.records.get_mut(&id) else {
            return false;
        };
        self.sequence += 1;
        for (field, value) in changes {
            match value {
                Some(value) => record.values.insert(field, value),
                None => record.values.remove(field),
            };
        }
        record.sequence = self.sequence;
        record.modified_at = at;
        record.modified_by = user.to_string();
        true
    }

    pub fn delete(&mut self, id: u64) -> bool {
        if self.records.remove(&id).is_some() {
            self.sequence += 1;
            true
        } else {
            false
        }
    }
}

/// A v3 record time: `YYYY-MM-DDThh:mm:ss`, UTC, no zone (docs.ninox.com/en/api/introduction/
/// tables-fields-records, "Common attributes": `"createdAt": "2021-09-13T18:24:26"`).
pub(crate) fn v3_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A v3 appointment value: `"2021-01-23T12:30:00 - 2021-01-23T13:30:00"` (same page).
pub(crate) fn v3_appointment(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!("{} - {}", v3_time(start), v3_time(end))
}

/// The start and end of a stored (Ninox 4 form) appointment.
pub(crate) fn appointment_bounds(stored: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let inner = stored.trim().strip_prefix('[')?.strip_suffix(')')?;
    let (start, end) = inner.split_once(',')?;
    Some((
        parse_instant(&json!(start.trim()))?,
        parse_instant(&json!(end.trim()))?,
    ))
}

/// A v3 appointment as written: `start - end`, each `YYYY-MM-DDThh:mm:ss` in UTC, as the
/// stored (Ninox 4 form) value. `None` for any other shape.
/// Guess: the documentation shows this form only as read; we take it to be the write form too,
/// and refuse other forms on v3.
pub(crate) fn from_v3_appointment(text: &str) -> Option<String> {
    let (start, end) = text.trim().split_once(" - ")?;
    let time = |t: &str| {
        chrono::NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|n| n.and_utc())
    };
    let (start, end) = (time(start)?, time(end)?);
    (end >= start).then(|| appointment(start, end))
}

/// Ninox 4's appointment text: a half-open interval `[start,end)`.
pub(crate) fn appointment(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "[{},{})",
        start.to_rfc3339_opts(SecondsFormat::Secs, true),
        end.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

fn parse_instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

/// A written value in its stored form; `Ok(None)` clears the field. `options` are the Tags
/// field's options.
pub(crate) fn coerce(
    field: &Field,
    value: &Value,
    options: &[&str],
) -> Result<Option<Value>, String> {
    if value.is_null() {
        return Ok(None);
    }
    match field.kind {
        Type::Text => match value {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => Ok(Some(json!(s))),
            Value::Number(n) => Ok(Some(json!(n.to_string()))),
            _ => Err(format!(
                "Invalid value for field '{}': expected a string",
                field.name
            )),
        },
        Type::Multi => {
            let Value::Array(items) = value else {
                return Err(format!(
                    "Invalid value for field '{}': multi fields take an array of strings",
                    field.name
                ));
            };
            let mut chosen = Vec::new();
            for item in items {
                let Some(name) = item.as_str() else {
                    return Err(format!(
                        "Invalid value for field '{}': expected strings",
                        field.name
                    ));
                };
                if !options.contains(&name) {
                    return Err(format!(
                        "Unknown option '{name}' for field '{}'",
                        field.name
                    ));
                }
                if !chosen.contains(&name) {
                    chosen.push(name);
                }
            }
            Ok((!chosen.is_empty()).then(|| json!(chosen)))
        }
        Type::Appointment => {
            if let Some(text) = value.as_str() {
                let trimmed = text.trim();
                if let Some(inner) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(')')) {
                    let mut parts = inner.splitn(2, ',');
                    let start = parts
                        .next()
                        .map(|p| json!(p.trim()))
                        .and_then(|p| parse_instant(&p));
                    let end = parts
                        .next()
                        .map(|p| json!(p.trim()))
                        .and_then(|p| parse_instant(&p));
                    if let (Some(start), Some(end)) = (start, end) {
                        if end >= start {
                            return Ok(Some(json!(appointment(start, end))));
                        }
                    }
                    return Err(format!(
                        "Invalid appointment for field '{}': {text}",
                        field.name
                    ));
                }
            }
            // A single instant: a one-hour appointment starting then.
            match parse_instant(value) {
                Some(start) => Ok(Some(json!(appointment(start, start + Duration::hours(1))))),
                None => Err(format!(
                    "Invalid value for field '{}': expected an ISO 8601 string, an interval or a Unix timestamp (ms)",
                    field.name
                )),
            }
        }
    }
}

/// Seeds the table: a share of GHL's contacts (same email) plus people only in Ninox.
pub(crate) fn seeded(
    seed: u64,
    ghl: &[SeedContact],
    overlap: f64,
    own: &[SeedContact],
    user: &str,
    anchor: DateTime<Utc>,
) -> Store {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x006e_696e_6f78);
    let ghl_emails: HashSet<&str> = ghl.iter().map(|c| c.email.as_str()).collect();
    let shared: Vec<&SeedContact> = ghl
        .iter()
        .filter(|_| rng.random_bool(overlap.clamp(0.0, 1.0)))
        .collect();
    let mut people: Vec<&SeedContact> = shared
        .into_iter()
        .chain(
            own.iter()
                .filter(|c| !ghl_emails.contains(c.email.as_str())),
        )
        .collect();
    people.sort_by_key(|c| c.date_added);
    let mut store = Store::default();
    for person in people {
        let mut values = BTreeMap::new();
        values.insert("A", json!(person.first_name));
        values.insert("B", json!(person.last_name));
        values.insert("C", json!(person.email));
        if let Some(phone) = &person.phone {
            values.insert("D", json!(phone));
        }
        let tags: Vec<&str> = person
            .tags
            .iter()
            .map(String::as_str)
            .filter(|t| seeded_tag_options().contains(t))
            .collect();
        if !tags.is_empty() {
            values.insert("E", json!(tags));
        }
        if let Some(next) = person
            .appointments
            .iter()
            .filter(|a| a.start >= anchor)
            .min_by_key(|a| a.start)
        {
            values.insert("F", json!(appointment(next.start, next.end)));
        }
        if let Some(note) = person.notes.first() {
            values.insert("G", json!(note.body));
        }
        let id = store.create(values, person.date_added, user);
        // Some records were edited later: their sequence and modifiedAt move on.
        if rng.random_bool(0.3) {
            let at = person.date_updated;
            store.update(id, Vec::new(), at, user);
        }
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coerce(field: &Field, value: &Value) -> Result<Option<Value>, String> {
        super::coerce(field, value, seeded_tag_options())
    }

    #[test]
    fn coercion_follows_the_field_type_rules() {
        let store = Store::default();
        let field = |key: &str| store.field(key);
        let tags = field("tags").unwrap();
        assert!(
            coerce(tags, &json!("vip")).is_err(),
            "a plain string is not accepted"
        );
        assert_eq!(
            coerce(tags, &json!(["vip", "lead"])).unwrap(),
            Some(json!(["vip", "lead"]))
        );
        assert!(coerce(tags, &json!(["no-such-option"])).is_err());
        let appt = field("Next appointment").unwrap();
        assert_eq!(
            coerce(appt, &json!("[2026-02-15T09:00:00Z,2026-02-15T10:00:00Z)")).unwrap(),
            Some(json!("[2026-02-15T09:00:00Z,2026-02-15T10:00:00Z)"))
        );
        assert_eq!(
            coerce(appt, &json!("2026-02-15T09:00:00Z")).unwrap(),
            Some(json!("[2026-02-15T09:00:00Z,2026-02-15T10:00:00Z)"))
        );
        assert!(coerce(appt, &json!("tomorrow")).is_err());
        assert_eq!(coerce(field("A").unwrap(), &Value::Null).unwrap(), None);
    }
}
