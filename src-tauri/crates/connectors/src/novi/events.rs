//! Events (appointments map here): `GET /events` (one answer, not paged),
//! `GET/PUT /events/{id}`, `POST /events` (the created event, with `EventUniqueId`, in the
//! body). PUT replaces the whole event: updates are GET-merge-PUT.

use bridge_core::{Appointment, BridgeError};
use serde_json::{Map, Value};

use super::convert::apply_appointment;
use super::members::read_body;
use super::wire::{read_listing, NoviEvent};
use super::{id_from_headers, merge_fields, parse_record, remote, require_id, NoviClient};
use crate::http::ApiRequest;

impl NoviClient {
    /// Every event of the tenant, in one request.
    pub async fn list_events(&self) -> Result<Vec<NoviEvent>, BridgeError> {
        let context = "list Novi AMS events".to_string();
        let body: Value = self
            .send(ApiRequest::get(&["events"]).context(context.clone()))
            .await?;
        let (events, _) = read_listing(body, "event", "EventUniqueId", &context)?;
        Ok(events)
    }

    pub async fn get_event(&self, id: &str) -> Result<NoviEvent, BridgeError> {
        let id = require_id("event", id)?;
        let context = format!("get Novi AMS event {id}");
        let object = self.get_object(&["events", id], context.clone()).await?;
        parse_record(Value::Object(object), &context)
    }

    /// POST /events. Answers the created event with its `EventUniqueId` (from the body, or a
    /// `Location`-style header). Not repeated after an ambiguous failure.
    pub async fn create_event(&self, event: &NoviEvent) -> Result<NoviEvent, BridgeError> {
        let context = format!(
            "create Novi AMS event '{}'",
            event.name.as_deref().unwrap_or("")
        );
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["events"])
                    .json(event)?
                    .context(context.clone()),
            )
            .await?;
        let mut created = event.clone();
        match read_body(&answer.body, &context)? {
            Value::Object(object) if !object.is_empty() => {
                created = parse_record(Value::Object(object), &context)?;
            }
            Value::String(id) if !id.trim().is_empty() => created.event_unique_id = Some(id),
            _ => {}
        }
        if created
            .event_unique_id
            .as_deref()
            .is_none_or(|id| id.trim().is_empty())
        {
            created.event_unique_id = id_from_headers(&answer.headers);
        }
        if created.event_unique_id.is_none() {
            return Err(remote(format!(
                "{context}: Novi AMS answered {} without the new event's EventUniqueId; the \
                 event may exist: look it up before creating again",
                answer.status
            )));
        }
        Ok(created)
    }

    /// GET the event, set `changes` (Novi field names) into the full object, PUT it back.
    pub async fn update_event(
        &self,
        id: &str,
        changes: &Map<String, Value>,
    ) -> Result<NoviEvent, BridgeError> {
        let id = require_id("event", id)?;
        let context = format!("update Novi AMS event {id}");
        let object = self
            .merge_put(&["events", id], context.clone(), |object| {
                merge_fields(object, changes);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }

    /// Writes a core appointment into its event (GET-merge-PUT).
    pub async fn update_event_from_appointment(
        &self,
        id: &str,
        appointment: &Appointment,
    ) -> Result<NoviEvent, BridgeError> {
        let id = require_id("event", id)?;
        let context = format!("update Novi AMS event {id}");
        let object = self
            .merge_put(&["events", id], context.clone(), |object| {
                apply_appointment(object, appointment);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }
}
