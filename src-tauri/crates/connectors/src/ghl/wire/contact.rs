//! Contacts: the record as read (GetContectByIdSchema, CreateContactSchema, search hits) and the
//! bodies written (CreateContactDto, UpdateContactDto, UpsertContactDto).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_helpers::{empty_as_null, null_as_default};
use super::time::RemoteTime;

/// A contact as GHL answers it. Every field is optional so that one odd record cannot fail a
/// whole page; conversion names what is missing.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GhlContact {
    pub id: Option<String>,
    pub location_id: Option<String>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub custom_fields: Vec<CustomFieldRead>,
    pub business_id: Option<String>,
    pub source: Option<String>,
    pub assigned_to: Option<String>,
    pub address1: Option<String>,
    /// Search answers carry the street as `address` where every other endpoint says `address1`
    /// (ghl#314).
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    pub timezone: Option<String>,
    pub dnd: Option<bool>,
    /// Per-channel do-not-disturb as read (DndSettingsSchema: channel → `{status, message,
    /// code}`).
    #[serde(deserialize_with = "null_as_default")]
    pub dnd_settings: std::collections::BTreeMap<String, DndSettingRead>,
    /// "YYYY-MM-DD" from GET, epoch milliseconds from search (ghl#314).
    pub date_of_birth: Option<RemoteTime>,
    pub date_added: Option<RemoteTime>,
    pub date_updated: Option<RemoteTime>,
    #[serde(rename = "type")]
    pub contact_type: Option<String>,
    /// Search hits carry the sort values to pass as the next page's `searchAfter`.
    pub search_after: Option<Vec<Value>>,
}

impl GhlContact {
    /// The street line, wherever this endpoint put it.
    pub fn street(&self) -> Option<&str> {
        self.address1.as_deref().or(self.address.as_deref())
    }
}

/// One channel's do-not-disturb as read (DndSettingSchema: `status` active, inactive or
/// permanent).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DndSettingRead {
    pub status: Option<String>,
}

/// A custom field value as read: `{id, value}` (no key or name; see the location's field list).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CustomFieldRead {
    pub id: Option<String>,
    #[serde(alias = "fieldValue", alias = "field_value")]
    pub value: Option<Value>,
}

/// A custom field value as written: `{id, field_value}` or `{key, field_value}`.
///
/// The v2 spec's field schemas (TextField, NumericField, …) all require `id`; GHL also accepts a
/// `key` alone (n8n#20474), but a request validated against the spec must use the id — resolve
/// keys through the location's field list (`CustomFieldIndex`) where possible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomFieldInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub field_value: Value,
}

impl CustomFieldInput {
    pub fn by_id(id: impl Into<String>, value: Value) -> Self {
        Self {
            id: Some(id.into()),
            key: None,
            field_value: value,
        }
    }

    pub fn by_key(key: impl Into<String>, value: Value) -> Self {
        Self {
            id: None,
            key: Some(key.into()),
            field_value: value,
        }
    }
}

/// Per-channel do-not-disturb (DndSettingsSchema).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DndSettings {
    #[serde(rename = "Call", skip_serializing_if = "Option::is_none")]
    pub call: Option<DndSetting>,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<DndSetting>,
    #[serde(rename = "SMS", skip_serializing_if = "Option::is_none")]
    pub sms: Option<DndSetting>,
    #[serde(rename = "WhatsApp", skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<DndSetting>,
    #[serde(rename = "GMB", skip_serializing_if = "Option::is_none")]
    pub gmb: Option<DndSetting>,
    #[serde(rename = "FB", skip_serializing_if = "Option::is_none")]
    pub fb: Option<DndSetting>,
}

/// DndSettingSchema: `status` is required.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DndSetting {
    pub status: DndStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DndStatus {
    Active,
    Inactive,
    Permanent,
}

/// InboundDndSettingsSchema.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InboundDndSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<InboundDndSetting>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboundDndSetting {
    pub status: InboundDndStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InboundDndStatus {
    Active,
    Inactive,
}

