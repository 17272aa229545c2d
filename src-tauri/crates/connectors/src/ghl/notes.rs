//! A contact's notes: /contacts/{contactId}/notes[/{id}]. No paging and no bulk endpoint
//! (ghl#173): read them only for contacts that changed.

use bridge_core::BridgeError;

use super::wire::{DeleteOutcome, GhlNote, NewNote, NoteEnvelope, NoteUpdate, NotesEnvelope};
use super::{check_deleted, require_id, GhlClient};
use crate::http::ApiRequest;

impl GhlClient {
    pub async fn list_notes(&self, contact_id: &str) -> Result<Vec<GhlNote>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: NotesEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id, "notes"])
                    .record_read()
                    .context(format!("list the notes of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.notes)
    }

    pub async fn get_note(&self, contact_id: &str, note_id: &str) -> Result<GhlNote, BridgeError> {
        let (id, note) = (
            require_id("contact", contact_id)?,
            require_id("note", note_id)?,
        );
        let envelope: NoteEnvelope = self
            .send(
                ApiRequest::get(&["contacts", id, "notes", note])
                    .record_read()
                    .context(format!("get note {note} of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.note)
    }

    /// POST (201 `{note}`); not repeated after an ambiguous failure.
    pub async fn create_note(
        &self,
        contact_id: &str,
        note: &NewNote,
    ) -> Result<GhlNote, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: NoteEnvelope = self
            .send(
                ApiRequest::post(&["contacts", id, "notes"])
                    .json(note)?
                    .context(format!("create a note for GHL contact {id}")),
            )
            .await?;
        Ok(envelope.note)
    }

    pub async fn update_note(
        &self,
        contact_id: &str,
        note_id: &str,
        update: &NoteUpdate,
    ) -> Result<GhlNote, BridgeError> {
        let (id, note) = (
            require_id("contact", contact_id)?,
            require_id("note", note_id)?,
        );
        let envelope: NoteEnvelope = self
            .send(
                ApiRequest::put(&["contacts", id, "notes", note])
                    .json(update)?
                    // The spec answers a bad body with 422: a 400 here is a missing record.
                    .record_read()
                    .context(format!("update note {note} of GHL contact {id}")),
            )
            .await?;
        Ok(envelope.note)
    }

    pub async fn delete_note(&self, contact_id: &str, note_id: &str) -> Result<(), BridgeError> {
        let (id, note) = (
            require_id("contact", contact_id)?,
            require_id("note", note_id)?,
        );
        let context = format!("delete note {note} of GHL contact {id}");
        let outcome: DeleteOutcome = self
            .send(
                ApiRequest::delete(&["contacts", id, "notes", note])
                    .record_read()
                    .context(context.clone()),
            )
            .await?;
        check_deleted(&outcome, || context)
    }
}
