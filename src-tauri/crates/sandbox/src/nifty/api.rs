//! The `/api/v1.0` endpoints: tasks, completion, task labels, labels, messages, projects and
//! task groups. Errors answer `{message, errors: [{message}]}` (Activepieces' Nifty client
//! reads that envelope). Sources: see the module above.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::data::{Label, Message, Task, Workspace};
use super::NiftyState;
use crate::ghl::shared::lock;

type Params = HashMap<String, String>;
/// A refusal, boxed: a `Response` is too large to travel in every `Err`.
type Refused = Box<Response>;

/// Nifty's error envelope (inferred from its clients: `{message, errors: [{message}]}`).
pub(crate) fn error(status: StatusCode, message: &str, details: &[String]) -> Response {
    let errors: Vec<Value> = details.iter().map(|d| json!({ "message": d })).collect();
    (
        status,
        Json(json!({ "message": message, "errors": errors })),
    )
        .into_response()
}

/// A route whose scope the token lacks (Activepieces' Nifty client tests: 403
/// `{"message": "Forbidden resource"}`).
pub(crate) fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({ "message": "Forbidden resource" })),
    )
        .into_response()
}

fn not_found(what: &str, id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("{what} not found"),
        &[format!("No {} with id {id}", what.to_lowercase())],
    )
}

fn invalid(details: Vec<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "Validation failed", &details)
}

fn body_object(bytes: &Bytes) -> Result<Map<String, Value>, Refused> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(Box::new(invalid(vec![
            "The body must be a JSON object".into()
        ]))),
    }
}

/// The most items one list answer holds: three sources page Nifty's lists by 100 with
/// `hasMore` (reference/api-fidelity.md). // Guess: a larger `limit` is served as 100, not
/// refused, so a client that stops at a page shorter than what it asked for misses the rest.
const MAX_PAGE: usize = 100;

/// `limit` (1..=1000 accepted, at most [`MAX_PAGE`] served, default 100) and `offset`
/// (default 0).
fn paging(params: &Params) -> Result<(usize, usize), Refused> {
    let read = |name: &str, default: usize| -> Result<usize, Refused> {
        match params.get(name) {
            None => Ok(default),
            Some(text) => text.parse::<usize>().map_err(|_| {
                Box::new(invalid(vec![format!(
                    "{name} must be a non-negative integer"
                )]))
            }),
        }
    };
    let limit = read("limit", 100)?;
    if !(1..=1000).contains(&limit) {
        return Err(Box::new(invalid(vec![
            "limit must be between 1 and 1000".into()
        ])));
    }
    Ok((limit.min(MAX_PAGE), read("offset", 0)?))
}

fn flag(params: &Params, name: &str) -> Result<Option<bool>, Refused> {
    match params.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Box::new(invalid(vec![format!(
            "{name} must be true or false"
        )]))),
    }
}

fn time_field(
    object: &Map<String, Value>,
    name: &str,
) -> Result<Option<Option<DateTime<Utc>>>, String> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| ())
                    .and_then(|d| d.and_hms_opt(0, 0, 0).ok_or(()))
                    .map(|t| t.and_utc())
            })
            .map(|t| Some(Some(t)))
            .map_err(|()| format!("{name} must be an ISO 8601 date")),
        Some(_) => Err(format!("{name} must be an ISO 8601 date")),
    }
}

fn text_field(object: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, String> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn id_list(object: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{name} must be a list of ids"))
            })
            .collect(),
        Some(_) => Err(format!("{name} must be a list of ids")),
    }
}

/// GET /tasks → `{tasks, hasMore}`. Completed tasks are left out unless `completed=true` is
/// asked (one live integration records it; reference/api-fidelity.md); `completed=false` is
/// the same as leaving it out.
pub(crate) async fn list_tasks(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let (limit, offset) = match paging(&params) {
        Ok(p) => p,
        Err(answer) => return *answer,
    };
    let (completed, archived, subtasks) = match (
        flag(&params, "completed"),
        flag(&params, "archived"),
        flag(&params, "include_subtasks"),
    ) {
        (Ok(c), Ok(a), Ok(s)) => (c.unwrap_or(false), a.unwrap_or(false), s.unwrap_or(false)),
        (Err(answer), _, _) | (_, Err(answer), _) | (_, _, Err(answer)) => return *answer,
    };
    let matches = |task: &Task| {
        let by = |name: &str, value: &str| params.get(name).is_none_or(|wanted| wanted == value);
        by("project_id", &task.project)
            && by("task_group_id", &task.task_group)
            && params
                .get("milestone_id")
                .is_none_or(|m| task.milestone.as_deref() == Some(m))
            && params
                .get("member_id")
                .is_none_or(|m| task.assignees.contains(m))
            && task.completed == completed
            && task.archived == archived
            && (subtasks || task.parent.is_none())
    };
    let ws = lock(&nifty.workspace);
    let matching: Vec<&Task> = ws.tasks.iter().filter(|t| matches(t)).collect();
    let tasks: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|t| t.to_json())
        .collect();
    let has_more = offset + tasks.len() < matching.len();
    Json(json!({ "tasks": tasks, "hasMore": has_more })).into_response()
}

