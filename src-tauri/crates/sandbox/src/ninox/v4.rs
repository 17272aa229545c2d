//! The Ninox 4 public API, per ninox-public-openapi-original.json:
//! `/api/v1/workspace/{workspaceId}/modules/{moduleName}/tables/{tableName}/…`, envelopes
//! `{data, meta, page_info}`, writes with `{records: […]}`, errors `{error: {message}}`.

// Early answers travel as `Err(Response)`: one per request, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::store::{coerce, Field, Record, Store};
use super::{NinoxState, MODULE_NAME, TABLE_V4_NAME};
use crate::ghl::shared::lock;

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": {"message": message.into()}}))).into_response()
}

fn field_json(store: &Store, f: &Field) -> Value {
    let mut out = json!({
        "name": f.name,
        "type": f.v4_type,
        "labels": {"en": f.caption},
        "required": false,
        "unique": false,
        "search": true,
        "index": false,
    });
    if let Some(variant) = f.variant {
        out["variant"] = json!(variant);
    }
    if f.v4_type == "multi" {
        let options: Vec<Value> = store
            .tag_options()
            .iter()
            .enumerate()
            .map(|(i, name)| json!({"id": (i + 1).to_string(), "name": name, "order": i}))
            .collect();
        out["options"] = Value::Array(options);
    }
    out
}

fn table_json(store: &Store) -> Value {
    let fields: Vec<Value> = store.fields().map(|f| field_json(store, f)).collect();
    json!({"name": TABLE_V4_NAME, "labels": {"en": "Contacts"}, "hasHistory": true, "fields": fields})
}

fn module_json(store: &Store) -> Value {
    json!({"name": MODULE_NAME, "labels": {"en": "CRM"}, "icon": {"icon": "users"}, "tables": [table_json(store)]})
}

fn check(
    ninox: &NinoxState,
    ws: &str,
    module: Option<&str>,
    table: Option<&str>,
) -> Result<(), Response> {
    if ws != ninox.workspace_id {
        return Err(error(StatusCode::NOT_FOUND, "Workspace not found"));
    }
    if module.is_some_and(|m| m != MODULE_NAME) {
        return Err(error(StatusCode::NOT_FOUND, "Module not found"));
    }
    if table.is_some_and(|t| t != TABLE_V4_NAME) {
        return Err(error(StatusCode::NOT_FOUND, "Table not found"));
    }
    Ok(())
}

pub(crate) async fn workspace(State(ninox): State<NinoxState>, Path(ws): Path<String>) -> Response {
    if let Err(answer) = check(&ninox, &ws, None, None) {
        return answer;
    }
    Json(json!({"data": {"name": "Northwind Wellness", "modules": [module_json(&lock(&ninox.store))]}}))
        .into_response()
}

pub(crate) async fn modules(State(ninox): State<NinoxState>, Path(ws): Path<String>) -> Response {
    if let Err(answer) = check(&ninox, &ws, None, None) {
        return answer;
    }
    Json(json!({"data": [module_json(&lock(&ninox.store))]})).into_response()
}

pub(crate) async fn module(
    State(ninox): State<NinoxState>,
    Path((ws, module)): Path<(String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), None) {
        return answer;
    }
    Json(json!({"data": module_json(&lock(&ninox.store))})).into_response()
}

pub(crate) async fn tables(
    State(ninox): State<NinoxState>,
    Path((ws, module)): Path<(String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), None) {
        return answer;
    }
    Json(json!({"data": [table_json(&lock(&ninox.store))]})).into_response()
}

pub(crate) async fn table(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    Json(json!({"data": table_json(&lock(&ninox.store))})).into_response()
}

pub(crate) async fn fields(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let store = lock(&ninox.store);
    let fields: Vec<Value> = store.fields().map(|f| field_json(&store, f)).collect();
    Json(json!({"data": fields})).into_response()
}

pub(crate) async fn one_field(
    State(ninox): State<NinoxState>,
    Path((ws, module, table, name)): Path<(String, String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let store = lock(&ninox.store);
    match v4_field(&store, &name) {
        Some(f) => Json(json!({"data": field_json(&store, f)})).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("Field not found: {name}")),
    }
}

