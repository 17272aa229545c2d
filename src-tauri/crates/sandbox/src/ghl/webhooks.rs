//! Signed webhooks from the GHL fake: once [`GhlSandbox::send_webhooks_to`] names a URL, every
//! successful write made through the fake's API (a contact, its tags, tasks, notes, an
//! appointment) is sent there as GHL's webhook event, signed as GHL signs it, so tests and the
//! offline sandbox exercise the receiver's real path.
//!
//! Sources: ../shared/specs/ghl/webhook-events/*.md (event names and payload fields),
//! ../shared/specs/ghl/WebhookAuthentication.md (`x-wh-signature`: RSA-SHA256 over the raw body,
//! base64, as Node's `crypto.createVerify('SHA256')` checks it, i.e. PKCS#1 v1.5; the envelope's
//! `timestamp` and `webhookId`), reference/ghl-api.md (`X-GHL-Signature` Ed25519 since
//! 2026-07-01; GHL retries a delivery only when it is answered with 429).
//!
//! Guesses (no document states them): the Ed25519 signature is base64 over the raw body like
//! the RSA one; ContactTagUpdate carries only `id` and `tags` here (GHL sends the whole
//! contact); a task edit sends nothing (GHL has no TaskUpdate event) and only the completed
//! route sends TaskComplete; deliveries go out right after the answer, one request each, never
//! retried (GHL retries only a 429).
//!
//! The keys are test keys made for this fake and published here on purpose: never trust them
//! outside tests.
//!
//! [`GhlSandbox::send_webhooks_to`]: super::GhlSandbox::send_webhooks_to

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{json, Map, Value};

use super::shared::{lock, AppState};

/// The public half of [`WebhookSigning::TestRsa`], in the PEM form GHL publishes its own key.
pub const TEST_RSA_PUBLIC_KEY_PEM: &str = include_str!("webhook_keys/test_rsa_public.pem");
/// The public half of [`WebhookSigning::TestEd25519`] (SPKI PEM).
pub const TEST_ED25519_PUBLIC_KEY_PEM: &str = include_str!("webhook_keys/test_ed25519_public.pem");
const TEST_RSA_PRIVATE_KEY_PEM: &str = include_str!("webhook_keys/test_rsa_private.pem");
const OTHER_RSA_PRIVATE_KEY_PEM: &str = include_str!("webhook_keys/other_rsa_private.pem");
const TEST_ED25519_PRIVATE_KEY_PEM: &str = include_str!("webhook_keys/test_ed25519_private.pem");

/// How the fake signs what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookSigning {
    /// `x-wh-signature`, RSA-SHA256 with the test key ([`TEST_RSA_PUBLIC_KEY_PEM`]).
    TestRsa,
    /// `X-GHL-Signature`, Ed25519 with the test key ([`TEST_ED25519_PUBLIC_KEY_PEM`]).
    TestEd25519,
    /// `x-wh-signature` made with another RSA key than the published test key: what a forger
    /// without GHL's private key can do.
    OtherRsa,
}

impl WebhookSigning {
    /// The header and its value for `body`.
    pub fn sign(self, body: &[u8]) -> Result<(&'static str, String), String> {
        let engine = base64::engine::general_purpose::STANDARD;
        match self {
            Self::TestRsa | Self::OtherRsa => {
                let pem = if self == Self::TestRsa {
                    TEST_RSA_PRIVATE_KEY_PEM
                } else {
                    OTHER_RSA_PRIVATE_KEY_PEM
                };
                let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .map_err(|e| format!("the fake's RSA test key is unreadable: {e}"))?;
                let signature = SigningKey::<Sha256>::new(key).sign(body);
                Ok(("x-wh-signature", engine.encode(signature.to_bytes())))
            }
            Self::TestEd25519 => {
                let key = ed25519_dalek::SigningKey::from_pkcs8_pem(TEST_ED25519_PRIVATE_KEY_PEM)
                    .map_err(|e| format!("the fake's Ed25519 test key is unreadable: {e}"))?;
                Ok(("x-ghl-signature", engine.encode(key.sign(body).to_bytes())))
            }
        }
    }
}

/// Where the fake sends its webhooks, and what became of them.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    pub target: Option<(String, WebhookSigning)>,
    pub deliveries: Vec<Delivery>,
}

/// One webhook sent: its event type, id and the receiver's answer (0: no answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event_type: String,
    pub webhook_id: String,
    pub status: u16,
}

