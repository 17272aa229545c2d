//! Pulling one GHL location into the store.
//!
//! Contacts come from the location-wide search, sorted by `dateUpdated`, from the saved cursor
//! on. A contact's tasks and notes have no location-wide change feed, so they are read for
//! contacts that are new or whose `dateUpdated` or content moved — tasks by one location task
//! search per page of such contacts, notes per contact (GHL has no other read of notes): an
//! unchanged location costs the search pages and nothing else. A contact we just wrote is
//! stored as GHL answered it (`apply`), so the next search finds it unchanged and reads
//! nothing more of it. Appointments are read
//! location-wide by time window (`ghl_appointments.rs`), and per contact here only when the
//! connection lacks the calendars scopes.
//!
//! Each page is stored in one transaction together with its children, its timeline events and
//! the advanced cursor, so a crash between pages loses nothing and repeats at most one page.

use std::collections::BTreeMap;

use bridge_connectors::ghl::wire::{CustomFieldDefinition, GhlContact, GhlTask};
use bridge_connectors::ghl::{ChangedContactsQuery, CustomFieldIndex, GhlClient, SearchPage};
use bridge_core::hash::content_hash;
use bridge_core::{normalize, BridgeError, Clock, Contact, ErrorCode};
use bridge_store::table::activities;
use bridge_store::table::custom_fields::{self, CustomField};
use bridge_store::table::timeline;
use bridge_store::table::{connections::ConnectionRow, contacts, cursors};
use bridge_store::Store;
use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;

mod children;

use super::ghl_appointments::appointment_read;
use super::PullReport;
use crate::timeline::contact_changes;
pub(crate) use children::{activity, appointment_activity, note_title, store_activity};
use children::{fetch_children, store_children, Children};

/// The cursor stream under which the contact search position is saved.
pub const CONTACTS_CURSOR: &str = "ghl.contacts";
/// GHL's search index trails writes by a few seconds: each pull starts this much before the
/// saved cursor, and the repeats are dropped as unchanged.
const INDEX_LAG: Duration = Duration::seconds(10);

pub(crate) const SYSTEM: &str = "ghl";
/// How phones without a country code are read. GHL stores E.164 for most accounts; the rest
/// are US numbers far more often than not.
const DEFAULT_PHONE_REGION: &str = "US";

/// Pulls every contact changed since the last pull, with the children of the changed ones.
pub async fn pull(
    store: &mut Store,
    connection: &ConnectionRow,
    client: &GhlClient,
    clock: &dyn Clock,
) -> Result<PullReport, BridgeError> {
    let start_counts = client.http().counts();
    let mut report = PullReport::default();
    let mut fields = FieldList::load(store, &connection.id)?;
    if fields.index.is_empty() {
        fields.refresh(store, &connection.id, client, clock).await?;
    }
    let since = cursors::get(store.conn(), &connection.id, CONTACTS_CURSOR)?
        .map(|saved| parse_cursor(&saved))
        .transpose()?
        .map(|at| at.checked_sub_signed(INDEX_LAG).unwrap_or(at));
    // Once a record cannot be read, the cursor must not pass it.
    let mut hold = Hold::Free;
    let appointments = appointment_read(store, connection)?;

    let pages = client.search_changed_contacts(ChangedContactsQuery {
        updated_since: since,
        ..ChangedContactsQuery::default()
    });
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        report.search_pages += 1;
        report.contacts_seen += page.contacts.len() as u64;
        if fields.unknown_in(&page) && !fields.refreshed {
            fields.refresh(store, &connection.id, client, clock).await?;
        }
        let contacts = read_page(&page, &fields.index, &mut report, &mut hold);
        let changed = changed_contacts(store, &connection.id, contacts)?;
        report.contacts_changed += changed.len() as u64;
        let recreated =
            super::ghl_contacts_gone::recreated(store, &connection.id, client, &changed).await?;
        let children = fetch_children(client, &changed, appointments).await?;
        for change in &changed {
            let Some(c) = children.get(&change.contact.contact_id) else {
                continue;
            };
            if c.problems.is_empty() {
                continue;
            }
            report.problems.extend(c.problems.iter().cloned());
            // The contact is read again next time, from just before its change.
            let at = change
                .contact
                .date_updated
                .and_then(|t| t.checked_sub_signed(Duration::milliseconds(1)));
            hold = match (hold, at) {
                (Hold::Frozen, _) | (_, None) => Hold::Frozen,
                (Hold::Free, Some(at)) => Hold::Before(at),
                (Hold::Before(h), Some(at)) => Hold::Before(h.min(at)),
            };
        }
        let cursor = match (page.cursor()?, hold) {
            (_, Hold::Frozen) => None,
            (Some(at), Hold::Before(held)) => Some(at.min(held)),
            (at, _) => at,
        };
        store.with_tx(|tx| {
            super::ghl_contacts_gone::claim(tx, &recreated, clock.now())?;
            store_page(tx, &connection.id, &changed, &children, clock, &mut report)?;
            if let Some(at) = cursor {
                cursors::set(
                    tx,
                    &connection.id,
                    CONTACTS_CURSOR,
                    &bridge_store::timestamp(at),
                    clock.now(),
                )?;
            }
            Ok(())
        })?;
    }

    let end_counts = client.http().counts();
    report.requests = end_counts.sent - start_counts.sent;
    report.rate_limited = end_counts.rate_limited - start_counts.rate_limited;
    Ok(report)
}

