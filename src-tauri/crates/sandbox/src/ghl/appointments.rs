//! Appointments: read per contact (contacts.json, `Version: 2021-07-28`) and written through
//! the calendars API (calendars.json, `Version: 2021-04-15`). Shapes and status codes are the
//! spec's: create and edit answer 200 with the bare appointment, get wraps it in `event`,
//! delete answers 201 `{succeeded: true}` (sic, unlike the contacts API's `succeded`).
//! A booking over another one in the same calendar is refused unless
//! `ignoreFreeSlotValidation` is set, as GHL checks free slots.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{json, Map, Value};

use super::auth::{contact_location, own_location};
use super::dates::{iso_ms, offset_iso, parse_offset_time};
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{AccessGrant, AppointmentRec, Data, Id, Location};
use super::validate::{json_body, opt_str, validate, Kind, Prop};

const MEETING_LOCATION_TYPES: &[&str] = &[
    "custom", "zoom", "gmeet", "phone", "address", "ms_teams", "google",
];
const STATUSES: &[&str] = &[
    "new",
    "confirmed",
    "cancelled",
    "showed",
    "noshow",
    "invalid",
];

/// AppointmentCreateSchema
const CREATE_PROPS: &[Prop] = &[
    Prop("title", Kind::Str),
    Prop("meetingLocationType", Kind::Str),
    Prop("meetingLocationId", Kind::Str),
    Prop("overrideLocationConfig", Kind::Bool),
    Prop("appointmentStatus", Kind::Str),
    Prop("assignedUserId", Kind::Str),
    Prop("description", Kind::Str),
    Prop("address", Kind::Str),
    Prop("ignoreDateRange", Kind::Bool),
    Prop("toNotify", Kind::Bool),
    Prop("ignoreFreeSlotValidation", Kind::Bool),
    Prop("rrule", Kind::Str),
    Prop("calendarId", Kind::Str),
    Prop("locationId", Kind::Str),
    Prop("contactId", Kind::Str),
    Prop("startTime", Kind::DateTime),
    Prop("endTime", Kind::DateTime),
];

/// AppointmentEditSchema: the create properties without locationId and contactId.
const EDIT_PROPS: &[Prop] = &[
    Prop("title", Kind::Str),
    Prop("meetingLocationType", Kind::Str),
    Prop("meetingLocationId", Kind::Str),
    Prop("overrideLocationConfig", Kind::Bool),
    Prop("appointmentStatus", Kind::Str),
    Prop("assignedUserId", Kind::Str),
    Prop("description", Kind::Str),
    Prop("address", Kind::Str),
    Prop("ignoreDateRange", Kind::Bool),
    Prop("toNotify", Kind::Bool),
    Prop("ignoreFreeSlotValidation", Kind::Bool),
    Prop("rrule", Kind::Str),
    Prop("calendarId", Kind::Str),
    Prop("startTime", Kind::DateTime),
    Prop("endTime", Kind::DateTime),
];

fn check_enums(map: &Map<String, Value>) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    if let Some(kind) = opt_str(map, "meetingLocationType") {
        if !MEETING_LOCATION_TYPES.contains(&kind) {
            problems.push(format!(
                "meetingLocationType must be one of the following values: {}",
                MEETING_LOCATION_TYPES.join(", ")
            ));
        }
    }
    if let Some(status) = opt_str(map, "appointmentStatus") {
        if !STATUSES.contains(&status) {
            problems.push(format!(
                "appointmentStatus must be one of the following values: {}",
                STATUSES.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unprocessable(problems))
    }
}

fn time(map: &Map<String, Value>, key: &str) -> Option<DateTime<FixedOffset>> {
    opt_str(map, key).and_then(parse_offset_time)
}

/// The answer of create and edit (AppointmentSchemaResponse).
fn appointment_json(location_id: &str, a: &AppointmentRec) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(a.id));
    out.insert("calendarId".into(), json!(a.calendar_id));
    out.insert("locationId".into(), json!(location_id));
    out.insert("contactId".into(), json!(&*a.contact_id));
    out.insert("startTime".into(), json!(offset_iso(a.start)));
    out.insert("endTime".into(), json!(offset_iso(a.end)));
    out.insert("title".into(), json!(a.title));
    out.insert(
        "meetingLocationType".into(),
        json!(a.meeting_location_type.as_deref().unwrap_or("default")),
    );
    out.insert("appointmentStatus".into(), json!(a.appointment_status));
    out.insert("assignedUserId".into(), json!(a.assigned_user_id));
    if let Some(address) = &a.address {
        out.insert("address".into(), json!(address));
    }
    out.insert("isRecurring".into(), json!(false));
    Value::Object(out)
}

