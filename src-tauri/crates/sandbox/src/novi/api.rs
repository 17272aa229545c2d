//! The handlers: members, activities, events, answering as a Novi tenant's `/api` does
//! (ASP.NET Web API: PascalCase JSON, `{"Message": …}` errors).

// Early answers travel as `Err(Response)`: one per request, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::data::{ACTIVITY_FIELDS, EVENT_FIELDS, MEMBER_FIELDS};
use super::fields::{date_of, parse_date, replace_from, str_of};
use super::{NoviState, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::ghl::shared::lock;
use crate::novi::host::guid;

pub(crate) fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "Message": text.into() }))).into_response()
}

fn invalid(detail: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"Message": "The request is invalid.", "ModelState": {"model": [detail]}})),
    )
        .into_response()
}

/// Query parameters by lower-cased name (ASP.NET binds them case-insensitively).
pub(crate) fn query_map(raw: Option<String>) -> HashMap<String, String> {
    let raw = raw.unwrap_or_default();
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect()
}

pub(crate) fn body_object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("The body must be a JSON object.".into())),
        Err(err) => Err(invalid(format!("Invalid JSON: {err}"))),
    }
}

pub(crate) struct Page {
    size: usize,
    offset: usize,
}

pub(crate) fn page_of(query: &HashMap<String, String>) -> Result<Page, Response> {
    let number = |name: &str, default: usize| -> Result<usize, Response> {
        match query.get(name) {
            None => Ok(default),
            Some(text) if text.trim().is_empty() => Ok(default),
            Some(text) => text
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid(format!("The value '{text}' is not valid for {name}."))),
        }
    };
    let size = number("pagesize", DEFAULT_PAGE_SIZE)?;
    let offset = number("offset", 0)?;
    Ok(Page {
        size: size.clamp(1, MAX_PAGE_SIZE),
        offset,
    })
}

fn date_param(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<DateTime<Utc>>, Response> {
    match query.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(text) => parse_date(text)
            .map(Some)
            .ok_or_else(|| invalid(format!("The value '{text}' is not valid for {name}."))),
    }
}

pub(crate) fn paged(items: Vec<Value>, page: &Page) -> Response {
    let total = items.len();
    let results: Vec<Value> = items
        .into_iter()
        .skip(page.offset)
        .take(page.size)
        .collect();
    Json(json!({"TotalCount": total, "Results": results})).into_response()
}

// ---- members ----

pub(crate) async fn list_members(
    State(novi): State<NoviState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = query_map(raw);
    let page = match page_of(&query) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    lock(&novi.member_listings).push(query.get("lastmodifieddate").cloned());
    // Guess: a value without an offset is read as UTC.
    let since = match date_param(&query, "lastmodifieddate") {
        Ok(since) => since,
        Err(answer) => return answer,
    };
    let data = lock(&novi.data);
    // Guess: the filter keeps members updated at or after the instant given.
    let items: Vec<Value> = data
        .members
        .iter()
        .filter(|m| match since {
            None => true,
            Some(since) => date_of(m, "LastUpdatedDate").is_some_and(|d| d >= since),
        })
        .map(|m| Value::Object(m.clone()))
        .collect();
    paged(items, &page)
}

pub(crate) async fn get_member(State(novi): State<NoviState>, Path(id): Path<String>) -> Response {
    match lock(&novi.data).member(&id) {
        Some(member) => Json(Value::Object(member.clone())).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Member {id} not found.")),
    }
}

fn check_parent(novi: &NoviState, fields: &Map<String, Value>) -> Result<(), Response> {
    if let Some(parent) = str_of(fields, "ParentCustomerUniqueID") {
        if lock(&novi.data).member(parent).is_none() {
            return Err(invalid(format!(
                "ParentCustomerUniqueID {parent} does not exist."
            )));
        }
    }
    Ok(())
}

