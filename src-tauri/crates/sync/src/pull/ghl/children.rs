//! The tasks, notes and appointments of GHL contacts, read with their contacts: tasks from
//! the location task search narrowed to a page's changed contacts, notes per contact (GHL has
//! no other read of them), appointments per contact only when the calendars cannot be read
//! location-wide (`ghl_appointments.rs`). Each is stored as an activity, its change on its
//! contact's timeline.

use std::collections::{BTreeMap, HashMap};

use bridge_connectors::ghl::wire::{GhlAppointment, GhlNote, GhlTask};
use bridge_connectors::ghl::GhlClient;
use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, ErrorCode};
use bridge_store::table::activities::{self, Activity, Change};
use bridge_store::table::timeline;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};

use super::super::ghl_appointments::AppointmentRead;
use super::super::PullReport;
use super::{ChangedContact, SYSTEM};
use crate::timeline::{activity_event, ActivityChange};

/// Contacts whose children are fetched at once; the rate budget, not this, sets the pace.
const CHILD_FETCH_CONCURRENCY: usize = 8;

/// The tasks, notes and appointments of one contact, as core-shaped activities (without the
/// local contact id, which is known only once the contact is stored).
#[derive(Default)]
pub(super) struct Children {
    activities: Vec<Activity>,
    /// Records that could not be read: (kind, remote id). Kept as present.
    unreadable: Vec<(&'static str, String)>,
    pub(super) problems: Vec<String>,
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
pub(super) async fn fetch_children(
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

/// One contact's fetched tasks, notes and appointments: each stored (its change on the
/// timeline), and the ones the lists no longer hold marked deleted.
pub(super) fn store_children(
    tx: &bridge_store::Transaction<'_>,
    connection_id: &str,
    local_id: &str,
    children: &Children,
    now: DateTime<Utc>,
    report: &mut PullReport,
) -> Result<(), BridgeError> {
    if children.gone {
        return super::super::ghl_contacts_gone::contact_gone(tx, local_id, now);
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
}