/// The location's custom fields, from the store; fetched again (once per pull) only when a
/// contact carries a field id the stored list lacks.
struct FieldList {
    index: CustomFieldIndex,
    refreshed: bool,
}

/// The location's custom fields as stored, to read contacts by.
pub(crate) fn custom_field_index(
    store: &Store,
    connection_id: &str,
) -> Result<CustomFieldIndex, BridgeError> {
    let definitions: Vec<CustomFieldDefinition> = custom_fields::list(store.conn(), connection_id)?
        .into_iter()
        .map(|field| CustomFieldDefinition {
            id: Some(field.field_id),
            field_key: Some(field.field_key),
            name: Some(field.name),
            data_type: Some(field.data_type),
            ..CustomFieldDefinition::default()
        })
        .collect();
    Ok(CustomFieldIndex::new(&definitions))
}

/// Stores a contact as GHL answered our write of it, under the hash the next search's copy
/// will have: that pull finds it unchanged and reads neither it nor its children again. (That
/// the search and the write's answer carry the same values, `dateUpdated` included, is how
/// the fake has it; should GHL differ, the contact is read once more, as before.)
pub(crate) fn store_answer(
    tx: &bridge_store::Connection,
    connection_id: &str,
    contact: &Contact,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    contacts::upsert_from_ghl(
        tx,
        connection_id,
        contact,
        &match_keys(contact),
        &content_hash(contact),
        now,
    )?;
    Ok(())
}

impl FieldList {
    fn load(store: &Store, connection_id: &str) -> Result<Self, BridgeError> {
        Ok(Self {
            index: custom_field_index(store, connection_id)?,
            refreshed: false,
        })
    }

    async fn refresh(
        &mut self,
        store: &Store,
        connection_id: &str,
        client: &GhlClient,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        let definitions = client.list_custom_fields().await?;
        save_custom_fields(store, connection_id, &definitions, clock)?;
        self.index = CustomFieldIndex::new(&definitions);
        self.refreshed = true;
        Ok(())
    }

    fn unknown_in(&self, page: &SearchPage) -> bool {
        page.contacts
            .iter()
            .flat_map(|c| c.custom_fields.iter())
            .filter_map(|value| value.id.as_deref())
            .any(|id| self.index.key_of(id).is_none())
    }
}

/// Stores a location's custom field list (definitions without an id or key cannot be mapped).
pub(crate) fn save_custom_fields(
    store: &Store,
    connection_id: &str,
    definitions: &[CustomFieldDefinition],
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let rows: Vec<CustomField> = definitions
        .iter()
        .filter_map(|d| {
            Some(CustomField {
                field_id: d.id.clone()?,
                field_key: d.field_key.clone()?,
                name: d.name.clone().unwrap_or_default(),
                data_type: d.data_type.clone().unwrap_or_default(),
            })
        })
        .collect();
    custom_fields::replace(store.conn(), connection_id, &rows, clock.now())
}

/// The page's contacts as core records. A contact that cannot be read is reported (naming it
/// and the field) and holds the cursor just before its `dateUpdated`.
fn read_page(
    page: &SearchPage,
    fields: &CustomFieldIndex,
    report: &mut PullReport,
    hold: &mut Hold,
) -> Vec<Contact> {
    let mut contacts = Vec::with_capacity(page.contacts.len());
    for remote in &page.contacts {
        match remote.to_core(fields) {
            Ok(contact) => contacts.push(contact),
            Err(e) => {
                tracing::warn!(contact = ?remote.id, "skipped an unreadable GHL contact: {}", e.message);
                report.problems.push(e.message);
                *hold = match (*hold, held_cursor(remote)) {
                    (Hold::Frozen, _) | (_, None) => Hold::Frozen,
                    (Hold::Free, Some(at)) => Hold::Before(at),
                    (Hold::Before(h), Some(at)) => Hold::Before(h.min(at)),
                };
            }
        }
    }
    contacts
}

