//! Notes of a contact: GetNoteSchema as read; NotesDTO and UpdateNoteDTO as written.

use serde::{Deserialize, Serialize};

use super::serde_helpers::null_as_default;
use super::time::RemoteTime;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GhlNote {
    pub id: Option<String>,
    pub body: Option<String>,
    pub user_id: Option<String>,
    pub date_added: Option<RemoteTime>,
    pub contact_id: Option<String>,
    pub title: Option<String>,
    pub color: Option<String>,
    pub pinned: Option<bool>,
}

/// NotesDTO — POST /contacts/{id}/notes; `body` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// UpdateNoteDTO — PUT /contacts/{id}/notes/{noteId}; every property optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// `{notes}` — GET /contacts/{id}/notes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NotesEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub notes: Vec<GhlNote>,
}

/// `{note}` — GET, POST, PUT of one note.
#[derive(Debug, Clone, Deserialize)]
pub struct NoteEnvelope {
    pub note: GhlNote,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn note_bodies_hold_only_notes_dto_properties() {
        let full = NewNote {
            body: "Met at the fair".into(),
            user_id: Some("u1".into()),
            title: Some("Follow-up".into()),
            color: Some("#FFAA00".into()),
            pinned: Some(false),
        };
        let value = serde_json::to_value(&full).unwrap();
        let mut keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["body", "color", "pinned", "title", "userId"]);
        assert_eq!(
            serde_json::to_value(NewNote {
                body: "x".into(),
                ..Default::default()
            })
            .unwrap(),
            json!({"body": "x"})
        );
        assert_eq!(
            serde_json::to_value(NoteUpdate {
                body: Some("y".into()),
                ..Default::default()
            })
            .unwrap(),
            json!({"body": "y"})
        );
    }
}
