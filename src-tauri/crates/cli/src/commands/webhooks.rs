//! `bridge webhooks serve`: receives GHL's webhook events as hints and, a few seconds after
//! one is stored, runs a sync that reads the records named (taking the lease like any sync).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, Clock, SystemClock};
use bridge_sync::service::{self, Store, SyncRequest};
use clap::Subcommand;

use crate::commands::connect::token_store;
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Listen for GHL's webhook events on `POST /webhooks/ghl`: each is verified, stored as a
    /// hint, and a sync reading the records it names starts a few seconds later.
    Serve {
        /// The port to listen on (0: any free port, printed at start).
        #[arg(long, default_value_t = 8790)]
        port: u16,
        /// The address to listen on. The default, loopback, is reachable only from this
        /// machine: expose it through a tunnel or a reverse proxy.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// A public key to verify signatures with (PEM, `-----BEGIN PUBLIC KEY-----`, RSA for
        /// `x-wh-signature` or Ed25519 for `X-GHL-Signature`). Repeat it to trust several, e.g.
        /// GHL's next key during a rotation.
        #[arg(long = "public-key", value_name = "PEM_FILE")]
        public_keys: Vec<PathBuf>,
        /// Do not trust the RSA key published in GHL's documentation (built in), only the
        /// `--public-key` files (after GHL has rotated its key).
        #[arg(long)]
        no_published_key: bool,
        /// Seconds to wait after an event before syncing, so a burst of events makes one sync.
        #[arg(long, value_name = "SECS", default_value_t = 5)]
        sync_after: u64,
        /// Only store the hints; the next sync started otherwise (the window's schedule,
        /// cron's `bridge sync`) reads them.
        #[arg(long)]
        no_sync: bool,
    },
}

pub async fn run(context: &Context, command: WebhooksCommand) -> Result<(), BridgeError> {
    let WebhooksCommand::Serve {
        port,
        bind,
        public_keys,
        no_published_key,
        sync_after,
        no_sync,
    } = command;
    let mut pems = Vec::new();
    for file in &public_keys {
        let pem = std::fs::read_to_string(file).map_err(|e| {
            BridgeError::invalid_input(format!(
                "cannot read the public key {}: {e}",
                file.display()
            ))
        })?;
        pems.push((file.display().to_string(), pem));
    }
    let keys = service::webhook_keys(&pems, !no_published_key)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut running = service::start_receiver(
        &context.db_path,
        SocketAddr::new(bind, port),
        keys,
        clock.clone(),
    )
    .await?;
    println!("listening on {}", running.url);
    let _ = std::io::stdout().flush();
    let receiver = running.receiver.clone();
    let hinted_syncs = async {
        if no_sync {
            return std::future::pending().await;
        }
        loop {
            receiver.event_stored().await;
            // Events arriving meanwhile are read by the same sync.
            tokio::time::sleep(Duration::from_secs(sync_after)).await;
            if let Err(e) = sync(context, clock.clone()).await {
                // The hints stay pending: the next sync, hinted or not, reads them.
                tracing::warn!(code = %e.code, "a hinted sync failed: {}", e.message);
                eprintln!("hinted sync failed ({}): {}", e.code, e.message);
            }
        }
    };
    tokio::select! {
        stopped = running.stopped() => stopped,
        result = hinted_syncs => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// One sync of every pair, as `bridge sync` runs it; the hints make it read the contacts named.
async fn sync(context: &Context, clock: Arc<dyn Clock>) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    let outcomes = service::sync(
        &mut store,
        token_store(context),
        clock,
        &SyncRequest::default(),
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .await?;
    println!("hinted sync: {} pairs synced", outcomes.len());
    let _ = std::io::stdout().flush();
    Ok(())
}
