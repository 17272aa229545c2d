//! The classic (Ninox 3) API: `/v1/teams/{team}/databases/{db}/tables/{table}/records…`,
//! records `{id, sequence, createdAt, createdBy, modifiedAt, modifiedBy, fields}`.
//!
//! Sources: docs.ninox.com/en/api/introduction/tables-fields-records ("Common attributes":
//! record times `YYYY-MM-DDThh:mm:ss` in UTC without a zone; appointment values
//! `"2021-01-23T12:30:00 - 2021-01-23T13:30:00"`), reference/target-apps.md ("Ninox", the
//! endpoints and query parameters).

// Early answers travel as `Err(Response)`: one per request, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::store::{
    appointment_bounds, coerce, from_v3_appointment, v3_appointment, v3_time, Record, Store, Type,
};
use super::{NinoxState, TABLE_ID, TABLE_NAME};
use crate::ghl::shared::lock;

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"message": message.into()}))).into_response()
}

fn query_map(raw: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn check(
    ninox: &NinoxState,
    team: &str,
    db: Option<&str>,
    table: Option<&str>,
) -> Result<(), Response> {
    if team != ninox.team_id {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Team not found: {team}"),
        ));
    }
    if db.is_some_and(|db| db != ninox.database_id) {
        return Err(error(StatusCode::NOT_FOUND, "Database not found"));
    }
    if table.is_some_and(|t| t != TABLE_ID) {
        return Err(error(StatusCode::NOT_FOUND, "Table not found"));
    }
    Ok(())
}

fn view(store: &Store, record: &Record, by_ids: bool) -> Value {
    let mut fields = store.keyed(record, |f| if by_ids { f.id } else { f.caption });
    for f in store.fields().filter(|f| f.kind == Type::Appointment) {
        let key = if by_ids { f.id } else { f.caption };
        if let Some(value) = fields.get_mut(key) {
            if let Some((start, end)) = value.as_str().and_then(appointment_bounds) {
                *value = json!(v3_appointment(start, end));
            }
        }
    }
    json!({
        "id": record.id,
        "sequence": record.sequence,
        "createdAt": v3_time(record.created_at),
        "createdBy": record.created_by,
        "modifiedAt": v3_time(record.modified_at),
        "modifiedBy": record.modified_by,
        "fields": fields,
    })
}

fn table_json(store: &Store) -> Value {
    let fields: Vec<Value> = store
        .fields()
        .map(|f| json!({"id": f.id, "name": f.caption, "type": f.base}))
        .collect();
    json!({"id": TABLE_ID, "name": TABLE_NAME, "fields": fields})
}

pub(crate) async fn teams(State(ninox): State<NinoxState>) -> Response {
    Json(json!([{"id": ninox.team_id, "name": "Northwind Wellness"}])).into_response()
}

pub(crate) async fn databases(
    State(ninox): State<NinoxState>,
    Path(team): Path<String>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, None, None) {
        return answer;
    }
    Json(json!([{"id": ninox.database_id, "name": "CRM"}])).into_response()
}

pub(crate) async fn database(
    State(ninox): State<NinoxState>,
    Path((team, db)): Path<(String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), None) {
        return answer;
    }
    let store = lock(&ninox.store);
    let mut fields = Map::new();
    for f in store.fields() {
        let mut schema = json!({"base": f.base, "caption": f.caption, "required": false});
        if f.base == "multi" {
            let values: Map<String, Value> = store
                .tag_options()
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (
                        (i + 1).to_string(),
                        json!({"val": i + 1, "caption": name, "order": i}),
                    )
                })
                .collect();
            schema["values"] = Value::Object(values);
        }
        fields.insert(f.id.to_string(), schema);
    }
    Json(json!({
        "settings": {"name": "CRM"},
        "schema": {
            "seq": store.sequence,
            "version": 1,
            "nextTypeId": 2,
            "types": {TABLE_ID: {"nextFieldId": super::store::FIELDS.len() + 1, "caption": TABLE_NAME, "fields": fields}},
        }
    }))
    .into_response()
}

pub(crate) async fn tables(
    State(ninox): State<NinoxState>,
    Path((team, db)): Path<(String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), None) {
        return answer;
    }
    Json(json!([table_json(&lock(&ninox.store))])).into_response()
}

pub(crate) async fn table(
    State(ninox): State<NinoxState>,
    Path((team, db, table)): Path<(String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), Some(&table)) {
        return answer;
    }
    Json(table_json(&lock(&ninox.store))).into_response()
}

fn flag(query: &HashMap<String, String>, name: &str) -> bool {
    query
        .get(name)
        .is_some_and(|v| v.is_empty() || v == "true" || v == "1")
}

fn number(query: &HashMap<String, String>, name: &str) -> Result<Option<u64>, Response> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                format!("Invalid value for {name}: {text}"),
            )
        }),
    }
}