fn v4_field(store: &Store, name: &str) -> Option<&'static Field> {
    store.fields().find(|f| f.name == name)
}

fn view(store: &Store, record: &Record, only: Option<&[&'static str]>) -> Value {
    let mut values = store.keyed(record, |f| f.name);
    // Empty fields read back as null, as the RowsResponse schema allows.
    for f in store.fields() {
        values.entry(f.name.to_string()).or_insert(Value::Null);
    }
    if let Some(only) = only {
        values.retain(|name, _| only.iter().any(|o| o == name));
    }
    json!({"id": record.id.to_string(), "values": values})
}

pub(crate) async fn list_records(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let number = |name: &str, default: f64| -> Result<f64, Response> {
        match query.get(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && n.fract() == 0.0)
                .ok_or_else(|| error(StatusCode::BAD_REQUEST, format!("{name} must be a number"))),
        }
    };
    let (limit, offset) = match (number("limit", 100.0), number("offset", 0.0)) {
        (Ok(l), Ok(o)) => (l, o),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if !(1.0..=100.0).contains(&limit) {
        return error(
            StatusCode::BAD_REQUEST,
            "limit must not be greater than 100 and not less than 1",
        );
    }
    if offset < 0.0 {
        return error(StatusCode::BAD_REQUEST, "offset must not be less than 0");
    }
    // Both are whole numbers in range here.
    let (limit, offset) = (limit as usize, offset as usize);
    let store = lock(&ninox.store);
    let mut meta = Map::new();
    let mut conditions: Vec<(&'static str, Value)> = Vec::new();
    if let Some(text) = query.get("filter") {
        let Ok(Value::Object(filter)) = serde_json::from_str::<Value>(text) else {
            return error(StatusCode::BAD_REQUEST, "filter must be a JSON object");
        };
        for (name, wanted) in &filter {
            match v4_field(&store, name) {
                Some(f) => conditions.push((f.id, wanted.clone())),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("Unknown field in filter: {name}"),
                    )
                }
            }
        }
        meta.insert("filter".into(), Value::Object(filter));
    }
    let sort = match query
        .get("sort")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(text) => {
            let (name, desc) = match text.strip_prefix('-') {
                Some(name) => (name, true),
                None => (text, false),
            };
            match v4_field(&store, name) {
                Some(f) => {
                    meta.insert("sort".into(), json!(text));
                    Some((f.id, desc))
                }
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("Unknown sort field: {name}"),
                    )
                }
            }
        }
    };
    let only: Option<Vec<&'static str>> = match query.get("fields") {
        None => None,
        Some(list) => {
            let mut names = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match v4_field(&store, name) {
                    Some(f) => names.push(f.name),
                    None => {
                        return error(StatusCode::BAD_REQUEST, format!("Unknown field: {name}"))
                    }
                }
            }
            Some(names)
        }
    };
    let mut records: Vec<&Record> = store
        .records
        .values()
        .filter(|r| {
            conditions.iter().all(|(id, wanted)| {
                let have = r.values.get(id).unwrap_or(&Value::Null);
                match (have, wanted) {
                    (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
                    _ => have == wanted,
                }
            })
        })
        .collect();
    if let Some((id, desc)) = sort {
        records.sort_by_key(|r| r.values.get(id).map(Value::to_string).unwrap_or_default());
        if desc {
            records.reverse();
        }
    }
    let total = records.len();
    let data: Vec<Value> = records
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| view(&store, r, only.as_deref()))
        .collect();
    Json(json!({
        "data": data,
        "meta": meta,
        "page_info": {"has_more": offset.saturating_add(limit) < total, "limit": limit, "offset": offset},
    }))
    .into_response()
}

/// `{records: [...]}` with at least one item, nothing else.
fn records_of(body: &Bytes) -> Result<Vec<Value>, Response> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Body must be a JSON object with records",
        ));
    };
    if let Some(extra) = object.keys().find(|k| *k != "records") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("property {extra} should not exist"),
        ));
    }
    match object.get("records") {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items.clone()),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "records must contain at least 1 element",
        )),
    }
}

