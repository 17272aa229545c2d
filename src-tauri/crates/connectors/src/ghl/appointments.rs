//! Appointments: the location's calendars and their events by time window, a contact's list
//! (contacts API, the fallback when the calendars scopes are missing) and the calendar event
//! CRUD (calendars API, `Version: 2021-04-15`).

use bridge_core::BridgeError;

use chrono::{DateTime, Utc};

use super::wire::{
    AppointmentEnvelope, AppointmentUpdate, CalendarsEnvelope, CreateAppointmentBody,
    DeleteOutcome, EmptyBody, EventsEnvelope, GhlAppointment, GhlCalendar, NewAppointment,
};
use super::{check_deleted, require_id, GhlClient};
use crate::http::ApiRequest;

impl GhlClient {
    /// GET /calendars/?locationId → `{calendars}` (scope `calendars.readonly`).
    pub async fn list_calendars(&self) -> Result<Vec<GhlCalendar>, BridgeError> {
        let location = require_id("location", self.location_id())?;
        let envelope: CalendarsEnvelope = self
            .send_calendars(
                ApiRequest::get(&["calendars", ""])
                    .query("locationId", location)
                    .context(format!("list the calendars of GHL location {location}")),
            )
            .await?;
        Ok(envelope.calendars)
    }

    /// GET /calendars/events?locationId&calendarId&startTime&endTime → `{events}`: one
    /// calendar's events in `[from, to)`, times in epoch milliseconds (scope
    /// `calendars/events.readonly`).
    pub async fn calendar_events(
        &self,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<GhlAppointment>, BridgeError> {
        let location = require_id("location", self.location_id())?;
        let calendar = require_id("calendar", calendar_id)?;
        let envelope: EventsEnvelope = self
            .send_calendars(
                ApiRequest::get(&["calendars", "events"])
                    .query("locationId", location)
                    .query("calendarId", calendar)
                    .query("startTime", from.timestamp_millis().to_string())
                    .query("endTime", to.timestamp_millis().to_string())
                    .context(format!(
                        "list the events of GHL calendar {calendar} from {from} to {to}"
                    )),
            )
            .await?;
        Ok(envelope.events)
    }

    /// GET /contacts/{contactId}/appointments → `{events}`.
    pub async fn contact_appointments(
        &self,
        contact_id: &str,
    ) -> Result<Vec<GhlAppointment>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: EventsEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id, "appointments"])
                    .record_read()
                    .context(format!("list the appointments of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.events)
    }

    /// GET /calendars/events/appointments/{eventId} → `{event}`.
    pub async fn get_appointment(&self, event_id: &str) -> Result<GhlAppointment, BridgeError> {
        let id = require_id("appointment", event_id)?;
        let envelope: AppointmentEnvelope = self
            .send_calendars(
                ApiRequest::get(&["calendars", "events", "appointments", id])
                    .record_read()
                    .context(format!("get GHL appointment {id}")),
            )
            .await?;
        Ok(envelope.event)
    }

    /// POST /calendars/events/appointments → the appointment. Not repeated after an ambiguous
    /// failure (it would book twice).
    pub async fn create_appointment(
        &self,
        appointment: &NewAppointment,
    ) -> Result<GhlAppointment, BridgeError> {
        let body = CreateAppointmentBody {
            location_id: self.location_id(),
            appointment,
        };
        self.send_calendars(
            ApiRequest::post(&["calendars", "events", "appointments"])
                .json(&body)?
                .context(format!(
                    "book a GHL appointment for contact {} in calendar {}",
                    appointment.contact_id, appointment.calendar_id
                )),
        )
        .await
    }

    /// PUT /calendars/events/appointments/{eventId} → the appointment.
    pub async fn update_appointment(
        &self,
        event_id: &str,
        update: &AppointmentUpdate,
    ) -> Result<GhlAppointment, BridgeError> {
        let id = require_id("appointment", event_id)?;
        self.send_calendars(
            ApiRequest::put(&["calendars", "events", "appointments", id])
                .json(update)?
                .context(format!("update GHL appointment {id}")),
        )
        .await
    }

    /// DELETE /calendars/events/{eventId}, with the empty JSON body the spec requires.
    pub async fn delete_appointment(&self, event_id: &str) -> Result<(), BridgeError> {
        let id = require_id("appointment", event_id)?;
        let context = format!("delete GHL appointment {id}");
        let outcome: DeleteOutcome = self
            .send_calendars(
                ApiRequest::delete(&["calendars", "events", id])
                    .json(&EmptyBody {})?
                    .context(context.clone()),
            )
            .await?;
        check_deleted(&outcome, || context)
    }
}
