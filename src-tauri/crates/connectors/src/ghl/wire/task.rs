//! Tasks of a contact: TaskSchema as read; CreateTaskParams, UpdateTaskBody and
//! UpdateTaskStatusParams as written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::serde_helpers::{null_as_default, rfc3339, rfc3339_opt};
use super::time::RemoteTime;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GhlTask {
    /// `id`; the location-wide task search may answer `_id`.
    #[serde(alias = "_id")]
    pub id: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub assigned_to: Option<String>,
    pub due_date: Option<RemoteTime>,
    pub completed: Option<bool>,
    pub contact_id: Option<String>,
}

/// CreateTaskParams: title, dueDate and completed are required.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub due_date: DateTime<Utc>,
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// UpdateTaskBody: every property optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub due_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// UpdateTaskStatusParams — PUT …/tasks/{taskId}/completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaskCompletedBody {
    pub completed: bool,
}

/// TaskSearchParamsDto — POST /locations/{locationId}/tasks/search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TaskSearchBody<'a> {
    pub skip: u64,
    pub limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// Only these contacts' tasks (`contactId`, an array of ids); all when empty.
    #[serde(rename = "contactId", skip_serializing_if = "<[String]>::is_empty")]
    pub contact_ids: &'a [String],
}

/// `{tasks}` — GET /contacts/{id}/tasks and the location-wide task search.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TasksEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub tasks: Vec<GhlTask>,
}

/// `{task}` — GET, POST, PUT of one task.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskEnvelope {
    pub task: GhlTask,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    #[test]
    fn new_task_has_the_required_create_params() {
        let task = NewTask {
            title: "Call back".into(),
            body: None,
            due_date: Utc.with_ymd_and_hms(2020, 10, 25, 11, 0, 0).unwrap(),
            completed: false,
            assigned_to: None,
        };
        assert_eq!(
            serde_json::to_value(&task).unwrap(),
            json!({"title": "Call back", "dueDate": "2020-10-25T11:00:00Z", "completed": false})
        );
    }

    #[test]
    fn task_update_writes_only_what_is_set_within_update_task_body() {
        let full = TaskUpdate {
            title: Some("t".into()),
            body: Some("b".into()),
            due_date: Some(Utc.with_ymd_and_hms(2021, 7, 8, 2, 30, 0).unwrap()),
            completed: Some(true),
            assigned_to: Some("u1".into()),
        };
        let value = serde_json::to_value(&full).unwrap();
        let mut keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["assignedTo", "body", "completed", "dueDate", "title"]
        );
        assert_eq!(value["dueDate"], "2021-07-08T02:30:00Z");
        assert_eq!(
            serde_json::to_value(TaskUpdate {
                completed: Some(false),
                ..Default::default()
            })
            .unwrap(),
            json!({"completed": false})
        );
    }
}
