//! Novi AMS's checks. Today: the key is accepted (one page of one member). The capability
//! checks of the fidelity issue (#11: the activity types) extend this file.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::novi::MemberQuery;
use bridge_store::table::connections::ConnectionRow;
use futures::TryStreamExt;

use super::Check;
use crate::connections::novi_client;

pub(super) async fn checks(connection: &ConnectionRow, tokens: Arc<dyn TokenStore>) -> Vec<Check> {
    let probe = match novi_client(connection, tokens) {
        Ok(client) => {
            let pages = client.list_members(MemberQuery {
                modified_since: None,
                page_size: 1,
            });
            futures::pin_mut!(pages);
            pages.try_next().await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    vec![Check::from_probe(
        "sign-in",
        probe,
        "the key is accepted and members can be read",
        "check the API key in Novi AMS and reconnect",
    )]
}
