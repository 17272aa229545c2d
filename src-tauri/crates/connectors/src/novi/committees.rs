//! Committees, the grouping of Novi AMS members a client can write:
//! - `GET /committees?pageSize=&offset=` → `{TotalCount, Results:[{UniqueID, Name, Active, …}]}`;
//! - `GET /committees/{id}/members` → the committee's memberships, one answer (not paged):
//!   `{UniqueID, CommitteeUniqueID, MemberUniqueID, CommitteeName, Role, Inherited, Status,
//!   TermStart, TermEnd, …}`;
//! - `POST /committees/{id}/members` (flat body; the new membership's id in the answer's body);
//! - `DELETE /committees/{id}/members/{membershipId}`.
//!
//! Source: MemberJunction/MJ `metadata/integrations/novi/.novi.integration.json` (commit
//! 8cb94d7; derived from Novi's Postman collection): the `Committee` and `CommitteeMember`
//! objects and "Committee Members: POST create, PUT update, DELETE". Member groups
//! (`/groups/{id}/members`) are listed there as read-only, so committees are the groups a sync
//! writes. The POST body's required fields are not documented: we send the member and the
//! committee (a guess), and read the id from the body or a `Location`-style header.

use bridge_core::BridgeError;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::members::read_body;
use super::wire::{read_listing, NoviPage};
use super::{id_from_headers, parse_record, remote, require_id, NoviClient, MAX_PAGE_SIZE};
use crate::http::{paginate, ApiRequest};

/// A committee: `GET /api/committees/{UniqueID}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviCommittee {
    #[serde(rename = "UniqueID", default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Active", default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One member's seat on a committee: `GET /api/committees/{id}/members/{UniqueID}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoviCommitteeMember {
    #[serde(rename = "UniqueID", default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(
        rename = "CommitteeUniqueID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub committee_unique_id: Option<String>,
    #[serde(
        rename = "MemberUniqueID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub member_unique_id: Option<String>,
    /// A seat the member holds through another record (its company, by the field's name; the
    /// collection does not say): not the member's own, so a sync neither counts nor removes it.
    #[serde(rename = "Inherited", default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl NoviClient {
    /// Every committee of the tenant, page by page.
    pub async fn list_committees(&self) -> Result<Vec<NoviCommittee>, BridgeError> {
        let client = self.clone();
        let pages = paginate(0u64, move |offset| {
            let client = client.clone();
            async move {
                client
                    .listing_page::<NoviCommittee>(
                        ApiRequest::get(&["committees"]),
                        "committee",
                        MAX_PAGE_SIZE,
                        offset,
                        format!("list Novi AMS committees from offset {offset}"),
                    )
                    .await
            }
        });
        let pages: Vec<NoviPage<NoviCommittee>> = pages.try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.items).collect())
    }

    /// The memberships of one committee, in one request.
    pub async fn committee_members(
        &self,
        committee: &str,
    ) -> Result<Vec<NoviCommitteeMember>, BridgeError> {
        let committee = require_id("committee", committee)?;
        let context = format!("list the members of Novi AMS committee {committee}");
        let body: Value = self
            .send(ApiRequest::get(&["committees", committee, "members"]).context(context.clone()))
            .await?;
        let (members, _) = read_listing(body, "committee member", "UniqueID", &context)?;
        Ok(members)
    }

    /// Seats `member` on `committee`; answers the membership's id. Not repeated after an
    /// ambiguous failure: the next merge reads the committee first and sees the seat.
    pub async fn add_committee_member(
        &self,
        committee: &str,
        member: &str,
    ) -> Result<String, BridgeError> {
        let committee = require_id("committee", committee)?;
        let member = require_id("member", member)?;
        let context = format!("add Novi AMS member {member} to committee {committee}");
        let body = NoviCommitteeMember {
            committee_unique_id: Some(committee.to_string()),
            member_unique_id: Some(member.to_string()),
            ..NoviCommitteeMember::default()
        };
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["committees", committee, "members"])
                    .json(&body)?
                    .context(context.clone()),
            )
            .await?;
        let id = match read_body(&answer.body, &context)? {
            Value::Object(object) if !object.is_empty() => {
                parse_record::<NoviCommitteeMember>(Value::Object(object), &context)?.unique_id
            }
            Value::String(id) => Some(id),
            _ => None,
        }
        .filter(|id| !id.trim().is_empty())
        .or_else(|| id_from_headers(&answer.headers));
        id.ok_or_else(|| {
            remote(format!(
                "{context}: Novi AMS answered {} without the membership's UniqueID",
                answer.status
            ))
        })
    }

    /// Removes one membership. A membership already gone (404) is the answer wanted.
    pub async fn remove_committee_member(
        &self,
        committee: &str,
        membership: &str,
    ) -> Result<(), BridgeError> {
        let committee = require_id("committee", committee)?;
        let membership = require_id("committee membership", membership)?;
        let result = self
            .http
            .send_raw(
                ApiRequest::delete(&["committees", committee, "members", membership]).context(
                    format!("remove membership {membership} of Novi AMS committee {committee}"),
                ),
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code == bridge_core::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
