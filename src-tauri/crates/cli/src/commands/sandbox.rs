//! `bridge sandbox serve`: every fake that exists, on 127.0.0.1, until stopped.

use std::time::Duration;

use bridge_core::BridgeError;
use bridge_sandbox::{FaultConfig, GhlConfig, GhlSandbox};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Start the fakes and print their base URLs and credentials as one JSON object.
    Serve {
        /// Contacts seeded into the GHL location (with tasks, notes, appointments, tags).
        #[arg(long, default_value_t = 500)]
        seed_contacts: usize,
        /// The seed of the generated data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// GHL's burst window in milliseconds (100 requests per window; GHL's own is 10,000).
        #[arg(long, default_value_t = 10_000)]
        rate_window_ms: u64,
        /// Share of requests answered with a 5xx, 0.0–1.0.
        #[arg(long, default_value_t = 0.0)]
        fault_rate: f64,
        /// Print the JSON object on one line (for tools reading stdout).
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: SandboxCommand) -> Result<(), BridgeError> {
    match command {
        SandboxCommand::Serve {
            seed_contacts,
            seed,
            rate_window_ms,
            fault_rate,
            json,
        } => {
            if !(0.0..=1.0).contains(&fault_rate) {
                return Err(BridgeError::invalid_input(format!(
                    "--fault-rate {fault_rate}: must be between 0 and 1"
                )));
            }
            if rate_window_ms == 0 {
                return Err(BridgeError::invalid_input(
                    "--rate-window-ms must be above 0",
                ));
            }
            let ghl = GhlSandbox::start(GhlConfig {
                seed_contacts,
                seed,
                rate_window: Duration::from_millis(rate_window_ms),
                faults: FaultConfig {
                    error_rate: fault_rate,
                    ..FaultConfig::none()
                },
                ..GhlConfig::default()
            })
            .await
            .map_err(|e| BridgeError::internal(format!("cannot start the GHL sandbox: {e}")))?;
            let (client_id, client_secret) = ghl.oauth_client();
            let description = serde_json::json!({
                "ghl": {
                    "baseUrl": ghl.base_url(),
                    "authUrl": ghl.base_url(),
                    "authorizeUrl": ghl.authorize_url(),
                    "locationId": ghl.location_id(),
                    "token": ghl.private_token(),
                    "oauthClientId": client_id,
                    "oauthClientSecret": client_secret,
                }
            });
            let text = if json {
                description.to_string()
            } else {
                serde_json::to_string_pretty(&description)
                    .map_err(|e| BridgeError::internal(e.to_string()))?
            };
            crate::output::line(&text)?;
            if !json {
                eprintln!("Sandbox running (these credentials are fakes); press Ctrl-C to stop.");
            }
            wait_for_stop().await;
            ghl.shutdown().await;
            Ok(())
        }
    }
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
