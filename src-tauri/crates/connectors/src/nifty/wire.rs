//! Nifty's JSON shapes (snake_case fields). Lenient on read: fields we do not model are kept in
//! `other`, so a content hash over a task sees every change Nifty reports.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A task: `GET /tasks/{id}` and the items of `GET /tasks`. There is no `updated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiftyTask {
    pub id: String,
    /// The human number shown in Nifty, e.g. "ABC-12".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nice_id: Option<String>,
    /// Empty when the answer has none (a create answer may lack it).
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub completed: bool,
    #[serde(default, deserialize_with = "lenient_time")]
    pub completed_on: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub due_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_date: Option<DateTime<Utc>>,
    /// The task group (status column) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// Member ids.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub assignees: Vec<String>,
    /// Label ids.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub labels: Vec<String>,
    /// Every other field, as Nifty sent it.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `POST /tasks`: `name` and `task_group_id` are required.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewNiftyTask {
    pub name: String,
    pub task_group_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The parent task, to create a subtask.
    #[serde(rename = "task_id", skip_serializing_if = "Option::is_none")]
    pub parent_task_id: Option<String>,
}

/// `PUT /tasks/{id}`: only the fields that are `Some` are sent; `Some(None)` clears a field
/// (sent as JSON `null`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NiftyTaskUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Option<DateTime<Utc>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Option<DateTime<Utc>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Option<String>>,
}

impl NiftyTaskUpdate {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A label: `GET /labels`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiftyLabel {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `POST /labels`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewNiftyLabel {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A message; one posted on a task is that task's comment. Messages use camelCase times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiftyMessage {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, rename = "createdAt", deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "updatedAt", deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The author as Nifty sends it (an object with at least `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl NiftyMessage {
    pub fn author_id(&self) -> Option<&str> {
        self.author
            .as_ref()
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
    }
}

/// A project, for the operator to pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiftyProject {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A task group: one status column of a project's board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiftyTaskGroup {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An ISO 8601 instant, a bare date (midnight UTC), an empty string or null.
fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    let Some(text) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(instant) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(instant.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not an ISO 8601 date")))
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_task_and_keeps_unknown_fields() {
        let task: NiftyTask = serde_json::from_value(json!({
            "id": "t1", "nice_id": "AB-1", "name": "Call", "description": null,
            "created_at": "2024-03-01T10:00:00.000Z", "completed": false,
            "due_date": "2024-03-05", "assignees": null, "labels": ["l1"],
            "order": 100, "hidden": []
        }))
        .unwrap();
        assert_eq!(
            task.due_date.unwrap().to_rfc3339(),
            "2024-03-05T00:00:00+00:00"
        );
        assert!(task.assignees.is_empty());
        assert_eq!(task.labels, vec!["l1"]);
        assert_eq!(task.other["order"], 100);
        assert!(task.completed_on.is_none());
    }

    #[test]
    fn a_bad_date_names_the_value() {
        let err = serde_json::from_value::<NiftyTask>(
            json!({"id": "t", "name": "n", "due_date": "soon"}),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("'soon' is not an ISO 8601 date"),
            "{err}"
        );
    }

    #[test]
    fn an_update_sends_only_what_is_set_and_null_to_clear() {
        let update = NiftyTaskUpdate {
            name: Some("New".into()),
            due_date: Some(None),
            ..NiftyTaskUpdate::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"name": "New", "due_date": null})
        );
        assert!(NiftyTaskUpdate::default().is_empty());
    }
}
