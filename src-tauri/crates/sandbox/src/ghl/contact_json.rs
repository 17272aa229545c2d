//! How contacts read back. Three shapes, as GHL has them: the full record (`GET /contacts/{id}`,
//! create, update, upsert), the list item of the deprecated list, and the search hit, which
//! names the street `address` instead of `address1`, gives `dateOfBirth` in epoch milliseconds
//! and carries the `searchAfter` cursor (highlevel-api-docs#314).

use serde_json::{json, Map, Value};

use super::dates::iso_ms;
use super::state::ContactRec;

pub(crate) fn full(location_id: &str, contact: &ContactRec) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(&*contact.id));
    out.insert("locationId".into(), json!(location_id));
    for (field, value) in &contact.fields {
        out.insert((*field).to_string(), json!(&**value));
    }
    insert_lowercase_names(&mut out, contact);
    if let Some(email) = contact.get("email") {
        out.insert("emailLowerCase".into(), json!(email.to_lowercase()));
    }
    out.insert("dnd".into(), json!(contact.dnd));
    if let Some(settings) = &contact.dnd_settings {
        out.insert("dndSettings".into(), settings.clone());
    }
    if let Some(settings) = &contact.inbound_dnd_settings {
        out.insert("inboundDndSettings".into(), settings.clone());
    }
    out.insert("tags".into(), json!(contact.tags));
    out.insert("customFields".into(), custom_fields(contact));
    out.insert("additionalEmails".into(), json!([]));
    if let Some(born) = contact.date_of_birth {
        out.insert(
            "dateOfBirth".into(),
            json!(format!("{}T00:00:00.000Z", born.format("%Y-%m-%d"))),
        );
    }
    out.insert("dateAdded".into(), json!(iso_ms(contact.date_added)));
    out.insert("dateUpdated".into(), json!(iso_ms(contact.date_updated)));
    Value::Object(out)
}

/// An item of `GET /contacts/` and `GET /contacts/business/{id}`.
pub(crate) fn listed(location_id: &str, contact: &ContactRec) -> Value {
    let mut out = full(location_id, contact);
    if let Value::Object(map) = &mut out {
        if let Some(name) = contact.full_name() {
            map.insert("contactName".into(), json!(name.to_lowercase()));
        }
        map.insert("followers".into(), json!([]));
    }
    out
}

/// A hit of `POST /contacts/search`.
pub(crate) fn searched(location_id: &str, contact: &ContactRec, search_after: Vec<Value>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(&*contact.id));
    out.insert("locationId".into(), json!(location_id));
    for (field, value) in &contact.fields {
        let name = if *field == "address1" {
            "address"
        } else {
            field
        };
        out.insert(name.to_string(), json!(&**value));
    }
    if let Some(name) = contact.full_name() {
        out.insert("contactName".into(), json!(name.to_lowercase()));
    }
    insert_lowercase_names(&mut out, contact);
    if let Some(business) = contact.get("companyName") {
        out.insert("businessName".into(), json!(business));
    }
    out.insert("dnd".into(), json!(contact.dnd));
    if let Some(settings) = &contact.dnd_settings {
        out.insert("dndSettings".into(), settings.clone());
    }
    out.insert("tags".into(), json!(contact.tags));
    out.insert("customFields".into(), custom_fields(contact));
    out.insert("additionalEmails".into(), json!([]));
    out.insert("followers".into(), json!([]));
    out.insert("validEmail".into(), json!(contact.get("email").is_some()));
    if let Some(born) = contact.date_of_birth {
        let millis = born
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
        out.insert("dateOfBirth".into(), json!(millis));
    }
    out.insert("dateAdded".into(), json!(iso_ms(contact.date_added)));
    out.insert("dateUpdated".into(), json!(iso_ms(contact.date_updated)));
    out.insert("searchAfter".into(), Value::Array(search_after));
    Value::Object(out)
}

fn insert_lowercase_names(out: &mut Map<String, Value>, contact: &ContactRec) {
    if let Some(first) = contact.get("firstName") {
        out.insert("firstNameLowerCase".into(), json!(first.to_lowercase()));
    }
    if let Some(last) = contact.get("lastName") {
        out.insert("lastNameLowerCase".into(), json!(last.to_lowercase()));
    }
    if let Some(name) = contact.full_name() {
        out.insert("fullNameLowerCase".into(), json!(name.to_lowercase()));
    }
}

/// Custom values read back as `[{id, value}]`: no key, no name (highlevel-api-docs#177).
fn custom_fields(contact: &ContactRec) -> Value {
    Value::Array(
        contact
            .custom
            .iter()
            .map(|(id, value)| json!({"id": &**id, "value": value}))
            .collect(),
    )
}
