//! Store calls from async code. A keychain may block on D-Bus or an unlock prompt, so calls
//! run on the blocking pool instead of stalling a runtime worker, and give up after
//! [`KEYCHAIN_PATIENCE`] with an error that says why: a locked keychain with no one to answer
//! its password prompt (cron, a server, a session without a display) would otherwise freeze a
//! sync at "starting…" for good.

use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};

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

/// Long enough for a person to type the keychain's password at its prompt, short enough that
/// an unattended run fails while someone is still looking.
pub(crate) const KEYCHAIN_PATIENCE: Duration = Duration::from_secs(90);

async fn run<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    run_within(KEYCHAIN_PATIENCE, call).await
}

async fn run_within<T: Send + 'static>(
    patience: Duration,
    call: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    // On timeout the blocking thread stays parked on the keychain; it is the store's thread,
    // not ours to kill, and ends when the keychain answers or the process exits.
    match tokio::time::timeout(patience, tokio::task::spawn_blocking(call)).await {
        Ok(finished) => finished.map_err(|e| {
            BridgeError::internal(format!("a secret store call did not finish: {e}"))
        })?,
        Err(_) => Err(BridgeError::new(
            ErrorCode::SecretStore,
            format!(
                "the OS keychain did not answer within {} s: it is probably locked and waiting \
                 for its password. Unlock it (log in to the desktop session, or unlock the \
                 keyring), then try again",
                patience.as_secs()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_keychain_that_never_answers_fails_with_a_reason() {
        let (release, parked) = std::sync::mpsc::channel::<()>();
        let waited = run_within(Duration::from_millis(50), move || {
            // As a Secret Service read waiting on an unlock prompt does.
            let _ = parked.recv();
            Ok(())
        })
        .await;
        let err = waited.expect_err("a call that never returns must not hang its caller");
        assert_eq!(err.code, ErrorCode::SecretStore);
        assert!(err.message.contains("did not answer"), "{}", err.message);
        assert!(err.message.contains("locked"), "{}", err.message);
        release.send(()).ok();
    }

    #[tokio::test]
    async fn an_answer_in_time_is_passed_through() {
        let answer = run_within(Duration::from_secs(5), || Ok(7)).await;
        assert_eq!(answer.unwrap(), 7);
    }
}
