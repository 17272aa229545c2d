//! Tasks of a contact (contacts.json) and the location-wide task search (locations.json).
//! Task changes do not stamp the contact's dateUpdated: tasks are their own records in GHL
//! (not verified; the safe assumption for a sync, which must not rely on it).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::auth::{contact_location, own_location};
use super::contacts::matches_query;
use super::dates::{iso_ms, parse_instant_str};
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{AccessGrant, ContactRec, TaskRec};
use super::validate::{json_body, opt_str, validate, Kind, Prop};

/// CreateTaskParams and UpdateTaskBody share these properties.
const TASK_PROPS: &[Prop] = &[
    Prop("title", Kind::Str),
    Prop("body", Kind::Str),
    Prop("dueDate", Kind::DateTime),
    Prop("completed", Kind::Bool),
    Prop("assignedTo", Kind::Str),
];

/// UpdateTaskStatusParams
const STATUS_PROPS: &[Prop] = &[Prop("completed", Kind::Bool)];

/// TaskSearchParamsDto
const SEARCH_PROPS: &[Prop] = &[
    Prop("contactId", Kind::StrArray),
    Prop("completed", Kind::Bool),
    Prop("assignedTo", Kind::StrArray),
    Prop("query", Kind::Str),
    Prop("limit", Kind::Integer),
    Prop("skip", Kind::Integer),
    Prop("businessId", Kind::Str),
];

pub(crate) fn task_json(contact_id: &str, task: &TaskRec) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(task.id));
    out.insert("title".into(), json!(task.title));
    if let Some(body) = &task.body {
        out.insert("body".into(), json!(body));
    }
    if let Some(assigned) = &task.assigned_to {
        out.insert("assignedTo".into(), json!(assigned));
    }
    out.insert("dueDate".into(), json!(iso_ms(task.due_date)));
    out.insert("completed".into(), json!(task.completed));
    out.insert("contactId".into(), json!(contact_id));
    Value::Object(out)
}

fn apply(task: &mut TaskRec, map: &Map<String, Value>) {
    if let Some(title) = opt_str(map, "title") {
        task.title = Arc::from(title);
    }
    if map.contains_key("body") {
        task.body = opt_str(map, "body").map(str::to_string);
    }
    if let Some(due) = opt_str(map, "dueDate").and_then(parse_instant_str) {
        task.due_date = due;
    }
    if let Some(completed) = map.get("completed").and_then(Value::as_bool) {
        task.completed = completed;
    }
    if map.contains_key("assignedTo") {
        task.assigned_to = opt_str(map, "assignedTo").map(Arc::from);
    }
}

fn find_task<'a>(contact: &'a mut ContactRec, task_id: &str) -> Result<&'a mut TaskRec, ApiError> {
    contact
        .tasks
        .iter_mut()
        .find(|t| t.id == task_id)
        .ok_or_else(|| ApiError::bad_request("Task not found"))
}

fn contact_mut<'a>(
    data: &'a mut super::state::Data,
    grant: &AccessGrant,
    contact_id: &str,
) -> Result<&'a mut ContactRec, ApiError> {
    contact_location(data, grant, contact_id)?
        .contacts
        .get_mut(contact_id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))
}

/// GET /contacts/{contactId}/tasks → {tasks}
pub(crate) async fn list(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let tasks: Vec<Value> = contact
        .tasks
        .iter()
        .map(|t| task_json(&contact_id, t))
        .collect();
    Ok(Json(json!({ "tasks": tasks })))
}

/// POST /contacts/{contactId}/tasks → 201 {task}
pub(crate) async fn create(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, TASK_PROPS, &["title", "dueDate", "completed"])?;
    let mut data = lock(&shared.data);
    let id = data.new_id();
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let mut task = TaskRec {
        id,
        title: Arc::from(""),
        body: None,
        due_date: shared.now(),
        completed: false,
        assigned_to: None,
    };
    apply(&mut task, map);
    let out = task_json(&contact_id, &task);
    contact.tasks.push(task);
    Ok((StatusCode::CREATED, Json(json!({ "task": out }))))
}

/// GET /contacts/{contactId}/tasks/{taskId} → {task}
pub(crate) async fn get_one(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, task_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let task = find_task(contact, &task_id)?;
    Ok(Json(json!({"task": task_json(&contact_id, task)})))
}

/// PUT /contacts/{contactId}/tasks/{taskId} → {task}
pub(crate) async fn update(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, task_id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, TASK_PROPS, &[])?;
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let task = find_task(contact, &task_id)?;
    apply(task, map);
    Ok(Json(json!({"task": task_json(&contact_id, task)})))
}

/// PUT /contacts/{contactId}/tasks/{taskId}/completed {completed} → {task}
pub(crate) async fn set_completed(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, task_id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, STATUS_PROPS, &["completed"])?;
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let task = find_task(contact, &task_id)?;
    apply(task, map);
    Ok(Json(json!({"task": task_json(&contact_id, task)})))
}

/// DELETE /contacts/{contactId}/tasks/{taskId} → {succeded}
pub(crate) async fn delete(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, task_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    find_task(contact, &task_id)?;
    contact.tasks.retain(|t| t.id != task_id);
    Ok(Json(json!({"succeded": true})))
}

/// POST /locations/{locationId}/tasks/search → {tasks}, by due date, `skip`/`limit` paged.
pub(crate) async fn search(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(location_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    grant.check_location(&location_id)?;
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, SEARCH_PROPS, &[])?;
    let strings = |key: &str| -> Option<Vec<&str>> {
        map.get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
    };
    // A set: the engine names up to 500 contacts a search.
    let contact_ids: Option<std::collections::HashSet<&str>> =
        strings("contactId").map(|ids| ids.into_iter().collect());
    let assigned = strings("assignedTo");
    let completed = map.get("completed").and_then(Value::as_bool);
    let text = opt_str(map, "query").unwrap_or_default().to_lowercase();
    let business = opt_str(map, "businessId");
    let limit = map.get("limit").and_then(Value::as_u64).unwrap_or(25);
    let skip = map.get("skip").and_then(Value::as_u64).unwrap_or(0);
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let contacts: HashMap<&str, &ContactRec> = location
        .contacts
        .iter()
        .filter(|(id, _)| contact_ids.as_ref().is_none_or(|ids| ids.contains(&***id)))
        .filter(|(_, c)| business.is_none_or(|b| c.get("businessId") == Some(b)))
        .map(|(id, c)| (&**id, c))
        .collect();
    let mut found: Vec<(&str, &TaskRec)> = contacts
        .iter()
        .flat_map(|(id, c)| c.tasks.iter().map(move |t| (*id, t)))
        .filter(|(_, t)| completed.is_none_or(|done| t.completed == done))
        .filter(|(_, t)| {
            assigned
                .as_ref()
                .is_none_or(|users| t.assigned_to.as_deref().is_some_and(|u| users.contains(&u)))
        })
        .filter(|(id, t)| {
            text.is_empty()
                || t.title.to_lowercase().contains(&text)
                || contacts.get(id).is_some_and(|c| matches_query(c, &text))
        })
        .collect();
    found.sort_by(|a, b| (a.1.due_date, &a.1.id).cmp(&(b.1.due_date, &b.1.id)));
    let tasks: Vec<Value> = found
        .iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(contact_id, task)| task_json(contact_id, task))
        .collect();
    Ok(Json(json!({ "tasks": tasks })))
}
