//! The Connectif account the fake serves: contacts by email (built-in `_` fields and custom
//! fields by id), custom event types, sent events and export jobs. Seeded with a share of the
//! GHL seed's people (same emails) and some Connectif-only ones.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::seed::SeedContact;

/// A contact field as `GET /contact-fields/` lists it (api-docs.connectif.cloud resource
/// ContactFieldList: id, name, type, custom, readOnly, options `{id, label}`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub id: String,
    /// The display name: the export's column header (support.connectif.ai article
    /// 23243787114524 names export columns by display name).
    pub name: String,
    pub kind: String,
    pub custom: bool,
    pub read_only: bool,
    /// Checkbox options (id, label): values are option ids ("Importing contacts").
    pub options: Vec<(String, String)>,
}

fn field(id: &str, name: &str, kind: &str, custom: bool) -> Field {
    Field {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        custom,
        read_only: false,
        options: Vec::new(),
    }
}

/// The checkbox an operator makes for GHL's tags. Its option ids are the operator's own, not
/// the tag names; the labels are what people read (// Guess: an operator labels them as the
/// tags are spelled in GHL, in their own case).
pub(crate) const TAGS_FIELD: &str = "ghl-tags";

pub(crate) fn tag_option(tag: &str) -> (String, String) {
    let mut label: Vec<char> = tag.chars().collect();
    if let Some(first) = label.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    (
        format!("tag_{}", tag.replace('-', "_")),
        label.into_iter().collect(),
    )
}

/// The account's contact fields: the built-in ones (ids from the ContactPatch resource; //
/// Guess: their display names, which no page lists in full) and the custom ones.
/// A built-in radio field whose options are its documented values (option id = value; //
/// Guess: the labels, which no page lists).
fn radio(id: &str, name: &str, values: &[&str]) -> Field {
    Field {
        options: values
            .iter()
            .map(|v| (v.to_string(), tag_option(v).1))
            .collect(),
        ..field(id, name, "radio", false)
    }
}

pub(crate) fn seeded_fields() -> Vec<Field> {
    let mut fields = vec![
        field("_email", "Email", "email", false),
        field("_name", "Name", "text", false),
        field("_surname", "Surname", "text", false),
        field("_birthdate", "Birthdate", "date", false),
        field("_mobilePhone", "Mobile phone", "phone", false),
        // The statuses take the values the ContactPatch resource lists ("Possible values are").
        radio(
            "_mobilePhoneStatus",
            "Mobile phone status",
            &["active", "bounced", "paused"],
        ),
        radio(
            "_emailStatus",
            "Email status",
            &["active", "bounced", "paused", "banned"],
        ),
        // "Newsletter subscription status" is named so in "Importing contacts".
        radio(
            "_newsletterSubscriptionStatus",
            "Newsletter subscription status",
            &["subscribed", "unsubscribed", "none"],
        ),
        radio(
            "_smsSubscriptionStatus",
            "SMS subscription status",
            &["subscribed", "unsubscribed", "none"],
        ),
        field("_points", "Points", "integer", false),
        Field {
            read_only: true,
            ..field("_createdAt", "Date of creation", "date", false)
        },
        Field {
            read_only: true,
            ..field("_updatedAt", "Date of last update", "date", false)
        },
        field("company", "Company", "text", true),
        Field {
            options: ["newsletter", "events", "webinars", "offers"]
                .iter()
                .map(|o| (o.to_string(), tag_option(o).1))
                .collect(),
            ..field("interests", "Interests", "checkbox", true)
        },
        field("vip", "VIP", "boolean", true),
        field("lifetime-value", "Lifetime value", "decimal", true),
    ];
    fields.push(Field {
        options: crate::seed::TAGS.iter().map(|t| tag_option(t)).collect(),
        ..field(TAGS_FIELD, "GHL tags", "checkbox", true)
    });
    fields
}

/// A field of a custom event type (CustomEventType resource: id, name, type, isPrimaryKey).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventField {
    pub id: String,
    pub kind: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventType {
    pub id: String,
    pub alias: String,
    pub name: String,
    pub fields: Vec<EventField>,
}

/// A custom integration and its custom event types (custom event types exist per
/// integration: `POST /custom-integrations/{id}/custom-event-types/`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Integration {
    pub id: String,
    pub name: String,
    pub event_types: Vec<EventType>,
}

/// (alias, field ids; the first is the email primary key): the event types the operator made
/// for GHL's activities, seeded in one integration.
pub(crate) const EVENT_TYPES: &[(&str, &[&str])] = &[
    (
        "ghl-task",
        &["email", "title", "body", "dueDate", "completed"],
    ),
    ("ghl-note", &["email", "title", "body", "occurredAt"]),
    (
        "ghl-appointment",
        &["email", "title", "start", "end", "status"],
    ),
];

/// A custom event as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectifEvent {
    pub alias: String,
    pub create_contact: bool,
    pub fields: Map<String, Value>,
}

pub(crate) struct ExportJob {
    pub id: String,
    /// `contacts` or `activities`.
    pub export_type: &'static str,
    pub delimiter: char,
    pub created_at: DateTime<Utc>,
    pub polls: usize,
    pub fail: bool,
    pub token: String,
    pub csv: String,
    pub total: usize,
}

