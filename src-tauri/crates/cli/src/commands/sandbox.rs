//! `bridge sandbox serve`: every fake that exists, on 127.0.0.1, until stopped.

use std::time::Duration;

use bridge_core::BridgeError;
use bridge_sandbox::{
    ConnectifConfig, ConnectifSandbox, FaultConfig, GhlConfig, GhlSandbox, NiftyConfig,
    NiftyImagesConfig, NiftyImagesSandbox, NiftySandbox, NinoxConfig, NinoxSandbox, NoviConfig,
    NoviSandbox, WebhookSigning, TEST_RSA_PUBLIC_KEY_PEM,
};
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
        /// Send GHL's webhook events, signed with the fake's RSA test key (printed as
        /// `ghl.webhookPublicKey`), to this URL after each write, e.g. the
        /// `bridge webhooks serve` URL.
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
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
            webhook_url,
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
            let faults = FaultConfig {
                error_rate: fault_rate,
                ..FaultConfig::none()
            };
            let failed = |app: &str, e: std::io::Error| {
                BridgeError::internal(format!("cannot start the {app} sandbox: {e}"))
            };
            let ghl = GhlSandbox::start(GhlConfig {
                seed_contacts,
                seed,
                rate_window: Duration::from_millis(rate_window_ms),
                faults: faults.clone(),
                ..GhlConfig::default()
            })
            .await
            .map_err(|e| failed("GHL", e))?;
            // The apps are seeded with a share of GHL's people (same emails), as real
            // accounts overlap.
            let novi = NoviSandbox::start(NoviConfig {
                seed,
                ghl_seed: seed,
                ghl_contacts: seed_contacts,
                faults: faults.clone(),
                ..NoviConfig::default()
            })
            .await
            .map_err(|e| failed("Novi AMS", e))?;
            let ninox = NinoxSandbox::start(NinoxConfig {
                seed,
                ghl_seed: seed,
                ghl_contacts: seed_contacts,
                faults: faults.clone(),
                ..NinoxConfig::default()
            })
            .await
            .map_err(|e| failed("Ninox", e))?;
            let nifty = NiftySandbox::start(NiftyConfig {
                seed,
                ghl_seed: seed,
                ghl_contacts: seed_contacts,
                faults: faults.clone(),
                ..NiftyConfig::default()
            })
            .await
            .map_err(|e| failed("Nifty", e))?;
            let connectif = ConnectifSandbox::start(ConnectifConfig {
                seed,
                ghl_seed: seed,
                ghl_contacts: seed_contacts,
                faults: faults.clone(),
                ..ConnectifConfig::default()
            })
            .await
            .map_err(|e| failed("Connectif", e))?;
            let niftyimages = NiftyImagesSandbox::start(NiftyImagesConfig {
                seed,
                ghl_seed: seed,
                ghl_contacts: seed_contacts,
                faults,
                ..NiftyImagesConfig::default()
            })
            .await
            .map_err(|e| failed("NiftyImages", e))?;
            if let Some(url) = &webhook_url {
                ghl.send_webhooks_to(url, WebhookSigning::TestRsa);
            }
            let nifty_projects = nifty.projects();
            let (nifty_client_id, nifty_client_secret) = nifty.oauth_client();
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
                    "webhookUrl": webhook_url,
                    "webhookPublicKey": TEST_RSA_PUBLIC_KEY_PEM,
                },
                "novi": {
                    "baseUrl": novi.base_url(),
                    "apiKey": novi.api_key(),
                },
                "ninox": {
                    "baseUrl": ninox.base_url_v3(),
                    "apiKey": ninox.api_key(),
                    "team": ninox.team_id(),
                    "database": ninox.database_id(),
                    "table": ninox.table_id(),
                    "v4BaseUrl": ninox.base_url_v4(),
                    "workspaceApiKey": ninox.workspace_api_key(),
                    "workspace": ninox.workspace_id(),
                    "module": ninox.module_name(),
                    "v4Table": ninox.table_name(),
                },
                "nifty": {
                    "baseUrl": nifty.base_url(),
                    "authorizeUrl": nifty.authorize_url(),
                    "tokenUrl": nifty.token_url(),
                    "oauthClientId": nifty_client_id,
                    "oauthClientSecret": nifty_client_secret,
                    "accessToken": nifty.access_token(),
                    "projectId": nifty_projects.first().map(|(id, _)| id.clone()),
                },
                "connectif": {
                    "baseUrl": connectif.base_url(),
                    "apiKey": connectif.api_key(),
                },
                "niftyimages": {
                    "baseUrl": niftyimages.base_url(),
                    "apiKey": niftyimages.api_key(),
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
            novi.shutdown().await;
            ninox.shutdown().await;
            nifty.shutdown().await;
            connectif.shutdown().await;
            niftyimages.shutdown().await;
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
