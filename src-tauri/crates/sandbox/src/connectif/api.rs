//! Connectif's endpoints: contacts, contact fields, custom integrations and their custom event
//! types, custom events, exports and the export files. Errors answer `{status, title, detail}`
//! (HttpError), 422s add `validationErrors: [{path, reason}]` (HttpUnprocessableEntityError);
//! the texts are the reference pages' status descriptions. Sources: see the module above.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::data::{
    contacts_csv, time, ConnectifEvent, EventField, EventType, ExportJob, Field, EXPORT_VERSIONS,
};
use super::ConnectifState;
use crate::ghl::shared::lock;

pub(crate) fn error(status: StatusCode, detail: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    (
        status,
        Json(json!({"status": status.as_u16(), "title": title, "detail": detail})),
    )
        .into_response()
}

fn unprocessable(problems: Vec<(String, String)>) -> Response {
    let errors: Vec<Value> = problems
        .into_iter()
        .map(|(path, reason)| json!({"path": path, "reason": reason}))
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "status": 422,
            "title": "Unprocessable Entity",
            "detail": "Resource contains validation errors",
            "validationErrors": errors,
        })),
    )
        .into_response()
}

fn json_object(bytes: &Bytes) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

fn bad_json() -> Response {
    error(StatusCode::BAD_REQUEST, "Bad request: invalid json")
}

fn type_ok(kind: &str, value: &Value) -> bool {
    match kind {
        // ContactPatch: a string for text, email, date, radio and phone fields.
        "text" | "email" | "date" | "radio" | "phone" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "decimal" => value.is_number(),
        "checkbox" => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string)),
        _ => false,
    }
}

/// "+" then 6 to 15 digits (E.164), spaces allowed between them.
fn international(text: &str) -> bool {
    let digits: Vec<char> = text.chars().filter(|c| *c != ' ').collect();
    digits.first() == Some(&'+')
        && (7..=16).contains(&digits.len())
        && digits[1..].iter().all(char::is_ascii_digit)
}

/// What is wrong with `value` for the contact field `key`: unknown, read-only, the wrong type,
/// or a checkbox value that is no option id ("Importing contacts": values must match the ids of
/// the field's options).
fn field_problems(fields: &[Field], key: &str, value: &Value) -> Vec<(String, String)> {
    let path = format!("/{key}");
    let Some(field) = fields.iter().find(|f| f.id == key) else {
        return vec![(path, "is not a contact field of this account".into())];
    };
    if field.read_only {
        return vec![(path, "is read only".into())];
    }
    if value.is_null() {
        return Vec::new();
    }
    if !type_ok(&field.kind, value) {
        return vec![(path, format!("must be of type {}", field.kind))];
    }
    if let (Some(text), "radio") = (value.as_str(), field.kind.as_str()) {
        if !field.options.iter().any(|(id, _)| id == text) {
            return vec![(path, format!("'{text}' is not one of its possible values"))];
        }
    }
    // ContactPatch types `_mobilePhone` "international" ("The phone number of the contact in
    // international format"), and "Importing contacts" says phone fields cannot be empty.
    // Guess: the API refuses an empty or non-international value with this 422.
    if let (Some(text), "phone") = (value.as_str(), field.kind.as_str()) {
        if !international(text) {
            return vec![(
                path,
                format!("'{text}' is not a phone number in international format"),
            )];
        }
    }
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|item| !field.options.iter().any(|(id, _)| id == item))
        .map(|item| {
            (
                path.clone(),
                format!("'{item}' is not an option id of this field"),
            )
        })
        .collect()
}

/// GET /contact-fields/ → ContactFieldList `{results, links}` (one page: the fake's fields are
/// few).
pub(crate) async fn list_contact_fields(State(c): State<ConnectifState>) -> Response {
    let results: Vec<Value> = lock(&c.account)
        .fields
        .iter()
        .map(|f| {
            let mut out = json!({
                "id": f.id, "name": f.name, "type": f.kind, "custom": f.custom,
                "readOnly": f.read_only, "required": f.id == "_email",
            });
            if f.kind == "checkbox" || f.kind == "radio" {
                out["options"] = f
                    .options
                    .iter()
                    .map(|(id, label)| json!({"id": id, "label": label}))
                    .collect();
            }
            out
        })
        .collect();
    Json(json!({ "results": results, "links": {} })).into_response()
}

