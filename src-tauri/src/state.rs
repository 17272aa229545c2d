//! What every command can reach: the open database, where it and the logs live, the keychain,
//! the clock, the in-process sandbox and the one sync that may run at a time.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard};

use bridge_auth::{KeychainStore, TokenStore};
use bridge_core::{BridgeError, Clock, SystemClock};
use bridge_sync::service::{self, Store};

use crate::sandbox::Sandbox;

pub struct AppState {
    store: Mutex<Store>,
    pub db_path: PathBuf,
    pub log_dir: PathBuf,
    /// Secrets go only here: the OS keychain.
    pub tokens: Arc<dyn TokenStore>,
    pub clock: Arc<dyn Clock>,
    /// The fakes started by "Try the sandbox"; they live as long as the app.
    pub sandbox: tokio::sync::Mutex<Option<Sandbox>>,
    /// Held while a sync (or undo, or retry) runs: one at a time.
    pub sync_lock: tokio::sync::Mutex<()>,
    /// Set by "Cancel"; cleared when the next sync starts.
    pub cancel: Arc<AtomicBool>,
    /// The latest preview, the only plan Apply may name.
    pub preview: Mutex<Option<Preview>>,
    /// The sync running now, for every page.
    pub running: Mutex<Option<Running>>,
    /// When the schedule syncs next (kept by the schedule's timer).
    pub next_scheduled_at: Mutex<Option<String>>,
    /// The GHL webhook receiver, while Settings has it on.
    pub webhooks: tokio::sync::Mutex<Option<service::RunningReceiver>>,
    /// What the desktop notifications last told.
    pub notifier: crate::notify::Notifier,
    plans: AtomicU64,
}

/// A previewed plan: its id, one fingerprint per write, and each pair's planned writes.
#[derive(Debug, Clone)]
pub struct Preview {
    pub plan_id: String,
    pub fingerprints: Vec<String>,
    pub planned: std::collections::BTreeMap<String, u64>,
}

/// The sync running now.
#[derive(Debug, Clone)]
pub struct Running {
    /// preview, apply, retry or scheduled.
    pub work: &'static str,
    pub started_at: String,
    pub progress: Option<crate::events::SyncProgress>,
}

impl Running {
    pub fn new(work: &'static str) -> Self {
        Self {
            work,
            started_at: chrono::Utc::now().to_rfc3339(),
            progress: None,
        }
    }
}

impl AppState {
    pub fn open(db_path: &Path, log_dir: PathBuf) -> Result<Self, BridgeError> {
        Ok(Self {
            store: Mutex::new(Store::open(db_path)?),
            db_path: db_path.to_path_buf(),
            log_dir,
            tokens: Arc::new(KeychainStore::new()),
            clock: Arc::new(SystemClock),
            sandbox: tokio::sync::Mutex::new(None),
            sync_lock: tokio::sync::Mutex::new(()),
            cancel: Arc::new(AtomicBool::new(false)),
            preview: Mutex::new(None),
            running: Mutex::new(None),
            next_scheduled_at: Mutex::new(None),
            webhooks: tokio::sync::Mutex::new(None),
            notifier: crate::notify::Notifier::default(),
            plans: AtomicU64::new(0),
        })
    }

    pub fn set_running(&self, running: Option<Running>) {
        if let Ok(mut now) = self.running.lock() {
            *now = running;
        }
    }

    /// A number for the next plan id (unique within this process).
    pub fn next_plan_number(&self) -> u64 {
        self.plans.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    /// The shared handle, for short reads and writes. Never hold it across an `.await`.
    pub fn store(&self) -> Result<MutexGuard<'_, Store>, BridgeError> {
        self.store.lock().map_err(|_| {
            BridgeError::internal("the database handle was poisoned by an earlier failure")
        })
    }

    /// Tells the desktop what changed since the last look: connections needing a new sign-in,
    /// and (`scheduled`) how the scheduled sync that just ended went.
    pub fn notify_changes(&self, app: &tauri::AppHandle, scheduled: Option<Option<String>>) {
        let reconnect = match self.store().and_then(|store| service::connections(&store)) {
            Ok(rows) => rows
                .into_iter()
                .filter(|c| c.status == "reconnect_required")
                .map(|c| c.name)
                .collect(),
            Err(e) => {
                tracing::warn!(
                    "notifications: the connections could not be read: {}",
                    e.message
                );
                return;
            }
        };
        self.notifier.observe(app, scheduled, reconnect);
    }

    /// The folder settings and the database live in.
    pub fn data_dir(&self) -> PathBuf {
        self.db_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Runs long async engine work (sync, OAuth, connection checks) with its own database handle
/// (WAL lets it write beside the shared one). The engine's futures borrow a `Store`, which is
/// not `Sync`, so they run on a blocking thread that drives them to completion.
pub async fn with_own_store<T, F, Fut>(db_path: &Path, work: F) -> Result<T, BridgeError>
where
    T: Send + 'static,
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, BridgeError>>,
{
    let db_path = db_path.to_path_buf();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let store = Store::open(&db_path)?;
        runtime.block_on(work(store))
    })
    .await
    .map_err(|e| BridgeError::internal(format!("a background task failed: {e}")))?
}
