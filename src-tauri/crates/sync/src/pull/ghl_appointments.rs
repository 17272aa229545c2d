//! GHL appointments, read location-wide: `GET /calendars/` (scope `calendars.readonly`), then
//! each calendar's events over a window around now (`GET /calendars/events`, times in epoch
//! milliseconds, scope `calendars/events.readonly`; shared/specs/ghl/calendars.json
//! get-calendars and get-calendar-events). Each event carries its `contactId`, so one sync
//! costs 1 + (number of calendars) requests for every appointment of the location, whatever
//! the number of contacts — where the per-contact list (`GET /contacts/{id}/appointments`)
//! costs one request per contact.
//!
//! The per-contact list stays as the fallback when the calendars scopes are missing: the
//! doctor's "calendars" or "appointments" check failed, or GHL refuses the calendars read
//! during a sync (which then records the failed check, so later syncs fall back at once until
//! `bridge doctor` passes again). In that mode `pull/ghl.rs` reads appointments with each
//! changed or rotated contact's tasks and notes.
//!
//! A stored appointment that starts inside the window but is no longer listed was deleted,
//! moved out of the window or moved to another contact: it alone is read again
//! (`GET /calendars/events/appointments/{id}`; 400 or 404 is "gone").

use std::collections::HashSet;

use bridge_connectors::ghl::wire::GhlAppointment;
use bridge_connectors::ghl::GhlClient;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::activities;
use bridge_store::table::connection_checks;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, timeline};
use bridge_store::Store;
use chrono::Duration;

use super::ghl::{appointment_activity, store_activity, SYSTEM};
use super::PullReport;
use crate::timeline::{activity_event, ActivityChange};

/// How far back the location-wide read looks: appointments that started before this are kept
/// as stored (a past appointment rarely changes).
pub const LOOKBACK_DAYS: i64 = 90;
/// How far ahead it looks (five years): bookings further out are seen once they come within
/// reach. Few bookings lie far ahead, so the long reach costs little; the listing's size is
/// set by the recent past and the next weeks.
pub const LOOKAHEAD_DAYS: i64 = 1830;

/// The doctor's checks whose failure means the calendars cannot be read location-wide.
const CALENDAR_CHECKS: [&str; 2] = ["calendars", "appointments"];
/// The check a sync records when GHL refuses its calendars read.
const RECORDED_CHECK: &str = "appointments";

/// Where a GHL connection's appointments are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentRead {
    /// `GET /calendars/events` by window, once per sync.
    LocationWide,
    /// `GET /contacts/{id}/appointments`, with each contact's tasks and notes.
    PerContact,
}

/// Per contact only when the last check of the calendars failed.
pub fn appointment_read(
    store: &Store,
    connection: &ConnectionRow,
) -> Result<AppointmentRead, BridgeError> {
    let failed = connection_checks::failed(store.conn(), &connection.id)?;
    Ok(
        if failed
            .iter()
            .any(|c| CALENDAR_CHECKS.contains(&c.capability.as_str()))
        {
            AppointmentRead::PerContact
        } else {
            AppointmentRead::LocationWide
        },
    )
}

