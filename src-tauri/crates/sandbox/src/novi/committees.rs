//! Committees and their members: `GET /api/committees` (`{TotalCount, Results}`, paged),
//! `GET /api/committees/{id}/members` (not paged), `POST /api/committees/{id}/members` and
//! `DELETE /api/committees/{id}/members/{membershipId}`.
//!
//! Source: MemberJunction/MJ metadata/integrations/novi/.novi.integration.json (commit 8cb94d7,
//! derived from Novi's Postman collection), objects "Committee" (UniqueID, Name, Active,
//! InternalDescription, PrimaryMemberCount, BeneficiaryMemberCount, LastCalculatedUTCDateTime)
//! and "CommitteeMember" (UniqueID, CommitteeUniqueID, MemberUniqueID, CommitteeName, Role,
//! CommitteeSection, Inherited, Status, TermStart, TermEnd, …; create POST with the id in the
//! body, update PUT, DELETE). Member groups are read-only there and are not served.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::api::{body_object, message, page_of, paged, query_map};
use super::host::guid;
use super::NoviState;
use crate::ghl::shared::lock;

/// One committee of the tenant.
#[derive(Debug, Clone)]
pub(crate) struct Committee {
    pub id: String,
    pub name: String,
}

/// One member's seat on a committee.
#[derive(Debug, Clone)]
pub(crate) struct Seat {
    pub id: String,
    pub committee: String,
    pub member: String,
    pub inherited: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Committees {
    pub list: Vec<Committee>,
    pub seats: Vec<Seat>,
}

/// Guess: the committees a new tenant's sandbox starts with (the source lists fields, not rows).
pub(crate) const SEEDED: [&str; 3] = [
    "Board of Directors",
    "Membership Committee",
    "Events Committee",
];

fn committee_view(committees: &Committees, c: &Committee) -> Value {
    let seated = committees
        .seats
        .iter()
        .filter(|s| s.committee == c.id)
        .count();
    json!({
        "UniqueID": c.id,
        "Name": c.name,
        "Active": true,
        "InternalDescription": Value::Null,
        "PrimaryMemberCount": seated,
        "BeneficiaryMemberCount": 0,
        "AwardCreditsAfterPercentage": 0,
        "LastCalculatedUTCDateTime": Value::Null,
    })
}

fn seat_view(c: &Committee, s: &Seat) -> Value {
    json!({
        "UniqueID": s.id,
        "CommitteeUniqueID": c.id,
        "MemberUniqueID": s.member,
        "CommitteeName": c.name,
        "Role": Value::Null,
        "CommitteeSection": Value::Null,
        "Inherited": s.inherited,
        // Guess: the status text of a current seat (the source names the field only).
        "Status": "Active",
        "TermStart": Value::Null,
        "TermEnd": Value::Null,
    })
}

pub(crate) async fn list(State(novi): State<NoviState>, RawQuery(raw): RawQuery) -> Response {
    let page = match page_of(&query_map(raw)) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let committees = lock(&novi.committees);
    let items = committees
        .list
        .iter()
        .map(|c| committee_view(&committees, c))
        .collect();
    paged(items, &page)
}

fn unknown(id: &str) -> Response {
    message(StatusCode::NOT_FOUND, format!("Committee {id} not found."))
}

/// Guess: the answer is a bare list (the source marks the listing as not paged, without a body).
pub(crate) async fn members(State(novi): State<NoviState>, Path(id): Path<String>) -> Response {
    let committees = lock(&novi.committees);
    let Some(committee) = committees.list.iter().find(|c| c.id == id) else {
        return unknown(&id);
    };
    let seats: Vec<Value> = committees
        .seats
        .iter()
        .filter(|s| s.committee == id)
        .map(|s| seat_view(committee, s))
        .collect();
    Json(seats).into_response()
}

/// Seats a member. Guess: `MemberUniqueID` is required and must name a member; nothing stops a
/// second seat for the same member (no uniqueness is documented), so a POST sent twice makes
/// two.
pub(crate) async fn add(
    State(novi): State<NoviState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match body_object(&body) {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let Some(member) = body
        .get("MemberUniqueID")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return message(StatusCode::BAD_REQUEST, "MemberUniqueID is required.");
    };
    if lock(&novi.data).member(&member).is_none() {
        return message(
            StatusCode::BAD_REQUEST,
            format!("Member {member} not found."),
        );
    }
    let seat_id = guid(&mut *lock(&novi.rng));
    let mut committees = lock(&novi.committees);
    let Some(committee) = committees.list.iter().find(|c| c.id == id).cloned() else {
        return unknown(&id);
    };
    let seat = Seat {
        id: seat_id,
        committee: id,
        member,
        inherited: false,
    };
    let view = seat_view(&committee, &seat);
    committees.seats.push(seat);
    (StatusCode::CREATED, Json(view)).into_response()
}

pub(crate) async fn remove(
    State(novi): State<NoviState>,
    Path((id, seat)): Path<(String, String)>,
) -> Response {
    let mut committees = lock(&novi.committees);
    let before = committees.seats.len();
    committees
        .seats
        .retain(|s| !(s.committee == id && s.id == seat));
    if committees.seats.len() == before {
        return message(
            StatusCode::NOT_FOUND,
            format!("Committee member {seat} not found."),
        );
    }
    StatusCode::OK.into_response()
}
