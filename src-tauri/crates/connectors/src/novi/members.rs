//! Members: `GET /members?lastModifiedDate=&pageSize=&offset=` → `{TotalCount, Results}`,
//! `GET/PUT /members/{UniqueID}`, `POST /members`. No DELETE: a removed member is set
//! `Active=false`.
//!
//! Paging is by offset. A member modified while the scan runs can move between pages, so the
//! engine should re-run from the same `lastModifiedDate` (content hashes drop the repeats)
//! rather than trust one pass to have seen every change.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use futures::Stream;
use serde_json::{Map, Value};

use super::wire::{read_listing, NoviMember, NoviPage};
use super::{merge_fields, parse_record, require_id, NoviClient, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::http::{paginate, ApiRequest, Fetched};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberQuery {
    /// Members modified at or after this instant (`lastModifiedDate`); `None` for all.
    pub modified_since: Option<DateTime<Utc>>,
    /// Members per page, clamped to 1..=[`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl Default for MemberQuery {
    fn default() -> Self {
        Self {
            modified_since: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl NoviClient {
    /// Streams the members matching `query`, one page per request, fetched only when the
    /// caller asks for the next. Ends when `TotalCount` is reached, or on a short or empty
    /// page when Novi gives no count.
    pub fn list_members(
        &self,
        query: MemberQuery,
    ) -> impl Stream<Item = Result<NoviPage<NoviMember>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let page_size = query.page_size.clamp(1, MAX_PAGE_SIZE);
        paginate(0u64, move |offset| {
            let client = client.clone();
            async move {
                client
                    .members_page(query.modified_since, page_size, offset)
                    .await
            }
        })
    }

    async fn members_page(
        &self,
        modified_since: Option<DateTime<Utc>>,
        page_size: u32,
        offset: u64,
    ) -> Result<Fetched<NoviPage<NoviMember>, u64>, BridgeError> {
        let context = format!("list Novi AMS members from offset {offset}");
        let mut request = ApiRequest::get(&["members"]);
        if let Some(since) = modified_since {
            // Milliseconds: Novi's own stamps carry fractions, and a cursor cut to the second
            // would read the same second again and again.
            request = request.query(
                "lastModifiedDate",
                since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            );
        }
        self.listing_page(request, "member", page_size, offset, context)
            .await
    }

    /// One page of a `{TotalCount, Results}` listing: `request` plus the paging parameters,
    /// its records read as `T`, and where the next page starts.
    pub(crate) async fn listing_page<T: serde::de::DeserializeOwned>(
        &self,
        request: ApiRequest,
        what: &str,
        page_size: u32,
        offset: u64,
        context: String,
    ) -> Result<Fetched<NoviPage<T>, u64>, BridgeError> {
        let request = request
            .query("pageSize", page_size.to_string())
            .query("offset", offset.to_string())
            .context(context.clone());
        let body: Value = self.send(request).await?;
        let (items, total_count): (Vec<T>, _) = read_listing(body, what, "UniqueID", &context)?;
        let next = next_offset(offset, items.len(), page_size, total_count);
        Ok(Fetched {
            page: NoviPage {
                items,
                total_count,
                offset,
            },
            next,
        })
    }

    pub async fn get_member(&self, unique_id: &str) -> Result<NoviMember, BridgeError> {
        let id = require_id("member", unique_id)?;
        let context = format!("get Novi AMS member {id}");
        let object = self.get_object(&["members", id], context.clone()).await?;
        parse_record(Value::Object(object), &context)
    }

    /// POST /members. Answers the created member (its `UniqueID` from the body, or from a
    /// `Location`-style header when the body carries none). Not repeated after an ambiguous
    /// failure: the journal looks the member up (by email) first.
    pub async fn create_member(&self, member: &NoviMember) -> Result<NoviMember, BridgeError> {
        let label = member
            .email
            .as_deref()
            .or(member.name.as_deref())
            .unwrap_or("(no email)");
        let context = format!("create Novi AMS member {label}");
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["members"])
                    .json(member)?
                    .context(context.clone()),
            )
            .await?;
        let mut created = member.clone();
        let body = read_body(&answer.body, &context)?;
        match body {
            Value::Object(object) if !object.is_empty() => {
                created = parse_record(Value::Object(object), &context)?;
            }
            Value::String(id) if !id.trim().is_empty() => created.unique_id = Some(id),
            _ => {}
        }
        if created
            .unique_id
            .as_deref()
            .is_none_or(|id| id.trim().is_empty())
        {
            created.unique_id = super::id_from_headers(&answer.headers);
        }
        if created.unique_id.is_none() {
            return Err(super::remote(format!(
                "{context}: Novi AMS answered {} without the new member's UniqueID (in the body \
                 or a Location header); the member may exist: look it up before creating again",
                answer.status
            )));
        }
        Ok(created)
    }

    /// GET the member, set `changes` (Novi field names → values) into the full object, PUT
    /// the whole object. Fields not in `changes` are sent back exactly as read.
    pub async fn update_member(
        &self,
        unique_id: &str,
        changes: &Map<String, Value>,
    ) -> Result<NoviMember, BridgeError> {
        let id = require_id("member", unique_id)?;
        let context = format!("update Novi AMS member {id}");
        let object = self
            .merge_put(&["members", id], context.clone(), |object| {
                merge_fields(object, changes);
                Ok(())
            })
            .await?;
        parse_record(Value::Object(object), &context)
    }

    /// The "delete" Novi allows: `Active=false` by GET-merge-PUT.
    pub async fn deactivate_member(&self, unique_id: &str) -> Result<NoviMember, BridgeError> {
        let mut changes = Map::new();
        changes.insert("Active".into(), Value::Bool(false));
        self.update_member(unique_id, &changes).await
    }
}

/// Where the next page starts, or `None` after the last page.
pub(crate) fn next_offset(
    offset: u64,
    got: usize,
    page_size: u32,
    total_count: Option<u64>,
) -> Option<u64> {
    let got = got as u64;
    if got == 0 {
        return None;
    }
    let next = offset + got;
    match total_count {
        Some(total) => (next < total).then_some(next),
        None => (got >= u64::from(page_size)).then_some(next),
    }
}

/// An answer body as JSON; an empty body is `null`.
pub(crate) fn read_body(body: &[u8], context: &str) -> Result<Value, BridgeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| {
        super::remote(format!(
            "{context}: Novi AMS answered a body we could not read: {e}"
        ))
    })
}
