//! Reading the chosen project: a full scan (Nifty has no updated_at), each task tied to the
//! GHL contact its marker names, stored as that contact's app tasks (their content hash tells
//! what changed since the last scan).
//!
//! A contact takes part through a Nifty "contact" link whose remote id is its email: made for
//! every contact a Nifty task names and for every contact with GHL tasks, so the children
//! engine finds the contact's Nifty parent as it finds a Novi member.

use std::collections::{BTreeMap, HashMap};

use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::contacts::{self, MatchKey};
use bridge_store::table::{activities, links};
use bridge_store::{Connection, Store};
use chrono::{DateTime, Utc};

use super::marker::{self, Marker};
use super::tasks::{task_values, NiftyTasks};
use crate::children::{store_app_child, AppChild, ChildKind, ChildValues};

/// What one scan of the project found.
#[derive(Debug, Default)]
pub(crate) struct NiftyPull {
    /// Tasks naming a GHL contact.
    pub read: u64,
    /// Tasks whose contact cannot be identified (no marker, an email GHL does not hold, or an
    /// email several GHL contacts share).
    pub not_in_ghl: u64,
    /// Contact id → its tasks: (task id, label ids).
    pub tasks_by_contact: BTreeMap<String, Vec<(String, Vec<String>)>>,
}

fn full_name(contact: &bridge_core::Contact) -> Option<String> {
    let name = format!(
        "{} {}",
        contact.first_name.as_deref().unwrap_or(""),
        contact.last_name.as_deref().unwrap_or("")
    )
    .trim()
    .to_string();
    (!name.is_empty()).then_some(name)
}

/// The contact's Nifty link, remote id = its email (re-pointed when the email moved).
fn ensure_contact_link(
    tx: &Connection,
    app_id: &str,
    contact_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let existing = links::find_remote(tx, app_id, "contact", email)?;
    if existing
        .as_ref()
        .is_some_and(|l| l.contact_id == contact_id)
    {
        return Ok(());
    }
    // The email moved: to this contact from another, or this contact's from another email.
    if existing.is_some() {
        links::remove(tx, app_id, "contact", email)?;
    }
    let previous = links::for_contact(tx, contact_id)?
        .into_iter()
        .find(|l| l.connection_id == app_id && l.object_kind == "contact");
    if let Some(previous) = previous {
        links::remove(tx, app_id, "contact", &previous.remote_id)?;
    }
    links::insert_or_verify(
        tx,
        &links::LinkRow {
            contact_id: contact_id.to_string(),
            connection_id: app_id.to_string(),
            object_kind: "contact".into(),
            local_object_id: None,
            remote_id: email.to_string(),
            last_written_hash: None,
            last_seen_hash: None,
        },
        now,
    )
}

/// Links unlinked tasks with the same content on both sides (a team that copied its GHL
/// follow-ups into Nifty before the sync existed): one record, nothing written.
fn link_equal_unlinked(
    tx: &Connection,
    ghl_connection_id: &str,
    app_id: &str,
    contact_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let task_links: Vec<links::LinkRow> = links::for_contact(tx, contact_id)?
        .into_iter()
        .filter(|l| l.connection_id == app_id && l.object_kind == "task")
        .collect();
    let records = activities::for_contact(tx, contact_id)?;
    let hash = |a: &activities::Activity| ChildValues::from_activity(a).hash(ChildKind::Task);
    let mut app_unlinked: Vec<(&activities::Activity, String)> = records
        .iter()
        .filter(|a| a.connection_id == app_id && a.kind == "task")
        .filter(|a| !task_links.iter().any(|l| l.remote_id == a.remote_id))
        .map(|a| (a, hash(a)))
        .collect();
    let ghl_unlinked = records
        .iter()
        .filter(|a| a.connection_id == ghl_connection_id && a.kind == "task")
        .filter(|a| {
            !task_links
                .iter()
                .any(|l| l.local_object_id.as_deref() == Some(a.remote_id.as_str()))
        });
    for ghl in ghl_unlinked {
        let wanted = hash(ghl);
        let Some(position) = app_unlinked.iter().position(|(_, h)| *h == wanted) else {
            continue;
        };
        let (app, _) = app_unlinked.remove(position);
        links::insert_or_verify(
            tx,
            &links::LinkRow {
                contact_id: contact_id.to_string(),
                connection_id: app_id.to_string(),
                object_kind: "task".into(),
                local_object_id: Some(ghl.remote_id.clone()),
                remote_id: app.remote_id.clone(),
                last_written_hash: Some(wanted.clone()),
                last_seen_hash: Some(wanted),
            },
            now,
        )?;
    }
    Ok(())
}

/// Scans the project, stores each task under its contact, and links contacts and equal tasks.
pub(crate) async fn pull_nifty(
    store: &mut Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    tasks: &NiftyTasks,
    clock: &dyn Clock,
) -> Result<NiftyPull, BridgeError> {
    let scanned = tasks.scan_project().await?;
    let now = clock.now();
    store.with_tx(|tx| {
        let mut pull = NiftyPull::default();
        for task in &scanned {
            let (email, body) = match marker::read(task.description.as_deref()) {
                Marker::Task { email, body } => (email, body),
                Marker::NotesHolder { .. } => continue,
                Marker::None => {
                    pull.not_in_ghl += 1;
                    continue;
                }
            };
            let found =
                contacts::find_by_match_key(tx, ghl_connection_id, MatchKey::Email, &email)?;
            let [contact] = found.as_slice() else {
                pull.not_in_ghl += 1;
                continue;
            };
            pull.read += 1;
            ensure_contact_link(tx, &app.id, &contact.id, &email, now)?;
            let child = AppChild {
                kind: ChildKind::Task,
                remote_id: task.id.clone(),
                parent_remote_id: email,
                values: task_values(task, &body, full_name(&contact.contact).as_deref()),
            };
            store_app_child(tx, app, &contact.id, &child, now)?;
            pull.tasks_by_contact
                .entry(contact.id.clone())
                .or_default()
                .push((task.id.clone(), task.labels.clone()));
        }
        // Contacts with GHL tasks take part too (their tasks go to Nifty); an email two
        // contacts share names neither.
        let with_tasks = contacts::with_tasks_and_email(tx, ghl_connection_id)?;
        let mut per_email: HashMap<&str, usize> = HashMap::new();
        for (_, email) in &with_tasks {
            *per_email.entry(email.as_str()).or_default() += 1;
        }
        for (contact_id, email) in &with_tasks {
            if per_email.get(email.as_str()) == Some(&1) {
                ensure_contact_link(tx, &app.id, contact_id, email, now)?;
            }
        }
        for contact_id in pull.tasks_by_contact.keys() {
            link_equal_unlinked(tx, ghl_connection_id, &app.id, contact_id, now)?;
        }
        Ok(pull)
    })
}
