//! Store calls from async code. A keychain may block on D-Bus or an unlock prompt, so calls
//! run on the blocking pool instead of stalling a runtime worker.

use std::sync::Arc;

use bridge_core::BridgeError;

use crate::{Sensitive, TokenStore};

pub(crate) async fn get(
    store: &Arc<dyn TokenStore>,
    key: &str,
) -> Result<Option<Sensitive<String>>, BridgeError> {
    let (store, key) = (Arc::clone(store), key.to_string());
    run(move || store.get(&key)).await
}

pub(crate) async fn set(
    store: &Arc<dyn TokenStore>,
    key: &str,
    secret: Sensitive<String>,
) -> Result<(), BridgeError> {
    let (store, key) = (Arc::clone(store), key.to_string());
    run(move || store.set(&key, &secret)).await
}

async fn run<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| BridgeError::internal(format!("a secret store call did not finish: {e}")))?
}
