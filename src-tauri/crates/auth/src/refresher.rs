//! Access tokens of one OAuth connection, refreshed safely against rotating refresh tokens:
//! - one refresh at a time per connection (a process-wide async lock per secret key, shared
//!   by every `TokenManager` of that key, then the store's lock file, shared by every process
//!   of the machine), because a rotating refresh token spent twice fails the second time and
//!   would look like a dead connection;
//! - after taking the lock the stored set is read again, so a task that waited behind
//!   another's refresh uses its result instead of spending the old refresh token;
//! - the new pair is stored before it is returned: a token we use is one we can refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bridge_core::{BridgeError, Clock, ErrorCode};
use futures::future::BoxFuture;
use futures::FutureExt;

use crate::blocking_store;
use crate::process_lock::ProcessLock;
use crate::{AccessTokenSource, OAuthClient, Sensitive, TokenSet, TokenStore};

/// Refresh this long before the provider's expiry, so a request never leaves with a token
/// that dies in flight.
pub fn default_refresh_margin() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

pub struct TokenManager {
    store: Arc<dyn TokenStore>,
    key: String,
    label: String,
    client: Arc<OAuthClient>,
    clock: Arc<dyn Clock>,
    margin: chrono::Duration,
    refresh_lock: Arc<tokio::sync::Mutex<()>>,
}

impl TokenManager {
    /// `key`: where the connection's [`TokenSet`] lives in `store`. `label`: how operators
    /// know the connection (`GHL "Main office"`), prefixed to every error.
    pub fn new(
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
        label: impl Into<String>,
        client: Arc<OAuthClient>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let key = key.into();
        Self {
            refresh_lock: refresh_lock_for(&key),
            store,
            key,
            label: label.into(),
            client,
            clock,
            margin: default_refresh_margin(),
        }
    }

    pub fn with_refresh_margin(mut self, margin: chrono::Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Stores the tokens of a new sign-in (replacing any earlier ones). Waits for a refresh
    /// in flight, so its result cannot overwrite the new sign-in.
    pub async fn save(&self, tokens: &TokenSet) -> Result<(), BridgeError> {
        let json = tokens.to_secret_json().map_err(|e| self.labelled(e))?;
        let _refreshing = self.refresh_lock.lock().await;
        let _everywhere = self.lock_across_processes().await?;
        blocking_store::set(&self.store, &self.key, json)
            .await
            .map_err(|e| self.labelled(e))
    }

    /// The stored token set (its location id, scopes, expiry), without refreshing.
    pub async fn current(&self) -> Result<TokenSet, BridgeError> {
        self.load().await
    }

    /// A token to send now, refreshed first when it expires within the margin.
    pub async fn access_token(&self) -> Result<Sensitive<String>, BridgeError> {
        let stored = self.load().await?;
        if stored.is_fresh(self.clock.now(), self.margin) {
            return Ok(stored.access_token);
        }
        let _refreshing = self.refresh_lock.lock().await;
        let _everywhere = self.lock_across_processes().await?;
        // Another task or process may have refreshed while this one waited: use its tokens
        // rather than spend the refresh token it rotated away.
        let stored = self.load().await?;
        if stored.is_fresh(self.clock.now(), self.margin) {
            return Ok(stored.access_token);
        }
        match self.refresh_and_store(&stored).await {
            Ok(fresh) => Ok(fresh.access_token),
            Err(e)
                if is_transient(&e)
                    && stored.is_fresh(self.clock.now(), chrono::Duration::zero()) =>
            {
                // An early refresh failed for a passing reason; the old token still works.
                tracing::warn!(connection = %self.label, error = %e.message, "early token refresh failed; using the current token until it expires");
                Ok(stored.access_token)
            }
            Err(e) => Err(e),
        }
    }

    /// For the HTTP layer's single retry after a 401 with `rejected`.
    pub async fn on_unauthorized(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<Sensitive<String>, BridgeError> {
        let _refreshing = self.refresh_lock.lock().await;
        let _everywhere = self.lock_across_processes().await?;
        let stored = self.load().await?;
        if stored.access_token != *rejected {
            // Someone refreshed while that request was in flight: retry with their token.
            return Ok(stored.access_token);
        }
        Ok(self.refresh_and_store(&stored).await?.access_token)
    }

    /// Call with the refresh lock held.
    async fn refresh_and_store(&self, stored: &TokenSet) -> Result<TokenSet, BridgeError> {
        let fresh = self
            .client
            .refresh(stored)
            .await
            .map_err(|e| self.labelled(e))?;
        let json = fresh.to_secret_json().map_err(|e| self.labelled(e))?;
        if let Err(e) = blocking_store::set(&self.store, &self.key, json).await {
            // The provider has already spent the old refresh token; the new one is lost.
            return Err(self.labelled(BridgeError::new(
                e.code,
                format!(
                    "{} issued new tokens but they could not be saved ({}); the previous refresh \
                     token is now spent, so reconnect the connection once the secret store works",
                    self.client.config().name,
                    e.message
                ),
            )));
        }
        Ok(fresh)
    }

    /// The lock other processes take to refresh tokens of this store (none for a store only
    /// this process sees). Take the process-wide lock first, so this process's tasks queue
    /// there rather than each holding a blocking thread.
    async fn lock_across_processes(&self) -> Result<Option<ProcessLock>, BridgeError> {
        match self.store.refresh_lock_file() {
            Some(path) => Ok(Some(
                ProcessLock::acquire(&path)
                    .await
                    .map_err(|e| self.labelled(e))?,
            )),
            None => Ok(None),
        }
    }

    async fn load(&self) -> Result<TokenSet, BridgeError> {
        let json = blocking_store::get(&self.store, &self.key)
            .await
            .map_err(|e| self.labelled(e))?
            .ok_or_else(|| {
                self.labelled(BridgeError::new(
                    ErrorCode::ReconnectRequired,
                    "no sign-in is stored for this connection; connect it (again)",
                ))
            })?;
        TokenSet::from_secret_json(&json).map_err(|e| self.labelled(e))
    }

    fn labelled(&self, e: BridgeError) -> BridgeError {
        BridgeError::new(e.code, format!("{}: {}", self.label, e.message))
    }
}

impl AccessTokenSource for TokenManager {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>> {
        TokenManager::access_token(self).boxed()
    }

    fn on_unauthorized<'a>(
        &'a self,
        rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>> {
        TokenManager::on_unauthorized(self, rejected).boxed()
    }
}

fn is_transient(e: &BridgeError) -> bool {
    matches!(
        e.code,
        ErrorCode::Network | ErrorCode::Remote | ErrorCode::RateLimited
    )
}

/// The one refresh lock of a secret key in this process, so two managers of the same
/// connection (the sync engine and a UI command) still refresh one at a time.
fn refresh_lock_for(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Arc::clone(locks.entry(key.to_string()).or_default())
}