/// `GET /calendars/events/appointments/{id}`'s `event` (CalendarEventDTO).
fn event_json(location_id: &str, a: &AppointmentRec) -> Value {
    json!({
        "id": a.id,
        "address": a.address.clone().unwrap_or_default(),
        "title": a.title,
        "calendarId": a.calendar_id,
        "locationId": location_id,
        "contactId": &*a.contact_id,
        "groupId": "",
        "appointmentStatus": a.appointment_status,
        "assignedUserId": a.assigned_user_id,
        "users": [a.assigned_user_id],
        "notes": "",
        "description": a.description.clone().unwrap_or_default(),
        "isRecurring": false,
        "startTime": offset_iso(a.start),
        "endTime": offset_iso(a.end),
        "dateAdded": iso_ms(a.date_added),
        "dateUpdated": iso_ms(a.date_updated),
    })
}

/// An item of `GET /contacts/{id}/appointments` (GetEventSchema). Times are written as the
/// spec's examples show them, `YYYY-MM-DD HH:MM:SS`, in the offset the appointment was booked
/// with (UTC for seeded ones); clients should accept ISO-8601 as well.
fn contact_event_json(location_id: &str, a: &AppointmentRec) -> Value {
    let wall = |t: DateTime<FixedOffset>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    json!({
        "id": a.id,
        "calendarId": a.calendar_id,
        "status": if &*a.appointment_status == "cancelled" { "cancelled" } else { "booked" },
        "title": a.title,
        "assignedUserId": a.assigned_user_id,
        "notes": a.description.clone().unwrap_or_default(),
        "startTime": wall(a.start),
        "endTime": wall(a.end),
        "address": a.address.clone().unwrap_or_default(),
        "locationId": location_id,
        "contactId": &*a.contact_id,
        "groupId": "",
        "appointmentStatus": a.appointment_status,
        "users": [a.assigned_user_id],
        "dateAdded": iso_ms(a.date_added),
        "dateUpdated": iso_ms(a.date_updated),
    })
}

fn check_free_slot(
    location: &Location,
    candidate: &AppointmentRec,
    map: &Map<String, Value>,
) -> Result<(), ApiError> {
    if map.get("ignoreFreeSlotValidation").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    let taken = location.appointments.values().any(|other| {
        other.id != candidate.id
            && other.calendar_id == candidate.calendar_id
            && &*other.appointment_status != "cancelled"
            && other.start < candidate.end
            && candidate.start < other.end
    });
    if taken {
        Err(ApiError::bad_request(
            "The slot you have selected is no longer available.",
        ))
    } else {
        Ok(())
    }
}

fn apply(a: &mut AppointmentRec, map: &Map<String, Value>) {
    if let Some(title) = opt_str(map, "title") {
        a.title = title.to_string();
    }
    if let Some(kind) = opt_str(map, "meetingLocationType") {
        a.meeting_location_type = Some(kind.to_string());
    }
    if let Some(status) = opt_str(map, "appointmentStatus") {
        a.appointment_status = Arc::from(status);
    }
    if let Some(user) = opt_str(map, "assignedUserId") {
        a.assigned_user_id = Arc::from(user);
    }
    if map.contains_key("description") {
        a.description = opt_str(map, "description").map(str::to_string);
    }
    if map.contains_key("address") {
        a.address = opt_str(map, "address").map(str::to_string);
    }
}

