//! Novi's JSON shapes, with its PascalCase field names. Lenient on read: every field is
//! optional and every field we do not model is kept in `other`, so a record read and written
//! back loses nothing (PUT replaces the whole object).

use bridge_core::BridgeError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::http::PageContent;

/// A member (person or company): `GET /api/members/{UniqueID}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviMember {
    #[serde(rename = "UniqueID", default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "FirstName", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "Email", default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "Phone", default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(rename = "Mobile", default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(rename = "Active", default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(
        rename = "MemberStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub member_status: Option<String>,
    #[serde(rename = "JobTitle", default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(rename = "Notes", default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(
        rename = "ParentCustomerUniqueID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_customer_unique_id: Option<String>,
    /// Every other field, as Novi sent it.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An activity (a task or a note, told apart by `ActivityType`): `GET /api/activities/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviActivity {
    #[serde(rename = "UniqueID", default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(
        rename = "MemberUniqueId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub member_unique_id: Option<String>,
    #[serde(
        rename = "ActivityType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub activity_type: Option<String>,
    #[serde(rename = "Subject", default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(rename = "Notes", default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(
        rename = "AssignedToMemberUniqueId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_to_member_unique_id: Option<String>,
    #[serde(
        rename = "TaskComplete",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub task_complete: Option<bool>,
    #[serde(
        rename = "TaskCompletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub task_completed_date: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One of the tenant's activity types: `GET /api/custom-activity-types` (MemberJunction/MJ
/// metadata/integrations/novi/.novi.integration.json, "CustomActivityType").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviActivityType {
    #[serde(rename = "UniqueID", default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Slug", default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(rename = "Active", default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Built in (not made by the association).
    #[serde(
        rename = "SystemType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub system_type: Option<bool>,
    /// Activities of this type are tasks.
    #[serde(rename = "Task", default, skip_serializing_if = "Option::is_none")]
    pub task: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An event (appointments map here): `GET /api/events/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviEvent {
    #[serde(
        rename = "EventUniqueId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_unique_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Details", default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(rename = "StartDate", default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(rename = "EndDate", default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(rename = "TimeZone", default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(
        rename = "AllDayEvent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub all_day_event: Option<bool>,
    #[serde(rename = "Active", default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(
        rename = "LocationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub location_name: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One page of a paged list (`{TotalCount, Results}`).
#[derive(Debug, Clone, PartialEq)]
pub struct NoviPage<T> {
    pub items: Vec<T>,
    /// How many records match the whole query, when Novi says.
    pub total_count: Option<u64>,
    /// Where this page starts.
    pub offset: u64,
}

impl<T> PageContent for NoviPage<T> {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The records of a list answer: `{TotalCount, Results:[…]}` as documented, or a bare list
/// (events, and activities on some tenants). Each record is read on its own so an error names
/// which one (by position and id) and which field.
pub(crate) fn read_listing<T: serde::de::DeserializeOwned>(
    body: Value,
    what: &str,
    id_field: &str,
    context: &str,
) -> Result<(Vec<T>, Option<u64>), BridgeError> {
    let (items, total) = match body {
        Value::Array(items) => (items, None),
        Value::Object(mut envelope) => {
            let total = take_ci(&mut envelope, "TotalCount").and_then(|v| match v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            });
            match take_ci(&mut envelope, "Results") {
                Some(Value::Array(items)) => (items, total),
                Some(Value::Null) | None if total == Some(0) => (Vec::new(), total),
                _ => {
                    return Err(super::remote(format!(
                        "{context}: Novi AMS answered an object without a Results list"
                    )))
                }
            }
        }
        Value::Null => (Vec::new(), None),
        other => {
            return Err(super::remote(format!(
                "{context}: Novi AMS answered {} instead of a list",
                super::kind_of(&other)
            )))
        }
    };
    let mut records = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let id = item
            .get(id_field)
            .and_then(Value::as_str)
            .map(|id| format!(" {id}"))
            .unwrap_or_default();
        records.push(super::parse_record(
            item,
            &format!("{context}: Novi {what}{id} (item {index})"),
        )?);
    }
    Ok((records, total))
}

fn take_ci(object: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()?;
    object.remove(&key)
}