/// Exactly the properties of UpdateContactDto — the body of `PUT /contacts/{id}`.
/// CreateContactDto and UpsertContactDto are these plus `locationId`, `gender` and `companyName`
/// (see [`NewContact`]); PUT rejects those three with 422, so they cannot be set here.
///
/// Note: `tags` here replaces all of the contact's tags; prefer the tag endpoints on update.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "empty_as_null"
    )]
    pub first_name: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "empty_as_null"
    )]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "empty_as_null"
    )]
    pub email: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "empty_as_null"
    )]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd_settings: Option<DndSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_dnd_settings: Option<InboundDndSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// "YYYY-MM-DD" (the spec's example; its schema says `object`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// A contact to create or upsert: the update fields plus what only creation accepts.
/// The client adds the connection's `locationId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(flatten)]
    pub fields: ContactFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

/// CreateContactDto.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateContactBody<'a> {
    pub location_id: &'a str,
    #[serde(flatten)]
    pub contact: &'a NewContact,
}

/// UpsertContactDto.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertContactBody<'a> {
    pub location_id: &'a str,
    #[serde(flatten)]
    pub contact: &'a NewContact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_new_if_duplicate_allowed: Option<bool>,
}

/// `{contact}` — GET /contacts/{id}, POST /contacts/.
#[derive(Debug, Clone, Deserialize)]
pub struct ContactEnvelope {
    pub contact: GhlContact,
}

/// `{succeded, contact}` — PUT /contacts/{id} (the spelling is the API's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpdateContactEnvelope {
    pub succeded: Option<bool>,
    pub contact: Option<GhlContact>,
}

/// `{new, contact, traceId}` — POST /contacts/upsert.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContactEnvelope {
    /// True when GHL created a contact, false when it updated an existing one.
    #[serde(rename = "new", default)]
    pub created: Option<bool>,
    pub contact: GhlContact,
    #[serde(default)]
    pub trace_id: Option<String>,
}

/// `{contact}` or `{contact: null}` — GET /contacts/search/duplicate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DuplicateEnvelope {
    pub contact: Option<GhlContact>,
}

