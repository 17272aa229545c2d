//! What the HTTP layer asks for a bearer token, whatever the connection's auth kind.

use bridge_core::BridgeError;
use futures::future::BoxFuture;

use crate::Sensitive;

pub trait AccessTokenSource: Send + Sync {
    /// A token to send now; refreshed first if it is about to expire.
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>>;

    /// The remote answered 401 to `rejected`. Returns the token to retry with once, or the
    /// error to show when there is none (the operator must reconnect or paste a new token).
    fn on_unauthorized<'a>(
        &'a self,
        rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>>;
}
