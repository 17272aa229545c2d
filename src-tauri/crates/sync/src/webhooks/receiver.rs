//! The HTTP receiver: `POST /webhooks/ghl`. Each event is verified over its raw bytes, refused
//! when replayed or stale, and stored (SQLite) before 200 is answered; what is refused is
//! stored nowhere. Nothing is logged of a body or a signature.
//!
//! Answers: 200 stored; 401 no signature, a signature no configured key verifies, or a
//! `timestamp` more than [`MAX_AGE`] from now; 409 a `webhookId` stored already; 400 a signed
//! body that is not an event (no `webhookId`, `timestamp`, `type` or `locationId`); 500 the
//! database failed (the event is lost to this receiver: the polling fallback still reads it).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::webhook_events::{self, Stored, WebhookEvent};
use bridge_store::Store;
use chrono::Duration;

use super::event::HintedEvent;
use super::keys::{Refusal, WebhookKeys, ED25519_HEADER, RSA_HEADER};

/// Where GHL is told to send its webhooks (behind the operator's tunnel or reverse proxy).
pub const PATH: &str = "/webhooks/ghl";
/// How far an event's `timestamp` may be from now (WebhookAuthentication.md: "e.g., 5 minutes").
pub const MAX_AGE: Duration = Duration::minutes(5);

/// What the receiver holds: the database, the keys, the clock, and a signal for each event
/// stored (a hinted sync waits on it).
pub struct Receiver {
    store: Mutex<Store>,
    keys: WebhookKeys,
    clock: Arc<dyn Clock>,
    stored: tokio::sync::Notify,
}

impl Receiver {
    pub fn new(store: Store, keys: WebhookKeys, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            store: Mutex::new(store),
            keys,
            clock,
            stored: tokio::sync::Notify::new(),
        })
    }

    /// Resolves once an event was stored since the last call (at once if one was meanwhile).
    pub async fn event_stored(&self) {
        self.stored.notified().await;
    }

    /// Checks and stores one delivery: the status to answer and its one-line reason.
    pub fn accept(&self, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match self
            .keys
            .verify(body, header(RSA_HEADER), header(ED25519_HEADER))
        {
            Ok(()) => {}
            Err(Refusal::Missing) => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    format!("no {RSA_HEADER} or {ED25519_HEADER} header: the event is not signed"),
                )
            }
            Err(Refusal::Invalid) => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "the signature does not verify with any configured key (altered body or another key)".into(),
                )
            }
        }
        let event = match HintedEvent::parse(body) {
            Ok(event) => event,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, e.message),
        };
        let now = self.clock.now();
        if (now - event.timestamp).abs() > MAX_AGE {
            return refuse(
                StatusCode::UNAUTHORIZED,
                format!(
                    "webhook {}: its timestamp {} is more than 5 minutes from now (a replay or a clock far off)",
                    event.webhook_id,
                    bridge_store::timestamp(event.timestamp)
                ),
            );
        }
        match self.store_event(&event, body) {
            Ok(Stored::New) => {
                tracing::info!(
                    webhook = %event.webhook_id,
                    kind = %event.event_type,
                    location = %event.location_id,
                    "GHL webhook stored as a hint"
                );
                self.stored.notify_one();
                (StatusCode::OK, "stored".into())
            }
            Ok(Stored::Duplicate) => refuse(
                StatusCode::CONFLICT,
                format!(
                    "webhook {} was received already (a replay)",
                    event.webhook_id
                ),
            ),
            Err(e) => {
                tracing::error!(webhook = %event.webhook_id, "a GHL webhook could not be stored: {}", e.message);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the event could not be stored".into(),
                )
            }
        }
    }

    fn store_event(&self, event: &HintedEvent, body: &[u8]) -> Result<Stored, BridgeError> {
        let now = self.clock.now();
        let row = WebhookEvent {
            webhook_id: event.webhook_id.clone(),
            location_id: event.location_id.clone(),
            event_type: event.event_type.clone(),
            contact_id: event.contact_id.clone(),
            record_id: event.record_id.clone(),
            sent_at: bridge_store::timestamp(event.timestamp),
            received_at: bridge_store::timestamp(now),
            body: String::from_utf8_lossy(body).into_owned(),
            read_at: None,
        };
        let store = self
            .store
            .lock()
            .map_err(|_| BridgeError::internal("the webhook store lock is poisoned"))?;
        webhook_events::insert(store.conn(), &row, now)
    }
}

fn refuse(status: StatusCode, reason: String) -> (StatusCode, String) {
    tracing::warn!(status = status.as_u16(), "GHL webhook refused: {reason}");
    (status, reason)
}

/// Listens on `address` (port 0: any free one) and serves [`router`] until the returned task
/// ends or is aborted: what `bridge webhooks serve` runs, and what a window's switch would
/// start (then waiting on [`Receiver::event_stored`] to start its own sync).
pub async fn listen(
    address: std::net::SocketAddr,
    receiver: Arc<Receiver>,
) -> Result<
    (
        std::net::SocketAddr,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ),
    BridgeError,
> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| BridgeError::invalid_input(format!("cannot listen on {address}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| BridgeError::internal(format!("the listening address is unknown: {e}")))?;
    let app = router(receiver);
    Ok((
        bound,
        tokio::spawn(async move { axum::serve(listener, app).await }),
    ))
}

/// The receiver's one route. Nothing else is served.
pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route(PATH, post(receive))
        .with_state(receiver)
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    // The database may wait for a sync's write transaction: off the async workers.
    tokio::task::spawn_blocking(move || receiver.accept(&headers, &body))
        .await
        .unwrap_or_else(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the receiver failed".into(),
            )
        })
}
