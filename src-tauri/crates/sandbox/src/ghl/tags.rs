//! POST and DELETE /contacts/{contactId}/tags, both with a `{tags: [...]}` body (DELETE
//! carries one too). Both answer the contact's tags after the change and stamp dateUpdated.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::auth::contact_location;
use super::contacts::normalize_tags;
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::AccessGrant;
use super::validate::{json_body, validate, Kind, Prop};

/// TagsDTO
const TAGS_PROPS: &[Prop] = &[Prop("tags", Kind::StrArray)];

#[derive(Clone, Copy)]
enum Change {
    Add,
    Remove,
}

/// POST /contacts/{contactId}/tags → 201 {tags}
pub(crate) async fn add(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let tags = change(&shared, &grant, &contact_id, &headers, &bytes, Change::Add)?;
    Ok((StatusCode::CREATED, tags))
}

/// DELETE /contacts/{contactId}/tags → 200 {tags}
pub(crate) async fn remove(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    change(
        &shared,
        &grant,
        &contact_id,
        &headers,
        &bytes,
        Change::Remove,
    )
}

fn change(
    shared: &AppState,
    grant: &AccessGrant,
    contact_id: &str,
    headers: &HeaderMap,
    bytes: &Bytes,
    change: Change,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(headers, bytes)?;
    let map = validate(&body, TAGS_PROPS, &["tags"])?;
    let given = normalize_tags(
        map.get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    let now = shared.now();
    let mut data = lock(&shared.data);
    let location = contact_location(&mut data, grant, contact_id)?;
    let tags = location
        .update_contact(contact_id, now, |contact| {
            match change {
                Change::Add => {
                    for tag in given {
                        if !contact.tags.contains(&tag) {
                            contact.tags.push(tag);
                        }
                    }
                }
                Change::Remove => contact.tags.retain(|t| !given.contains(t)),
            }
            contact.tags.clone()
        })
        .ok_or_else(|| ApiError::bad_request("Contact not found"))?;
    Ok(Json(json!({ "tags": tags })))
}