/// GET /tasks/{id}
pub(crate) async fn get_task(State(nifty): State<NiftyState>, Path(id): Path<String>) -> Response {
    let ws = lock(&nifty.workspace);
    match ws.task_index(&id) {
        Some(i) => Json(ws.tasks[i].to_json()).into_response(),
        None => not_found("Task", &id),
    }
}

fn check_labels(ws: &Workspace, labels: &[String]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| !ws.labels.iter().any(|known| &known.id == *l))
        .map(|l| format!("label {l} does not exist"))
        .collect()
}

/// POST /tasks → 201 with the task, without its `name` (Pipedream's taskCreated sample
/// carries none; // Guess: the create answer is that shape).
pub(crate) async fn create_task(State(nifty): State<NiftyState>, bytes: Bytes) -> Response {
    let object = match body_object(&bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let mut ws = lock(&nifty.workspace);
    let mut problems = Vec::new();
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() {
        problems.push("name is required".to_string());
    }
    let group_id = object
        .get("task_group_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let project = match ws.task_group(group_id) {
        Some(group) => Some(group.project.clone()),
        None if group_id.is_empty() => {
            problems.push("task_group_id is required".into());
            None
        }
        None => {
            problems.push(format!("task group {group_id} does not exist"));
            None
        }
    };
    let description = text_field(&object, "description")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten()
        .flatten();
    let due_date = time_field(&object, "due_date")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten()
        .flatten();
    let start_date = time_field(&object, "start_date")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten()
        .flatten();
    let assignees = id_list(&object, "assignees")
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    let labels = id_list(&object, "labels")
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    problems.extend(check_labels(&ws, &labels));
    let parent = object
        .get("task_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(parent) = &parent {
        if ws.task_index(parent).is_none() {
            problems.push(format!("parent task {parent} does not exist"));
        }
    }
    let Some(project) = project.filter(|_| problems.is_empty()) else {
        return invalid(problems);
    };
    let task = Task {
        id: ws.new_id(),
        nice_id: ws.next_nice_id(),
        name: name.to_string(),
        description,
        created_at: nifty.now(),
        created_by: ws.members[0].clone(),
        archived: false,
        completed: false,
        completed_on: None,
        due_date,
        start_date,
        task_group: group_id.to_string(),
        project,
        milestone: object
            .get("milestone_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        assignees,
        labels,
        parent,
    };
    let mut answer = task.to_json();
    if let Some(object) = answer.as_object_mut() {
        object.remove("name");
        object.insert("message".into(), json!("Successfully created"));
    }
    ws.tasks.push(task);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// PUT /tasks/{id}: changes the fields present.
pub(crate) async fn update_task(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let object = match body_object(&bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let mut ws = lock(&nifty.workspace);
    let Some(index) = ws.task_index(&id) else {
        return not_found("Task", &id);
    };
    let mut problems = Vec::new();
    let name = text_field(&object, "name")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    if matches!(&name, Some(None)) || matches!(&name, Some(Some(n)) if n.trim().is_empty()) {
        problems.push("name must not be empty".into());
    }
    let description = text_field(&object, "description")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let due_date = time_field(&object, "due_date")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let start_date = time_field(&object, "start_date")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let milestone = text_field(&object, "milestone_id")
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let group = match object.get("task_group_id").and_then(Value::as_str) {
        Some(g) => match ws.task_group(g) {
            Some(group) => Some((group.id.clone(), group.project.clone())),
            None => {
                problems.push(format!("task group {g} does not exist"));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return invalid(problems);
    }
    let task = &mut ws.tasks[index];
    if let Some(Some(name)) = name {
        task.name = name;
    }
    if let Some(description) = description {
        task.description = description;
    }
    if let Some(due) = due_date {
        task.due_date = due;
    }
    if let Some(start) = start_date {
        task.start_date = start;
    }
    if let Some(milestone) = milestone {
        task.milestone = milestone;
    }
    if let Some((group, project)) = group {
        task.task_group = group;
        task.project = project;
    }
    Json(task.to_json()).into_response()
}

/// DELETE /tasks/{id}
pub(crate) async fn delete_task(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
) -> Response {
    let mut ws = lock(&nifty.workspace);
    let Some(index) = ws.task_index(&id) else {
        return not_found("Task", &id);
    };
    ws.tasks.remove(index);
    ws.messages.retain(|m| m.task != id);
    Json(json!({ "message": "Task deleted" })).into_response()
}

/// POST /tasks/{id}/complete (`{completed}` optional, default true).
pub(crate) async fn complete_task(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let object = match body_object(&bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let completed = match object.get("completed") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return invalid(vec!["completed must be a boolean".into()]),
    };
    set_completed(&nifty, &id, completed)
}

/// DELETE /tasks/{id}/complete
pub(crate) async fn uncomplete_task(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
) -> Response {
    set_completed(&nifty, &id, false)
}

fn set_completed(nifty: &NiftyState, id: &str, completed: bool) -> Response {
    let now = nifty.now();
    let mut ws = lock(&nifty.workspace);
    let Some(index) = ws.task_index(id) else {
        return not_found("Task", id);
    };
    let task = &mut ws.tasks[index];
    if task.completed != completed {
        task.completed = completed;
        task.completed_on = completed.then_some(now);
    }
    Json(json!({ "message": if completed { "Task completed" } else { "Task reopened" } }))
        .into_response()
}

/// PUT /tasks/{id}/labels
pub(crate) async fn add_labels(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    change_labels(&nifty, &id, &bytes, true)
}

/// DELETE /tasks/{id}/labels
pub(crate) async fn remove_labels(
    State(nifty): State<NiftyState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    change_labels(&nifty, &id, &bytes, false)
}

fn change_labels(nifty: &NiftyState, id: &str, bytes: &Bytes, add: bool) -> Response {
    let object = match body_object(bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let labels = match id_list(&object, "labels") {
        Ok(l) if !l.is_empty() => l,
        Ok(_) => return invalid(vec!["labels must list at least one label id".into()]),
        Err(e) => return invalid(vec![e]),
    };
    let mut ws = lock(&nifty.workspace);
    let problems = check_labels(&ws, &labels);
    if !problems.is_empty() {
        return invalid(problems);
    }
    let Some(index) = ws.task_index(id) else {
        return not_found("Task", id);
    };
    let task = &mut ws.tasks[index];
    for label in labels {
        if add && !task.labels.contains(&label) {
            task.labels.push(label);
        } else if !add {
            task.labels.retain(|l| *l != label);
        }
    }
    Json(task.to_json()).into_response()
}

fn page_of(items: Vec<Value>, params: &Params) -> Response {
    match paging(params) {
        Ok((limit, offset)) => {
            let total = items.len();
            let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
            let has_more = offset + page.len() < total;
            Json(json!({ "items": page, "hasMore": has_more })).into_response()
        }
        Err(answer) => *answer,
    }
}

/// GET /labels
pub(crate) async fn list_labels(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let items = lock(&nifty.workspace)
        .labels
        .iter()
        .map(Label::to_json)
        .collect();
    page_of(items, &params)
}

/// POST /labels
pub(crate) async fn create_label(State(nifty): State<NiftyState>, bytes: Bytes) -> Response {
    let object = match body_object(&bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let Some(name) = object
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return invalid(vec!["name is required".into()]);
    };
    let mut ws = lock(&nifty.workspace);
    let label = Label {
        id: ws.new_id(),
        name: name.to_string(),
        color: object
            .get("color")
            .and_then(Value::as_str)
            .unwrap_or("#8D8D8D")
            .to_string(),
    };
    let answer = label.to_json();
    ws.labels.push(label);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// GET /messages (`task_id` narrows to one task's comments)
pub(crate) async fn list_messages(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let ws = lock(&nifty.workspace);
    if let Some(task) = params.get("task_id") {
        if ws.task_index(task).is_none() {
            return not_found("Task", task);
        }
    }
    let items = ws
        .messages
        .iter()
        .filter(|m| params.get("task_id").is_none_or(|t| *t == m.task))
        .map(Message::to_json)
        .collect();
    drop(ws);
    page_of(items, &params)
}

/// POST /messages `{type, text, task_id}`
pub(crate) async fn create_message(State(nifty): State<NiftyState>, bytes: Bytes) -> Response {
    let object = match body_object(&bytes) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let text = object
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let task = object
        .get("task_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut problems = Vec::new();
    if text.trim().is_empty() {
        problems.push("text is required".to_string());
    }
    if task.is_empty() {
        problems.push("a chat_id, task_id, file_id or doc_id is required".into());
    }
    if !problems.is_empty() {
        return invalid(problems);
    }
    let now = nifty.now();
    let mut ws = lock(&nifty.workspace);
    if ws.task_index(&task).is_none() {
        return not_found("Task", &task);
    }
    let message = Message {
        id: ws.new_id(),
        task,
        text,
        author: ws.members[0].clone(),
        created_at: now,
    };
    let answer = message.to_json();
    ws.messages.push(message);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// GET /projects
pub(crate) async fn list_projects(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let items = lock(&nifty.workspace)
        .projects
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "archived": false}))
        .collect();
    page_of(items, &params)
}

/// GET /taskgroups?project_id=
pub(crate) async fn list_task_groups(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let Some(project) = params.get("project_id") else {
        return invalid(vec!["project_id is required".into()]);
    };
    let ws = lock(&nifty.workspace);
    if ws.project(project).is_none() {
        return not_found("Project", project);
    }
    let items = ws
        .task_groups
        .iter()
        .filter(|g| g.project == *project)
        .map(|g| json!({"id": g.id, "name": g.name, "project": g.project, "archived": false}))
        .collect();
    drop(ws);
    page_of(items, &params)
}
