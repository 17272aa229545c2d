//! Nifty as [`AppChildren`]: the tasks of the chosen project, each naming its contact by email
//! ([`super::marker`]), and GHL notes as comments on a per-contact notes task.
//!
//! A child's "parent" on the Nifty side is the contact's normalized email (the remote id of
//! the contact's Nifty link). Completion goes through Nifty's complete/uncomplete endpoints.
//! Lookups after a lost answer read this run's full scan (no extra requests): a create that
//! happened in an earlier, interrupted run is in it.

use std::collections::HashMap;
use std::sync::Mutex;

use bridge_connectors::nifty::{NewNiftyTask, NiftyClient, NiftyTask, NiftyTaskUpdate, TaskQuery};
use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::marker::{self, Marker};
use crate::children::{
    child_time, AppChild, AppChildren, ChildKind, ChildRules, ChildValues, Parents,
};

/// Where the pair's tasks live: one project, new tasks in one of its task groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiftyPlace {
    pub project_id: String,
    pub task_group_id: String,
}

/// The project's tasks as the last scan saw them.
#[derive(Debug, Default)]
struct Scan {
    tasks: Vec<NiftyTask>,
    /// Email → the task holding that contact's notes.
    notes_holders: HashMap<String, String>,
    /// The scanned tasks naming a contact: (email, task id, label ids).
    labelled: Vec<(String, String, Vec<String>)>,
}

pub struct NiftyTasks {
    client: NiftyClient,
    place: NiftyPlace,
    scan: Mutex<Scan>,
}