fn event_type_json(t: &EventType) -> Value {
    json!({
        "id": t.id, "alias": t.alias, "name": t.name, "category": "receive", "receiveType": "api",
        "fields": t.fields.iter().map(|f| json!({
            "id": f.id, "name": f.id, "type": f.kind, "isPrimaryKey": f.primary, "required": f.primary,
        })).collect::<Vec<_>>(),
    })
}

/// GET /custom-integrations/ → `{results}` (// Guess: listed like the other collections; the
/// reference documents create and patch by id).
pub(crate) async fn list_integrations(State(c): State<ConnectifState>) -> Response {
    let results: Vec<Value> = lock(&c.account)
        .integrations
        .iter()
        .map(|i| json!({"id": i.id, "name": i.name, "eventsEnabled": true}))
        .collect();
    Json(json!({ "results": results, "links": {} })).into_response()
}

/// GET /custom-integrations/{id}/custom-event-types/ → `{results}` (// Guess: the list beside
/// the documented create).
pub(crate) async fn list_event_types(
    State(c): State<ConnectifState>,
    Path(id): Path<String>,
) -> Response {
    let account = lock(&c.account);
    match account.integrations.iter().find(|i| i.id == id) {
        Some(i) => {
            let results: Vec<Value> = i.event_types.iter().map(event_type_json).collect();
            Json(json!({ "results": results, "links": {} })).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Resource not found."),
    }
}

/// POST /custom-integrations/{id}/custom-event-types/ (CustomEventTypeCreation: alias,
/// category, fields with one email primary key, name, receiveType) → 201 CustomEventType.
pub(crate) async fn create_event_type(
    State(c): State<ConnectifState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let Some(body) = json_object(&bytes) else {
        return bad_json();
    };
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut problems: Vec<(String, String)> = Vec::new();
    let (alias, name) = (text("alias"), text("name"));
    if text("category") != "receive" {
        problems.push((
            "/category".into(),
            "must be receive for an event sent by API".into(),
        ));
    }
    if alias.is_empty() {
        problems.push((
            "/alias".into(),
            "is required when category is receive".into(),
        ));
    }
    if name.is_empty() {
        problems.push(("/name".into(), "is required".into()));
    }
    let mut fields = Vec::new();
    for (n, f) in body
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let id = f
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = f
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if id.is_empty() || kind.is_empty() {
            problems.push((format!("/fields/{n}"), "needs an id and a type".into()));
        }
        let primary = f
            .get("isPrimaryKey")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if primary && kind != "email" {
            problems.push((
                format!("/fields/{n}/isPrimaryKey"),
                "the primary key must be of type email".into(),
            ));
        }
        fields.push(EventField { id, kind, primary });
    }
    if fields.iter().filter(|f| f.primary).count() != 1 {
        problems.push((
            "/fields".into(),
            "exactly one field must be the primary key".into(),
        ));
    }
    let mut account = lock(&c.account);
    if account
        .integrations
        .iter()
        .flat_map(|i| &i.event_types)
        .any(|t| t.alias == alias)
    {
        problems.push((
            "/alias".into(),
            "is already used by another custom event type".into(),
        ));
    }
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    let new_id = account.new_id();
    let Some(integration) = account.integrations.iter_mut().find(|i| i.id == id) else {
        return error(StatusCode::NOT_FOUND, "Resource not found.");
    };
    let created = EventType {
        id: new_id,
        alias,
        name,
        fields,
    };
    let answer = event_type_json(&created);
    integration.event_types.push(created);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// GET /contacts/{email}
pub(crate) async fn get_contact(
    State(c): State<ConnectifState>,
    Path(email): Path<String>,
) -> Response {
    match lock(&c.account).contacts.get(&email.trim().to_lowercase()) {
        Some(contact) => Json(contact.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "Contact not found"),
    }
}

/// PATCH /contacts/{email}: creates the contact when missing; `_updatedAt` moves on change.
pub(crate) async fn patch_contact(
    State(c): State<ConnectifState>,
    Path(email): Path<String>,
    bytes: Bytes,
) -> Response {
    let Some(patch) = json_object(&bytes) else {
        return bad_json();
    };
    let email = email.trim().to_lowercase();
    let mut problems = Vec::new();
    if !email.contains('@') || email.contains(' ') {
        problems.push((
            "/email".to_string(),
            "must be a valid email address".to_string(),
        ));
    }
    let fields = lock(&c.account).fields.clone();
    for (key, value) in &patch {
        problems.extend(field_problems(&fields, key, value));
    }
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    let now = c.now();
    let mut account = lock(&c.account);
    if !account.contacts.contains_key(&email) {
        let blank = account.blank_contact(&email, now);
        account.contacts.insert(email.clone(), blank);
    }
    let Some(contact) = account.contacts.get_mut(&email) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "contact vanished");
    };
    let mut changed = false;
    for (key, value) in patch {
        if contact.get(&key) != Some(&value) {
            contact.insert(key, value);
            changed = true;
        }
    }
    if changed {
        contact.insert("_updatedAt".into(), json!(time(now)));
    }
    Json(contact.clone()).into_response()
}