pub(crate) async fn create_member(State(novi): State<NoviState>, body: Bytes) -> Response {
    let body = match body_object(&body) {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let fields = match replace_from(MEMBER_FIELDS, &body) {
        Ok(fields) => fields,
        Err(detail) => return invalid(detail),
    };
    if str_of(&fields, "Name").is_none_or(|n| n.trim().is_empty()) {
        return invalid("Name is required.".into());
    }
    if let Err(answer) = check_parent(&novi, &fields) {
        return answer;
    }
    let id = guid(&mut *lock(&novi.rng));
    let now = novi.now();
    let mut data = lock(&novi.data);
    data.insert_member(id.clone(), fields, now);
    let created = data.member(&id).cloned().unwrap_or_default();
    (StatusCode::CREATED, Json(Value::Object(created))).into_response()
}

/// Full replacement: whatever the body leaves out is cleared.
pub(crate) async fn replace_member(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match body_object(&body) {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let fields = match replace_from(MEMBER_FIELDS, &body) {
        Ok(fields) => fields,
        Err(detail) => return invalid(detail),
    };
    if let Err(answer) = check_parent(&novi, &fields) {
        return answer;
    }
    let now = novi.now();
    let mut data = lock(&novi.data);
    if !data.replace_member(&id, fields, now) {
        return message(StatusCode::NOT_FOUND, format!("Member {id} not found."));
    }
    let updated = data.member(&id).cloned().unwrap_or_default();
    Json(Value::Object(updated)).into_response()
}

// ---- activities ----

pub(crate) async fn list_activities(
    State(novi): State<NoviState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = query_map(raw);
    let page = match page_of(&query) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let (from, to) = match (date_param(&query, "datefrom"), date_param(&query, "dateto")) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(answer), _) | (_, Err(answer)) => return answer,
    };
    let member = query
        .get("memberuniqueid")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let activity_type = query.get("activitytype").map(|s| s.trim().to_string());
    let data = lock(&novi.data);
    let items: Vec<Value> = data
        .activities
        .values()
        .filter(|a| {
            let date = date_of(a, "Date");
            from.is_none_or(|from| date.is_some_and(|d| d >= from))
                && to.is_none_or(|to| date.is_some_and(|d| d <= to))
                && member
                    .as_deref()
                    .is_none_or(|m| str_of(a, "MemberUniqueId") == Some(m))
                && activity_type.as_deref().is_none_or(|t| {
                    str_of(a, "ActivityType").is_some_and(|s| s.eq_ignore_ascii_case(t))
                })
        })
        .map(|a| data.activity_view(a))
        .collect();
    paged(items, &page)
}

pub(crate) async fn get_activity(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
) -> Response {
    let data = lock(&novi.data);
    match data
        .activity_index
        .get(&id)
        .and_then(|n| data.activities.get(n))
    {
        Some(activity) => Json(data.activity_view(activity)).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Activity {id} not found.")),
    }
}

fn activity_fields(novi: &NoviState, body: &Bytes) -> Result<Map<String, Value>, Response> {
    let body = body_object(body)?;
    let fields = replace_from(ACTIVITY_FIELDS, &body).map_err(invalid)?;
    let data = lock(&novi.data);
    match str_of(&fields, "MemberUniqueId") {
        None => return Err(invalid("MemberUniqueId is required.".into())),
        Some(member) if data.member(member).is_none() => {
            return Err(invalid(format!("Member {member} does not exist.")));
        }
        Some(_) => {}
    }
    for field in ["AssignedToMemberUniqueId", "ContactMemberUniqueId"] {
        if let Some(member) = str_of(&fields, field) {
            if data.member(member).is_none() {
                return Err(invalid(format!("{field}: member {member} does not exist.")));
            }
        }
    }
    drop(data);
    match str_of(&fields, "ActivityType") {
        None => return Err(invalid("ActivityType is required.".into())),
        Some(name) if !super::types::known(novi, name) => {
            return Err(invalid(format!("ActivityType '{name}' does not exist.")));
        }
        Some(_) => {}
    }
    Ok(fields)
}

