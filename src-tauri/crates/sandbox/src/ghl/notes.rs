//! Notes of a contact. There is no bulk notes endpoint in GHL (highlevel-api-docs#173): reading
//! them costs one request per contact, which the stats make visible.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::auth::contact_location;
use super::dates::iso_ms;
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{AccessGrant, ContactRec, Data, NoteRec};
use super::validate::{json_body, opt_str, validate, Kind, Prop};

/// NotesDTO and UpdateNoteDTO share these properties.
const NOTE_PROPS: &[Prop] = &[
    Prop("userId", Kind::Str),
    Prop("body", Kind::Str),
    Prop("title", Kind::Str),
    Prop("color", Kind::Str),
    Prop("pinned", Kind::Bool),
];

fn note_json(contact_id: &str, note: &NoteRec) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(note.id));
    out.insert("body".into(), json!(note.body));
    if let Some(user) = &note.user_id {
        out.insert("userId".into(), json!(user));
    }
    out.insert("dateAdded".into(), json!(iso_ms(note.date_added)));
    out.insert("contactId".into(), json!(contact_id));
    if let Some(title) = &note.title {
        out.insert("title".into(), json!(title));
    }
    if let Some(color) = &note.color {
        out.insert("color".into(), json!(color));
    }
    if let Some(pinned) = note.pinned {
        out.insert("pinned".into(), json!(pinned));
    }
    Value::Object(out)
}

fn apply(note: &mut NoteRec, map: &Map<String, Value>) {
    if let Some(body) = opt_str(map, "body") {
        note.body = Arc::from(body);
    }
    if map.contains_key("userId") {
        note.user_id = opt_str(map, "userId").map(Arc::from);
    }
    for (key, slot) in [("title", &mut note.title), ("color", &mut note.color)] {
        if map.contains_key(key) {
            *slot = opt_str(map, key).map(str::to_string);
        }
    }
    if map.contains_key("pinned") {
        note.pinned = map.get("pinned").and_then(Value::as_bool);
    }
}

fn contact_mut<'a>(
    data: &'a mut Data,
    grant: &AccessGrant,
    contact_id: &str,
) -> Result<&'a mut ContactRec, ApiError> {
    contact_location(data, grant, contact_id)?
        .contacts
        .get_mut(contact_id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))
}

fn find_note<'a>(contact: &'a mut ContactRec, note_id: &str) -> Result<&'a mut NoteRec, ApiError> {
    contact
        .notes
        .iter_mut()
        .find(|n| n.id == note_id)
        .ok_or_else(|| ApiError::bad_request("Note not found"))
}

/// GET /contacts/{contactId}/notes → {notes}
pub(crate) async fn list(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let notes: Vec<Value> = contact
        .notes
        .iter()
        .map(|n| note_json(&contact_id, n))
        .collect();
    Ok(Json(json!({ "notes": notes })))
}

/// POST /contacts/{contactId}/notes → 201 {note}
pub(crate) async fn create(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, NOTE_PROPS, &["body"])?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let id = data.new_id();
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let mut note = NoteRec {
        id,
        body: Arc::from(""),
        user_id: None,
        title: None,
        color: None,
        pinned: None,
        date_added: now,
    };
    apply(&mut note, map);
    let out = note_json(&contact_id, &note);
    contact.notes.push(note);
    Ok((StatusCode::CREATED, Json(json!({ "note": out }))))
}

/// GET /contacts/{contactId}/notes/{id} → {note}
pub(crate) async fn get_one(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, note_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let note = find_note(contact, &note_id)?;
    Ok(Json(json!({"note": note_json(&contact_id, note)})))
}

/// PUT /contacts/{contactId}/notes/{id} → {note}
pub(crate) async fn update(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, note_id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, NOTE_PROPS, &[])?;
    if map.get("body").and_then(Value::as_str) == Some("") {
        return Err(ApiError::unprocessable_one("body should not be empty"));
    }
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    let note = find_note(contact, &note_id)?;
    apply(note, map);
    Ok(Json(json!({"note": note_json(&contact_id, note)})))
}

/// DELETE /contacts/{contactId}/notes/{id} → {succeded}
pub(crate) async fn delete(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path((contact_id, note_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let contact = contact_mut(&mut data, &grant, &contact_id)?;
    find_note(contact, &note_id)?;
    contact.notes.retain(|n| n.id != note_id);
    Ok(Json(json!({"succeded": true})))
}
