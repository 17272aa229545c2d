//! A contact's tags: POST and DELETE /contacts/{id}/tags, both with a `{tags}` body. Prefer these
//! to `tags` in an update, which replaces every tag.

use bridge_core::BridgeError;

use super::wire::{TagsBody, TagsEnvelope};
use super::{require_id, GhlClient};
use crate::http::ApiRequest;

impl GhlClient {
    /// Adds `tags`; returns the contact's tags as GHL reports them afterwards.
    pub async fn add_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: TagsEnvelope = self
            .send(
                ApiRequest::post(&["contacts", id, "tags"])
                    .json(&TagsBody { tags })?
                    // Adding a tag twice leaves the same set.
                    .idempotent(true)
                    .context(format!("add tags to GHL contact {id}")),
            )
            .await?;
        Ok(envelope.tags)
    }

    /// Removes `tags` (DELETE with a JSON body, as the spec defines it).
    pub async fn remove_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>, BridgeError> {
        let id = require_id("contact", contact_id)?;
        let envelope: TagsEnvelope = self
            .send(
                ApiRequest::delete(&["contacts", id, "tags"])
                    .json(&TagsBody { tags })?
                    .context(format!("remove tags from GHL contact {id}")),
            )
            .await?;
        Ok(envelope.tags)
    }
}
