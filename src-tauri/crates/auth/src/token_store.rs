//! Where secrets live: the OS keychain, or (headless CLI without a keychain) a 0600 file, or
//! memory in tests — all behind one trait so nothing else cares which.

mod file;
mod keychain;
mod memory;

use std::path::Path;

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
}

/// The file the CLI falls back to, beside the database.
pub const SECRETS_FILE_NAME: &str = "secrets.json";

/// The store for the headless CLI: the OS keychain when one answers, else a 0600 file beside
/// the database. The notice (for stderr) says where secrets went when it is the file.
pub fn cli_token_store(db_dir: &Path) -> (Box<dyn TokenStore>, Option<String>) {
    let keychain = KeychainStore::new();
    let probe = keychain.probe();
    choose_store(keychain, probe, db_dir)
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