pub(crate) async fn list_records(
    State(ninox): State<NinoxState>,
    Path((team, db, table)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), Some(&table)) {
        return answer;
    }
    let query = query_map(raw);
    let (page, per_page, since_id, since_sq) = match (
        number(&query, "page"),
        number(&query, "perPage"),
        number(&query, "sinceId"),
        number(&query, "sinceSq"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a.unwrap_or(0), b.unwrap_or(100), c, d),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return e,
    };
    if per_page == 0 || per_page > 1000 {
        return error(
            StatusCode::BAD_REQUEST,
            "perPage must be between 1 and 1000",
        );
    }
    let filters: Map<String, Value> = match query.get("filters") {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            _ => return error(StatusCode::BAD_REQUEST, "filters must be a JSON object"),
        },
    };
    let store = lock(&ninox.store);
    let mut conditions = Vec::new();
    for (key, wanted) in &filters {
        match store.field(key) {
            Some(f) => conditions.push((f.id, wanted.clone())),
            None => return error(StatusCode::BAD_REQUEST, format!("Unknown field: {key}")),
        }
    }
    let order = match query.get("order") {
        None => None,
        Some(key) => match store.field(key) {
            Some(f) => Some(f.id),
            None => return error(StatusCode::BAD_REQUEST, format!("Unknown field: {key}")),
        },
    };
    let by_ids = query.get("style").is_some_and(|s| s == "ids");
    let mut records: Vec<&Record> = store
        .records
        .values()
        .filter(|r| since_id.is_none_or(|n| r.id > n))
        .filter(|r| since_sq.is_none_or(|n| r.sequence > n))
        .filter(|r| {
            conditions
                .iter()
                .all(|(id, wanted)| r.values.get(id).unwrap_or(&Value::Null) == wanted)
        })
        .collect();
    if flag(&query, "updated") {
        records.sort_by_key(|r| std::cmp::Reverse(r.sequence));
    } else if flag(&query, "new") {
        records.sort_by_key(|r| std::cmp::Reverse(r.id));
    } else if let Some(order) = order {
        let text = |r: &Record| {
            r.values
                .get(order)
                .map(Value::to_string)
                .unwrap_or_default()
        };
        records.sort_by_key(|r| text(r));
        if flag(&query, "desc") {
            records.reverse();
        }
    } else if flag(&query, "desc") {
        records.reverse();
    }
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let page: Vec<Value> = records
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|r| view(&store, r, by_ids))
        .collect();
    Json(Value::Array(page)).into_response()
}

pub(crate) async fn get_record(
    State(ninox): State<NinoxState>,
    Path((team, db, table, rid)): Path<(String, String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), Some(&table)) {
        return answer;
    }
    let store = lock(&ninox.store);
    match rid
        .parse::<u64>()
        .ok()
        .and_then(|id| store.records.get(&id))
    {
        Some(record) => Json(view(&store, record, false)).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("Record not found: {rid}")),
    }
}

/// `DELETE …/tables/{tid}/records/{rid}` (reference/target-apps.md, "Ninox v3": `GET/DELETE
/// …/records/{rid}`). The answers are guesses no document states: 200 with an empty body
/// when deleted, 404 `{message}` when there is no such record.
pub(crate) async fn delete_record(
    State(ninox): State<NinoxState>,
    Path((team, db, table, rid)): Path<(String, String, String, String)>,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), Some(&table)) {
        return answer;
    }
    let deleted = rid
        .parse::<u64>()
        .is_ok_and(|id| lock(&ninox.store).delete(id));
    if deleted {
        StatusCode::OK.into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("Record not found: {rid}"))
    }
}

type Changes = Vec<(&'static str, Option<Value>)>;

fn changes_of(store: &Store, fields: &Map<String, Value>) -> Result<Changes, String> {
    let options = store.tag_options();
    let mut out = Vec::new();
    for (key, value) in fields {
        let f = store
            .field(key)
            .ok_or_else(|| format!("Unknown field: {key}"))?;
        let value = match (f.kind, value) {
            (Type::Appointment, Value::String(text)) if !text.trim().is_empty() => {
                match from_v3_appointment(text) {
                    Some(stored) => json!(stored),
                    None => {
                        return Err(format!(
                            "Invalid appointment for field '{}': {text} (expected \
                             YYYY-MM-DDThh:mm:ss - YYYY-MM-DDThh:mm:ss)",
                            f.caption
                        ))
                    }
                }
            }
            (Type::Appointment, Value::Number(_)) => {
                return Err(format!(
                    "Invalid appointment for field '{}': {value}",
                    f.caption
                ))
            }
            _ => value.clone(),
        };
        out.push((f.id, coerce(f, &value, &options)?));
    }
    Ok(out)
}

/// `[{fields}]` creates, `[{id, fields}]` updates; all or nothing; answers the records.
pub(crate) async fn save_records(
    State(ninox): State<NinoxState>,
    Path((team, db, table)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if let Err(answer) = check(&ninox, &team, Some(&db), Some(&table)) {
        return answer;
    }
    let items = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(one)) => vec![Value::Object(one)],
        _ => return error(StatusCode::BAD_REQUEST, "Body must be an array of records"),
    };
    let mut plan: Vec<(Option<u64>, Changes)> = Vec::new();
    let mut store = lock(&ninox.store);
    for item in &items {
        let Some(object) = item.as_object() else {
            return error(StatusCode::BAD_REQUEST, "Each record must be an object");
        };
        let id = match object.get("id") {
            None | Some(Value::Null) => None,
            Some(value) => match value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            {
                Some(id) if store.records.contains_key(&id) => Some(id),
                _ => return error(StatusCode::NOT_FOUND, format!("Record not found: {value}")),
            },
        };
        let fields = match object.get("fields") {
            None => Map::new(),
            Some(Value::Object(fields)) => fields.clone(),
            Some(_) => return error(StatusCode::BAD_REQUEST, "fields must be an object"),
        };
        match changes_of(&store, &fields) {
            Ok(changes) => plan.push((id, changes)),
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        }
    }
    let now = chrono::Utc::now();
    let user = ninox.user_id.as_str();
    let mut saved = Vec::new();
    for (id, changes) in plan {
        let id = match id {
            Some(id) => {
                store.update(id, changes, now, user);
                id
            }
            None => {
                let values: BTreeMap<&'static str, Value> = changes
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect();
                store.create(values, now, user)
            }
        };
        if let Some(record) = store.records.get(&id) {
            saved.push(view(&store, record, false));
        }
    }
    Json(Value::Array(saved)).into_response()
}