/// Reads the location's appointments in the window and stores them (their changes on their
/// contacts' timelines); adds what it read and spent to `report`. Does nothing when the
/// connection reads appointments per contact. Events of contacts not stored yet wait for their
/// contact's pull.
pub async fn pull_appointments(
    store: &mut Store,
    connection: &ConnectionRow,
    client: &GhlClient,
    clock: &dyn Clock,
    report: &mut PullReport,
) -> Result<AppointmentRead, BridgeError> {
    if appointment_read(store, connection)? == AppointmentRead::PerContact {
        return Ok(AppointmentRead::PerContact);
    }
    let start_counts = client.http().counts();
    let listed = list_window(client, clock).await;
    let end_counts = client.http().counts();
    report.requests += end_counts.sent - start_counts.sent;
    report.rate_limited += end_counts.rate_limited - start_counts.rate_limited;
    let (mut events, window) = match listed {
        Ok(listed) => listed,
        Err(e) if e.code == ErrorCode::Unauthorized => {
            // The contacts were just read with this token: the calendars scopes are missing.
            tracing::warn!(connection = %connection.name, "GHL refused the calendars read; appointments are read per contact: {}", e.message);
            connection_checks::record_one(
                store.conn(),
                &connection.id,
                RECORDED_CHECK,
                false,
                &missing_scope_sentence(),
                clock.now(),
            )?;
            return Ok(AppointmentRead::PerContact);
        }
        Err(e) => return Err(e),
    };
    let (from, to) = window;
    let seen: HashSet<String> = events.iter().filter_map(|e| e.id.clone()).collect();
    let unlisted: Vec<activities::Activity> =
        activities::live_starting_between(store.conn(), &connection.id, "appointment", from, to)?
            .into_iter()
            .filter(|a| !seen.contains(&a.remote_id))
            .collect();
    let mut gone = Vec::new();
    let start_counts = client.http().counts();
    for stored in unlisted {
        match client.get_appointment(&stored.remote_id).await {
            Ok(event) => events.push(event),
            Err(e) if e.code == ErrorCode::NotFound => gone.push(stored),
            Err(e) => return Err(e),
        }
    }
    let end_counts = client.http().counts();
    report.requests += end_counts.sent - start_counts.sent;
    report.rate_limited += end_counts.rate_limited - start_counts.rate_limited;
    store_events(store, connection, &events, &gone, clock, report)?;
    Ok(AppointmentRead::LocationWide)
}

/// The sentence a sync records when GHL refuses its calendars read (the doctor's own words).
pub fn missing_scope_sentence() -> String {
    "Add the calendars.readonly and calendars/events.readonly scopes to your GHL app or \
     Private Integration Token, then reconnect GHL (until then appointments are read per \
     contact)."
        .into()
}

type Window = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>);

/// Every calendar's events in the window around now.
async fn list_window(
    client: &GhlClient,
    clock: &dyn Clock,
) -> Result<(Vec<GhlAppointment>, Window), BridgeError> {
    let now = clock.now();
    let from = now - Duration::days(LOOKBACK_DAYS);
    let to = now + Duration::days(LOOKAHEAD_DAYS);
    let calendars = client.list_calendars().await?;
    let mut events = Vec::new();
    for calendar in calendars.iter().filter_map(|c| c.id.as_deref()) {
        events.extend(client.calendar_events(calendar, from, to).await?);
    }
    Ok((events, (from, to)))
}

fn store_events(
    store: &mut Store,
    connection: &ConnectionRow,
    events: &[GhlAppointment],
    gone: &[activities::Activity],
    clock: &dyn Clock,
    report: &mut PullReport,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let observed_at = bridge_store::timestamp(now);
    store.with_tx(|tx| {
        for event in events {
            // An event without a contact (a blocked slot) belongs to no one we sync.
            let Some(ghl_contact) = event.contact_id.as_deref().filter(|c| !c.is_empty()) else {
                continue;
            };
            let Some(row) = contacts::get_by_ghl_id(tx, &connection.id, ghl_contact)? else {
                continue;
            };
            let mut activity = match appointment_activity(ghl_contact, event) {
                Ok(activity) => activity,
                Err(e) => {
                    report.problems.push(e.message);
                    continue;
                }
            };
            activity.contact_id = row.id;
            activity.connection_id = connection.id.clone();
            report.appointments += 1;
            store_activity(tx, &activity, &observed_at, now)?;
        }
        for stored in gone {
            activities::mark_deleted(tx, &connection.id, "appointment", &stored.remote_id, now)?;
            let event = activity_event(
                SYSTEM,
                &observed_at,
                ActivityChange::Deleted,
                Some(stored),
                stored,
            );
            timeline::append(tx, &event)?;
        }
        Ok(())
    })
}