pub(crate) struct Account {
    pub rng: SmallRng,
    pub fields: Vec<Field>,
    pub integrations: Vec<Integration>,
    /// By lower-cased email.
    pub contacts: BTreeMap<String, Map<String, Value>>,
    pub events: Vec<ConnectifEvent>,
    /// What contacts did, for the activities export.
    pub activities: Vec<super::activities::ConnectifActivity>,
    pub exports: Vec<ExportJob>,
    pub fail_next_export: bool,
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Account {
    pub fn new_id(&mut self) -> String {
        (0..24)
            .map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)]))
            .collect()
    }

    /// A new contact with Connectif's defaults.
    pub fn blank_contact(&mut self, email: &str, now: DateTime<Utc>) -> Map<String, Value> {
        let mut contact = Map::new();
        contact.insert("id".into(), json!(self.new_id()));
        contact.insert("_email".into(), json!(email));
        contact.insert("_emailStatus".into(), json!("active"));
        contact.insert("_newsletterSubscriptionStatus".into(), json!("none"));
        contact.insert("_smsSubscriptionStatus".into(), json!("none"));
        contact.insert("_points".into(), json!(0));
        contact.insert("_createdAt".into(), json!(time(now)));
        contact.insert("_updatedAt".into(), json!(time(now)));
        contact
    }
}

pub(crate) struct SeedPlan<'a> {
    pub seed: u64,
    pub ghl: &'a [SeedContact],
    pub overlap: f64,
    pub own: &'a [SeedContact],
}

pub(crate) fn seeded(plan: &SeedPlan<'_>) -> Account {
    let mut account = Account {
        rng: SmallRng::seed_from_u64(plan.seed ^ 0x00c0_ecf1),
        fields: seeded_fields(),
        integrations: Vec::new(),
        contacts: BTreeMap::new(),
        events: Vec::new(),
        activities: Vec::new(),
        exports: Vec::new(),
        fail_next_export: false,
    };
    let integration_id = account.new_id();
    let event_types = EVENT_TYPES
        .iter()
        .map(|(alias, ids)| EventType {
            id: account.new_id(),
            alias: alias.to_string(),
            name: alias.to_string(),
            fields: ids
                .iter()
                .enumerate()
                .map(|(i, id)| EventField {
                    id: id.to_string(),
                    kind: match *id {
                        "email" => "email",
                        "completed" => "boolean",
                        _ => "text",
                    }
                    .into(),
                    primary: i == 0,
                })
                .collect(),
        })
        .collect();
    account.integrations.push(Integration {
        id: integration_id,
        name: "Contact Bridge".into(),
        event_types,
    });
    let chosen: Vec<&SeedContact> = plan
        .ghl
        .iter()
        .filter(|_| account.rng.random::<f64>() < plan.overlap)
        .chain(plan.own.iter())
        .collect();
    for person in chosen {
        let email = person.email.to_lowercase();
        let mut contact = account.blank_contact(&email, person.date_added);
        contact.insert("_name".into(), json!(person.first_name));
        contact.insert("_surname".into(), json!(person.last_name));
        if let Some(phone) = &person.phone {
            contact.insert("_mobilePhone".into(), json!(phone));
        }
        if let Some(company) = &person.company_name {
            contact.insert("company".into(), json!(company));
        }
        let interests: Vec<&str> = ["newsletter", "events", "webinars", "offers"]
            .into_iter()
            .filter(|_| account.rng.random::<f64>() < 0.4)
            .collect();
        contact.insert("interests".into(), json!(interests));
        contact.insert(
            "_newsletterSubscriptionStatus".into(),
            json!(if person.dnd {
                "unsubscribed"
            } else {
                "subscribed"
            }),
        );
        contact.insert("_updatedAt".into(), json!(time(person.date_updated)));
        account.contacts.insert(email, contact);
    }
    account
}

/// The export versions the fake serves (the create-export page lists v1 and v2; the support
/// article 23243787114524 describes changes up to V5; v1 when none is given).
pub(crate) const EXPORT_VERSIONS: &[&str] = &["v1", "v2", "v3", "v4", "v5"];

/// The contacts as a CSV file, one column per contact field named by its display name
/// (support.connectif.ai article 23243787114524), then the columns a version adds or renames
/// (from V5: "Last unsubscribed date" becomes "Date of last newsletter unsubscription" and
/// "Origin of creation" is added). Checkbox values are option ids joined with "|" (the format
/// "Importing contacts" documents for the import; // Guess: the export writes it the same).
/// Dates are ISO 8601 (the export's `dateFormat` "ISO").
pub(crate) fn contacts_csv(account: &Account, delimiter: char, version: &str) -> (String, usize) {
    let v5 = version == "v5";
    let unsubscribed = if v5 {
        "Date of last newsletter unsubscription"
    } else {
        "Last unsubscribed date"
    };
    let mut columns: Vec<(&str, &str)> = account
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.id.as_str()))
        .collect();
    columns.push((unsubscribed, ""));
    if v5 {
        columns.push(("Origin of creation", ""));
    }
    let cell = |value: Option<&Value>| match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        Some(other) => other.to_string(),
    };
    // The `csv` crate quotes cells holding the delimiter, a quote or a line break (RFC 4180).
    let mut writer = csv::WriterBuilder::new()
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let rows = std::iter::once(columns.iter().map(|(name, _)| name.to_string()).collect()).chain(
        account.contacts.values().map(|contact| {
            columns
                .iter()
                .map(|(_, id)| cell(contact.get(*id)))
                .collect::<Vec<String>>()
        }),
    );
    for row in rows {
        // Writing to memory fails only on a bug: the row is left out, and the file shows it.
        let _ = writer.write_record(&row);
    }
    let out = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    (out, account.contacts.len())
}
