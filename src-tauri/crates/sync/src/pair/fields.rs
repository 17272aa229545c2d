//! The GHL contact fields a mapping can name, and the values the pair reads from them.

use std::collections::BTreeSet;

use bridge_core::mapping::{Direction, Mapping};
use bridge_core::{BridgeError, Contact};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::Store;
use serde_json::Value;

use crate::plan::Values;

/// The GHL fields the sync writes today; other GHL fields can be mapped one way, GHL → app.
pub const GHL_WRITABLE_FIELDS: &[&str] = &[
    "email",
    "firstName",
    "lastName",
    "fullName",
    "phone",
    "tags",
];

/// Lines that would write a GHL field the sync cannot write yet (custom fields, businessId,
/// the next appointment): refused rather than dropped without a word.
pub fn unwritable_lines(mapping: &Mapping) -> Vec<String> {
    mapping
        .fields
        .iter()
        .enumerate()
        .filter(|(_, line)| line.direction != Direction::GhlToApp && !GHL_WRITABLE_FIELDS.contains(&line.ghl.as_str()))
        .map(|(i, line)| {
            format!(
                "line {} ({} → {}): Contact Bridge cannot write GHL's {} yet; make the line one-way, GHL → app",
                i + 1,
                line.ghl,
                line.app,
                line.ghl
            )
        })
        .collect()
}

/// GHL's contact fields a mapping can name: the standard ones and the location's custom fields.
pub fn ghl_contact_fields(
    store: &Store,
    ghl_connection_id: &str,
) -> Result<BTreeSet<String>, BridgeError> {
    let mut fields: BTreeSet<String> = [
        "email",
        "firstName",
        "lastName",
        "fullName",
        "phone",
        "tags",
        "businessId",
        "dnd",
        NEXT_APPOINTMENT,
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    fields.extend(DND_CHANNELS.iter().map(|c| format!("dndSettings.{c}")));
    for field in bridge_store::table::custom_fields::list(store.conn(), ghl_connection_id)? {
        fields.insert(format!("customFields.{}", field.field_key));
    }
    Ok(fields)
}

/// The stored contact mapping of an app connection, or the app's default.
pub fn contact_mapping(store: &Store, app: &ConnectionRow) -> Result<Mapping, BridgeError> {
    match bridge_store::table::mappings::get(store.conn(), &app.id, "contact")? {
        Some(spec) => serde_json::from_value(spec).map_err(|e| {
            BridgeError::storage(format!(
                "the stored mapping of \"{}\" is unreadable: {e}",
                app.name
            ))
        }),
        None => Ok(crate::app::default_mapping(app.system)),
    }
}

/// GHL's do-not-disturb channels (DndSettingsSchema): `dndSettings.<channel>` holds one's
/// status (`active`, `inactive`, `permanent`), for a `dnd_subscription` line to an app's
/// subscription status.
pub const DND_CHANNELS: &[&str] = &["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];

/// GHL's contact fields a mapping can name.
pub fn ghl_contact_values(contact: &Contact) -> Values {
    let mut values = Values::new();
    let mut put = |field: &str, value: &Option<String>| {
        if let Some(v) = value {
            values.insert(field.to_string(), Value::String(v.clone()));
        }
    };
    put("email", &contact.email);
    put("firstName", &contact.first_name);
    put("lastName", &contact.last_name);
    put("phone", &contact.phone);
    put("businessId", &contact.business_id);
    values.insert(
        "fullName".into(),
        Value::Array(vec![
            Value::String(contact.first_name.clone().unwrap_or_default()),
            Value::String(contact.last_name.clone().unwrap_or_default()),
        ]),
    );
    values.insert(
        "tags".into(),
        Value::Array(contact.tags.iter().cloned().map(Value::String).collect()),
    );
    for (key, value) in &contact.custom_fields {
        values.insert(format!("customFields.{key}"), value.clone());
    }
    if let Some(dnd) = contact.dnd {
        values.insert("dnd".into(), Value::Bool(dnd));
    }
    for (channel, status) in &contact.dnd_settings {
        values.insert(
            format!("dndSettings.{channel}"),
            Value::String(status.clone()),
        );
    }
    values
}

/// A GHL value derived from the contact's appointments: the next one to come, as a
/// `[start,end)` range in UTC seconds (the form appointment fields of apps hold).
pub const NEXT_APPOINTMENT: &str = "nextAppointment";

pub(super) fn next_appointment(
    store: &Store,
    contact_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Value>, BridgeError> {
    let instant = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let next = bridge_store::table::activities::for_contact(store.conn(), contact_id)?
        .into_iter()
        .filter(|a| a.kind == "appointment")
        .filter_map(|a| Some((instant(&a.starts_at)?, instant(&a.ends_at))))
        .filter(|(start, _)| *start >= now)
        .min_by_key(|(start, _)| *start);
    let secs =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(next.map(|(start, end)| {
        let end = end.unwrap_or(start + chrono::Duration::hours(1));
        Value::String(format!("[{},{})", secs(start), secs(end)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_writing_ghl_fields_the_sync_cannot_write_are_named() {
        let mut mapping = crate::app::default_novi_mapping();
        assert!(unwritable_lines(&mapping).is_empty());
        mapping.fields.push(bridge_core::mapping::FieldMapping {
            ghl: "businessId".into(),
            app: "Notes".into(),
            direction: Direction::Both,
            owner: bridge_core::mapping::Owner::Ghl,
            transforms: vec![],
        });
        let problems = unwritable_lines(&mapping);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("line 5 (businessId → Notes)"),
            "{}",
            problems[0]
        );
        // One way, GHL → app, is fine: nothing is written to GHL.
        mapping.fields[4].direction = Direction::GhlToApp;
        assert!(unwritable_lines(&mapping).is_empty());
    }

    #[test]
    fn ghl_values_name_the_fields_a_mapping_can_use() {
        let contact = Contact {
            contact_id: "g1".into(),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            tags: ["vip".to_string()].into(),
            ..Contact::default()
        };
        let values = ghl_contact_values(&contact);
        assert_eq!(values["email"], "ada@example.com");
        let dnd = Contact {
            dnd_settings: [("Email".to_string(), "active".to_string())].into(),
            ..contact.clone()
        };
        assert_eq!(ghl_contact_values(&dnd)["dndSettings.Email"], "active");
        assert_eq!(values["fullName"], serde_json::json!(["Ada", "Lovelace"]));
        assert_eq!(values["tags"], serde_json::json!(["vip"]));
        assert!(!values.contains_key("phone"));
    }
}
