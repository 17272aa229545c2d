//! The Connectif account the fake serves: contacts by email (built-in `_` fields and custom
//! fields by id), custom event types, sent events and export jobs. Seeded with a share of the
//! GHL seed's people (same emails) and some Connectif-only ones.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::seed::SeedContact;

/// (id, type, checkbox options): the account's custom contact fields.
pub(crate) const CUSTOM_FIELDS: &[(&str, &str, &[&str])] = &[
    ("company", "text", &[]),
    (
        "interests",
        "checkbox",
        &["newsletter", "events", "webinars", "offers"],
    ),
    ("vip", "boolean", &[]),
    ("lifetime-value", "decimal", &[]),
    // The checkbox an operator makes for GHL's tags, with their tag names as options.
    ("ghl-tags", "checkbox", crate::seed::TAGS),
];

/// Built-in fields a PATCH may write, with their type.
pub(crate) const BUILT_IN: &[(&str, &str)] = &[
    ("_name", "text"),
    ("_surname", "text"),
    ("_birthdate", "date"),
    ("_mobilePhone", "text"),
    ("_mobilePhoneStatus", "text"),
    ("_emailStatus", "text"),
    ("_newsletterSubscriptionStatus", "text"),
    ("_smsSubscriptionStatus", "text"),
    ("_points", "integer"),
];

/// (alias, field ids; the first is the email primary key): the custom event types.
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
    /// By lower-cased email.
    pub contacts: BTreeMap<String, Map<String, Value>>,
    pub events: Vec<ConnectifEvent>,
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
        contacts: BTreeMap::new(),
        events: Vec::new(),
        exports: Vec::new(),
        fail_next_export: false,
    };
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
        let interests: Vec<&str> = CUSTOM_FIELDS[1]
            .2
            .iter()
            .copied()
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

/// The contacts as a CSV file: built-in fields, then custom fields by id [unverified: the
/// real export's column headers are not documented]. Checkbox values are joined with "|".
pub(crate) fn contacts_csv(account: &Account, delimiter: char) -> (String, usize) {
    let mut columns: Vec<&str> = vec!["_email"];
    columns.extend(BUILT_IN.iter().map(|(name, _)| *name));
    columns.extend(["_createdAt", "_updatedAt"]);
    columns.extend(CUSTOM_FIELDS.iter().map(|(id, _, _)| *id));
    let quote = |text: &str| -> String {
        if text.contains(delimiter) || text.contains(['"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let separator = delimiter.to_string();
    let mut out = columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(&separator);
    out.push_str("\r\n");
    for contact in account.contacts.values() {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match contact.get(*column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => quote(s),
                Some(Value::Array(items)) => quote(
                    &items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                Some(other) => quote(&other.to_string()),
            })
            .collect();
        out.push_str(&cells.join(&separator));
        out.push_str("\r\n");
    }
    (out, account.contacts.len())
}
