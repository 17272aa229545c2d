//! Tasks: `GET /tasks` (filters + `limit`/`offset`) → `{tasks}`, `GET/PUT/DELETE /tasks/{id}`,
//! `POST /tasks`, completion `POST`/`DELETE /tasks/{id}/complete`, labels
//! `PUT`/`DELETE /tasks/{id}/labels`.

use bridge_core::BridgeError;
use futures::Stream;
use serde_json::{json, Value};

use super::wire::{NewNiftyTask, NiftyTask, NiftyTaskUpdate};
use super::{next_offset, read_list, read_record, require_id, NiftyClient, MAX_PAGE_SIZE};
use crate::http::{paginate, ApiRequest, Fetched};

/// Which tasks `list_tasks` streams. `TaskQuery::project(id)` is the full scan of one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    pub project_id: Option<String>,
    pub task_group_id: Option<String>,
    pub milestone_id: Option<String>,
    /// Tasks assigned to this member.
    pub member_id: Option<String>,
    /// `None`: completed and open tasks alike (two scans: Nifty lists completed tasks only
    /// when asked).
    pub completed: Option<bool>,
    /// `None`: Nifty's default (archived tasks left out).
    pub archived: Option<bool>,
    /// Tasks per request, clamped to 1..=[`MAX_PAGE_SIZE`]; full scans should keep the maximum.
    pub page_size: u32,
}

