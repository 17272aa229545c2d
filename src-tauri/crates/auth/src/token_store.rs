//! Where secrets live: the OS keychain, or (headless CLI without a keychain) a 0600 file, or
//! memory in tests — all behind one trait so nothing else cares which.

mod file;
mod keychain;
mod memory;

use std::path::{Path, PathBuf};

use bridge_core::BridgeError;

use crate::Sensitive;

pub use file::FileStore;
pub use keychain::{KeychainStore, KEYCHAIN_SERVICE};
pub use memory::MemoryStore;

/// A key → secret map. Structured secrets (a [`crate::TokenSet`]) are stored as JSON text.
/// Calls may block (a keychain can wait on D-Bus or an unlock prompt): async code should
/// call them through `spawn_blocking`, as [`crate::TokenManager`] does.
pub trait TokenStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, BridgeError>;
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), BridgeError>;
    /// Deleting a key that is not there is not an error.
    fn delete(&self, key: &str) -> Result<(), BridgeError>;
    /// The file whose lock serializes token refreshes of this store across the processes of
    /// this machine; `None` where no other process can see the store (memory).
    fn refresh_lock_file(&self) -> Option<PathBuf> {
        None
    }
}

/// The file the CLI falls back to, beside the database.
pub const SECRETS_FILE_NAME: &str = "secrets.json";

/// The store for the headless CLI: the OS keychain when one answers, else a 0600 file beside
/// the database. The notice (for stderr) says where secrets went when it is the file.
pub fn cli_token_store(db_dir: &Path) -> (Box<dyn TokenStore>, Option<String>) {
    let keychain = KeychainStore::new();
    let prober = keychain.clone();
    let probe = within(PROBE_TIMEOUT, move || prober.probe());
    choose_store(keychain, probe, db_dir)
}

/// How long the CLI waits for the keychain to answer its probe. A locked Secret Service
/// keychain waits for a person to unlock it; a cron job must not wait with it.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `work` on its own thread and gives up after `timeout` (the thread is left to finish
/// or block on its own; its answer is dropped).
fn within(
    timeout: std::time::Duration,
    work: impl FnOnce() -> Result<(), BridgeError> + Send + 'static,
) -> Result<(), BridgeError> {
    let (answer, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = answer.send(work());
    });
    wait.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(BridgeError::new(
            bridge_core::ErrorCode::SecretStore,
            format!(
                "the OS keychain did not answer within {} s (is it locked?)",
                timeout.as_secs()
            ),
        ))
    })
}

fn choose_store(
    keychain: KeychainStore,
    probe: Result<(), BridgeError>,
    db_dir: &Path,
) -> (Box<dyn TokenStore>, Option<String>) {
    match probe {
        Ok(()) => (Box::new(keychain), None),
        Err(why) => {
            tracing::info!(reason = %why.message, "OS keychain not usable; using the secrets file");
            let path = db_dir.join(SECRETS_FILE_NAME);
            let notice = format!(
                "no OS keychain reachable; secrets are kept in {} (mode 0600)",
                path.display()
            );
            (Box::new(FileStore::new(path)), Some(notice))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keychain_that_never_answers_is_given_up_on() {
        let started = std::time::Instant::now();
        let result = within(std::time::Duration::from_millis(100), || {
            std::thread::sleep(std::time::Duration::from_secs(30));
            Ok(())
        });
        let err = result.unwrap_err();
        assert_eq!(err.code, bridge_core::ErrorCode::SecretStore);
        assert!(err.message.contains("did not answer"), "{}", err.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(within(std::time::Duration::from_secs(5), || Ok(())).is_ok());
    }
    use bridge_core::ErrorCode;

    #[test]
    fn falls_back_to_the_file_with_a_notice_when_the_keychain_does_not_answer() {
        let dir = tempfile::tempdir().unwrap();
        let unreachable = Err(BridgeError::new(
            ErrorCode::SecretStore,
            "the OS keychain is not reachable: no D-Bus session",
        ));
        let (store, notice) = choose_store(KeychainStore::new(), unreachable, dir.path());
        let notice = notice.unwrap();
        let path = dir.path().join(SECRETS_FILE_NAME);
        assert_eq!(
            notice,
            format!(
                "no OS keychain reachable; secrets are kept in {} (mode 0600)",
                path.display()
            )
        );
        store.set("k", &Sensitive::new("v".into())).unwrap();
        assert!(
            path.exists(),
            "the fallback store must write beside the database"
        );
    }

    #[test]
    fn picks_the_keychain_silently_when_the_probe_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let (_store, notice) = choose_store(KeychainStore::new(), Ok(()), dir.path());
        assert_eq!(notice, None);
        assert!(!dir.path().join(SECRETS_FILE_NAME).exists());
    }
}
