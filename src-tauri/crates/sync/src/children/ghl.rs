//! GHL's side of task and note writes.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::activities::Activity;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::{ChildKind, ChildValues, GhlChildren};

/// GHL's tasks and notes, written through its contact endpoints.
pub struct GhlChildWriter<'a> {
    pub client: &'a bridge_connectors::ghl::GhlClient,
    pub clock: &'a dyn Clock,
}

fn due_of(values: &ChildValues) -> Option<DateTime<Utc>> {
    values
        .due
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn task_activity(
    contact: &str,
    task: bridge_connectors::ghl::wire::GhlTask,
) -> Result<Activity, BridgeError> {
    let task = task.to_core(contact)?;
    Ok(crate::pull::ghl::activity(
        "task",
        task.id,
        task.title,
        task.body.unwrap_or_default(),
        task.due_date,
        None,
        Some(task.completed),
        None,
    ))
}

fn note_activity(
    contact: &str,
    note: bridge_connectors::ghl::wire::GhlNote,
) -> Result<Activity, BridgeError> {
    let note = note.to_core(contact)?;
    Ok(crate::pull::ghl::activity(
        "note",
        note.id,
        crate::pull::ghl::note_title(&note.body),
        note.body,
        note.date_added,
        None,
        None,
        None,
    ))
}

fn one_way() -> BridgeError {
    BridgeError::internal("appointments go one way, GHL → app: none is written to GHL")
}

impl GhlChildren for GhlChildWriter<'_> {
    fn create<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>> {
        use bridge_connectors::ghl::wire::{NewNote, NewTask};
        Box::pin(async move {
            match kind {
                ChildKind::Task => {
                    let task = NewTask {
                        title: values.title.clone(),
                        body: (!values.body.is_empty()).then(|| values.body.clone()),
                        // GHL requires a due date; a task without one is due now.
                        due_date: due_of(values).unwrap_or_else(|| self.clock.now()),
                        completed: values.completed,
                        assigned_to: None,
                    };
                    task_activity(contact, self.client.create_task(contact, &task).await?)
                }
                ChildKind::Appointment => Err(one_way()),
                ChildKind::Note => {
                    let note = NewNote {
                        body: values.body.clone(),
                        user_id: None,
                        title: None,
                        color: None,
                        pinned: None,
                    };
                    note_activity(contact, self.client.create_note(contact, &note).await?)
                }
            }
        })
    }

    fn update<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>> {
        use bridge_connectors::ghl::wire::{NoteUpdate, TaskUpdate};
        Box::pin(async move {
            match kind {
                ChildKind::Task => {
                    let update = TaskUpdate {
                        title: Some(values.title.clone()),
                        body: Some(values.body.clone()),
                        due_date: due_of(values),
                        completed: Some(values.completed),
                        assigned_to: None,
                    };
                    task_activity(
                        contact,
                        self.client.update_task(contact, remote_id, &update).await?,
                    )
                }
                ChildKind::Appointment => Err(one_way()),
                ChildKind::Note => {
                    let update = NoteUpdate {
                        body: Some(values.body.clone()),
                        ..NoteUpdate::default()
                    };
                    note_activity(
                        contact,
                        self.client.update_note(contact, remote_id, &update).await?,
                    )
                }
            }
        })
    }

    fn find<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<Activity>, BridgeError>> {
        Box::pin(async move {
            let wanted = values.hash(kind);
            let found: Vec<Activity> = match kind {
                ChildKind::Appointment => return Err(one_way()),
                ChildKind::Task => self
                    .client
                    .list_tasks(contact)
                    .await?
                    .into_iter()
                    .filter_map(|t| task_activity(contact, t).ok())
                    .collect(),
                ChildKind::Note => self
                    .client
                    .list_notes(contact)
                    .await?
                    .into_iter()
                    .filter_map(|n| note_activity(contact, n).ok())
                    .collect(),
            };
            Ok(found
                .into_iter()
                .filter(|a| !linked.contains(&a.remote_id))
                .find(|a| {
                    let mut candidate = ChildValues::from_activity(a);
                    // A task created without a due date got one from GHL.
                    if values.due.is_none() {
                        candidate.due = None;
                    }
                    candidate.hash(kind) == wanted
                }))
        })
    }

    fn delete<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => self.client.delete_task(contact, remote_id).await,
                ChildKind::Note => self.client.delete_note(contact, remote_id).await,
                ChildKind::Appointment => Err(one_way()),
            }
        })
    }
}
