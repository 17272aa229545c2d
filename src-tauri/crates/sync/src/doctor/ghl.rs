//! GHL's checks. Today: the token is accepted (the location's custom fields, one request).
//! The scope checks of the fidelity issue (#11: contacts, tasks, notes, calendars) extend this
//! file.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_core::Clock;
use bridge_store::table::connections::ConnectionRow;

use super::Check;
use crate::connections::ghl_client;

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Vec<Check> {
    let probe = match ghl_client(connection, tokens, clock) {
        Ok(client) => client.list_custom_fields().await.map(|_| ()),
        Err(e) => Err(e),
    };
    vec![Check::from_probe(
        "sign-in",
        probe,
        "the token is accepted for this location",
        "reconnect GHL (sign in again, or paste a new Private Integration Token)",
    )]
}
