//! Contact writes to GHL.

use bridge_connectors::ghl::wire::{ContactFields, NewContact};
use bridge_connectors::ghl::GhlClient;
use bridge_core::BridgeError;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::apply::RecordWriter;
use crate::plan::Values;

/// Writes contacts to GHL from GHL field values.
pub(super) struct GhlWriter<'a> {
    pub(super) client: &'a GhlClient,
}

fn ghl_fields(values: &Values) -> ContactFields {
    let text = |field: &str| {
        values
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut fields = ContactFields {
        email: text("email"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        phone: text("phone"),
        ..ContactFields::default()
    };
    // GHL replaces a contact's tags with the list sent: only a new contact gets a list; an
    // existing one gets add/remove deltas (`TagDeltas`), sent through the tags endpoints.
    match values.get("tags") {
        Some(Value::Array(tags)) => {
            fields.tags = Some(
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        Some(Value::Null) => fields.tags = Some(Vec::new()),
        Some(Value::Object(_)) => fields.tags = Some(TagDeltas::of(values).add),
        _ => {}
    }
    if let Some(Value::Array(parts)) = values.get("fullName") {
        fields.first_name = parts.first().and_then(Value::as_str).map(str::to_string);
        fields.last_name = parts.get(1).and_then(Value::as_str).map(str::to_string);
    }
    // A cleared field is sent as an empty string: GHL keeps a field that is left out.
    for (field, slot) in [
        ("email", &mut fields.email),
        ("firstName", &mut fields.first_name),
        ("lastName", &mut fields.last_name),
        ("phone", &mut fields.phone),
    ] {
        if values.get(field).is_some_and(Value::is_null) {
            *slot = Some(String::new());
        }
    }
    fields
}

/// A tags change planned element by element: `{"add": [...], "remove": [...]}`.
#[derive(Debug, Default, PartialEq, Eq)]
struct TagDeltas {
    add: Vec<String>,
    remove: Vec<String>,
}

impl TagDeltas {
    fn of(values: &Values) -> Self {
        let list = |key: &str| -> Vec<String> {
            values
                .get("tags")
                .and_then(|t| t.get(key))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            add: list("add"),
            remove: list("remove"),
        }
    }
}

impl RecordWriter for GhlWriter<'_> {
    fn system(&self) -> &str {
        "GHL"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let created = self
                .client
                .create_contact(&NewContact {
                    fields: ghl_fields(values),
                    ..NewContact::default()
                })
                .await?;
            created.id.ok_or_else(|| {
                BridgeError::new(
                    bridge_core::ErrorCode::Remote,
                    "GHL created a contact without an id",
                )
            })
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            let deltas = changes
                .get("tags")
                .is_some_and(Value::is_object)
                .then(|| TagDeltas::of(changes));
            let mut fields = ghl_fields(changes);
            if deltas.is_some() {
                fields.tags = None;
            }
            if changes.keys().any(|field| field != "tags") || deltas.is_none() {
                self.client.update_contact(remote_id, &fields).await?;
            }
            // Each delta is idempotent: a write sent again after a lost answer changes nothing
            // more, and a tag GHL gained meanwhile is left alone.
            if let Some(deltas) = deltas {
                if !deltas.add.is_empty() {
                    self.client.add_tags(remote_id, &deltas.add).await?;
                }
                if !deltas.remove.is_empty() {
                    self.client.remove_tags(remote_id, &deltas.remove).await?;
                }
            }
            Ok(())
        })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            let email = values.get("email").and_then(Value::as_str);
            let phone = values.get("phone").and_then(Value::as_str);
            if email.is_none() && phone.is_none() {
                return Ok(None);
            }
            Ok(self
                .client
                .find_duplicate(email, phone)
                .await?
                .and_then(|c| c.id))
        })
    }
}
