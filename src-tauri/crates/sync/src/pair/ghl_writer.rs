//! Contact writes to GHL.

use std::collections::HashMap;
use std::sync::Mutex;

use bridge_connectors::ghl::wire::{ContactFields, GhlContact, NewContact};
use bridge_connectors::ghl::{CustomFieldIndex, GhlClient};
use bridge_core::{json, BridgeError, Contact};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::apply::{Found, RecordWriter};
use crate::plan::Values;

/// Writes contacts to GHL from GHL field values, and keeps GHL's answer to each write (the
/// whole contact as it now stands) until the write is settled: stored as read, with its
/// hash, it spares the next pull reading that contact and its tasks and notes again.
pub(super) struct GhlWriter<'a> {
    client: &'a GhlClient,
    /// The location's custom fields, to read the answers as the pull reads contacts.
    fields: CustomFieldIndex,
    answers: Mutex<HashMap<String, Contact>>,
}

impl<'a> GhlWriter<'a> {
    pub(super) fn new(
        client: &'a GhlClient,
        store: &Store,
        ghl_connection_id: &str,
    ) -> Result<Self, BridgeError> {
        Ok(Self {
            client,
            fields: crate::pull::ghl::custom_field_index(store, ghl_connection_id)?,
            answers: Mutex::new(HashMap::new()),
        })
    }

    /// An answer that cannot be read as the pull would read it is not kept: the next pull
    /// then reads the contact as it always did.
    fn keep(&self, answer: Option<GhlContact>) {
        let Some(contact) = answer.and_then(|c| c.to_core(&self.fields).ok()) else {
            return;
        };
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(contact.contact_id.clone(), contact);
        }
    }
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
        Some(tags @ Value::Array(_)) => {
            fields.tags = Some(json::strings(tags).map(str::to_string).collect());
        }
        Some(Value::Null) => fields.tags = Some(Vec::new()),
        Some(Value::Object(_)) => fields.tags = Some(TagDeltas::of(values).add),
        _ => {}
    }
    if let Some(Value::Array(parts)) = values.get("fullName") {
        fields.first_name = parts.first().and_then(Value::as_str).map(str::to_string);
        fields.last_name = parts.get(1).and_then(Value::as_str).map(str::to_string);
    }
    // A cleared field is set to "", which the wire type sends as null (GHL keeps a field left out).
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
            json::strings(values.get("tags").and_then(|t| t.get(key)))
                .map(str::to_string)
                .collect()
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
            let id = created.id.clone().ok_or_else(|| {
                BridgeError::new(
                    bridge_core::ErrorCode::Remote,
                    "GHL created a contact without an id",
                )
            })?;
            self.keep(Some(created));
            Ok(id)
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
                let answer = self.client.update_contact(remote_id, &fields).await?;
                // Tag deltas sent after it change the contact again: that answer is not kept.
                if deltas.is_none() {
                    self.keep(answer);
                }
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

    fn answer(&self, remote_id: &str) -> Option<Contact> {
        self.answers.lock().ok()?.remove(remote_id)
    }

    /// `DELETE /contacts/{contactId}` (shared/reference/ghl-api.md; specs/ghl/contacts.json
    /// documents 200/400/401, a missing contact answering 400, read as "not found").
    fn delete<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move { self.client.delete_contact(remote_id).await })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move { Ok(self.find_created_confirmed(values).await?.map(|f| f.id)) })
    }

    /// GHL's duplicate search finds by email or phone: a person who was there before, or
    /// who shares a phone, is found as readily as the contact we made. The candidate is ours
    /// only when it holds what we sent: email, names and phone.
    fn find_created_confirmed<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<Found>, BridgeError>> {
        Box::pin(async move {
            let email = values.get("email").and_then(Value::as_str);
            let phone = values.get("phone").and_then(Value::as_str);
            if email.is_none() && phone.is_none() {
                return Ok(None);
            }
            let Some(candidate) = self.client.find_duplicate(email, phone).await? else {
                return Ok(None);
            };
            let Some(id) = candidate.id.clone() else {
                return Ok(None);
            };
            Ok(Some(Found {
                id,
                differs: differences(values, &candidate),
            }))
        })
    }
}

/// The identifying fields a candidate holds with other values than we sent ("field: ours /
/// theirs"). Emails and names compare trimmed and case-insensitively, phones by their digits
/// (GHL may store the number we sent reformatted).
fn differences(sent: &Values, candidate: &GhlContact) -> Vec<String> {
    let fields = [
        ("email", candidate.email.as_ref(), Compare::Text),
        ("firstName", candidate.first_name.as_ref(), Compare::Text),
        ("lastName", candidate.last_name.as_ref(), Compare::Text),
        ("phone", candidate.phone.as_ref(), Compare::Digits),
    ];
    fields
        .into_iter()
        .filter_map(|(field, theirs, compare)| {
            let ours = sent.get(field).and_then(Value::as_str)?;
            if compare.norm(ours).is_empty() {
                return None;
            }
            let theirs = theirs.map(String::as_str).unwrap_or_default();
            (compare.norm(ours) != compare.norm(theirs))
                .then(|| format!("{field}: {ours:?} / {theirs:?}"))
        })
        .collect()
}

/// How [`differences`] compares one field.
#[derive(Clone, Copy)]
enum Compare {
    /// Trimmed, case-insensitive.
    Text,
    /// The digits only.
    Digits,
}

impl Compare {
    fn norm(self, value: &str) -> String {
        match self {
            Compare::Text => value.trim().to_lowercase(),
            Compare::Digits => value.chars().filter(char::is_ascii_digit).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_candidate_is_confirmed_by_the_values_we_sent() {
        let sent: Values = [
            ("email", json!("Ada@Example.com ")),
            ("firstName", json!("Ada")),
            ("lastName", json!("Lovelace")),
            ("phone", json!("+44 20 7946 0958")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let ours = GhlContact {
            id: Some("g1".into()),
            email: Some("ada@example.com".into()),
            first_name: Some("ada".into()),
            last_name: Some("Lovelace".into()),
            phone: Some("+442079460958".into()),
            ..GhlContact::default()
        };
        assert!(differences(&sent, &ours).is_empty());
        let other = GhlContact {
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            ..ours
        };
        assert_eq!(
            differences(&sent, &other),
            vec![
                r#"firstName: "Ada" / "Grace""#.to_string(),
                r#"lastName: "Lovelace" / "Hopper""#.to_string()
            ]
        );
    }
}
