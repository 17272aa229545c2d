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

use std::collections::{BTreeMap, HashMap};

use bridge_connectors::ghl::wire::{
    CustomFieldDefinition, GhlAppointment, GhlContact, GhlNote, GhlTask,
};
use bridge_connectors::ghl::{ChangedContactsQuery, CustomFieldIndex, GhlClient, SearchPage};
use bridge_core::hash::content_hash;
use bridge_core::{normalize, BridgeError, Clock, Contact, ErrorCode};
use bridge_store::table::activities::{self, Activity, Change};
use bridge_store::table::custom_fields::{self, CustomField};
use bridge_store::table::timeline;
use bridge_store::table::{connections::ConnectionRow, contacts, cursors};
use bridge_store::Store;
use chrono::{DateTime, Duration, Utc};
use futures::{StreamExt, TryStreamExt};

use super::ghl_appointments::{appointment_read, AppointmentRead};
use super::PullReport;
use crate::timeline::{activity_event, contact_changes, ActivityChange};

/// The cursor stream under which the contact search position is saved.
pub const CONTACTS_CURSOR: &str = "ghl.contacts";
/// GHL's search index trails writes by a few seconds: each pull starts this much before the
/// saved cursor, and the repeats are dropped as unchanged.
const INDEX_LAG: Duration = Duration::seconds(10);
/// Contacts whose children are fetched at once; the rate budget, not this, sets the pace.
const CHILD_FETCH_CONCURRENCY: usize = 8;

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