/// `{contacts, count}` — GET /contacts/business/{businessId}.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactListEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub contacts: Vec<GhlContact>,
    pub count: Option<Value>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;

    fn keys(value: &Value) -> BTreeSet<String> {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// UpdateContactDto's properties, copied from contacts.json.
    const UPDATE_CONTACT_DTO: &[&str] = &[
        "firstName",
        "lastName",
        "name",
        "email",
        "phone",
        "address1",
        "city",
        "state",
        "postalCode",
        "website",
        "timezone",
        "dnd",
        "dndSettings",
        "inboundDndSettings",
        "tags",
        "customFields",
        "source",
        "dateOfBirth",
        "country",
        "assignedTo",
    ];

    fn every_field() -> ContactFields {
        let setting = DndSetting {
            status: DndStatus::Active,
            message: None,
            code: None,
        };
        ContactFields {
            first_name: Some("Rosan".into()),
            last_name: Some("Deo".into()),
            name: Some("Rosan Deo".into()),
            email: Some("rosan@deos.com".into()),
            phone: Some("+1 888-888-8888".into()),
            address1: Some("3535 1st St N".into()),
            city: Some("Dolomite".into()),
            state: Some("AL".into()),
            postal_code: Some("35061".into()),
            website: Some("https://www.tesla.com".into()),
            timezone: Some("America/Chihuahua".into()),
            dnd: Some(true),
            dnd_settings: Some(DndSettings {
                call: Some(setting.clone()),
                email: Some(setting.clone()),
                sms: Some(setting.clone()),
                whatsapp: Some(setting.clone()),
                gmb: Some(setting.clone()),
                fb: Some(setting),
            }),
            inbound_dnd_settings: Some(InboundDndSettings {
                all: Some(InboundDndSetting {
                    status: InboundDndStatus::Inactive,
                    message: None,
                }),
            }),
            tags: Some(vec!["vip".into()]),
            custom_fields: Some(vec![CustomFieldInput::by_id("f1", json!("Gold"))]),
            source: Some("public api".into()),
            date_of_birth: Some("1990-09-25".into()),
            country: Some("US".into()),
            assigned_to: Some("y0BeYjuRIlDwsDcOHOJo".into()),
        }
    }

    #[test]
    fn update_body_has_exactly_the_update_dto_properties() {
        let body = serde_json::to_value(every_field()).unwrap();
        assert_eq!(keys(&body), set(UPDATE_CONTACT_DTO));
        assert_eq!(
            body["dndSettings"],
            json!({"Call": {"status": "active"}, "Email": {"status": "active"},
                   "SMS": {"status": "active"}, "WhatsApp": {"status": "active"},
                   "GMB": {"status": "active"}, "FB": {"status": "active"}})
        );
        assert_eq!(
            body["inboundDndSettings"],
            json!({"all": {"status": "inactive"}})
        );
    }

    #[test]
    fn create_and_upsert_add_location_gender_and_company() {
        let contact = NewContact {
            fields: every_field(),
            gender: Some("female".into()),
            company_name: Some("DGS VolMAX".into()),
        };
        let create = serde_json::to_value(CreateContactBody {
            location_id: "loc1",
            contact: &contact,
        })
        .unwrap();
        let mut create_dto = set(UPDATE_CONTACT_DTO);
        create_dto.extend(set(&["locationId", "gender", "companyName"]));
        assert_eq!(keys(&create), create_dto);
        assert_eq!(create["locationId"], "loc1");

        let upsert = serde_json::to_value(UpsertContactBody {
            location_id: "loc1",
            contact: &contact,
            create_new_if_duplicate_allowed: Some(false),
        })
        .unwrap();
        let mut upsert_dto = create_dto.clone();
        upsert_dto.insert("createNewIfDuplicateAllowed".into());
        assert_eq!(keys(&upsert), upsert_dto);
    }

    #[test]
    fn unset_fields_are_left_out() {
        let body = serde_json::to_value(ContactFields {
            email: Some("a@b.co".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(body, json!({"email": "a@b.co"}));
        let create = serde_json::to_value(CreateContactBody {
            location_id: "loc1",
            contact: &NewContact::default(),
        })
        .unwrap();
        assert_eq!(create, json!({"locationId": "loc1"}));
    }

    #[test]
    fn custom_fields_are_written_as_id_or_key_with_field_value() {
        assert_eq!(
            serde_json::to_value(CustomFieldInput::by_id("f1", json!(["a", "b"]))).unwrap(),
            json!({"id": "f1", "field_value": ["a", "b"]})
        );
        assert_eq!(
            serde_json::to_value(CustomFieldInput::by_key("contact.level", json!("Gold"))).unwrap(),
            json!({"key": "contact.level", "field_value": "Gold"})
        );
    }

    #[test]
    fn reads_leniently() {
        let contact: GhlContact = serde_json::from_value(json!({
            "id": "c1",
            "email": "A@Example.com ",
            "tags": null,
            "customFields": [{"id": "f1", "value": 3}, {"id": "f2"}],
            "address": "1 Search St",
            "dateOfBirth": 631152000000_i64,
            "dateUpdated": "2024-01-02T03:04:05.000Z",
            "searchAfter": [1704164645000_i64, "c1"],
            "somethingNew": {"nested": true},
            "phone": null
        }))
        .unwrap();
        assert_eq!(contact.id.as_deref(), Some("c1"));
        assert_eq!(
            contact.email.as_deref(),
            Some("A@Example.com "),
            "not normalized here"
        );
        assert!(contact.tags.is_empty());
        assert_eq!(contact.custom_fields.len(), 2);
        assert_eq!(contact.custom_fields[1].value, None);
        assert_eq!(contact.street(), Some("1 Search St"));
        assert_eq!(contact.phone, None);
        assert_eq!(
            contact.search_after,
            Some(vec![json!(1704164645000_i64), json!("c1")])
        );
    }

    #[test]
    fn reads_the_documented_envelopes() {
        let update: UpdateContactEnvelope =
            serde_json::from_value(json!({"succeded": true, "contact": {"id": "c1"}})).unwrap();
        assert_eq!(update.succeded, Some(true));
        let upsert: UpsertContactEnvelope =
            serde_json::from_value(json!({"new": false, "contact": {"id": "c1"}, "traceId": "t"}))
                .unwrap();
        assert_eq!(upsert.created, Some(false));
        let duplicate: DuplicateEnvelope =
            serde_json::from_value(json!({"contact": null})).unwrap();
        assert!(duplicate.contact.is_none());
        let list: ContactListEnvelope =
            serde_json::from_value(json!({"contacts": [{"id": "c1"}], "count": 1})).unwrap();
        assert_eq!(list.contacts.len(), 1);
    }
}
