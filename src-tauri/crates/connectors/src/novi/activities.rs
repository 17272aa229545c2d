//! Activities (tasks and notes): `GET /activities?dateFrom=&dateTo=&pageSize=&offset=`,
//! `GET/PUT/DELETE /activities/{id}`, `POST /activities` (the new id comes back in a header).
//!
//! `dateFrom`/`dateTo` filter on the activity's own `Date`, not on when it was modified: an
//! edit to an old activity is only seen by a window that covers its date, so the engine reads
//! with an overlap window (and a periodic full window) rather than "since the last run".
//! Novi documents no per-member filter for this list.

use bridge_core::{BridgeError, Note, Task};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde_json::{Map, Value};

use super::convert::{apply_note, apply_task, format_time};
use super::members::read_body;
use super::wire::{read_listing, NoviActivity, NoviActivityType, NoviPage};
use super::{
    id_from_headers, merge_fields, parse_record, remote, require_id, NoviClient, DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
};
use crate::http::{paginate, ApiRequest, Fetched};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityQuery {
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    /// Activities per page, clamped to 1..=[`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl Default for ActivityQuery {
    fn default() -> Self {
        Self {
            date_from: None,
            date_to: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl NoviClient {
    /// Streams the activities dated within the query's window, page by page.
    pub fn list_activities(
        &self,
        query: ActivityQuery,
    ) -> impl Stream<Item = Result<NoviPage<NoviActivity>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let page_size = query.page_size.clamp(1, MAX_PAGE_SIZE);
        paginate(0u64, move |offset| {
            let client = client.clone();
            async move { client.activities_page(query, page_size, offset).await }
        })
    }

    async fn activities_page(
        &self,
        query: ActivityQuery,
        page_size: u32,
        offset: u64,
    ) -> Result<Fetched<NoviPage<NoviActivity>, u64>, BridgeError> {
        let context = format!("list Novi AMS activities from offset {offset}");
        let mut request = ApiRequest::get(&["activities"]);
        if let Some(from) = query.date_from {
            request = request.query("dateFrom", format_time(from));
        }
        if let Some(to) = query.date_to {
            request = request.query("dateTo", format_time(to));
        }
        self.listing_page(request, "activity", page_size, offset, context)
            .await
    }

    /// The tenant's activity types (`GET /custom-activity-types`), every page.
    pub async fn list_activity_types(&self) -> Result<Vec<NoviActivityType>, BridgeError> {
        let mut types = Vec::new();
        let mut offset = 0u64;
        loop {
            let context = format!("list Novi AMS activity types from offset {offset}");
            let request = ApiRequest::get(&["custom-activity-types"])
                .query("pageSize", MAX_PAGE_SIZE.to_string())
                .query("offset", offset.to_string())
                .context(context.clone());
            let body: Value = self.send(request).await?;
            let (page, total): (Vec<NoviActivityType>, _) =
                read_listing(body, "activity type", "UniqueID", &context)?;
            let got = page.len();
            types.extend(page);
            match super::members::next_offset(offset, got, MAX_PAGE_SIZE, total) {
                Some(next) => offset = next,
                None => return Ok(types),
            }
        }
    }

    pub async fn get_activity(&self, id: &str) -> Result<NoviActivity, BridgeError> {
        let id = require_id("activity", id)?;
        let context = format!("get Novi AMS activity {id}");
        let object = self
            .get_object(&["activities", id], context.clone())
            .await?;
        parse_record(Value::Object(object), &context)
    }

    /// POST /activities. Novi answers the new id in a header (`Location: …/activities/{id}`);
    /// a body carrying `UniqueID` (or the bare id) is accepted too. Answers the new id.
    /// Not repeated after an ambiguous failure.
    pub async fn create_activity(&self, activity: &NoviActivity) -> Result<String, BridgeError> {
        let member = activity
            .member_unique_id
            .as_deref()
            .unwrap_or("(no member)");
        let context = format!(
            "create Novi AMS {} activity '{}' for member {member}",
            activity.activity_type.as_deref().unwrap_or("(untyped)"),
            activity.subject.as_deref().unwrap_or("")
        );
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["activities"])
                    .json(activity)?
                    .context(context.clone()),
            )
            .await?;
        if let Some(id) = id_from_headers(&answer.headers) {
            return Ok(id);
        }
        let from_body = match read_body(&answer.body, &context) {
            Ok(Value::Object(object)) => object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("UniqueID"))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_string),
            Ok(Value::String(id)) => Some(id),
            _ => None,
        };
        from_body
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                remote(format!(
                    "{context}: Novi AMS answered {} without the new activity's id (no Location \
                     header, no UniqueID in the body); the activity may exist: look it up before \
                     creating again",
                    answer.status
                ))
            })
    }

    /// GET the activity, set `changes` (Novi field names) into the full object, PUT it back.
    pub async fn update_activity(
        &self,
        id: &str,
        changes: &Map<String, Value>,
    ) -> Result<NoviActivity, BridgeError> {
        let id = require_id("activity", id)?;
        let context = format!("update Novi AMS activity {id}");
        let object = self
            .merge_put(&["activities", id], context.clone(), |object| {
                merge_fields(object, changes);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }

    /// Writes a core task into its activity (GET-merge-PUT). `now` stamps `TaskCompletedDate`
    /// when the task becomes complete; a task already complete keeps its date.
    pub async fn update_task_activity(
        &self,
        id: &str,
        task: &Task,
        now: DateTime<Utc>,
    ) -> Result<NoviActivity, BridgeError> {
        let id = require_id("activity", id)?;
        let context = format!("update Novi AMS task activity {id}");
        let object = self
            .merge_put(&["activities", id], context.clone(), |object| {
                apply_task(object, task, now);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }

    /// Writes a core note into its activity (GET-merge-PUT).
    pub async fn update_note_activity(
        &self,
        id: &str,
        note: &Note,
    ) -> Result<NoviActivity, BridgeError> {
        let id = require_id("activity", id)?;
        let context = format!("update Novi AMS note activity {id}");
        let object = self
            .merge_put(&["activities", id], context.clone(), |object| {
                apply_note(object, note);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }

    pub async fn delete_activity(&self, id: &str) -> Result<(), BridgeError> {
        let id = require_id("activity", id)?;
        // Whatever the body says (empty, `true`, a message), a 2xx means deleted.
        self.http
            .send_raw(
                ApiRequest::delete(&["activities", id])
                    .context(format!("delete Novi AMS activity {id}")),
            )
            .await?;
        Ok(())
    }
}