/// The tasks, notes and appointments of one contact, as core-shaped activities (without the
/// local contact id, which is known only once the contact is stored).
#[derive(Default)]
struct Children {
    activities: Vec<Activity>,
    /// Records that could not be read: (kind, remote id). Kept as present.
    unreadable: Vec<(&'static str, String)>,
    problems: Vec<String>,
    /// Whether the contact's appointments were listed (only when they are read per contact):
    /// if not, stored appointments missing from `activities` are not taken for deleted.
    appointments_read: bool,
    /// The contact's lists answered "not found": the contact was deleted in GHL.
    gone: bool,
}

/// The children of each contact, by GHL id. Tasks come from the location task search narrowed
/// to these contacts (one request per 100 tasks, never one per contact); notes have no
/// location-wide read, so each contact's are listed (the one per-contact request). A contact
/// deleted in GHL since it was listed (GHL answers its notes with 400, the client reports
/// `NotFound`) comes back `gone`: it is marked deleted (`ghl_contacts_gone.rs`), its stored
/// children stay as they are, and the pull goes on.
async fn fetch_children(
    client: &GhlClient,
    changed: &[ChangedContact],
    appointments: AppointmentRead,
) -> Result<BTreeMap<String, Children>, BridgeError> {
    if changed.is_empty() {
        return Ok(BTreeMap::new());
    }
    let per_contact = appointments == AppointmentRead::PerContact;
    let ids: Vec<String> = changed
        .iter()
        .map(|c| c.contact.contact_id.clone())
        .collect();
    let mut tasks: HashMap<String, Vec<GhlTask>> = HashMap::new();
    for task in client.tasks_of_contacts(&ids).await? {
        if let Some(contact) = task.contact_id.clone() {
            tasks.entry(contact).or_default().push(task);
        }
    }
    let tasks = &tasks;
    let fetched: Vec<Option<(String, Children)>> = futures::stream::iter(ids)
        .map(|ghl_id| async move {
            let appointments = async {
                if per_contact {
                    client.contact_appointments(&ghl_id).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let lists = futures::try_join!(client.list_notes(&ghl_id), appointments);
            match lists {
                Ok((notes, appointments)) => {
                    let mut children = children_of(
                        &ghl_id,
                        tasks.get(&ghl_id).map_or(&[], Vec::as_slice),
                        &notes,
                        appointments.as_deref().unwrap_or(&[]),
                    );
                    children.appointments_read = appointments.is_some();
                    Ok(Some((ghl_id, children)))
                }
                Err(e) if e.code == ErrorCode::NotFound => {
                    tracing::info!(contact = %ghl_id, "GHL contact gone while its children were read");
                    let gone = Children {
                        gone: true,
                        ..Children::default()
                    };
                    Ok(Some((ghl_id, gone)))
                }
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(CHILD_FETCH_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(fetched.into_iter().flatten().collect())
}

/// One contact's tasks, notes and appointments as activities. A record that cannot be read is
/// reported (naming it and the field) and kept as present, so it is not taken for deleted.
fn children_of(
    ghl_id: &str,
    tasks: &[GhlTask],
    notes: &[GhlNote],
    appointments: &[GhlAppointment],
) -> Children {
    let mut children = Children::default();
    let mut unreadable = |kind: &'static str, id: &Option<String>, e: BridgeError| {
        children.problems.push(e.message);
        if let Some(id) = id {
            children.unreadable.push((kind, id.clone()));
        }
    };
    let mut activities = Vec::new();
    for task in tasks {
        match task.to_core(ghl_id) {
            Ok(task) => activities.push(activity(
                "task",
                task.id.clone(),
                task.title.clone(),
                task.body.clone().unwrap_or_default(),
                task.due_date,
                None,
                Some(task.completed),
                None,
            )),
            Err(e) => unreadable("task", &task.id, e),
        }
    }
    for note in notes {
        match note.to_core(ghl_id) {
            Ok(note) => activities.push(activity(
                "note",
                note.id.clone(),
                note_title(&note.body),
                note.body.clone(),
                note.date_added,
                None,
                None,
                None,
            )),
            Err(e) => unreadable("note", &note.id, e),
        }
    }
    for appointment in appointments {
        match appointment_activity(ghl_id, appointment) {
            Ok(activity) => activities.push(activity),
            Err(e) => unreadable("appointment", &appointment.id, e),
        }
    }
    children.activities = activities;
    children
}

/// One GHL appointment as an activity (without its local contact and connection).
pub(crate) fn appointment_activity(
    ghl_id: &str,
    appointment: &GhlAppointment,
) -> Result<Activity, BridgeError> {
    let appointment = appointment.to_core(ghl_id)?;
    Ok(activity(
        "appointment",
        appointment.id.clone(),
        appointment.title.clone().unwrap_or_default(),
        String::new(),
        appointment.start_time,
        appointment.end_time,
        None,
        appointment.status.clone(),
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn activity(
    kind: &str,
    remote_id: String,
    title: String,
    body: String,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    completed: Option<bool>,
    status: Option<String>,
) -> Activity {
    let mut activity = Activity {
        contact_id: String::new(),
        connection_id: String::new(),
        kind: kind.into(),
        remote_id,
        title,
        body,
        starts_at: starts_at.map(bridge_store::timestamp),
        ends_at: ends_at.map(bridge_store::timestamp),
        completed,
        status,
        content_hash: String::new(),
    };
    activity.content_hash = content_hash(&activity);
    activity
}

/// A note's first line, shortened, as its title.
pub(crate) fn note_title(body: &str) -> String {
    let line = body.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Stores one fetched child and puts what changed on its contact's timeline.
pub(crate) fn store_activity(
    tx: &bridge_store::Transaction<'_>,
    activity: &Activity,
    observed_at: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let event = match activities::upsert(tx, activity, now)? {
        Change::Unchanged => None,
        Change::Created => Some(activity_event(
            SYSTEM,
            &event_time(activity, observed_at),
            ActivityChange::Created,
            None,
            activity,
        )),
        Change::Updated { before } => {
            let completed_now = activity.completed == Some(true) && before.completed != Some(true);
            let change = if completed_now {
                ActivityChange::Completed
            } else {
                ActivityChange::Updated
            };
            Some(activity_event(
                SYSTEM,
                observed_at,
                change,
                Some(&before),
                activity,
            ))
        }
    };
    match event {
        Some(event) => timeline::append(tx, &event),
        None => Ok(()),
    }
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

/// One contact's fetched tasks, notes and appointments: each stored (its change on the
/// timeline), and the ones the lists no longer hold marked deleted.
fn store_children(
    tx: &bridge_store::Transaction<'_>,
    connection_id: &str,
    local_id: &str,
    children: &Children,
    now: DateTime<Utc>,
    report: &mut PullReport,
) -> Result<(), BridgeError> {
    if children.gone {
        return super::ghl_contacts_gone::contact_gone(tx, local_id, now);
    }
    let observed_at = bridge_store::timestamp(now);
    for kind in ["task", "note", "appointment"] {
        if kind == "appointment" && !children.appointments_read {
            continue;
        }
        let mut present = Vec::new();
        for fetched in children.activities.iter().filter(|a| a.kind == kind) {
            let mut activity = fetched.clone();
            activity.contact_id = local_id.to_string();
            activity.connection_id = connection_id.to_string();
            present.push(activity.remote_id.clone());
            match kind {
                "task" => report.tasks += 1,
                "note" => report.notes += 1,
                _ => report.appointments += 1,
            }
            store_activity(tx, &activity, &observed_at, now)?;
        }
        present.extend(
            children
                .unreadable
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| id.clone()),
        );
        let gone =
            activities::mark_missing_deleted(tx, connection_id, local_id, kind, &present, now)?;
        for activity in gone {
            let event = activity_event(
                SYSTEM,
                &observed_at,
                ActivityChange::Deleted,
                Some(&activity),
                &activity,
            );
            timeline::append(tx, &event)?;
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

/// When a newly seen record happened: a note when it was added, an appointment when it starts;
/// a task has no creation time in GHL's API, so it is placed when we first saw it.
fn event_time(activity: &Activity, observed_at: &str) -> String {
    match activity.kind.as_str() {
        "note" | "appointment" => activity
            .starts_at
            .clone()
            .unwrap_or_else(|| observed_at.into()),
        _ => observed_at.into(),
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
    fn note_titles_are_the_first_line_shortened() {
        assert_eq!(
            note_title("Called about renewal\nmore"),
            "Called about renewal"
        );
        let long = "x".repeat(200);
        assert_eq!(note_title(&long).chars().count(), 81);
        assert_eq!(note_title(""), "");
    }

    #[test]
    fn an_unreadable_child_is_reported_and_kept_as_present() {
        let tasks: Vec<GhlTask> = serde_json::from_value(serde_json::json!([
            {"id": "t1", "title": "Call back", "dueDate": "2026-11-01T10:00:00Z", "completed": false},
            {"id": "t2", "title": "Broken", "dueDate": "next Tuesday", "completed": false}
        ]))
        .unwrap();
        let children = children_of("g1", &tasks, &[], &[]);
        assert_eq!(children.activities.len(), 1);
        assert_eq!(children.activities[0].remote_id, "t1");
        assert_eq!(children.unreadable, vec![("task", "t2".to_string())]);
        assert_eq!(children.problems.len(), 1);
        assert!(
            children.problems[0].contains("t2") || children.problems[0].contains("dueDate"),
            "{}",
            children.problems[0]
        );
    }

    #[test]
    fn cursors_round_trip() {
        let at = Utc::now();
        let parsed = parse_cursor(&bridge_store::timestamp(at)).unwrap();
        assert_eq!(parsed.timestamp_millis(), at.timestamp_millis());
        assert!(parse_cursor("yesterday").is_err());
    }
}
