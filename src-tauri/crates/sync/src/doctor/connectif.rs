//! Connectif's checks. Today: the key is accepted (one contact looked up by email). The
//! capability checks of the fidelity issue (#11: export, write and custom-event scopes, the
//! three custom event types, created through the API when `fix`) extend this file.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_store::table::connections::ConnectionRow;

use super::Check;
use crate::connections::connectif_client;

/// An address no real contact has: the lookup proves the key without reading anyone.
const PROBE_EMAIL: &str = "contact-bridge-check@example.invalid";

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    _fix: bool,
) -> Vec<Check> {
    let probe = match connectif_client(connection, tokens) {
        Ok(client) => client.get_contact(PROBE_EMAIL).await.map(|_| ()),
        Err(e) => Err(e),
    };
    vec![Check::from_probe(
        "sign-in",
        probe,
        "the key is accepted and contacts can be read",
        "check the API key in Connectif and reconnect",
    )]
}
