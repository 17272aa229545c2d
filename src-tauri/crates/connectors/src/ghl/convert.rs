//! GHL records ↔ bridge-core types, field for field. Nothing is normalized here (emails keep
//! their case, phones their format): normalization belongs to the sync engine, which must see
//! what GHL really holds. Errors name the record and the field.

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::{Appointment, BridgeError, Contact, ErrorCode, Note, Task};
use chrono::{DateTime, Utc};

use super::custom_fields::CustomFieldIndex;
use super::wire::{
    ContactFields, CustomFieldInput, GhlAppointment, GhlContact, GhlNote, GhlTask, NewContact,
    RemoteTime,
};

impl GhlContact {
    /// The core contact. Custom field values are keyed by the field's key, looked up in
    /// `fields`; a value whose field id is not in the location's list is an error (never
    /// silently dropped): refresh the field list and try again.
    pub fn to_core(&self, fields: &CustomFieldIndex) -> Result<Contact, BridgeError> {
        let id = required("contact", None, "id", self.id.as_deref())?;
        let mut custom_fields = BTreeMap::new();
        for value in &self.custom_fields {
            let field_id = value.id.as_deref().ok_or_else(|| {
                remote_error(format!("GHL contact {id}: a custom field value has no id"))
            })?;
            let key = fields.key_of(field_id).ok_or_else(|| {
                BridgeError::new(
                    ErrorCode::NotFound,
                    format!(
                        "GHL contact {id}: custom field {field_id} is not in the location's \
                         custom field list (refresh the list)"
                    ),
                )
            })?;
            custom_fields.insert(
                key.to_string(),
                value.value.clone().unwrap_or(serde_json::Value::Null),
            );
        }
        Ok(Contact {
            contact_id: id.to_string(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            phone: self.phone.clone(),
            tags: self.tags.iter().cloned().collect::<BTreeSet<_>>(),
            business_id: self.business_id.clone(),
            custom_fields,
            date_updated: time("contact", id, "dateUpdated", self.date_updated.as_ref())?,
            dnd: self.dnd,
            dnd_settings: self
                .dnd_settings
                .iter()
                .filter_map(|(channel, setting)| Some((channel.clone(), setting.status.clone()?)))
                .collect(),
        })
    }
}

impl GhlTask {
    /// `contact_id` is the contact the task was listed under (the record's own is preferred).
    pub fn to_core(&self, contact_id: &str) -> Result<Task, BridgeError> {
        let id = required("task", Some(contact_id), "id", self.id.as_deref())?;
        Ok(Task {
            id: id.to_string(),
            contact_id: self
                .contact_id
                .clone()
                .unwrap_or_else(|| contact_id.to_string()),
            title: self.title.clone().unwrap_or_default(),
            body: self.body.clone(),
            due_date: time("task", id, "dueDate", self.due_date.as_ref())?,
            completed: self.completed.unwrap_or(false),
        })
    }
}

impl GhlNote {
    pub fn to_core(&self, contact_id: &str) -> Result<Note, BridgeError> {
        let id = required("note", Some(contact_id), "id", self.id.as_deref())?;
        Ok(Note {
            id: id.to_string(),
            contact_id: self
                .contact_id
                .clone()
                .unwrap_or_else(|| contact_id.to_string()),
            body: self.body.clone().unwrap_or_default(),
            date_added: time("note", id, "dateAdded", self.date_added.as_ref())?,
        })
    }
}

impl GhlAppointment {
    /// The booking's status (`appointmentStatus`) is preferred to the event's (`status`).
    pub fn to_core(&self, contact_id: &str) -> Result<Appointment, BridgeError> {
        let id = required("appointment", Some(contact_id), "id", self.id.as_deref())?;
        Ok(Appointment {
            id: id.to_string(),
            contact_id: self
                .contact_id
                .clone()
                .unwrap_or_else(|| contact_id.to_string()),
            calendar_id: self.calendar_id.clone(),
            title: self.title.clone(),
            status: self
                .appointment_status
                .clone()
                .or_else(|| self.status.clone()),
            start_time: time("appointment", id, "startTime", self.start_time.as_ref())?,
            end_time: time("appointment", id, "endTime", self.end_time.as_ref())?,
        })
    }
}

impl ContactFields {
    /// The update body for the core fields GHL's contact holds directly: names, email, phone
    /// and custom fields (written by id). Tags are left out: in an update they would replace
    /// every tag; use the tag endpoints. Only the fields set on `contact` are written.
    pub fn from_core(contact: &Contact, fields: &CustomFieldIndex) -> Result<Self, BridgeError> {
        let custom_fields = if contact.custom_fields.is_empty() {
            None
        } else {
            let mut inputs = Vec::with_capacity(contact.custom_fields.len());
            for (key, value) in &contact.custom_fields {
                let id = fields.id_of(key).ok_or_else(|| {
                    BridgeError::invalid_input(format!(
                        "contact {}: custom field '{key}' does not exist in the GHL location",
                        describe_core(contact)
                    ))
                })?;
                inputs.push(CustomFieldInput::by_id(id, value.clone()));
            }
            Some(inputs)
        };
        Ok(Self {
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            custom_fields,
            ..Self::default()
        })
    }
}

impl NewContact {
    /// The create/upsert body for a core contact: its fields plus its tags.
    pub fn from_core(contact: &Contact, fields: &CustomFieldIndex) -> Result<Self, BridgeError> {
        let mut new = ContactFields::from_core(contact, fields)?;
        if !contact.tags.is_empty() {
            new.tags = Some(contact.tags.iter().cloned().collect());
        }
        Ok(Self {
            fields: new,
            ..Self::default()
        })
    }
}

fn describe_core(contact: &Contact) -> String {
    if !contact.contact_id.is_empty() {
        contact.contact_id.clone()
    } else {
        contact
            .email
            .clone()
            .or_else(|| contact.phone.clone())
            .unwrap_or_else(|| "(new)".into())
    }
}

fn required<'a>(
    kind: &str,
    parent_contact: Option<&str>,
    field: &str,
    value: Option<&'a str>,
) -> Result<&'a str, BridgeError> {
    match value.filter(|v| !v.is_empty()) {
        Some(value) => Ok(value),
        None => Err(remote_error(match parent_contact {
            Some(contact) => format!("a GHL {kind} of contact {contact} has no {field}"),
            None => format!("a GHL {kind} has no {field}"),
        })),
    }
}

