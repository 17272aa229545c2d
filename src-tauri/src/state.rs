//! What every command can reach: the open database and the log folder.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use bridge_core::BridgeError;
use bridge_store::Store;

pub struct AppState {
    store: Mutex<Store>,
    pub log_dir: PathBuf,
}

impl AppState {
    pub fn open(db_path: &Path, log_dir: PathBuf) -> Result<Self, BridgeError> {
        Ok(Self {
            store: Mutex::new(Store::open(db_path)?),
            log_dir,
        })
    }

    pub fn store(&self) -> Result<MutexGuard<'_, Store>, BridgeError> {
        self.store.lock().map_err(|_| {
            BridgeError::internal("the database handle was poisoned by an earlier failure")
        })
    }
}
