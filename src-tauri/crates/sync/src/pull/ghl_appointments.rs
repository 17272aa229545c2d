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
//! The window is read a slice at a time ([`slices`]: two weeks at a time around now, where
//! bookings are dense, then the far future at once), each slice stored before the next is
//! read: GHL answers a window's events in one response, without pages, and at 100,000
//! contacts the whole window's events in one answer were most of a sync's peak memory
//! (issue #13). A slice costs one request per calendar.
//!
//! A stored appointment that starts inside a slice but is no longer listed in it was deleted,
//! moved out of it or moved to another contact: it alone is read again
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
use chrono::{DateTime, Duration, Utc};

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
/// The window is read in slices of this many days from its start to this many days ahead of
/// now; the rest of it (the far future, where few bookings lie) in one slice.
const SLICE_DAYS: i64 = 14;
const SLICED_AHEAD_DAYS: i64 = 90;
/// The slices of the window: each costs one request per calendar.
pub const WINDOW_SLICES: u64 =
    ((LOOKBACK_DAYS + SLICED_AHEAD_DAYS + SLICE_DAYS - 1) / SLICE_DAYS) as u64 + 1;

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
    let read = read_window(store, connection, client, clock, report).await;
    let end_counts = client.http().counts();
    report.requests += end_counts.sent - start_counts.sent;
    report.rate_limited += end_counts.rate_limited - start_counts.rate_limited;
    match read {
        Ok(()) => Ok(AppointmentRead::LocationWide),
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
            Ok(AppointmentRead::PerContact)
        }
        Err(e) => Err(e),
    }
}

/// The sentence a sync records when GHL refuses its calendars read (the doctor's own words).
pub fn missing_scope_sentence() -> String {
    "Add the calendars.readonly and calendars/events.readonly scopes to your GHL app or \
     Private Integration Token, then reconnect GHL (until then appointments are read per \
     contact)."
        .into()
}

type Window = (DateTime<Utc>, DateTime<Utc>);

/// The window around `now`, in the slices it is read by: [`SLICE_DAYS`] at a time up to
/// [`SLICED_AHEAD_DAYS`] ahead, then the rest at once.
fn slices(now: DateTime<Utc>) -> Vec<Window> {
    let (from, to) = (
        now - Duration::days(LOOKBACK_DAYS),
        now + Duration::days(LOOKAHEAD_DAYS),
    );
    let sliced_to = now + Duration::days(SLICED_AHEAD_DAYS);
    let mut slices = Vec::new();
    let mut start = from;
    while start < sliced_to {
        let end = (start + Duration::days(SLICE_DAYS)).min(sliced_to);
        slices.push((start, end));
        start = end;
    }
    slices.push((sliced_to, to));
    slices
}

/// Every calendar's events in the window around now, a slice at a time: each slice listed,
/// its unlisted stored appointments read again, and stored, before the next is listed.
async fn read_window(
    store: &mut Store,
    connection: &ConnectionRow,
    client: &GhlClient,
    clock: &dyn Clock,
    report: &mut PullReport,
) -> Result<(), BridgeError> {
    let calendars = client.list_calendars().await?;
    let calendars: Vec<&str> = calendars.iter().filter_map(|c| c.id.as_deref()).collect();
    for (from, to) in slices(clock.now()) {
        let mut events = Vec::new();
        for calendar in &calendars {
            events.extend(client.calendar_events(calendar, from, to).await?);
        }
        let seen: HashSet<String> = events.iter().filter_map(|e| e.id.clone()).collect();
        let unlisted: Vec<activities::Activity> = activities::live_starting_between(
            store.conn(),
            &connection.id,
            "appointment",
            from,
            to,
        )?
        .into_iter()
        .filter(|a| !seen.contains(&a.remote_id))
        .collect();
        let mut gone = Vec::new();
        for stored in unlisted {
            match client.get_appointment(&stored.remote_id).await {
                Ok(event) => events.push(event),
                Err(e) if e.code == ErrorCode::NotFound => gone.push(stored),
                Err(e) => return Err(e),
            }
        }
        store_events(store, connection, &events, &gone, clock, report)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The slices cover the window end to end, without gap or overlap, two weeks at most
    /// each up to 90 days ahead; their number is what a read costs per calendar.
    #[test]
    fn the_window_is_read_in_contiguous_slices() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 10, 30, 0).unwrap();
        let slices = slices(now);
        assert_eq!(slices.len() as u64, WINDOW_SLICES);
        assert_eq!(slices[0].0, now - Duration::days(LOOKBACK_DAYS));
        assert_eq!(
            slices.last().map(|s| s.1),
            Some(now + Duration::days(LOOKAHEAD_DAYS))
        );
        for pair in slices.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "contiguous: {pair:?}");
        }
        let (far, near) = slices.split_last().unwrap();
        assert!(near
            .iter()
            .all(|(from, to)| from < to && *to - *from <= Duration::days(SLICE_DAYS)));
        assert_eq!(far.0, now + Duration::days(SLICED_AHEAD_DAYS));
    }
}