/// GET /contacts/{contactId}/appointments → {events}
pub(crate) async fn for_contact(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let location = contact_location(&mut data, &grant, &contact_id)?;
    let contact = location
        .contact(&contact_id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))?;
    let mut events: Vec<&AppointmentRec> = contact
        .appointment_ids
        .iter()
        .filter_map(|id| location.appointments.get(id))
        .collect();
    events.sort_by_key(|a| (a.start, a.id.clone()));
    let events: Vec<Value> = events
        .iter()
        .map(|a| contact_event_json(&location.id, a))
        .collect();
    Ok(Json(json!({ "events": events })))
}

/// GET /calendars/?locationId → {calendars}
pub(crate) async fn calendars(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let location_id = query
        .get("locationId")
        .map(String::as_str)
        .unwrap_or_default();
    if location_id.is_empty() {
        return Err(ApiError::unprocessable_one(
            "locationId should not be empty",
        ));
    }
    grant.check_location(location_id)?;
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let calendars: Vec<Value> = location
        .calendars
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "locationId": location.id,
                "name": c.name,
                "description": "",
                "slotDuration": c.slot_minutes,
                "slotDurationUnit": "mins",
                "isActive": true,
                "calendarType": "event",
                "teamMembers": [{"userId": c.team_member, "priority": 0.5}],
            })
        })
        .collect();
    Ok(Json(json!({ "calendars": calendars })))
}

/// GET /calendars/events?locationId&calendarId|userId|groupId&startTime&endTime → {events}
/// (calendars.json get-calendar-events: times in epoch milliseconds, one of calendarId,
/// userId or groupId required, scope calendars/events.readonly).
/// Guess: an event is listed when it overlaps the window; the spec does not say whether the
/// window bounds the start only. Guess: a missing parameter is a 422 like the other routes'
/// validation; the spec documents 400 and 401 only.
pub(crate) async fn events(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let param = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let location_id = param("locationId")
        .ok_or_else(|| ApiError::unprocessable_one("locationId should not be empty"))?;
    grant.check_location(location_id)?;
    let millis = |name: &str| -> Result<DateTime<Utc>, ApiError> {
        let raw = param(name)
            .ok_or_else(|| ApiError::unprocessable_one(format!("{name} should not be empty")))?;
        raw.parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a time in milliseconds")))
    };
    let (from, to) = (millis("startTime")?, millis("endTime")?);
    let (calendar, user, group) = (param("calendarId"), param("userId"), param("groupId"));
    if calendar.is_none() && user.is_none() && group.is_none() {
        return Err(ApiError::bad_request(
            "Either of calendarId, userId or groupId is required",
        ));
    }
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let mut events: Vec<&AppointmentRec> = location
        .appointments
        .values()
        .filter(|a| calendar.is_none_or(|c| &*a.calendar_id == c))
        .filter(|a| user.is_none_or(|u| &*a.assigned_user_id == u))
        // The fake's calendars belong to no group.
        .filter(|_| group.is_none())
        .filter(|a| a.start.with_timezone(&Utc) < to && a.end.with_timezone(&Utc) > from)
        .collect();
    events.sort_by_key(|a| (a.start, a.id.clone()));
    let events: Vec<Value> = events.iter().map(|a| event_json(&location.id, a)).collect();
    Ok(Json(json!({ "events": events })))
}

