//! GHL's checks: one cheap request per capability, each needing the scope the sync needs for
//! it (Scopes.md in ../shared/specs/ghl). A token lacking a scope is answered 401 "The token
//! is not authorized for this scope." (GoHighLevel/highlevel-api-docs issue #217), which names
//! no scope: each probe knows which one its route needs and says so.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::ghl::wire::ContactFields;
use bridge_connectors::ghl::{is_scope_refusal, GhlClient};
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::connections::ConnectionRow;
use chrono::Duration;

use super::Check;
use crate::connections::ghl_client;

/// A contact id no location holds: writing to it proves the write scope without changing
/// anything (GHL checks the token's scope before it looks for the record).
const PROBE_CONTACT: &str = "contact-bridge-doctor-probe";
const PROBE_EMAIL: &str = "connection-check@contactbridge.invalid";

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Vec<Check> {
    let client = match ghl_client(connection, tokens, clock.clone()) {
        Ok(client) => client,
        Err(e) => return vec![sign_in_failed(e)],
    };
    // The sign-in first: with a refused token every other check would say the same.
    let contacts = client.find_duplicate(Some(PROBE_EMAIL), None).await;
    if let Err(e) = &contacts {
        if !is_scope_refusal(e) {
            return vec![sign_in_failed(e.clone())];
        }
    }
    let mut checks = vec![scoped(
        "contacts",
        "contacts.readonly",
        contacts.map(|_| ()),
        "contacts, their tasks, notes and appointments can be read",
    )];
    let write = client
        .update_contact(PROBE_CONTACT, &ContactFields::default())
        .await;
    checks.push(scoped(
        "contact writes",
        "contacts.write",
        write_probe(write),
        "contacts, tasks, notes and tags can be written",
    ));
    checks.push(scoped(
        "custom fields",
        "locations/customFields.readonly",
        client.list_custom_fields().await.map(|_| ()),
        "the location's custom fields can be read",
    ));
    checks.push(scoped(
        "tasks",
        "locations/tasks.readonly",
        client
            .search_location_tasks(0, Some(false))
            .await
            .map(|_| ()),
        "the location's open tasks can be searched",
    ));
    checks.extend(calendar_checks(&client, clock.as_ref()).await);
    checks
}

/// The location's calendars, and the events of the first one over the next day.
async fn calendar_checks(client: &GhlClient, clock: &dyn Clock) -> Vec<Check> {
    let calendars = client.list_calendars().await;
    let first = calendars
        .as_ref()
        .ok()
        .and_then(|list| list.iter().find_map(|c| c.id.clone()));
    let mut checks = vec![scoped(
        "calendars",
        "calendars.readonly",
        calendars.map(|_| ()),
        "the location's calendars can be listed",
    )];
    let events = match first {
        Some(calendar) => {
            let from = clock.now();
            client
                .calendar_events(&calendar, from, from + Duration::days(1))
                .await
                .map(|_| ())
        }
        // Without a calendar there is nothing to list; a contact's appointments still need
        // the same reading rights as contacts.
        None => client
            .contact_appointments(PROBE_CONTACT)
            .await
            .map(|_| ())
            .or_else(missing_record_is_fine),
    };
    checks.push(scoped(
        "appointments",
        "calendars/events.readonly",
        events,
        "appointments can be read location-wide",
    ));
    checks
}

/// A write to the probe id is refused for the missing record (400/404/422): the scope passed.
fn write_probe<T>(result: Result<T, BridgeError>) -> Result<(), BridgeError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::Remote) => Ok(()),
        Err(e) => Err(e),
    }
}

fn missing_record_is_fine(e: BridgeError) -> Result<(), BridgeError> {
    if e.code == ErrorCode::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// OK, or one sentence: the scope to add when GHL refused for it, else GHL's own words.
fn scoped(capability: &str, scope: &str, result: Result<(), BridgeError>, proven: &str) -> Check {
    match result {
        Ok(()) => Check::ok(capability, proven),
        Err(e) if is_scope_refusal(&e) => Check::failed(
            capability,
            format!(
                "Add the {scope} scope to your GHL app or Private Integration Token, then \
                 reconnect GHL."
            ),
        ),
        Err(e) => Check::failed(
            capability,
            format!("GHL could not be read for {capability}: {}.", e.message),
        ),
    }
}

fn sign_in_failed(e: BridgeError) -> Check {
    Check::sign_in_failed(
        &e,
        "Reconnect GHL (sign in again, or paste a new Private Integration Token)",
    )
}
