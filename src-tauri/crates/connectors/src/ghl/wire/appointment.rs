//! Appointments. Read from GET /contacts/{id}/appointments (GetEventSchema), GET
//! /calendars/events/appointments/{id} (CalendarEventDTO) and the create/edit answers
//! (AppointmentSchemaResponse) — one lenient shape covers all three. Written as
//! AppointmentCreateSchema and AppointmentEditSchema (calendars.json, `Version: 2021-04-15`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::serde_helpers::{null_as_default, rfc3339, rfc3339_opt};
use super::time::RemoteTime;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GhlAppointment {
    pub id: Option<String>,
    pub calendar_id: Option<String>,
    pub location_id: Option<String>,
    pub contact_id: Option<String>,
    pub group_id: Option<String>,
    pub title: Option<String>,
    /// The event's status ("booked", …); `appointment_status` is the booking's.
    pub status: Option<String>,
    pub appointment_status: Option<String>,
    pub assigned_user_id: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub description: Option<String>,
    pub start_time: Option<RemoteTime>,
    pub end_time: Option<RemoteTime>,
    pub date_added: Option<RemoteTime>,
    pub date_updated: Option<RemoteTime>,
    pub is_recurring: Option<bool>,
    pub rrule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppointmentStatus {
    New,
    Confirmed,
    Cancelled,
    Showed,
    Noshow,
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingLocationType {
    Custom,
    Zoom,
    Gmeet,
    Phone,
    Address,
    MsTeams,
    Google,
}

/// AppointmentCreateSchema without `locationId`, which the client adds.
/// Required: calendarId, contactId, startTime.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAppointment {
    pub calendar_id: String,
    pub contact_id: String,
    #[serde(serialize_with = "rfc3339")]
    pub start_time: DateTime<Utc>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_location_type: Option<MeetingLocationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_location_config: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<AppointmentStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_date_range: Option<bool>,
    /// False keeps GHL's automations from running for this booking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_notify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_free_slot_validation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
}

impl NewAppointment {
    pub fn new(
        calendar_id: impl Into<String>,
        contact_id: impl Into<String>,
        start_time: DateTime<Utc>,
    ) -> Self {
        Self {
            calendar_id: calendar_id.into(),
            contact_id: contact_id.into(),
            start_time,
            end_time: None,
            title: None,
            meeting_location_type: None,
            meeting_location_id: None,
            override_location_config: None,
            appointment_status: None,
            assigned_user_id: None,
            description: None,
            address: None,
            ignore_date_range: None,
            to_notify: None,
            ignore_free_slot_validation: None,
            rrule: None,
        }
    }
}

/// AppointmentCreateSchema.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateAppointmentBody<'a> {
    pub location_id: &'a str,
    #[serde(flatten)]
    pub appointment: &'a NewAppointment,
}

/// AppointmentEditSchema: every property optional; no locationId or contactId.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_location_type: Option<MeetingLocationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_location_config: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<AppointmentStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_date_range: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_notify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_free_slot_validation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
}

/// DeleteAppointmentSchema is an empty object, and the spec marks the body required.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct EmptyBody {}

/// `{events}` — GET /contacts/{id}/appointments, and GET /calendars/events
/// (GetCalendarEventsSuccessfulResponseDTO, items CalendarEventDTO).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventsEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub events: Vec<GhlAppointment>,
}

/// One calendar of the location (CalendarDTO, the fields a read needs).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GhlCalendar {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// `{calendars}` — GET /calendars/ (CalendarsGetSuccessfulResponseDTO).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CalendarsEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub calendars: Vec<GhlCalendar>,
}

/// `{event}` — GET /calendars/events/appointments/{eventId}.
#[derive(Debug, Clone, Deserialize)]
pub struct AppointmentEnvelope {
    pub event: GhlAppointment,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn keys(value: &serde_json::Value) -> BTreeSet<&str> {
        value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    const EDIT_SCHEMA: &[&str] = &[
        "title",
        "meetingLocationType",
        "meetingLocationId",
        "overrideLocationConfig",
        "appointmentStatus",
        "assignedUserId",
        "description",
        "address",
        "ignoreDateRange",
        "toNotify",
        "ignoreFreeSlotValidation",
        "rrule",
        "calendarId",
        "startTime",
        "endTime",
    ];

    #[test]
    fn create_body_has_the_create_schema_properties() {
        let start = Utc.with_ymd_and_hms(2021, 6, 23, 3, 30, 0).unwrap();
        let mut appointment = NewAppointment::new("cal1", "c1", start);
        let minimal = serde_json::to_value(CreateAppointmentBody {
            location_id: "loc1",
            appointment: &appointment,
        })
        .unwrap();
        assert_eq!(
            minimal,
            json!({"locationId": "loc1", "calendarId": "cal1", "contactId": "c1",
                   "startTime": "2021-06-23T03:30:00Z"})
        );

        appointment.end_time = Some(start + chrono::Duration::hours(1));
        appointment.title = Some("Intro".into());
        appointment.meeting_location_type = Some(MeetingLocationType::MsTeams);
        appointment.meeting_location_id = Some("custom_0".into());
        appointment.override_location_config = Some(true);
        appointment.appointment_status = Some(AppointmentStatus::Noshow);
        appointment.assigned_user_id = Some("u1".into());
        appointment.description = Some("d".into());
        appointment.address = Some("Zoom".into());
        appointment.ignore_date_range = Some(false);
        appointment.to_notify = Some(false);
        appointment.ignore_free_slot_validation = Some(true);
        appointment.rrule = Some("RRULE:FREQ=DAILY;COUNT=2".into());
        let full = serde_json::to_value(CreateAppointmentBody {
            location_id: "loc1",
            appointment: &appointment,
        })
        .unwrap();
        let mut expected: BTreeSet<&str> = EDIT_SCHEMA.iter().copied().collect();
        expected.extend(["locationId", "contactId"]);
        assert_eq!(keys(&full), expected);
        assert_eq!(full["meetingLocationType"], "ms_teams");
        assert_eq!(full["appointmentStatus"], "noshow");
    }

    #[test]
    fn update_body_stays_within_the_edit_schema() {
        let update = AppointmentUpdate {
            calendar_id: Some("cal1".into()),
            start_time: Some(Utc.with_ymd_and_hms(2021, 6, 23, 3, 30, 0).unwrap()),
            end_time: Some(Utc.with_ymd_and_hms(2021, 6, 23, 4, 30, 0).unwrap()),
            title: Some("t".into()),
            meeting_location_type: Some(MeetingLocationType::Custom),
            meeting_location_id: Some("m".into()),
            override_location_config: Some(true),
            appointment_status: Some(AppointmentStatus::Cancelled),
            assigned_user_id: Some("u".into()),
            description: Some("d".into()),
            address: Some("a".into()),
            ignore_date_range: Some(true),
            to_notify: Some(true),
            ignore_free_slot_validation: Some(true),
            rrule: Some("r".into()),
        };
        let value = serde_json::to_value(&update).unwrap();
        assert_eq!(keys(&value), EDIT_SCHEMA.iter().copied().collect());
        assert_eq!(
            serde_json::to_value(AppointmentUpdate {
                appointment_status: Some(AppointmentStatus::Cancelled),
                ..Default::default()
            })
            .unwrap(),
            json!({"appointmentStatus": "cancelled"})
        );
        assert_eq!(serde_json::to_value(EmptyBody {}).unwrap(), json!({}));
    }
}
