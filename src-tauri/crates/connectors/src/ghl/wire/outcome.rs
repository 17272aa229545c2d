//! Small answers and bodies shared by several endpoints.

use serde::{Deserialize, Serialize};

use super::serde_helpers::null_as_default;

/// `{succeded}` from contact, task and note deletes (the API's spelling) or `{succeeded}` from
/// calendar event deletes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeleteOutcome {
    #[serde(alias = "succeeded")]
    pub succeded: Option<bool>,
}

/// TagsDTO — the body of POST and DELETE /contacts/{id}/tags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagsBody<'a> {
    pub tags: &'a [String],
}

/// `{tags}` — the contact's tags after the change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TagsEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}
