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
    // GHL replaces a contact's tags with the list sent.
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
            self.client
                .update_contact(remote_id, &ghl_fields(changes))
                .await?;
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
