//! The tenant's activity types: `GET /api/custom-activity-types` → `{TotalCount, Results}` of
//! `{UniqueID, Name, Slug, Icon, Active, SystemType, Task}` (MemberJunction/MJ
//! metadata/integrations/novi/.novi.integration.json, object "CustomActivityType", derived from
//! Novi's Postman collection). Which types a tenant has is its own data: an activity's
//! `ActivityType` must name one of them.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::NoviState;
use crate::ghl::shared::lock;

/// One activity type of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoviActivityType {
    pub name: String,
    pub slug: String,
    /// Built in (not made by the association).
    pub system_type: bool,
    /// Activities of this type are tasks (they can be completed).
    pub task: bool,
    pub active: bool,
}

impl NoviActivityType {
    pub fn new(name: &str, slug: &str, system_type: bool, task: bool) -> Self {
        Self {
            name: name.into(),
            slug: slug.into(),
            system_type,
            task,
            active: true,
        }
    }
}

/// Guess: the built-in types of a new tenant (the source lists the fields, not the rows).
pub fn default_activity_types() -> Vec<NoviActivityType> {
    vec![
        NoviActivityType::new("Task", "task", true, true),
        NoviActivityType::new("Note", "note", true, false),
        NoviActivityType::new("Phone Call", "phone-call", true, false),
        NoviActivityType::new("Meeting", "meeting", false, false),
    ]
}

fn view(index: usize, t: &NoviActivityType) -> Value {
    json!({
        // Guess: ids are GUIDs like every other Novi UniqueID; stable per position here.
        "UniqueID": format!("00000000-0000-4000-8000-{:012x}", index + 1),
        "Name": t.name,
        "Slug": t.slug,
        "Icon": Value::Null,
        "Active": t.active,
        "SystemType": t.system_type,
        "Task": t.task,
    })
}

/// Guess: the list is small and answered whole, whatever `pageSize`/`offset` say.
pub(crate) async fn list(State(novi): State<NoviState>, RawQuery(_): RawQuery) -> Response {
    let types = lock(&novi.activity_types);
    let results: Vec<Value> = types.iter().enumerate().map(|(i, t)| view(i, t)).collect();
    Json(json!({"TotalCount": results.len(), "Results": results})).into_response()
}

/// Whether `name` is an active type of the tenant (names compared without case).
/// Guess: Novi refuses an activity whose `ActivityType` is no type of the tenant.
pub(crate) fn known(novi: &NoviState, name: &str) -> bool {
    lock(&novi.activity_types)
        .iter()
        .any(|t| t.active && t.name.eq_ignore_ascii_case(name.trim()))
}