/// How far the cursor may move in this pull, given the records that could not be read.
#[derive(Debug, Clone, Copy)]
enum Hold {
    Free,
    /// Not past this instant (just before an unreadable record's `dateUpdated`).
    Before(DateTime<Utc>),
    /// An unreadable record without a readable time: the cursor stays where it was.
    Frozen,
}

fn held_cursor(remote: &GhlContact) -> Option<DateTime<Utc>> {
    remote
        .date_updated
        .as_ref()
        .and_then(|t| t.parse().ok().flatten())
        .and_then(|t| t.checked_sub_signed(Duration::milliseconds(1)))
}

/// A contact that is new or differs from what is stored, with the version stored before.
pub(super) struct ChangedContact {
    pub(super) contact: Contact,
    hash: String,
    pub(super) before: Option<Contact>,
}

fn changed_contacts(
    store: &Store,
    connection_id: &str,
    contacts: Vec<Contact>,
) -> Result<Vec<ChangedContact>, BridgeError> {
    let mut changed = Vec::new();
    for contact in contacts {
        let hash = content_hash(&contact);
        let stored = contacts::get_by_ghl_id(store.conn(), connection_id, &contact.contact_id)?;
        if stored.as_ref().is_some_and(|row| row.content_hash == hash) {
            continue;
        }
        changed.push(ChangedContact {
            before: stored.map(|row| row.contact),
            contact,
            hash,
        });
    }
    Ok(changed)
}

/// Reads the location's open tasks through the location-wide task search, so a task added or
/// changed in GHL is seen although its contact's dateUpdated does not move (tasks are records
/// of their own). Open tasks are usually a small share of all tasks: one request per 100 of
/// them. A stored open task the search no longer lists was completed or deleted: it alone is
/// read again. Tasks of contacts not pulled yet wait for their contact.
pub async fn pull_tasks(
    store: &mut Store,
    connection: &ConnectionRow,
    client: &GhlClient,
    clock: &dyn Clock,
) -> Result<u64, BridgeError> {
    let mut seen = std::collections::HashSet::new();
    let mut skip = 0;
    loop {
        let page = client.search_location_tasks(skip, Some(false)).await?;
        seen.extend(page.iter().filter_map(|t| t.id.clone()));
        store_tasks(store, connection, &page, clock)?;
        let read = page.len() as u64;
        skip += read;
        if read < bridge_connectors::ghl::TASK_SEARCH_PAGE {
            break;
        }
    }
    for (task_id, ghl_contact) in activities::open_ghl_tasks(store.conn(), &connection.id)? {
        if seen.contains(&task_id) {
            continue;
        }
        match client.get_task(&ghl_contact, &task_id).await {
            Ok(task) => store_tasks(store, connection, &[task], clock)?,
            // GHL answers a deleted task (or its deleted contact) with 400, which the client
            // reports as NotFound: the task is gone, and the pull goes on.
            Err(e) if e.code == ErrorCode::NotFound => activities::mark_deleted(
                store.conn(),
                &connection.id,
                "task",
                &task_id,
                clock.now(),
            )?,
            Err(e) => return Err(e),
        }
    }
    Ok(skip)
}

fn store_tasks(
    store: &mut Store,
    connection: &ConnectionRow,
    tasks: &[GhlTask],
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let observed_at = bridge_store::timestamp(now);
    store.with_tx(|tx| {
        for task in tasks {
            let Some(ghl_contact) = task.contact_id.as_deref() else {
                continue;
            };
            let Some(row) = contacts::get_by_ghl_id(tx, &connection.id, ghl_contact)? else {
                continue;
            };
            // An unreadable task is reported by its contact's own pull.
            let Ok(task) = task.to_core(ghl_contact) else {
                continue;
            };
            let mut activity = activity(
                "task",
                task.id,
                task.title,
                task.body.unwrap_or_default(),
                task.due_date,
                None,
                Some(task.completed),
                None,
            );
            activity.contact_id = row.id;
            activity.connection_id = connection.id.clone();
            store_activity(tx, &activity, &observed_at, now)?;
        }
        Ok(())
    })
}

fn store_page(
    tx: &bridge_store::Transaction<'_>,
    connection_id: &str,
    changed: &[ChangedContact],
    children: &BTreeMap<String, Children>,
    clock: &dyn Clock,
    report: &mut PullReport,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let observed_at = bridge_store::timestamp(now);
    let mut upserts = contacts::GhlUpserts::new(tx, connection_id)?;
    for change in changed {
        let (local_id, _) = upserts.upsert(
            &change.contact,
            &match_keys(&change.contact),
            &change.hash,
            now,
        )?;
        if let Some(before) = &change.before {
            for event in contact_changes(&local_id, SYSTEM, &observed_at, before, &change.contact) {
                timeline::append(tx, &event)?;
            }
        }
        if let Some(children) = children.get(&change.contact.contact_id) {
            store_children(tx, connection_id, &local_id, children, now, report)?;
        }
    }
    Ok(())
}

