//! Connectif's checks: the key's scopes (contacts read and write, exports, custom events), each
//! proven by one request that changes nothing; the three custom event types GHL's activities
//! go to (created through the API with `fix`); and the tags checkbox with an option for every
//! GHL tag the mirror holds. A key without a scope answers 403 "Permission not granted to the
//! API Key…" (api-docs.connectif.cloud).

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::connectif::{ConnectifClient, EventTypeField, NewEventType};
use bridge_core::{BridgeError, ErrorCode};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::contacts;
use bridge_store::Store;

use super::Check;
use crate::app::{APPOINTMENT_EVENT, NOTE_EVENT, TASK_EVENT};
use crate::connections::connectif_client;

/// An address no real contact has: the probes prove the key without touching anyone.
const PROBE_EMAIL: &str = "contact-bridge-check@example.invalid";

/// The event types the pair sends, with their fields (the first is the email primary key).
const EVENT_TYPES: &[(&str, &[&str])] = &[
    (
        TASK_EVENT,
        &["email", "title", "body", "dueDate", "completed"],
    ),
    (NOTE_EVENT, &["email", "title", "body", "occurredAt"]),
    (
        APPOINTMENT_EVENT,
        &["email", "title", "start", "end", "status"],
    ),
];

pub(super) async fn checks(
    store: &Store,
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    fix: bool,
) -> Vec<Check> {
    let client = match connectif_client(connection, tokens) {
        Ok(client) => client,
        Err(e) => {
            return vec![Check::failed(
                "sign-in",
                format!(
                    "Check the API key in Connectif and reconnect ({}).",
                    e.message
                ),
            )]
        }
    };
    let mut checks = vec![
        scope_check(
            "contacts (read)",
            "Read Contacts",
            client.get_contact(PROBE_EMAIL).await.map(|_| ()),
        ),
        scope_check(
            "contacts (write)",
            "Write Contacts",
            client.probe_write(PROBE_EMAIL).await,
        ),
        scope_check("exports", "Exports", client.probe_exports().await),
    ];
    let present = event_type_checks(&client, fix, &mut checks).await;
    if let Some(alias) = present {
        checks.push(scope_check(
            "custom events",
            "Custom events",
            client.probe_custom_event(&alias).await,
        ));
    }
    if let Some(field) = connection.settings["tagsField"].as_str() {
        checks.push(tag_options_check(store, &client, field).await);
    }
    checks
}

/// OK, or one sentence: add the scope to the key (403), or Connectif's own words.
fn scope_check(capability: &str, scope: &str, probe: Result<(), BridgeError>) -> Check {
    match probe {
        Ok(()) => Check::ok(capability, format!("the key has the {scope} scope")),
        Err(e) if e.code == ErrorCode::Unauthorized && e.message.contains("Permission") => {
            Check::failed(
                capability,
                format!("Add the {scope} scope to the API key in Connectif (Store settings → API keys)."),
            )
        }
        Err(e) => Check::failed(
            capability,
            format!("Connectif refused the {scope} check: {}.", e.message),
        ),
    }
}

/// One check per event type; with `fix`, a missing one is created in the first custom
/// integration. Returns an alias that exists, to prove the custom events scope with.
async fn event_type_checks(
    client: &ConnectifClient,
    fix: bool,
    checks: &mut Vec<Check>,
) -> Option<String> {
    let integrations = match client.list_custom_integrations().await {
        Ok(list) => list,
        Err(e) => {
            checks.push(scope_check("event types", "Custom integrations", Err(e)));
            return None;
        }
    };
    let mut aliases = Vec::new();
    for integration in &integrations {
        match client.list_custom_event_types(&integration.id).await {
            Ok(types) => aliases.extend(types.into_iter().filter_map(|t| t.alias)),
            Err(e) => {
                checks.push(scope_check("event types", "Custom integrations", Err(e)));
                return None;
            }
        }
    }
    let mut present = None;
    for (alias, fields) in EVENT_TYPES {
        let capability = format!("event type {alias}");
        if aliases.iter().any(|a| a == alias) {
            present.get_or_insert_with(|| alias.to_string());
            checks.push(Check::ok(capability, "exists"));
            continue;
        }
        let Some(integration) = integrations.first().filter(|_| fix) else {
            checks.push(Check::failed(
                capability,
                format!(
                    "Create the custom event type {alias} (fields {}, email the primary key) in a custom integration in Connectif, or run `bridge doctor --fix` to create it.",
                    fields.join(", ")
                ),
            ));
            continue;
        };
        match client
            .create_custom_event_type(&integration.id, &new_event_type(alias, fields))
            .await
        {
            Ok(_) => {
                present.get_or_insert_with(|| alias.to_string());
                checks.push(Check::ok(
                    capability,
                    format!("created in the custom integration {}", integration.name),
                ));
            }
            Err(e) => checks.push(Check::failed(
                capability,
                format!(
                    "Create the custom event type {alias} in Connectif: creating it failed ({}).",
                    e.message
                ),
            )),
        }
    }
    present
}

fn new_event_type(alias: &str, fields: &[&str]) -> NewEventType {
    NewEventType {
        alias: alias.to_string(),
        name: alias.to_string(),
        fields: fields
            .iter()
            .enumerate()
            .map(|(i, id)| EventTypeField {
                id: id.to_string(),
                name: id.to_string(),
                kind: match *id {
                    "email" => "email",
                    "completed" => "boolean",
                    _ => "text",
                }
                .to_string(),
                primary_key: i == 0,
                required: i == 0,
            })
            .collect(),
    }
}

/// The tags checkbox exists and has an option for every tag the GHL contacts carry.
async fn tag_options_check(store: &Store, client: &ConnectifClient, field: &str) -> Check {
    let capability = "tag options";
    let fields = match client.list_contact_fields().await {
        Ok(fields) => fields,
        Err(e) => return scope_check(capability, "Read Contacts", Err(e)),
    };
    let Some(checkbox) = fields.iter().find(|f| f.id == field) else {
        return Check::failed(
            capability,
            format!("Create a checkbox contact field with the id {field} in Connectif (Contacts → Contact fields) for GHL's tags."),
        );
    };
    if checkbox.kind != "checkbox" {
        return Check::failed(
            capability,
            format!(
                "Make {field} a checkbox field in Connectif: it is a {} field.",
                checkbox.kind
            ),
        );
    }
    let tags = match contacts::tags_in_use(store.conn()) {
        Ok(tags) => tags,
        Err(e) => return Check::failed(capability, e.message),
    };
    let missing: Vec<&String> = tags
        .iter()
        .filter(|tag| checkbox.option_for(tag).is_none())
        .collect();
    if missing.is_empty() {
        return Check::ok(
            capability,
            format!(
                "{field} has an option for each of the {} GHL tags",
                tags.len()
            ),
        );
    }
    Check::failed(
        capability,
        format!(
            "Add {} as option{} of the checkbox {field} in Connectif (Contacts → Contact fields).",
            missing
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() == 1 { "" } else { "s" },
        ),
    )
}