/// POST /calendars/events/appointments → 200 (bare appointment)
pub(crate) async fn create(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(
        &body,
        CREATE_PROPS,
        &["calendarId", "locationId", "contactId", "startTime"],
    )?;
    check_enums(map)?;
    grant.check_location(opt_str(map, "locationId").unwrap_or_default())?;
    let contact_id = opt_str(map, "contactId").unwrap_or_default();
    let start = time(map, "startTime").ok_or_else(|| {
        ApiError::unprocessable_one("startTime must be a valid ISO 8601 date string")
    })?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let id = data.new_id();
    let location = contact_location(&mut data, &grant, contact_id)?;
    let calendar = location
        .calendar(opt_str(map, "calendarId").unwrap_or_default())
        .ok_or_else(|| ApiError::bad_request("Calendar not found"))?;
    let end = time(map, "endTime").unwrap_or(start + Duration::minutes(calendar.slot_minutes));
    if end <= start {
        return Err(ApiError::unprocessable_one(
            "endTime must be after startTime",
        ));
    }
    let contact_id = Id::from(contact_id);
    let mut appointment = AppointmentRec {
        id: Id::from(id.as_str()),
        calendar_id: calendar.id.clone(),
        contact_id: contact_id.clone(),
        title: calendar.name.clone(),
        start,
        end,
        appointment_status: Arc::from("confirmed"),
        assigned_user_id: calendar.team_member.clone(),
        address: None,
        description: None,
        meeting_location_type: None,
        date_added: now,
        date_updated: now,
    };
    apply(&mut appointment, map);
    check_free_slot(location, &appointment, map)?;
    let out = appointment_json(&location.id, &appointment);
    if let Some(contact) = location.contacts.get_mut(&*contact_id) {
        contact.appointment_ids.push(appointment.id.clone());
    }
    location
        .appointments
        .insert(appointment.id.clone(), appointment);
    Ok(Json(out))
}

/// The token's location, which must hold the appointment (403 / 400 otherwise).
fn appointment_location<'a>(
    data: &'a mut Data,
    grant: &AccessGrant,
    event_id: &str,
) -> Result<&'a mut Location, ApiError> {
    match data.location_of_appointment(event_id) {
        Some(owner) if owner == grant.location() => own_location(data, grant),
        Some(_) => Err(ApiError::forbidden_location()),
        None => Err(ApiError::bad_request("Appointment not found")),
    }
}

/// GET /calendars/events/appointments/{eventId} → {event}
pub(crate) async fn get_one(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(event_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let location = appointment_location(&mut data, &grant, &event_id)?;
    let appointment = location
        .appointments
        .get(event_id.as_str())
        .ok_or_else(|| ApiError::bad_request("Appointment not found"))?;
    Ok(Json(
        json!({"event": event_json(&location.id, appointment)}),
    ))
}

/// PUT /calendars/events/appointments/{eventId} → 200 (bare appointment)
pub(crate) async fn update(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, EDIT_PROPS, &[])?;
    check_enums(map)?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let location = appointment_location(&mut data, &grant, &event_id)?;
    let mut changed = location
        .appointments
        .get(event_id.as_str())
        .cloned()
        .ok_or_else(|| ApiError::bad_request("Appointment not found"))?;
    if let Some(calendar_id) = opt_str(map, "calendarId") {
        let calendar = location
            .calendar(calendar_id)
            .ok_or_else(|| ApiError::bad_request("Calendar not found"))?;
        changed.calendar_id = calendar.id.clone();
    }
    let duration = changed.end - changed.start;
    if let Some(start) = time(map, "startTime") {
        changed.start = start;
        changed.end = start + duration;
    }
    if let Some(end) = time(map, "endTime") {
        changed.end = end;
    }
    if changed.end <= changed.start {
        return Err(ApiError::unprocessable_one(
            "endTime must be after startTime",
        ));
    }
    apply(&mut changed, map);
    check_free_slot(location, &changed, map)?;
    changed.date_updated = now;
    let out = appointment_json(&location.id, &changed);
    location.appointments.insert(changed.id.clone(), changed);
    Ok(Json(out))
}

/// DELETE /calendars/events/{eventId} → 201 {succeeded}
pub(crate) async fn delete(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(event_id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut data = lock(&shared.data);
    let location = appointment_location(&mut data, &grant, &event_id)?;
    if let Some(appointment) = location.appointments.remove(event_id.as_str()) {
        if let Some(contact) = location.contacts.get_mut(&*appointment.contact_id) {
            contact.appointment_ids.retain(|id| **id != *event_id);
        }
    }
    Ok((StatusCode::CREATED, Json(json!({"succeeded": true}))))
}
