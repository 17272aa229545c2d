//! Nifty's checks. Today: the token is accepted (the projects, one request). The scope and
//! redirect-URL checks of the fidelity issue (#11) extend this file.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_core::Clock;
use bridge_store::table::connections::ConnectionRow;

use super::Check;
use crate::nifty::nifty_client;

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Vec<Check> {
    let probe = match nifty_client(connection, tokens, clock) {
        Ok(client) => client.list_projects().await.map(|_| ()),
        Err(e) => Err(e),
    };
    vec![Check::from_probe(
        "sign-in",
        probe,
        "the token is accepted and the projects can be read",
        "reconnect Nifty (sign in again)",
    )]
}
