//! Custom integrations and their custom event types (api-docs.connectif.cloud:
//! `POST /custom-integrations/{id}/custom-event-types/`, resources CustomIntegration and
//! CustomEventType), and the cheap requests that prove a key's scopes without changing
//! anything.

use bridge_core::{BridgeError, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{remote, ConnectifClient};
use crate::http::ApiRequest;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomIntegration {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A field of a custom event type (`isPrimaryKey`: the contact's email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTypeField {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "isPrimaryKey", default)]
    pub primary_key: bool,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomEventType {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fields: Vec<EventTypeField>,
}

/// An event type to create: received through the API (`category: receive`,
/// `receiveType: api`), its email field the primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEventType {
    pub alias: String,
    pub name: String,
    pub fields: Vec<EventTypeField>,
}

fn results<T: serde::de::DeserializeOwned>(
    body: Value,
    context: &str,
) -> Result<Vec<T>, BridgeError> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("results") {
            Some(Value::Array(items)) => items,
            _ => return Err(remote(format!("{context}: the answer has no results"))),
        },
        _ => return Err(remote(format!("{context}: the answer is not a list"))),
    };
    items
        .into_iter()
        .map(|item| {
            serde_json::from_value(item)
                .map_err(|e| remote(format!("{context}: an item is unreadable: {e}")))
        })
        .collect()
}

impl ConnectifClient {
    pub async fn list_custom_integrations(&self) -> Result<Vec<CustomIntegration>, BridgeError> {
        let context = "list Connectif custom integrations";
        let body: Value = self
            .http
            .send(ApiRequest::get(&["custom-integrations", ""]).context(context))
            .await?;
        results(body, context)
    }

    pub async fn list_custom_event_types(
        &self,
        integration_id: &str,
    ) -> Result<Vec<CustomEventType>, BridgeError> {
        let context =
            format!("list the custom event types of Connectif integration {integration_id}");
        let body: Value = self
            .http
            .send(
                ApiRequest::get(&[
                    "custom-integrations",
                    integration_id,
                    "custom-event-types",
                    "",
                ])
                .context(context.clone()),
            )
            .await?;
        results(body, &context)
    }

    /// Creates an event type in `integration_id`. Not repeated after an ambiguous failure
    /// (a second one with the same alias is refused anyway).
    pub async fn create_custom_event_type(
        &self,
        integration_id: &str,
        event_type: &NewEventType,
    ) -> Result<CustomEventType, BridgeError> {
        let mut body = serde_json::to_value(event_type)
            .map_err(|e| BridgeError::internal(format!("event type body: {e}")))?;
        body["category"] = json!("receive");
        body["receiveType"] = json!("api");
        self.http
            .send(
                ApiRequest::post(&[
                    "custom-integrations",
                    integration_id,
                    "custom-event-types",
                    "",
                ])
                .json(&body)?
                .context(format!(
                    "create Connectif custom event type '{}'",
                    event_type.alias
                )),
            )
            .await
    }

    /// Proves the exports scope: one read of the export list (ExportList), nothing started.
    pub async fn probe_exports(&self) -> Result<(), BridgeError> {
        let _: Value = self
            .http
            .send(
                ApiRequest::get(&["exports", ""])
                    .query("limit", "1")
                    .context("list Connectif exports"),
            )
            .await?;
        Ok(())
    }

    /// Proves the contacts write scope without writing: a PATCH whose body Connectif must
    /// refuse with 422 (`_points` is an integer). Without the scope the answer is 403.
    pub async fn probe_write(&self, probe_email: &str) -> Result<(), BridgeError> {
        let answer = self
            .http
            .send_raw(
                ApiRequest::new(reqwest::Method::PATCH, &["contacts", probe_email])
                    .json(&json!({"_points": "not a number"}))?
                    .context("check the Connectif contacts write scope"),
            )
            .await;
        validation_refusal(answer.map(|_| ()), "a contact change with _points as text")
    }

    /// Proves the custom events scope and that the event type exists, without recording an
    /// event: an empty body, which Connectif refuses with 422 (the email field is required).
    /// Without the scope the answer is 403; an unknown alias, 404.
    pub async fn probe_custom_event(&self, alias: &str) -> Result<(), BridgeError> {
        let answer = self
            .http
            .send_raw(
                ApiRequest::post(&["custom-events", "alias", alias])
                    .query("createContact", "false")
                    .json(&json!({}))?
                    .context(format!("check the Connectif custom event '{alias}'")),
            )
            .await;
        validation_refusal(answer.map(|_| ()), "a custom event without its email")
    }
}

/// Ok when the answer is the 422 a probe asked for; the error otherwise (403, 404…).
fn validation_refusal(answer: Result<(), BridgeError>, what: &str) -> Result<(), BridgeError> {
    match answer {
        Err(e) if e.code == ErrorCode::Remote && e.message.contains("422") => Ok(()),
        Err(e) => Err(e),
        Ok(()) => Err(remote(format!(
            "Connectif accepted {what}, which it should refuse"
        ))),
    }
}