/// Linked contacts whose tasks, notes and appointments a sync reads again, whatever moved.
pub const RECONCILE_CONTACTS: u32 = 25;
const RECONCILE_CURSOR: &str = "children.reconcile";

/// GHL has no location-wide list of notes, and adding one does not move its contact's
/// `dateUpdated`: a sync reads the children of the next few contacts linked to an app
/// (rotating through all of them by id), so every note is seen within (linked contacts /
/// [`RECONCILE_CONTACTS`]) syncs — in one sync for small accounts — and of every contact with
/// an unconfirmed task or note create or named by a GHL webhook since. Costs one notes read
/// per contact and one task search for them all (one more request per contact when
/// appointments are read per contact, see `ghl_appointments.rs`). Returns how many contacts
/// were read.
pub async fn reconcile_children(
    store: &mut Store,
    connection: &ConnectionRow,
    client: &GhlClient,
    clock: &dyn Clock,
) -> Result<u64, BridgeError> {
    let after = cursors::get(store.conn(), &connection.id, RECONCILE_CURSOR)?;
    // First the contacts a task or note create was sent for without an answer: a completed
    // task made that way is in no open-task search, and the plan must see it to link it.
    let mut unconfirmed = Vec::new();
    for id in bridge_store::table::operations::contacts_with_unconfirmed_creates(
        store.conn(),
        &connection.id,
    )? {
        unconfirmed.extend(
            contacts::get(store.conn(), &id)?.filter(|row| !row.contact.contact_id.is_empty()),
        );
    }
    let mut due = contacts::linked_after(
        store.conn(),
        &connection.id,
        after.as_deref(),
        RECONCILE_CONTACTS,
    )?;
    if (due.len() as u32) < RECONCILE_CONTACTS && after.is_some() {
        // The end of the rotation: start again from the first.
        let more = contacts::linked_after(
            store.conn(),
            &connection.id,
            None,
            RECONCILE_CONTACTS - due.len() as u32,
        )?;
        let chosen: std::collections::HashSet<String> = due.iter().map(|d| d.id.clone()).collect();
        due.extend(more.into_iter().filter(|m| !chosen.contains(&m.id)));
    }
    let rotation_end = due.last().map(|row| row.id.clone());
    let rotating: std::collections::HashSet<String> = due.iter().map(|d| d.id.clone()).collect();
    due.extend(
        unconfirmed
            .into_iter()
            .filter(|u| !rotating.contains(&u.id)),
    );
    // And of every contact a GHL webhook named since the last sync (crate::webhooks).
    let hints = crate::webhooks::hints::Hints::pending(store.conn(), connection)?;
    hints.add_contacts_to(&mut due);
    let changed: Vec<ChangedContact> = due
        .iter()
        .map(|row| ChangedContact {
            contact: row.contact.clone(),
            hash: row.content_hash.clone(),
            before: None,
        })
        .collect();
    let children = fetch_children(client, &changed, appointment_read(store, connection)?).await?;
    let now = clock.now();
    let mut report = PullReport::default();
    store.with_tx(|tx| {
        for row in &due {
            if let Some(children) = children.get(&row.contact.contact_id) {
                store_children(tx, &connection.id, &row.id, children, now, &mut report)?;
            }
        }
        if let Some(last) = &rotation_end {
            cursors::set(tx, &connection.id, RECONCILE_CURSOR, last, now)?;
        }
        hints.mark_read(tx, now)?;
        Ok(())
    })?;
    Ok(due.len() as u64)
}

/// The keys other apps' records are matched by. A phone that is not a valid number gets no
/// key (it can still match by email); it is not an error of the pull.
fn match_keys(contact: &Contact) -> contacts::MatchKeys {
    contacts::MatchKeys {
        email: contact.email.as_deref().and_then(normalize::email),
        phone: contact.phone.as_deref().and_then(|raw| {
            normalize::phone_e164(raw, DEFAULT_PHONE_REGION)
                .ok()
                .flatten()
        }),
    }
}

fn parse_cursor(saved: &str) -> Result<DateTime<Utc>, BridgeError> {
    DateTime::parse_from_rfc3339(saved)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            BridgeError::storage(format!(
                "the saved GHL contact cursor '{saved}' is unreadable: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = Utc::now();
        let parsed = parse_cursor(&bridge_store::timestamp(at)).unwrap();
        assert_eq!(parsed.timestamp_millis(), at.timestamp_millis());
        assert!(parse_cursor("yesterday").is_err());
    }
}
