//! What `bridge webhooks serve` and a window's webhook switch call: start the receiver on a
//! port of this machine, stop it, and list what it stored. The caller starts its own sync when
//! [`Receiver::event_stored`] resolves (the CLI after a short wait; the window through its
//! schedule), taking the lease like any sync.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bridge_core::{BridgeError, Clock};
use bridge_store::table::webhook_events;
pub use bridge_store::table::webhook_events::WebhookEvent;
use bridge_store::Store;

use crate::webhooks::{self, Receiver, WebhookKeys};

/// A receiver listening: where, and the handle to wait for its events.
pub struct RunningReceiver {
    pub address: SocketAddr,
    /// `http://{address}/webhooks/ghl`: what the tunnel or reverse proxy forwards to.
    pub url: String,
    pub receiver: Arc<Receiver>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningReceiver {
    /// Resolves when the server stops on its own (an error of the listener).
    pub async fn stopped(&mut self) -> Result<(), BridgeError> {
        match (&mut self.task).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(BridgeError::internal(format!(
                "the webhook receiver stopped: {e}"
            ))),
            Err(e) => Err(BridgeError::internal(format!(
                "the webhook receiver failed: {e}"
            ))),
        }
    }

    /// Stops listening.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Which keys a receiver trusts: GHL's published RSA key unless `trust_published` is false,
/// plus each public key given as (where it came from, its PEM), RSA or Ed25519. At least one
/// is needed; an unreadable one is refused naming where it came from.
pub fn webhook_keys(
    public_keys: &[(String, String)],
    trust_published: bool,
) -> Result<WebhookKeys, BridgeError> {
    let mut keys = if trust_published {
        WebhookKeys::ghl_published()?
    } else {
        WebhookKeys::default()
    };
    for (source, pem) in public_keys {
        keys.add_pem(pem)
            .map_err(|e| BridgeError::invalid_input(format!("{source}: {}", e.message)))?;
    }
    if keys.counts() == (0, 0) {
        return Err(BridgeError::invalid_input(
            "no key to verify GHL webhooks with: give a public key or trust GHL's published one",
        ));
    }
    Ok(keys)
}

/// Opens the database at `db_path` for the receiver and listens on `address`.
pub async fn start_receiver(
    db_path: &Path,
    address: SocketAddr,
    keys: WebhookKeys,
    clock: Arc<dyn Clock>,
) -> Result<RunningReceiver, BridgeError> {
    let receiver = Receiver::new(Store::open(db_path)?, keys, clock);
    let (address, task) = webhooks::listen(address, receiver.clone()).await?;
    Ok(RunningReceiver {
        address,
        url: format!("http://{address}{}", webhooks::PATH),
        receiver,
        task,
    })
}

/// The stored webhook events, newest first (pending hints have no `read_at`).
pub fn webhook_events(store: &Store) -> Result<Vec<WebhookEvent>, BridgeError> {
    webhook_events::list(store.conn())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_need_one_and_a_bad_one_is_named() {
        assert!(webhook_keys(&[], false).is_err());
        assert_eq!(webhook_keys(&[], true).unwrap().counts(), (1, 0));
        let e = webhook_keys(&[("next-key.pem".into(), "garbage".into())], true).unwrap_err();
        assert!(e.message.starts_with("next-key.pem: "), "{}", e.message);
    }
}
