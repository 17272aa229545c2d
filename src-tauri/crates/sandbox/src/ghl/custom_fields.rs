//! Custom fields: the location's definitions (`GET /locations/{id}/customFields`) and the
//! writes contacts accept, `[{id | key, field_value}]` (the v3 spelling `fieldValue` too).
//! A field that does not exist is refused (422), never silently ignored.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::dates::parse_instant;
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{AccessGrant, CustomFieldDef, Id, Location};

const WRITE_KEYS: &[&str] = &["id", "key", "field_value", "fieldValue"];

/// Parses a `customFields` array into (field id, new value or `None` to clear).
pub(crate) fn parse_writes(
    value: &Value,
    location: &Location,
) -> Result<Vec<(Id, Option<Value>)>, Vec<String>> {
    let Some(items) = value.as_array() else {
        return Err(vec!["customFields must be an array".into()]);
    };
    let mut writes = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            problems.push(format!("customFields.{i} must be an object"));
            continue;
        };
        for key in item.keys() {
            if !WRITE_KEYS.contains(&key.as_str()) {
                problems.push(format!("customFields.{i}.property {key} should not exist"));
            }
        }
        let field = match (item.get("id"), item.get("key")) {
            (Some(Value::String(id)), _) => location.custom_field_by_id(id).ok_or_else(|| {
                format!("customFields.{i}: no custom field with id '{id}' in this location")
            }),
            (None | Some(Value::Null), Some(Value::String(key))) => {
                location.custom_field_by_key(key).ok_or_else(|| {
                    format!("customFields.{i}: no custom field with key '{key}' in this location")
                })
            }
            _ => Err(format!("customFields.{i}.id should not be empty")),
        };
        let field = match field {
            Ok(field) => field,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let Some(raw) = item.get("field_value").or_else(|| item.get("fieldValue")) else {
            problems.push(format!("customFields.{i}.field_value should not be empty"));
            continue;
        };
        match coerce(field, raw) {
            Ok(value) => writes.push((field.id.clone(), value)),
            Err(problem) => problems.push(format!("customFields.{i}: {problem}")),
        }
    }
    if problems.is_empty() {
        Ok(writes)
    } else {
        Err(problems)
    }
}

/// The value as the field's type stores it; `None` clears the field.
fn coerce(field: &CustomFieldDef, raw: &Value) -> Result<Option<Value>, String> {
    if raw.is_null() || raw.as_str() == Some("") {
        return Ok(None);
    }
    let name = &field.name;
    let value = match field.data_type.as_str() {
        "NUMERICAL" | "MONETORY" => match raw {
            Value::Number(_) => raw.clone(),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                .ok_or_else(|| format!("'{name}' needs a number, got '{s}'"))?,
            _ => return Err(format!("'{name}' needs a number")),
        },
        // Stored and read back as epoch milliseconds (not verified against GHL).
        "DATE" => {
            let instant = parse_instant(raw).ok_or_else(|| format!("'{name}' needs a date"))?;
            json!(instant.timestamp_millis())
        }
        "SINGLE_OPTIONS" | "RADIO" => {
            let choice = raw
                .as_str()
                .ok_or_else(|| format!("'{name}' needs one option"))?;
            if !field.options.iter().any(|o| o == choice) {
                return Err(format!(
                    "'{choice}' is not an option of '{name}' ({})",
                    field.options.join(", ")
                ));
            }
            json!(choice)
        }
        "CHECKBOX" | "MULTIPLE_OPTIONS" => {
            let choices: Vec<&str> = match raw {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => return Err(format!("'{name}' needs a list of options")),
            };
            if let Some(bad) = choices
                .iter()
                .find(|c| !field.options.iter().any(|o| o == *c))
            {
                return Err(format!("'{bad}' is not an option of '{name}'"));
            }
            json!(choices)
        }
        _ => match raw {
            Value::String(_) => raw.clone(),
            Value::Number(n) => json!(n.to_string()),
            Value::Bool(b) => json!(b.to_string()),
            _ => return Err(format!("'{name}' needs text")),
        },
    };
    Ok(Some(value))
}

pub(crate) fn definition_json(location_id: &str, position: usize, field: &CustomFieldDef) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(&*field.id));
    out.insert("name".into(), json!(field.name));
    out.insert("fieldKey".into(), json!(field.field_key));
    out.insert("placeholder".into(), json!(field.placeholder));
    out.insert("dataType".into(), json!(field.data_type));
    out.insert("position".into(), json!(position * 50));
    if !field.options.is_empty() {
        out.insert("picklistOptions".into(), json!(field.options));
    }
    out.insert("locationId".into(), json!(location_id));
    out.insert("model".into(), json!("contact"));
    Value::Object(out)
}

/// GET /locations/{locationId}/customFields?model=contact|opportunity|all
pub(crate) async fn list(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(location_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    grant.check_location(&location_id)?;
    let include = match query.get("model").map(String::as_str) {
        None | Some("contact") | Some("all") => true,
        Some("opportunity") => false,
        Some(_) => {
            return Err(ApiError::unprocessable_one(
                "model must be one of the following values: contact, opportunity, all",
            ))
        }
    };
    let data = lock(&shared.data);
    let fields: Vec<Value> = data
        .location(&location_id)
        .filter(|_| include)
        .map(|location| {
            location
                .custom_fields
                .iter()
                .enumerate()
                .map(|(i, f)| definition_json(&location.id, i, f))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({ "customFields": fields })))
}
