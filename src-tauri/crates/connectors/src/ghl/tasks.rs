//! A contact's tasks: /contacts/{contactId}/tasks[/{taskId}[/completed]]. The list has no
//! paging parameters: GHL answers all of a contact's tasks at once.

use bridge_core::BridgeError;

use super::wire::{
    DeleteOutcome, GhlTask, NewTask, TaskCompletedBody, TaskEnvelope, TaskSearchBody, TaskUpdate,
    TasksEnvelope,
};
use super::{check_deleted, require_id, GhlClient};
use crate::http::ApiRequest;

/// Tasks per page of the location-wide task search.
pub const TASK_SEARCH_PAGE: u64 = 100;
/// Contacts named in one task search (the contact search's page size).
pub const CONTACTS_PER_TASK_SEARCH: usize = 500;

impl GhlClient {
    /// One page of the location's tasks (POST /locations/{id}/tasks/search, `skip`/`limit`,
    /// only open or only completed ones when `completed` says): the only way to see tasks
    /// change without their contact changing.
    pub async fn search_location_tasks(
        &self,
        skip: u64,
        completed: Option<bool>,
    ) -> Result<Vec<GhlTask>, BridgeError> {
        self.search_tasks_page(skip, completed, &[]).await
    }

    /// Every task, open or completed, of these contacts: the location task search narrowed
    /// by `contactId` (an array in TaskSearchParamsDto), every page of it. One request per
    /// [`TASK_SEARCH_PAGE`] tasks instead of one per contact. How many ids one body may carry
    /// is not documented (a guess: the engine sends at most one contact search page's worth,
    /// [`CONTACTS_PER_TASK_SEARCH`]).
    pub async fn tasks_of_contacts(
        &self,
        contact_ids: &[String],
    ) -> Result<Vec<GhlTask>, BridgeError> {
        let mut tasks = Vec::new();
        for ids in contact_ids.chunks(CONTACTS_PER_TASK_SEARCH) {
            let mut skip = 0;
            loop {
                let page = self.search_tasks_page(skip, None, ids).await?;
                let read = page.len() as u64;
                tasks.extend(page);
                skip += read;
                if read < TASK_SEARCH_PAGE {
                    break;
                }
            }
        }
        Ok(tasks)
    }

    async fn search_tasks_page(
        &self,
        skip: u64,
        completed: Option<bool>,
        contact_ids: &[String],
    ) -> Result<Vec<GhlTask>, BridgeError> {
        let location = require_id("location", self.location_id())?;
        let envelope: TasksEnvelope = self
            .send(
                ApiRequest::post(&["locations", location, "tasks", "search"])
                    .json(&TaskSearchBody {
                        skip,
                        limit: TASK_SEARCH_PAGE,
                        completed,
                        contact_ids,
                    })?
                    // A search reads only: sending it again does no harm.
                    .idempotent(true)
                    .context(format!(
                        "search the tasks of GHL location {location} from {skip}"
                    )),
            )
            .await?;
        Ok(envelope.tasks)
    }

    pub async fn list_tasks(&self, contact_id: &str) -> Result<Vec<GhlTask>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: TasksEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id, "tasks"])
                    .record_read()
                    .context(format!("list the tasks of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.tasks)
    }

    pub async fn get_task(&self, contact_id: &str, task_id: &str) -> Result<GhlTask, BridgeError> {
        let (id, task) = (
            require_id("contact", contact_id)?,
            require_id("task", task_id)?,
        );
        let envelope: TaskEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id, "tasks", task])
                    .record_read()
                    .context(format!("get task {task} of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.task)
    }

    /// POST (201 `{task}`); not repeated after an ambiguous failure.
    pub async fn create_task(
        &self,
        contact_id: &str,
        task: &NewTask,
    ) -> Result<GhlTask, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: TaskEnvelope = self
            .send(
                ApiRequest::post(&["contacts", id, "tasks"])
                    .json(task)?
                    .context(format!("create task '{}' for GHL contact {id}", task.title)),
            )
            .await?;
        Ok(envelope.task)
    }

    pub async fn update_task(
        &self,
        contact_id: &str,
        task_id: &str,
        update: &TaskUpdate,
    ) -> Result<GhlTask, BridgeError> {
        let (id, task) = (
            require_id("contact", contact_id)?,
            require_id("task", task_id)?,
        );
        let envelope: TaskEnvelope = self
            .send(
                ApiRequest::put(&["contacts", id, "tasks", task])
                    .json(update)?
                    // The spec answers a bad body with 422: a 400 here is a missing record.
                    .record_read()
                    .context(format!("update task {task} of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.task)
    }

    /// PUT …/tasks/{taskId}/completed `{completed}`.
    pub async fn set_task_completed(
        &self,
        contact_id: &str,
        task_id: &str,
        completed: bool,
    ) -> Result<GhlTask, BridgeError> {
        let (id, task) = (
            require_id("contact", contact_id)?,
            require_id("task", task_id)?,
        );
        let envelope: TaskEnvelope = self
            .send(
                ApiRequest::put(&["contacts", id, "tasks", task, "completed"])
                    .json(&TaskCompletedBody { completed })?
                    .context(format!(
                        "mark task {task} of GHL contact {id} completed={completed}"
                    )),
            )
            .await?;
        Ok(envelope.task)
    }

    pub async fn delete_task(&self, contact_id: &str, task_id: &str) -> Result<(), BridgeError> {
        let (id, task) = (
            require_id("contact", contact_id)?,
            require_id("task", task_id)?,
        );
        let context = format!("delete task {task} of GHL contact {id}");
        let outcome: DeleteOutcome = self
            .send(
                ApiRequest::delete(&["contacts", id, "tasks", task])
                    .record_read()
                    .context(context.clone()),
            )
            .await?;
        check_deleted(&outcome, || context)
    }
}
