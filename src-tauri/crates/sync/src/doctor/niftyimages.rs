//! NiftyImages's checks. Today: the key is accepted and the fields can be read. The capability
//! checks of the fidelity issue (#11) extend this file.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_store::table::connections::ConnectionRow;

use super::Check;
use crate::app::app_side;

pub(super) async fn checks(connection: &ConnectionRow, tokens: Arc<dyn TokenStore>) -> Vec<Check> {
    let fields = match app_side(connection, tokens) {
        Ok(side) => side.fields().await.map(|_| ()),
        Err(e) => Err(e),
    };
    vec![Check::from_probe(
        "sign-in",
        fields,
        "the key is accepted and the fields can be read",
        "check the API key in NiftyImages and reconnect",
    )]
}
