//! What a verified webhook event names: which location, which contact, which record. Nothing
//! else is taken from it (payloads are hints, not data).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The envelope fields (WebhookAuthentication.md: `timestamp`, `webhookId`; every event:
/// `type`, `locationId`) and the ids the event names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintedEvent {
    pub webhook_id: String,
    pub event_type: String,
    pub location_id: String,
    pub timestamp: DateTime<Utc>,
    /// The GHL contact named; none when the payload names none (TaskCreate may lack
    /// contactId, ghl#332: the location's task search reads such a task in the next sync).
    pub contact_id: Option<String>,
    /// The record named: the contact, task, note or appointment id.
    pub record_id: Option<String>,
}

impl HintedEvent {
    /// Reads a verified body. An event without its envelope is refused, naming the field.
    pub fn parse(body: &[u8]) -> Result<Self, BridgeError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            BridgeError::invalid_input(format!("the webhook body is not JSON: {e}"))
        })?;
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let required = |field: &str| {
            text(&value[field]).ok_or_else(|| {
                BridgeError::invalid_input(format!("the webhook event has no '{field}'"))
            })
        };
        let event_type = required("type")?;
        let webhook_id = required("webhookId")?;
        let location_id = required("locationId")?;
        let raw_time = required("timestamp")?;
        let timestamp = DateTime::parse_from_rfc3339(&raw_time)
            .map_err(|e| {
                BridgeError::invalid_input(format!(
                    "webhook {webhook_id}: 'timestamp' {raw_time:?} is not an RFC 3339 time: {e}"
                ))
            })?
            .with_timezone(&Utc);
        let (contact_id, record_id) = match event_type.as_str() {
            t if t.starts_with("Contact") => (text(&value["id"]), text(&value["id"])),
            t if t.starts_with("Appointment") => (
                text(&value["appointment"]["contactId"]),
                text(&value["appointment"]["id"]),
            ),
            t if t.starts_with("Task") || t.starts_with("Note") => {
                (text(&value["contactId"]), text(&value["id"]))
            }
            _ => (None, text(&value["id"])),
        };
        Ok(Self {
            webhook_id,
            event_type,
            location_id,
            timestamp,
            contact_id,
            record_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<HintedEvent, BridgeError> {
        HintedEvent::parse(value.to_string().as_bytes())
    }

    fn envelope(mut fields: Value) -> Value {
        fields["webhookId"] = json!("w1");
        fields["timestamp"] = json!("2026-12-01T10:00:00.000Z");
        fields
    }

    #[test]
    fn each_documented_shape_names_its_contact_and_record() {
        // The examples of ../shared/specs/ghl/webhook-events, with the envelope added.
        let note = parse(envelope(json!({"type": "NoteCreate", "locationId": "ve9EPM428h8vShlRW1KT",
            "id": "otg8dTQqGLh3Q6iQI55w", "body": "Loram ipsum", "contactId": "CWBf1PR9LvvBkcYqiXlc",
            "dateAdded": "2021-11-26T12:41:02.193Z"})))
        .unwrap();
        assert_eq!(note.contact_id.as_deref(), Some("CWBf1PR9LvvBkcYqiXlc"));
        assert_eq!(note.record_id.as_deref(), Some("otg8dTQqGLh3Q6iQI55w"));
        assert_eq!(note.location_id, "ve9EPM428h8vShlRW1KT");

        let contact = parse(envelope(
            json!({"type": "ContactTagUpdate", "locationId": "l",
            "id": "nmFmQEsNgz6AVpgLVUJ0", "tags": ["a"]}),
        ))
        .unwrap();
        assert_eq!(contact.contact_id.as_deref(), Some("nmFmQEsNgz6AVpgLVUJ0"));

        let appointment = parse(envelope(
            json!({"type": "AppointmentCreate", "locationId": "l",
            "appointment": {"id": "0007BWpSzSwfiuSl0tR2", "contactId": "9NkT25Vor1v4aQatFsv2"}}),
        ))
        .unwrap();
        assert_eq!(
            appointment.contact_id.as_deref(),
            Some("9NkT25Vor1v4aQatFsv2")
        );
        assert_eq!(
            appointment.record_id.as_deref(),
            Some("0007BWpSzSwfiuSl0tR2")
        );

        // ghl#332: a TaskCreate without contactId is still an event, naming only the task.
        let task = parse(envelope(
            json!({"type": "TaskCreate", "locationId": "l", "id": "t1"}),
        ))
        .unwrap();
        assert_eq!(task.contact_id, None);
        assert_eq!(task.record_id.as_deref(), Some("t1"));
    }

    #[test]
    fn an_event_without_its_envelope_is_refused_naming_the_field() {
        let e = parse(
            json!({"type": "NoteCreate", "locationId": "l", "timestamp": "2026-12-01T10:00:00Z"}),
        )
        .unwrap_err();
        assert!(e.message.contains("webhookId"), "{}", e.message);
        let e = parse(
            json!({"type": "NoteCreate", "locationId": "l", "webhookId": "w", "timestamp": "noon"}),
        )
        .unwrap_err();
        assert!(
            e.message.contains("timestamp") && e.message.contains('w'),
            "{}",
            e.message
        );
        assert!(HintedEvent::parse(b"not json").is_err());
    }
}
