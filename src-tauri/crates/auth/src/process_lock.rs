//! A lock shared by every process of this machine: an advisory lock on a file. Token refresh
//! takes it, so a sync and the window (or two cron runs) never spend one rotating refresh
//! token twice. The OS drops the lock when its process ends, however it ends.

use std::path::{Path, PathBuf};

use bridge_core::BridgeError;

/// Held until dropped.
pub(crate) struct ProcessLock {
    #[cfg(unix)]
    _held: nix::fcntl::Flock<std::fs::File>,
}

impl ProcessLock {
    /// Waits (on the blocking pool) until this process holds the lock of `path`.
    pub(crate) async fn acquire(path: &Path) -> Result<ProcessLock, BridgeError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || lock(&path))
            .await
            .map_err(|e| BridgeError::internal(format!("taking the refresh lock failed: {e}")))?
    }
}

#[cfg(unix)]
fn lock(path: &PathBuf) -> Result<ProcessLock, BridgeError> {
    use nix::fcntl::{Flock, FlockArg};
    let cannot = |e: &dyn std::fmt::Display| {
        BridgeError::new(
            bridge_core::ErrorCode::SecretStore,
            format!("cannot take the token refresh lock {}: {e}", path.display()),
        )
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| cannot(&e))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| cannot(&e))?;
    let held = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| cannot(&errno))?;
    Ok(ProcessLock { _held: held })
}

#[cfg(not(unix))]
fn lock(_path: &PathBuf) -> Result<ProcessLock, BridgeError> {
    // No advisory lock here yet: refreshes are serialized within the process only.
    Ok(ProcessLock {})
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("refresh.lock");
        let first = ProcessLock::acquire(&path).await.unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // flock locks belong to the open file: another open of it is another holder, as
        // another process's would be.
        let waiting_path = path.clone();
        let waiter = tokio::spawn(async move {
            let _second = ProcessLock::acquire(&waiting_path).await.unwrap();
            tx.send(()).unwrap();
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(rx.try_recv().is_err(), "the second holder waits");
        drop(first);
        waiter.await.unwrap();
        assert!(rx.try_recv().is_ok());
    }
}