/// POST /custom-events/alias/{alias}?createContact=
pub(crate) async fn custom_event(
    State(c): State<ConnectifState>,
    Path(alias): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    let fields: Option<Vec<String>> = lock(&c.account)
        .integrations
        .iter()
        .flat_map(|i| &i.event_types)
        .find(|t| t.alias == alias)
        .map(|t| {
            // The primary key (the contact's email) first.
            let mut ids: Vec<&EventField> = t.fields.iter().collect();
            ids.sort_by_key(|f| !f.primary);
            ids.into_iter().map(|f| f.id.clone()).collect()
        });
    let Some(fields) = fields else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Custom event type with alias '{alias}' not found"),
        );
    };
    let create_contact = match query.get("createContact").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return unprocessable(vec![("/createContact".into(), "must be a boolean".into())])
        }
    };
    let Some(body) = json_object(&bytes) else {
        return bad_json();
    };
    let mut problems: Vec<(String, String)> = body
        .keys()
        .filter(|k| !fields.iter().any(|f| f == *k))
        .map(|k| {
            (
                format!("/{k}"),
                "is not a field of this custom event".to_string(),
            )
        })
        .collect();
    let email = body
        .get(&fields[0])
        .and_then(Value::as_str)
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.contains('@'));
    if email.is_none() {
        problems.push((
            format!("/{}", fields[0]),
            "is required and must be an email".into(),
        ));
    }
    let Some(email) = email.filter(|_| problems.is_empty()) else {
        return unprocessable(problems);
    };
    let now = c.now();
    let mut account = lock(&c.account);
    if !account.contacts.contains_key(&email) {
        if !create_contact {
            return error(StatusCode::NOT_FOUND, "Contact not found");
        }
        let blank = account.blank_contact(&email, now);
        account.contacts.insert(email.clone(), blank);
    }
    let id = account.new_id();
    account
        .activities
        .push(super::activities::ConnectifActivity {
            id: id.clone(),
            kind: "custom-event".into(),
            email,
            at: now,
            custom_event: Some(alias.clone()),
        });
    account.events.push(ConnectifEvent {
        alias,
        create_contact,
        fields: body,
    });
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

fn export_json(c: &ConnectifState, job: &ExportJob) -> Value {
    let ready = job.polls >= c.export_polls && !job.fail;
    let status = if job.fail && job.polls >= 1 {
        "error"
    } else if ready {
        "finished"
    } else if job.polls == 0 {
        "pending"
    } else {
        "in-progress"
    };
    let progress = if ready {
        job.total
    } else {
        job.total * job.polls / (c.export_polls.max(1) + 1)
    };
    let mut out = json!({
        "id": job.id,
        "exportType": job.export_type,
        "delimiter": job.delimiter.to_string(),
        "dateFormat": "ISO",
        "createdAt": time(job.created_at),
        "status": status,
        "progress": progress,
        "total": job.total,
        "origin": "api",
    });
    if status == "finished" {
        out["fileUrl"] = json!(format!(
            "{}/export-files/{}/{}/{}.csv",
            c.root_url, job.id, job.token, job.export_type
        ));
        out["fileName"] = json!(format!("{}.csv", job.export_type));
        out["fileExtension"] = json!("csv");
        out["finishedAt"] = json!(time(job.created_at));
    }
    out
}