fn time(
    kind: &str,
    id: &str,
    field: &str,
    value: Option<&RemoteTime>,
) -> Result<Option<DateTime<Utc>>, BridgeError> {
    match value {
        None => Ok(None),
        Some(value) => value
            .parse()
            .map_err(|why| remote_error(format!("GHL {kind} {id}: {field} {why}"))),
    }
}

fn remote_error(message: String) -> BridgeError {
    BridgeError::new(ErrorCode::Remote, message)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::super::wire::{CustomFieldDefinition, CustomFieldRead};
    use super::*;

    fn index() -> CustomFieldIndex {
        CustomFieldIndex::new(&[CustomFieldDefinition {
            id: Some("f1".into()),
            field_key: Some("contact.level".into()),
            ..Default::default()
        }])
    }

    #[test]
    fn contact_converts_field_for_field_without_normalizing() {
        let ghl: GhlContact = serde_json::from_value(json!({
            "id": "c1",
            "email": " Ann@Example.COM",
            "firstName": "Ann",
            "lastName": "Lee",
            "phone": "(555) 010-2000",
            "tags": ["b", "a", "a"],
            "businessId": "biz",
            "customFields": [{"id": "f1", "value": "Gold"}],
            "dateUpdated": "2024-03-01T10:00:00.000Z"
        }))
        .unwrap();
        let contact = ghl.to_core(&index()).unwrap();
        assert_eq!(contact.contact_id, "c1");
        assert_eq!(contact.email.as_deref(), Some(" Ann@Example.COM"));
        assert_eq!(contact.phone.as_deref(), Some("(555) 010-2000"));
        assert_eq!(contact.tags.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(contact.custom_fields["contact.level"], json!("Gold"));
        assert_eq!(
            contact.date_updated,
            Some(Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap())
        );
    }

    #[test]
    fn contact_errors_name_the_record_and_field() {
        let unknown_field = GhlContact {
            id: Some("c2".into()),
            custom_fields: vec![CustomFieldRead {
                id: Some("f9".into()),
                value: Some(json!(1)),
            }],
            ..Default::default()
        };
        let err = unknown_field.to_core(&index()).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
        assert!(
            err.message.contains("c2") && err.message.contains("f9"),
            "{}",
            err.message
        );

        let bad_time = GhlContact {
            id: Some("c3".into()),
            date_updated: Some(RemoteTime(json!("soon"))),
            ..Default::default()
        };
        let err = bad_time.to_core(&index()).unwrap_err();
        assert_eq!(
            err.message,
            "GHL contact c3: dateUpdated 'soon' is not a time"
        );

        let err = GhlContact::default().to_core(&index()).unwrap_err();
        assert_eq!(err.message, "a GHL contact has no id");
    }

    #[test]
    fn children_convert_and_fall_back_to_the_listing_contact() {
        let task: GhlTask = serde_json::from_value(json!({
            "id": "t1", "title": "Call", "dueDate": "2021-07-08T02:30:00.000Z", "completed": true
        }))
        .unwrap();
        let task = task.to_core("c1").unwrap();
        assert_eq!(task.contact_id, "c1");
        assert!(task.completed);
        assert_eq!(
            task.due_date,
            Some(Utc.with_ymd_and_hms(2021, 7, 8, 2, 30, 0).unwrap())
        );

        let note: GhlNote = serde_json::from_value(json!({
            "id": "n1", "body": "hi", "contactId": "c7", "dateAdded": "2021-07-08T12:02:11.285Z"
        }))
        .unwrap();
        let note = note.to_core("c1").unwrap();
        assert_eq!(note.contact_id, "c7");
        assert_eq!(note.body, "hi");

        let event: GhlAppointment = serde_json::from_value(json!({
            "id": "e1", "calendarId": "cal", "status": "booked", "appointmentStatus": "confirmed",
            "startTime": "2021-07-16 11:00:00", "endTime": "2021-07-16 11:30:00"
        }))
        .unwrap();
        let appointment = event.to_core("c1").unwrap();
        assert_eq!(appointment.status.as_deref(), Some("confirmed"));
        assert_eq!(
            appointment.end_time,
            Some(Utc.with_ymd_and_hms(2021, 7, 16, 11, 30, 0).unwrap())
        );

        let err = GhlTask::default().to_core("c1").unwrap_err();
        assert_eq!(err.message, "a GHL task of contact c1 has no id");
    }

    #[test]
    fn core_contact_becomes_update_and_create_bodies() {
        let mut contact = Contact {
            contact_id: "c1".into(),
            email: Some("ann@example.com".into()),
            first_name: Some("Ann".into()),
            ..Default::default()
        };
        contact.tags.insert("vip".into());
        contact
            .custom_fields
            .insert("contact.level".into(), json!("Gold"));

        let update =
            serde_json::to_value(ContactFields::from_core(&contact, &index()).unwrap()).unwrap();
        assert_eq!(
            update,
            json!({"firstName": "Ann", "email": "ann@example.com",
                   "customFields": [{"id": "f1", "field_value": "Gold"}]})
        );
        let create =
            serde_json::to_value(NewContact::from_core(&contact, &index()).unwrap()).unwrap();
        assert_eq!(create["tags"], json!(["vip"]));

        contact
            .custom_fields
            .insert("contact.missing".into(), json!(1));
        let err = ContactFields::from_core(&contact, &index()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("contact.missing") && err.message.contains("c1"));
    }
}
