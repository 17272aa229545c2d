//! An in-memory store for tests (and dry runs): same trait, nothing persisted.

use std::collections::HashMap;
use std::sync::Mutex;

use bridge_core::BridgeError;

use super::TokenStore;
use crate::Sensitive;

#[derive(Debug, Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, Sensitive<String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn secrets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Sensitive<String>>> {
        // A panic elsewhere while holding the lock leaves the map itself intact.
        self.secrets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, BridgeError> {
        Ok(self.secrets().get(key).cloned())
    }

    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), BridgeError> {
        self.secrets().insert(key.to_string(), secret.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), BridgeError> {
        self.secrets().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_delete() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a").unwrap(), None);
        store.set("a", &Sensitive::new("one".into())).unwrap();
        store.set("a", &Sensitive::new("two".into())).unwrap();
        assert_eq!(store.get("a").unwrap().unwrap().expose(), "two");
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert_eq!(store.get("a").unwrap(), None);
    }
}