impl Default for TaskQuery {
    fn default() -> Self {
        Self {
            project_id: None,
            task_group_id: None,
            milestone_id: None,
            member_id: None,
            completed: None,
            archived: None,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl TaskQuery {
    /// Every task of one project, open and completed, in Nifty's largest pages.
    pub fn project(project_id: impl Into<String>) -> Self {
        Self {
            project_id: Some(project_id.into()),
            ..Self::default()
        }
    }

    /// The completion filters to scan, in order: the one asked, or open then completed.
    fn completion_scans(&self) -> Vec<bool> {
        match self.completed {
            Some(completed) => vec![completed],
            None => vec![false, true],
        }
    }

    fn apply(&self, mut request: ApiRequest, completed: bool) -> ApiRequest {
        let filters = [
            ("project_id", self.project_id.clone()),
            ("task_group_id", self.task_group_id.clone()),
            ("milestone_id", self.milestone_id.clone()),
            ("member_id", self.member_id.clone()),
            ("completed", Some(completed.to_string())),
            ("archived", self.archived.map(|b| b.to_string())),
        ];
        for (name, value) in filters {
            if let Some(value) = value {
                request = request.query(name, value);
            }
        }
        request
    }
}

impl NiftyClient {
    /// Streams the tasks matching `query`, one page per request, fetched only when the caller
    /// asks for the next: each completion scan (see [`TaskQuery::completed`]) is followed while
    /// Nifty says `hasMore`.
    pub fn list_tasks(
        &self,
        query: TaskQuery,
    ) -> impl Stream<Item = Result<Vec<NiftyTask>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
        let scans = query.completion_scans();
        // The cursor: (which completion scan, offset in it).
        paginate((0usize, 0u64), move |(scan, offset)| {
            let client = client.clone();
            let query = query.clone();
            let scans = scans.clone();
            async move {
                let (tasks, next) = client
                    .tasks_page(&query, scans[scan], limit, offset)
                    .await?;
                let next = match next {
                    Some(offset) => Some((scan, offset)),
                    None => (scan + 1 < scans.len()).then_some((scan + 1, 0)),
                };
                Ok(Fetched { page: tasks, next })
            }
        })
    }

    async fn tasks_page(
        &self,
        query: &TaskQuery,
        completed: bool,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<NiftyTask>, Option<u64>), BridgeError> {
        let which = if completed { "completed" } else { "open" };
        let context = format!("list {which} Nifty tasks from offset {offset}");
        let request = query
            .apply(ApiRequest::get(&["tasks"]), completed)
            .query("limit", limit.to_string())
            .query("offset", offset.to_string())
            .context(context.clone());
        let body: Value = self.send(request).await?;
        let count = body
            .get("tasks")
            .or_else(|| body.get("items"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let next = next_offset(&body, offset, count, limit);
        let tasks: Vec<NiftyTask> = read_list(body, &["tasks", "items"], "task", &context)?;
        Ok((tasks, next))
    }

    pub async fn get_task(&self, task_id: &str) -> Result<NiftyTask, BridgeError> {
        let id = require_id("task", task_id)?;
        let context = format!("get Nifty task {id}");
        let body: Value = self
            .send(ApiRequest::get(&["tasks", id]).context(context.clone()))
            .await?;
        read_record(body, "task", 0, &context)
    }

    /// `POST /tasks`; answers the created task. Nifty's answer may lack `name` (Pipedream's
    /// taskCreated sample): the name sent is filled in. Not repeated after an ambiguous failure.
    pub async fn create_task(&self, task: &NewNiftyTask) -> Result<NiftyTask, BridgeError> {
        require_id("task group", &task.task_group_id)?;
        if task.name.trim().is_empty() {
            return Err(BridgeError::invalid_input("a Nifty task needs a name"));
        }
        let context = format!("create Nifty task '{}'", task.name);
        let body: Value = self
            .send(
                ApiRequest::post(&["tasks"])
                    .json(task)?
                    .context(context.clone()),
            )
            .await?;
        let mut created: NiftyTask = read_record(body, "task", 0, &context)?;
        if created.name.is_empty() {
            created.name = task.name.clone();
        }
        Ok(created)
    }

    /// `PUT /tasks/{id}` with the changed fields; answers the task as Nifty now has it (read
    /// again when the answer does not carry it).
    pub async fn update_task(
        &self,
        task_id: &str,
        update: &NiftyTaskUpdate,
    ) -> Result<NiftyTask, BridgeError> {
        let id = require_id("task", task_id)?;
        if update.is_empty() {
            return self.get_task(id).await;
        }
        let context = format!("update Nifty task {id}");
        let answer = self
            .http
            .send_raw(
                ApiRequest::put(&["tasks", id])
                    .json(update)?
                    .context(context),
            )
            .await?;
        match serde_json::from_slice::<NiftyTask>(&answer.body) {
            Ok(task) if task.id == id => Ok(task),
            _ => self.get_task(id).await,
        }
    }

    pub async fn delete_task(&self, task_id: &str) -> Result<(), BridgeError> {
        let id = require_id("task", task_id)?;
        self.http
            .send_raw(ApiRequest::delete(&["tasks", id]).context(format!("delete Nifty task {id}")))
            .await?;
        Ok(())
    }

    /// `POST /tasks/{id}/complete`. Completing twice is harmless, so it is retried freely.
    pub async fn complete_task(&self, task_id: &str) -> Result<(), BridgeError> {
        let id = require_id("task", task_id)?;
        self.http
            .send_raw(
                ApiRequest::post(&["tasks", id, "complete"])
                    .json(&json!({"completed": true}))?
                    .idempotent(true)
                    .context(format!("complete Nifty task {id}")),
            )
            .await?;
        Ok(())
    }

    /// `DELETE /tasks/{id}/complete`: the task is open again.
    pub async fn uncomplete_task(&self, task_id: &str) -> Result<(), BridgeError> {
        let id = require_id("task", task_id)?;
        self.http
            .send_raw(
                ApiRequest::delete(&["tasks", id, "complete"])
                    .context(format!("reopen Nifty task {id}")),
            )
            .await?;
        Ok(())
    }

    /// `PUT /tasks/{id}/labels {labels: [ids]}`: adds the labels to the task.
    pub async fn add_task_labels(
        &self,
        task_id: &str,
        label_ids: &[String],
    ) -> Result<(), BridgeError> {
        self.change_task_labels(task_id, label_ids, true).await
    }

    /// `DELETE /tasks/{id}/labels {labels: [ids]}`: takes the labels off the task.
    pub async fn remove_task_labels(
        &self,
        task_id: &str,
        label_ids: &[String],
    ) -> Result<(), BridgeError> {
        self.change_task_labels(task_id, label_ids, false).await
    }

    async fn change_task_labels(
        &self,
        task_id: &str,
        label_ids: &[String],
        add: bool,
    ) -> Result<(), BridgeError> {
        let id = require_id("task", task_id)?;
        if label_ids.is_empty() {
            return Ok(());
        }
        for label in label_ids {
            require_id("label", label)?;
        }
        let segments = ["tasks", id, "labels"];
        let (request, verb) = if add {
            (ApiRequest::put(&segments), "add")
        } else {
            (ApiRequest::delete(&segments), "remove")
        };
        self.http
            .send_raw(
                request
                    .json(&json!({ "labels": label_ids }))?
                    .context(format!("{verb} labels on Nifty task {id}")),
            )
            .await?;
        Ok(())
    }
}