/// 201 with an empty body: the new activity's UniqueID is in the `Location` header.
pub(crate) async fn create_activity(State(novi): State<NoviState>, body: Bytes) -> Response {
    let mut fields = match activity_fields(&novi, &body) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    if fields.get("Date").is_some_and(Value::is_null) {
        fields.insert("Date".into(), json!(super::fields::format_date(novi.now())));
    }
    let id = guid(&mut *lock(&novi.rng));
    lock(&novi.data).insert_activity(id.clone(), fields);
    let location = format!("{}/activities/{id}", novi.base_url);
    let mut answer = StatusCode::CREATED.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        answer.headers_mut().insert(header::LOCATION, value);
    }
    answer
}

pub(crate) async fn replace_activity(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match activity_fields(&novi, &body) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    let mut data = lock(&novi.data);
    let Some(number) = data.activity_index.get(&id).copied() else {
        return message(StatusCode::NOT_FOUND, format!("Activity {id} not found."));
    };
    let mut fields = fields;
    fields.insert("UniqueID".into(), json!(id));
    data.activities.insert(number, fields.clone());
    Json(data.activity_view(&fields)).into_response()
}

pub(crate) async fn delete_activity(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
) -> Response {
    let mut data = lock(&novi.data);
    match data.activity_index.remove(&id) {
        Some(number) => {
            data.activities.remove(&number);
            StatusCode::OK.into_response()
        }
        None => message(StatusCode::NOT_FOUND, format!("Activity {id} not found.")),
    }
}

// ---- events ----

pub(crate) async fn list_events(State(novi): State<NoviState>) -> Response {
    let data = lock(&novi.data);
    let events: Vec<Value> = data
        .events
        .iter()
        .map(|e| event_view(&novi.base_url, e))
        .collect();
    Json(Value::Array(events)).into_response()
}

fn event_view(base_url: &str, event: &Map<String, Value>) -> Value {
    let mut view = event.clone();
    let id = str_of(event, "EventUniqueId")
        .unwrap_or_default()
        .to_string();
    let site = base_url.trim_end_matches("/api");
    view.insert("Url".into(), json!(format!("{site}/events/{id}")));
    Value::Object(view)
}

pub(crate) async fn get_event(State(novi): State<NoviState>, Path(id): Path<String>) -> Response {
    let data = lock(&novi.data);
    match data
        .events
        .iter()
        .find(|e| str_of(e, "EventUniqueId") == Some(id.as_str()))
    {
        Some(event) => Json(event_view(&novi.base_url, event)).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Event {id} not found.")),
    }
}

fn event_fields(body: &Bytes) -> Result<Map<String, Value>, Response> {
    let body = body_object(body)?;
    let fields = replace_from(EVENT_FIELDS, &body).map_err(invalid)?;
    if str_of(&fields, "Name").is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid("Name is required.".into()));
    }
    if let (Some(start), Some(end)) = (date_of(&fields, "StartDate"), date_of(&fields, "EndDate")) {
        if end < start {
            return Err(invalid("EndDate must not be before StartDate.".into()));
        }
    }
    Ok(fields)
}

pub(crate) async fn create_event(State(novi): State<NoviState>, body: Bytes) -> Response {
    let mut fields = match event_fields(&body) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    let id = guid(&mut *lock(&novi.rng));
    fields.insert("EventUniqueId".into(), json!(id));
    let view = event_view(&novi.base_url, &fields);
    lock(&novi.data).events.push(fields);
    (StatusCode::CREATED, Json(view)).into_response()
}

pub(crate) async fn replace_event(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut fields = match event_fields(&body) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    fields.insert("EventUniqueId".into(), json!(id));
    let mut data = lock(&novi.data);
    let Some(slot) = data
        .events
        .iter_mut()
        .find(|e| str_of(e, "EventUniqueId") == Some(id.as_str()))
    else {
        return message(StatusCode::NOT_FOUND, format!("Event {id} not found."));
    };
    *slot = fields.clone();
    Json(event_view(&novi.base_url, &fields)).into_response()
}
