//! One contact at a time: `GET /contacts/{email}`, `PATCH /contacts/{email}` (upsert), and
//! custom events `POST /custom-events/alias/{alias}?createContact=`.

use bridge_core::{BridgeError, ErrorCode};
use serde_json::{Map, Value};

use super::wire::{ConnectifContact, ContactPatch};
use super::{remote, require_email, ConnectifClient};
use crate::http::ApiRequest;

impl ConnectifClient {
    /// The contact with this email, or `None` when Connectif has none.
    pub async fn get_contact(&self, email: &str) -> Result<Option<ConnectifContact>, BridgeError> {
        let email = require_email(email)?;
        let result = self
            .http
            .send::<ConnectifContact>(
                ApiRequest::get(&["contacts", email])
                    .context(format!("get Connectif contact {email}")),
            )
            .await;
        match result {
            Ok(contact) => Ok(Some(contact)),
            Err(e) if e.code == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or updates the contact with this email; answers it as Connectif now has it.
    /// An upsert by key, so it is safe to repeat after an ambiguous failure.
    pub async fn upsert_contact(
        &self,
        email: &str,
        patch: &ContactPatch,
    ) -> Result<ConnectifContact, BridgeError> {
        let email = require_email(email)?;
        self.http
            .send(
                ApiRequest::new(reqwest::Method::PATCH, &["contacts", email])
                    .json(patch)?
                    .idempotent(true)
                    .context(format!("upsert Connectif contact {email}")),
            )
            .await
    }

    /// Sends one custom event; `fields` are keyed by the event type's field ids (its email
    /// field names the contact). `create_contact`: create the contact when it does not exist.
    /// Answers Connectif's reply as is. Not repeated after an ambiguous failure (an event
    /// sent twice is counted twice).
    pub async fn send_custom_event(
        &self,
        alias: &str,
        create_contact: bool,
        fields: &Map<String, Value>,
    ) -> Result<Value, BridgeError> {
        let alias = alias.trim();
        if alias.is_empty() {
            return Err(BridgeError::invalid_input(
                "a Connectif custom event needs its alias",
            ));
        }
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["custom-events", "alias", alias])
                    .query("createContact", create_contact.to_string())
                    .json(fields)?
                    .context(format!("send Connectif custom event '{alias}'")),
            )
            .await?;
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer.body).map_err(|e| {
            remote(format!(
                "send Connectif custom event '{alias}': the answer is not JSON: {e}"
            ))
        })
    }
}
