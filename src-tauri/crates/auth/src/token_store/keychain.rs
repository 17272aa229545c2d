//! The OS keychain through the `keyring` crate: Secret Service (Linux/BSD), the login
//! keychain (macOS), the Credential Manager (Windows). One entry per key, under one service.

use bridge_core::{BridgeError, ErrorCode};
use keyring::Entry;

use super::TokenStore;
use crate::Sensitive;

/// The service name every Contact Bridge secret is filed under (the app's bundle identifier).
pub const KEYCHAIN_SERVICE: &str = "app.contactbridge.desktop";

const PROBE_KEY: &str = "contact-bridge-keychain-probe";

#[derive(Debug, Clone)]
pub struct KeychainStore {
    service: String,
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeychainStore {
    pub fn new() -> Self {
        Self::with_service(KEYCHAIN_SERVICE)
    }

    /// A store under another service name, so tests never touch the app's real entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// Whether the keychain really stores and returns a secret right now: writes, reads back
    /// and deletes a probe entry. A read alone is not enough: a locked Secret Service
    /// collection answers "no entry" to searches yet refuses every write.
    pub fn probe(&self) -> Result<(), BridgeError> {
        // One entry per probe: processes probing at once (the CLI under cron beside the
        // window) must not read or delete each other's entry and conclude there is no keychain.
        let nonce = rand::random::<u64>();
        let key = format!("{PROBE_KEY}-{nonce:016x}");
        let value = Sensitive::new(format!("probe-{nonce}"));
        self.set(&key, &value)?;
        let read = self.get(&key);
        let deleted = self.delete(&key);
        match read? {
            Some(found) if found == value => deleted,
            _ => Err(BridgeError::new(
                ErrorCode::SecretStore,
                "the OS keychain is not reachable: it accepted a secret but did not return it",
            )),
        }
    }

    fn entry(&self, key: &str) -> Result<Entry, BridgeError> {
        Entry::new(&self.service, key).map_err(|e| keychain_error(key, e))
    }
}

impl TokenStore for KeychainStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, BridgeError> {
        match self.entry(key)?.get_secret() {
            Ok(bytes) => String::from_utf8(bytes).map(|s| Some(Sensitive::new(s))).map_err(|_| {
                BridgeError::new(
                    ErrorCode::SecretStore,
                    format!("the keychain entry \"{key}\" is not text; delete it in the OS keychain manager and reconnect"),
                )
            }),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(key, e)),
        }
    }

    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), BridgeError> {
        // Raw UTF-8 bytes rather than set_password: Windows would store UTF-16 and halve
        // the room left under its 2,560-byte credential limit.
        self.entry(key)?
            .set_secret(secret.expose().as_bytes())
            .map_err(|e| keychain_error(key, e))
    }

    fn delete(&self, key: &str) -> Result<(), BridgeError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(key, e)),
        }
    }

    /// One per user (the keychain is), in the app's data folder the window and `bridge` share.
    fn refresh_lock_file(&self) -> Option<std::path::PathBuf> {
        Some(bridge_core::paths::app_data_dir().join("token-refresh.lock"))
    }
}

/// Maps a keyring error to a message for the operator. Never formats a variant's payload
/// that could hold secret bytes (`BadEncoding`) or credentials (`Ambiguous`).
fn keychain_error(key: &str, error: keyring::Error) -> BridgeError {
    let message = match error {
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
            format!("the OS keychain is not reachable: {e}")
        }
        keyring::Error::NoEntry => format!("the keychain has no entry \"{key}\""),
        keyring::Error::BadEncoding(_) => format!("the keychain entry \"{key}\" is not text"),
        keyring::Error::TooLong(what, limit) => format!(
            "the secret \"{key}\" is too large for this OS keychain ({what} is limited to {limit})"
        ),
        keyring::Error::Invalid(what, reason) => {
            format!("the keychain refused the entry \"{key}\": {what} {reason}")
        }
        keyring::Error::Ambiguous(found) => format!(
            "{} keychain entries match \"{key}\"; remove the duplicates in the OS keychain manager",
            found.len()
        ),
        _ => format!("the OS keychain failed on the entry \"{key}\""),
    };
    BridgeError::new(ErrorCode::SecretStore, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_keychain_errors_say_so() {
        let err = keychain_error(
            "conn-1",
            keyring::Error::PlatformFailure("no D-Bus session bus".into()),
        );
        assert_eq!(err.code, ErrorCode::SecretStore);
        assert_eq!(
            err.message,
            "the OS keychain is not reachable: no D-Bus session bus"
        );
        let locked = keychain_error(
            "conn-1",
            keyring::Error::NoStorageAccess("collection is locked".into()),
        );
        assert!(locked
            .message
            .starts_with("the OS keychain is not reachable: "));
    }

    #[test]
    fn undecodable_entries_never_echo_their_bytes() {
        let err = keychain_error("conn-1", keyring::Error::BadEncoding(b"rt-secret".to_vec()));
        assert!(!err.message.contains("rt-secret"), "{}", err.message);
    }

    /// Runs against the real keychain only where one answers (a desktop session, or
    /// `dbus-run-session` + an unlocked gnome-keyring); elsewhere it says it was skipped.
    #[test]
    fn round_trip_in_the_os_keychain_when_one_is_reachable() {
        let store = KeychainStore::with_service(format!("{KEYCHAIN_SERVICE}.test"));
        if let Err(why) = store.probe() {
            eprintln!("skipped: no usable OS keychain here ({})", why.message);
            return;
        }
        let key = format!("round-trip-{}", rand::random::<u32>());
        assert_eq!(store.get(&key).unwrap(), None);
        let secret = Sensitive::new("{\"v\":1,\"access_token\":\"at-ü-1\"}".to_string());
        store.set(&key, &secret).unwrap();
        assert_eq!(store.get(&key).unwrap(), Some(secret));
        let replaced = Sensitive::new("second".to_string());
        store.set(&key, &replaced).unwrap();
        assert_eq!(store.get(&key).unwrap(), Some(replaced));
        store.delete(&key).unwrap();
        assert_eq!(store.get(&key).unwrap(), None);
        store.delete(&key).unwrap();
    }
}