type Changes = Vec<(&'static str, Option<Value>)>;

fn changes_of(store: &Store, values: &Map<String, Value>) -> Result<Changes, Response> {
    let options = store.tag_options();
    let mut out = Vec::new();
    for (name, value) in values {
        if name == "id" {
            continue;
        }
        let f = v4_field(store, name)
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, format!("Unknown field: {name}")))?;
        let value = coerce(f, value, &options).map_err(|m| error(StatusCode::BAD_REQUEST, m))?;
        out.push((f.id, value));
    }
    Ok(out)
}

fn record_id(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().filter(|n| *n > 0),
        Value::String(s) => s.trim().parse::<u64>().ok().filter(|n| *n > 0),
        _ => None,
    }
}

pub(crate) async fn add_records(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let items = match records_of(&body) {
        Ok(items) => items,
        Err(answer) => return answer,
    };
    let mut store = lock(&ninox.store);
    let mut plan = Vec::new();
    for item in &items {
        let Some(values) = item.as_object() else {
            return error(StatusCode::BAD_REQUEST, "each record must be an object");
        };
        match changes_of(&store, values) {
            Ok(changes) => plan.push(changes),
            Err(answer) => return answer,
        }
    }
    let now = chrono::Utc::now();
    let ids: Vec<String> = plan
        .into_iter()
        .map(|changes| {
            let values: BTreeMap<&'static str, Value> = changes
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            store.create(values, now, &ninox.user_id).to_string()
        })
        .collect();
    (StatusCode::CREATED, Json(json!({"data": {"ids": ids}}))).into_response()
}

/// Transactional: one unknown id or bad value and nothing changes.
pub(crate) async fn update_records(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let items = match records_of(&body) {
        Ok(items) => items,
        Err(answer) => return answer,
    };
    let mut store = lock(&ninox.store);
    let mut plan = Vec::new();
    for item in &items {
        let Some(values) = item.as_object() else {
            return error(StatusCode::BAD_REQUEST, "each record must be an object");
        };
        let Some(id) = record_id(values.get("id")) else {
            return error(
                StatusCode::BAD_REQUEST,
                "each record must include an id field as a positive integer",
            );
        };
        if !store.records.contains_key(&id) {
            return error(StatusCode::NOT_FOUND, format!("Record not found: {id}"));
        }
        match changes_of(&store, values) {
            Ok(changes) => plan.push((id, changes)),
            Err(answer) => return answer,
        }
    }
    let now = chrono::Utc::now();
    let ids: Vec<String> = plan
        .into_iter()
        .map(|(id, changes)| {
            store.update(id, changes, now, &ninox.user_id);
            id.to_string()
        })
        .collect();
    Json(json!({"data": {"updatedIds": ids}})).into_response()
}

/// `DELETE …/tables/{tableName}/records` with `{"records": [id…]}` (the OpenAPI's
/// `RowsV1Controller_deleteRows`): one transaction, 404 when any id does not exist (nothing
/// deleted then), `{"data": {"deletedIds": [...]}}` on success. The 404 body's wording is a
/// guess (the OpenAPI gives only `ErrorResponse`).
pub(crate) async fn delete_records(
    State(ninox): State<NinoxState>,
    Path((ws, module, table)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if let Err(answer) = check(&ninox, &ws, Some(&module), Some(&table)) {
        return answer;
    }
    let items = match records_of(&body) {
        Ok(items) => items,
        Err(answer) => return answer,
    };
    let mut store = lock(&ninox.store);
    let mut ids = Vec::new();
    for item in &items {
        let Some(id) = record_id(Some(item)) else {
            return error(
                StatusCode::BAD_REQUEST,
                format!("invalid record id: {item}"),
            );
        };
        if !store.records.contains_key(&id) {
            return error(StatusCode::NOT_FOUND, format!("Record not found: {id}"));
        }
        ids.push(id);
    }
    ids.dedup();
    for id in &ids {
        store.delete(*id);
    }
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    Json(json!({"data": {"deletedIds": ids}})).into_response()
}