/// POST /exports/: a contacts or an activities export.
pub(crate) async fn create_export(State(c): State<ConnectifState>, bytes: Bytes) -> Response {
    let Some(body) = json_object(&bytes) else {
        return bad_json();
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or("");
    let mut problems: Vec<(String, String)> = Vec::new();
    let export_type = match text("exportType") {
        "contacts" => "contacts",
        "activities" => "activities",
        _ => {
            problems.push((
                "/exportType".into(),
                "must be one of contacts, activities".into(),
            ));
            "contacts"
        }
    };
    let delimiter = match text("delimiter") {
        "," => ',',
        ";" => ';',
        _ => {
            problems.push(("/delimiter".into(), "must be one of ',', ';'".into()));
            ','
        }
    };
    let version = match body.get("version").and_then(Value::as_str) {
        None => "v1",
        Some(v) if EXPORT_VERSIONS.contains(&v) => v,
        Some(_) => {
            problems.push((
                "/version".into(),
                format!("must be one of {}", EXPORT_VERSIONS.join(", ")),
            ));
            "v1"
        }
    };
    if !matches!(text("dateFormat"), "ISO" | "L" | "LL" | "LLL") {
        problems.push((
            "/dateFormat".into(),
            "must be one of ISO, L, LL, LLL".into(),
        ));
    }
    let filters = body.get("filters").and_then(Value::as_object);
    let mut range = None;
    if export_type == "activities" {
        match super::activities::filters(filters) {
            Ok(asked) => range = Some(asked),
            Err(found) => problems.extend(found),
        }
    } else if let Some(filters) = filters {
        for key in ["fromDate", "toDate", "activityTypes"] {
            if filters.contains_key(key) {
                problems.push((
                    format!("/filters/{key}"),
                    "can be set only for the activities export type".into(),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    let now = c.now();
    let mut account = lock(&c.account);
    let (csv, total) = match &range {
        Some(range) => super::activities::activities_csv(&account, delimiter, range),
        None => contacts_csv(&account, delimiter, version),
    };
    let fail = std::mem::take(&mut account.fail_next_export);
    let job = ExportJob {
        id: account.new_id(),
        export_type,
        delimiter,
        created_at: now,
        polls: 0,
        fail,
        token: account.new_id(),
        csv,
        total,
    };
    let answer = export_json(&c, &job);
    account.exports.push(job);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// GET /exports/ → ExportList `{results, links}`, newest first (reading moves no job on).
pub(crate) async fn list_exports(
    State(c): State<ConnectifState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20);
    let account = lock(&c.account);
    let results: Vec<Value> = account
        .exports
        .iter()
        .rev()
        .take(limit)
        .map(|job| export_json(&c, job))
        .collect();
    Json(json!({ "results": results, "links": {} })).into_response()
}

/// GET /exports/{id}: every read moves the job one step on.
pub(crate) async fn get_export(
    State(c): State<ConnectifState>,
    Path(id): Path<String>,
) -> Response {
    let mut account = lock(&c.account);
    let Some(job) = account.exports.iter_mut().find(|j| j.id == id) else {
        return error(StatusCode::NOT_FOUND, "Export not found");
    };
    job.polls += 1;
    Json(export_json(&c, job)).into_response()
}

/// GET /export-files/{id}/{token}/{file}: the signed file URL (no API key).
pub(crate) async fn export_file(
    State(c): State<ConnectifState>,
    Path((id, token, _file)): Path<(String, String, String)>,
) -> Response {
    let account = lock(&c.account);
    match account.exports.iter().find(|j| j.id == id && j.token == token && j.polls >= c.export_polls && !j.fail) {
        Some(job) => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], job.csv.clone()).into_response(),
        None => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
        )
            .into_response(),
    }
}