fn due_of(values: &ChildValues) -> Option<DateTime<Utc>> {
    values
        .due
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// A task's values as GHL compares them (`contact_name` drops the "— name" suffix).
pub(crate) fn task_values(task: &NiftyTask, body: &str, contact_name: Option<&str>) -> ChildValues {
    ChildValues {
        title: marker::title_of(&task.name, contact_name),
        body: body.trim().to_string(),
        due: task.due_date.map(child_time),
        completed: task.completed,
        end: None,
        status: None,
    }
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

/// Nifty has no calendar objects; the plan never sends it appointments.
fn no_appointments() -> BridgeError {
    BridgeError::internal("Nifty holds no appointments")
}

impl NiftyTasks {
    pub fn new(client: NiftyClient, place: NiftyPlace) -> Self {
        Self {
            client,
            place,
            scan: Mutex::new(Scan::default()),
        }
    }

    pub fn client(&self) -> &NiftyClient {
        &self.client
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Scan>, BridgeError> {
        self.scan
            .lock()
            .map_err(|_| BridgeError::internal("the Nifty scan lock was poisoned"))
    }

    /// Reads every task of the project (a full scan: Nifty has no change filter) and keeps it
    /// for this run's lookups.
    pub async fn scan_project(&self) -> Result<Vec<NiftyTask>, BridgeError> {
        let tasks: Vec<NiftyTask> = self
            .client
            .list_tasks(TaskQuery::project(self.place.project_id.clone()))
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .flatten()
            .collect();
        let mut scan = self.lock()?;
        scan.notes_holders = tasks
            .iter()
            .filter_map(|t| match marker::read(t.description.as_deref()) {
                Marker::NotesHolder { email } => Some((email, t.id.clone())),
                _ => None,
            })
            .collect();
        scan.labelled = tasks
            .iter()
            .filter_map(|task| match marker::read(task.description.as_deref()) {
                Marker::Task { email, .. } => Some((email, task.id.clone(), task.labels.clone())),
                _ => None,
            })
            .collect();
        scan.tasks = tasks.clone();
        Ok(tasks)
    }

    /// The tasks of this run's scan (not those it created since) that name a contact:
    /// (email, task id, label ids).
    pub(crate) fn labelled_tasks(&self) -> Result<Vec<(String, String, Vec<String>)>, BridgeError> {
        Ok(self.lock()?.labelled.clone())
    }

    fn remember(&self, task: NiftyTask) -> Result<(), BridgeError> {
        let mut scan = self.lock()?;
        if let Marker::NotesHolder { email } = marker::read(task.description.as_deref()) {
            scan.notes_holders.insert(email, task.id.clone());
        }
        scan.tasks.push(task);
        Ok(())
    }

    /// Sets completion through Nifty's endpoints when it differs.
    async fn set_completed(&self, task: &NiftyTask, completed: bool) -> Result<(), BridgeError> {
        match (task.completed, completed) {
            (false, true) => self.client.complete_task(&task.id).await,
            (true, false) => self.client.uncomplete_task(&task.id).await,
            _ => Ok(()),
        }
    }

    /// Creates the task open: Nifty completes a task by a request of its own, which the
    /// children engine sends as an update once the create's id is journaled
    /// ([`ChildRules::completes_by_update`]).
    async fn create_task(&self, email: &str, values: &ChildValues) -> Result<String, BridgeError> {
        if values.completed {
            return Err(BridgeError::internal(
                "a Nifty task is created open, then completed by an update",
            ));
        }
        let created = self
            .client
            .create_task(&NewNiftyTask {
                name: values.title.clone(),
                task_group_id: self.place.task_group_id.clone(),
                description: Some(marker::task_description(&values.body, email)),
                due_date: due_of(values),
                ..NewNiftyTask::default()
            })
            .await?;
        let id = created.id.clone();
        self.remember(created)?;
        Ok(id)
    }

    /// The task holding `email`'s notes, created on the first note.
    async fn notes_holder(&self, email: &str) -> Result<String, BridgeError> {
        if let Some(id) = self.lock()?.notes_holders.get(email) {
            return Ok(id.clone());
        }
        let created = self
            .client
            .create_task(&NewNiftyTask {
                name: marker::notes_holder_name(email),
                task_group_id: self.place.task_group_id.clone(),
                description: Some(marker::notes_holder_description(email)),
                ..NewNiftyTask::default()
            })
            .await?;
        let id = created.id.clone();
        self.remember(created)?;
        Ok(id)
    }

    async fn update_task(&self, id: &str, values: &ChildValues) -> Result<(), BridgeError> {
        let current = self.client.get_task(id).await?;
        let email = match marker::read(current.description.as_deref()) {
            Marker::Task { email, .. } => Some(email),
            _ => None,
        };
        let description = match &email {
            Some(email) => marker::task_description(&values.body, email),
            None => values.body.clone(),
        };
        let mut update = NiftyTaskUpdate::default();
        // A name "<title> — <contact's name>" already says the title.
        let name = current.name.trim();
        if name != values.title && !name.starts_with(&format!("{} — ", values.title)) {
            update.name = Some(values.title.clone());
        }
        if current.description.as_deref().unwrap_or("").trim() != description {
            update.description = Some(Some(description));
        }
        let due = due_of(values);
        if current.due_date.map(child_time) != values.due {
            update.due_date = Some(due);
        }
        if !update.is_empty() {
            self.client.update_task(id, &update).await?;
        }
        self.set_completed(&current, values.completed).await
    }

    /// A task of `email` this run's scan saw with these title and body (completion and due
    /// date may differ: a create may have stopped before completing it). Reads only; the
    /// engine then updates the task found.
    fn find_task(
        &self,
        email: &str,
        values: &ChildValues,
        linked: &[String],
    ) -> Result<Option<String>, BridgeError> {
        Ok(self
            .lock()?
            .tasks
            .iter()
            .filter(|t| !linked.contains(&t.id))
            .find_map(|task| match marker::read(task.description.as_deref()) {
                Marker::Task { email: e, body }
                    if e == email && task.name.trim() == values.title && body == values.body =>
                {
                    Some(task.id.clone())
                }
                _ => None,
            }))
    }

    async fn find_note(
        &self,
        email: &str,
        values: &ChildValues,
        linked: &[String],
    ) -> Result<Option<String>, BridgeError> {
        let holder = self.lock()?.notes_holders.get(email).cloned();
        let Some(holder) = holder else {
            return Ok(None);
        };
        Ok(self
            .client
            .list_task_messages(&holder)
            .await?
            .into_iter()
            .find(|m| m.text.trim() == values.body && !linked.contains(&m.id))
            .map(|m| m.id))
    }
}

impl AppChildren for NiftyTasks {
    fn system(&self) -> &str {
        "Nifty"
    }

    fn rules(&self) -> ChildRules {
        ChildRules {
            notes_to_app_once: true,
            completes_by_update: true,
            ..ChildRules::default()
        }
    }

    fn parents(&self) -> Parents {
        Parents::Emails
    }

    /// The scan lists tasks only (notes travel to Nifty once, as comments, and are not read
    /// back).
    fn scanned_kinds(&self) -> &'static [ChildKind] {
        &[ChildKind::Task]
    }

    fn delete<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => self.client.delete_task(remote_id).await,
                ChildKind::Appointment => Err(no_appointments()),
                ChildKind::Note => Err(BridgeError::invalid_input(format!(
                    "Nifty comment {remote_id}: comments are not deleted through Nifty's API"
                ))),
            }
        })
    }

    /// A name "<title> — <contact's name>" says the title.
    fn for_contact(&self, mut child: AppChild, contact: &bridge_core::Contact) -> AppChild {
        child.values.title = marker::title_of(&child.values.title, full_name(contact).as_deref());
        child
    }

    /// Every task of the project naming a contact, its parent the contact's email.
    fn scan(&self) -> BoxStream<'_, Result<Vec<AppChild>, BridgeError>> {
        futures::stream::once(async move {
            Ok(self
                .scan_project()
                .await?
                .iter()
                .filter_map(|task| match marker::read(task.description.as_deref()) {
                    Marker::Task { email, body } => Some(AppChild {
                        kind: ChildKind::Task,
                        remote_id: task.id.clone(),
                        parent_remote_id: email,
                        values: task_values(task, &body, None),
                    }),
                    // Naming no contact: counted "not in GHL".
                    Marker::None => Some(AppChild {
                        kind: ChildKind::Task,
                        remote_id: task.id.clone(),
                        parent_remote_id: String::new(),
                        values: task_values(task, task.description.as_deref().unwrap_or(""), None),
                    }),
                    Marker::NotesHolder { .. } => None,
                })
                .collect())
        })
        .boxed()
    }

    fn create<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => self.create_task(parent, values).await,
                ChildKind::Appointment => Err(no_appointments()),
                ChildKind::Note => {
                    let holder = self.notes_holder(parent).await?;
                    Ok(self
                        .client
                        .create_task_message(&holder, &values.body)
                        .await?
                        .id)
                }
            }
        })
    }

    fn update<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => self.update_task(remote_id, values).await,
                ChildKind::Appointment => Err(no_appointments()),
                ChildKind::Note => Err(BridgeError::invalid_input(format!(
                    "Nifty comment {remote_id}: comments are not edited through Nifty's API"
                ))),
            }
        })
    }

    fn find<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => self.find_task(parent, values, linked),
                ChildKind::Note => self.find_note(parent, values, linked).await,
                ChildKind::Appointment => Err(no_appointments()),
            }
        })
    }
}