/// Middleware: after a successful write, sends the webhook GHL would send for it.
pub(crate) async fn send_after_write(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let target = lock(&shared.webhooks).target.clone();
    let (Some(target), false) = (target, request.method() == Method::GET) else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let params = path_params(&template, request.uri().path());
    // Taken before the write: a deleted contact has no location afterwards.
    let location = {
        let data = lock(&shared.data);
        params
            .get("contactId")
            .and_then(|id| data.location_of_contact(id))
            .or_else(|| {
                params
                    .get("eventId")
                    .and_then(|id| data.location_of_appointment(id))
            })
            .map(str::to_string)
            .or_else(|| data.locations.first().map(|l| l.id.clone()))
            .unwrap_or_default()
    };
    let response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Some(payload) = event_for(&method, &template, &params, &answer) {
        let now = shared.now();
        let webhook_id = uuid::Uuid::new_v4().to_string();
        let mut event = Map::new();
        event.insert("timestamp".into(), json!(super::dates::iso_ms(now)));
        event.insert("webhookId".into(), json!(webhook_id));
        event.insert("locationId".into(), json!(location));
        if let Value::Object(fields) = payload {
            for (k, v) in fields {
                event.entry(k).or_insert(v);
            }
        }
        tokio::spawn(deliver(shared.clone(), target, Value::Object(event)));
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn deliver(shared: AppState, (url, signing): (String, WebhookSigning), event: Value) {
    let event_type = event["type"].as_str().unwrap_or_default().to_string();
    let webhook_id = event["webhookId"].as_str().unwrap_or_default().to_string();
    let body = event.to_string().into_bytes();
    let status = match signing.sign(&body) {
        Ok((header, signature)) => reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .header(header, signature)
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        Err(e) => {
            tracing::warn!("the GHL fake could not sign a webhook: {e}");
            0
        }
    };
    lock(&shared.webhooks).deliveries.push(Delivery {
        event_type,
        webhook_id,
        status,
    });
}

/// The route's parameters by name, e.g. `{contactId}` → its value in `path`.
fn path_params(template: &str, path: &str) -> std::collections::BTreeMap<String, String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(name, value)| {
            let name = name.strip_prefix('{')?.strip_suffix('}')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

/// The event GHL sends for a successful write (its `type` and fields), or none.
fn event_for(
    method: &Method,
    template: &str,
    params: &std::collections::BTreeMap<String, String>,
    answer: &Value,
) -> Option<Value> {
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let with_type = |kind: &str, record: &Value| {
        let mut fields = record.as_object().cloned().unwrap_or_default();
        fields.insert("type".into(), json!(kind));
        Value::Object(fields)
    };
    let m = method.as_str();
    Some(match (m, template) {
        ("POST", "/contacts" | "/contacts/") => with_type("ContactCreate", &answer["contact"]),
        ("POST", "/contacts/upsert") => {
            let kind = if answer["new"] == true {
                "ContactCreate"
            } else {
                "ContactUpdate"
            };
            with_type(kind, &answer["contact"])
        }
        ("PUT", "/contacts/{contactId}") => with_type("ContactUpdate", &answer["contact"]),
        ("DELETE", "/contacts/{contactId}") => {
            json!({"type": "ContactDelete", "id": param("contactId")})
        }
        ("POST" | "DELETE", "/contacts/{contactId}/tags") => json!({
            "type": "ContactTagUpdate", "id": param("contactId"), "tags": answer["tags"]
        }),
        ("POST", "/contacts/{contactId}/tasks") => with_type("TaskCreate", &answer["task"]),
        ("PUT", "/contacts/{contactId}/tasks/{taskId}/completed")
            if answer["task"]["completed"] == true =>
        {
            with_type("TaskComplete", &answer["task"])
        }
        ("DELETE", "/contacts/{contactId}/tasks/{taskId}") => json!({
            "type": "TaskDelete", "id": param("taskId"), "contactId": param("contactId")
        }),
        ("POST", "/contacts/{contactId}/notes") => with_type("NoteCreate", &answer["note"]),
        ("PUT", "/contacts/{contactId}/notes/{id}") => with_type("NoteUpdate", &answer["note"]),
        ("DELETE", "/contacts/{contactId}/notes/{id}") => json!({
            "type": "NoteDelete", "id": param("id"), "contactId": param("contactId")
        }),
        ("POST", "/calendars/events/appointments") => {
            json!({"type": "AppointmentCreate", "appointment": answer})
        }
        ("PUT", "/calendars/events/appointments/{eventId}") => {
            json!({"type": "AppointmentUpdate", "appointment": answer})
        }
        ("DELETE", "/calendars/events/{eventId}") => {
            json!({"type": "AppointmentDelete", "appointment": {"id": param("eventId")}})
        }
        _ => return None,
    })
}

/// The stored deliveries, for [`super::GhlSandbox::webhook_deliveries`].
pub(crate) fn deliveries(shared: &Arc<super::shared::Shared>) -> Vec<Delivery> {
    lock(&shared.webhooks).deliveries.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_parameters_are_read_from_the_template() {
        let params = path_params("/contacts/{contactId}/notes/{id}", "/contacts/c1/notes/n9");
        assert_eq!(params["contactId"], "c1");
        assert_eq!(params["id"], "n9");
    }

    #[test]
    fn a_note_create_is_sent_as_the_documented_note_create() {
        let params = path_params("/contacts/{contactId}/notes", "/contacts/c1/notes");
        let answer = json!({"note": {"id": "n1", "body": "Hi", "contactId": "c1", "dateAdded": "2026-01-01T00:00:00.000Z"}});
        let event = event_for(
            &Method::POST,
            "/contacts/{contactId}/notes",
            &params,
            &answer,
        )
        .unwrap();
        assert_eq!(event["type"], "NoteCreate");
        assert_eq!(event["contactId"], "c1");
        assert_eq!(event["id"], "n1");
        assert!(event_for(
            &Method::PUT,
            "/contacts/{contactId}/tasks/{taskId}",
            &params,
            &answer
        )
        .is_none());
    }

    #[test]
    fn each_signing_signs() {
        for signing in [
            WebhookSigning::TestRsa,
            WebhookSigning::TestEd25519,
            WebhookSigning::OtherRsa,
        ] {
            let (header, value) = signing.sign(b"{}").unwrap();
            assert!(header.ends_with("signature"));
            assert!(!value.is_empty());
        }
    }
}
