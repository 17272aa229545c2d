//! What the operator picks from and what hangs off tasks: labels (`GET/POST /labels`),
//! task comments (`GET/POST /messages` with a `task_id`), projects (`GET /projects`) and task
//! groups (`GET /taskgroups?project_id=`).

use bridge_core::BridgeError;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::wire::{NewNiftyLabel, NiftyLabel, NiftyMessage, NiftyProject, NiftyTaskGroup};
use super::{next_offset, read_list, read_record, require_id, NiftyClient, MAX_PAGE_SIZE};
use crate::http::{paginate, ApiRequest, Fetched};

impl NiftyClient {
    pub async fn list_labels(&self) -> Result<Vec<NiftyLabel>, BridgeError> {
        self.all_pages(
            ApiRequest::get(&["labels"]),
            &["items", "labels"],
            "label",
            "list Nifty labels",
        )
        .await
    }

    pub async fn create_label(&self, label: &NewNiftyLabel) -> Result<NiftyLabel, BridgeError> {
        if label.name.trim().is_empty() {
            return Err(BridgeError::invalid_input("a Nifty label needs a name"));
        }
        let context = format!("create Nifty label '{}'", label.name);
        let body: Value = self
            .send(
                ApiRequest::post(&["labels"])
                    .json(label)?
                    .context(context.clone()),
            )
            .await?;
        read_record(body, "label", 0, &context)
    }

    /// One request that proves the `message` scope: the first comment of one task (or of the
    /// workspace when `task_id` is `None`), read and dropped.
    pub async fn probe_messages(&self, task_id: Option<&str>) -> Result<(), BridgeError> {
        let mut request = ApiRequest::get(&["messages"]).query("limit", "1");
        if let Some(id) = task_id {
            request = request.query("task_id", require_id("task", id)?);
        }
        let _: Value = self.send(request.context("read one Nifty comment")).await?;
        Ok(())
    }

    /// The comments of one task, oldest first as Nifty lists them.
    pub async fn list_task_messages(
        &self,
        task_id: &str,
    ) -> Result<Vec<NiftyMessage>, BridgeError> {
        let id = require_id("task", task_id)?;
        self.all_pages(
            ApiRequest::get(&["messages"]).query("task_id", id),
            &["items", "messages"],
            "message",
            &format!("list the comments of Nifty task {id}"),
        )
        .await
    }

    /// Posts a text comment on a task. Not repeated after an ambiguous failure.
    pub async fn create_task_message(
        &self,
        task_id: &str,
        text: &str,
    ) -> Result<NiftyMessage, BridgeError> {
        let id = require_id("task", task_id)?;
        if text.trim().is_empty() {
            return Err(BridgeError::invalid_input(format!(
                "a comment on Nifty task {id} needs text"
            )));
        }
        let context = format!("comment on Nifty task {id}");
        let body: Value = self
            .send(
                ApiRequest::post(&["messages"])
                    .json(&json!({"type": "text", "text": text, "task_id": id}))?
                    .context(context.clone()),
            )
            .await?;
        read_record(body, "message", 0, &context)
    }

    pub async fn list_projects(&self) -> Result<Vec<NiftyProject>, BridgeError> {
        self.all_pages(
            ApiRequest::get(&["projects"]),
            &["items", "projects"],
            "project",
            "list Nifty projects",
        )
        .await
    }

    /// The open task groups (status columns) of one project.
    pub async fn list_task_groups(
        &self,
        project_id: &str,
    ) -> Result<Vec<NiftyTaskGroup>, BridgeError> {
        let id = require_id("project", project_id)?;
        self.all_pages(
            ApiRequest::get(&["taskgroups"])
                .query("project_id", id)
                .query("archived", "false"),
            &["items", "task_groups", "taskgroups"],
            "task group",
            &format!("list the task groups of Nifty project {id}"),
        )
        .await
    }

    /// Every page of a small list (`limit`/`offset`, followed while `hasMore`), gathered.
    async fn all_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        request: ApiRequest,
        keys: &'static [&'static str],
        what: &'static str,
        context: &str,
    ) -> Result<Vec<T>, BridgeError> {
        let client = self.clone();
        let context = context.to_string();
        let pages = paginate(0u64, move |offset| {
            let (client, request, context) = (client.clone(), request.clone(), context.clone());
            async move {
                let context = format!("{context} (from offset {offset})");
                let body: Value = client
                    .send(
                        request
                            .query("limit", MAX_PAGE_SIZE.to_string())
                            .query("offset", offset.to_string())
                            .context(context.clone()),
                    )
                    .await?;
                let count = keys
                    .iter()
                    .find_map(|k| body.get(*k))
                    .or(Some(&body))
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let next = next_offset(&body, offset, count, MAX_PAGE_SIZE);
                let items: Vec<T> = read_list(body, keys, what, &context)?;
                Ok(Fetched { page: items, next })
            }
        });
        let pages: Vec<Vec<T>> = pages.try_collect().await?;
        Ok(pages.into_iter().flatten().collect())
    }
}
