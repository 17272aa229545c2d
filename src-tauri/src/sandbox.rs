//! "Try the sandbox": the fakes of GHL and the five apps (Novi AMS, Ninox, Connectif,
//! NiftyImages, Nifty) started inside the app on 127.0.0.1, so every feature can be tried
//! offline. They live as long as the app.
//! Their credentials are fakes, yet they stay on this side: the UI gets addresses only.

use std::time::Duration;

use bridge_core::BridgeError;
use bridge_sandbox::{
    ConnectifConfig, ConnectifSandbox, FaultConfig, GhlConfig, GhlSandbox, NiftyConfig,
    NiftyImagesConfig, NiftyImagesSandbox, NiftySandbox, NinoxConfig, NinoxSandbox, NoviConfig,
    NoviSandbox,
};
use serde::Serialize;
use specta::Type;

/// For the e2e suite only: where to write the fakes' own (fake) credentials, so the test can
/// act as a person using GHL (adding a task, a note) while the app runs.
const INFO_FILE_ENV: &str = "BRIDGE_SANDBOX_INFO_FILE";

/// How many contacts the sandbox's GHL location starts with (`BRIDGE_SANDBOX_CONTACTS`).
const CONTACTS_ENV: &str = "BRIDGE_SANDBOX_CONTACTS";
const DEFAULT_CONTACTS: usize = 200;
const SEED: u64 = 7;

pub struct Sandbox {
    pub ghl: GhlSandbox,
    pub novi: NoviSandbox,
    pub ninox: NinoxSandbox,
    pub connectif: ConnectifSandbox,
    pub niftyimages: NiftyImagesSandbox,
    pub nifty: NiftySandbox,
}

/// The tags checkbox field the Connectif fake's account has (GHL's tags go there).
pub const CONNECTIF_TAGS_FIELD: &str = "ghl-tags";

/// Where the running fakes answer (no credentials).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    pub ghl_base_url: String,
    pub ghl_location_id: String,
    pub ghl_client_id: String,
    pub novi_base_url: String,
    pub ninox_base_url: String,
    pub ninox_table: String,
    pub connectif_base_url: String,
    pub niftyimages_base_url: String,
    pub nifty_base_url: String,
    /// The Nifty project the sandbox syncs with ("Client follow-ups").
    pub nifty_project: String,
    pub contacts: u32,
}

impl Sandbox {
    pub async fn start() -> Result<Sandbox, BridgeError> {
        let contacts = std::env::var(CONTACTS_ENV)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(DEFAULT_CONTACTS);
        let failed = |app: &str, e: std::io::Error| {
            BridgeError::internal(format!("cannot start the {app} sandbox: {e}"))
        };
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            seed: SEED,
            // GHL allows 100 requests per 10 s; the sandbox lets a first sync finish quickly.
            rate_window: Duration::from_secs(1),
            faults: FaultConfig::none(),
            ..GhlConfig::default()
        })
        .await
        .map_err(|e| failed("GHL", e))?;
        let novi = NoviSandbox::start(NoviConfig {
            seed: SEED,
            ghl_seed: SEED,
            ghl_contacts: contacts,
            faults: FaultConfig::none(),
            ..NoviConfig::default()
        })
        .await
        .map_err(|e| failed("Novi AMS", e))?;
        let ninox = NinoxSandbox::start(NinoxConfig {
            seed: SEED,
            ghl_seed: SEED,
            ghl_contacts: contacts,
            faults: FaultConfig::none(),
            ..NinoxConfig::default()
        })
        .await
        .map_err(|e| failed("Ninox", e))?;
        let connectif = ConnectifSandbox::start(ConnectifConfig {
            seed: SEED,
            ghl_seed: SEED,
            ghl_contacts: contacts,
            // A fifth of GHL's people are in Connectif too (the fake's default, a half, makes
            // the first sync overwrite more than the default 20% safety limit allows).
            ghl_overlap: 0.2,
            // Connectif's (unpublished) limit is modelled as 100 per minute; as for GHL, the
            // sandbox allows more (its rate headers say so, and the client follows them) so a
            // first sync finishes in seconds, not minutes.
            rate_limit: 6_000,
            faults: FaultConfig::none(),
            ..ConnectifConfig::default()
        })
        .await
        .map_err(|e| failed("Connectif", e))?;
        let niftyimages = NiftyImagesSandbox::start(NiftyImagesConfig {
            seed: SEED,
            ghl_seed: SEED,
            ghl_contacts: contacts,
            faults: FaultConfig::none(),
            ..NiftyImagesConfig::default()
        })
        .await
        .map_err(|e| failed("NiftyImages", e))?;
        let nifty = NiftySandbox::start(NiftyConfig {
            seed: SEED,
            ghl_seed: SEED,
            ghl_contacts: contacts,
            faults: FaultConfig::none(),
            ..NiftyConfig::default()
        })
        .await
        .map_err(|e| failed("Nifty", e))?;
        tracing::info!(
            ghl = %ghl.base_url(),
            novi = %novi.base_url(),
            ninox = %ninox.base_url_v3(),
            connectif = %connectif.base_url(),
            niftyimages = %niftyimages.base_url(),
            nifty = %nifty.base_url(),
            contacts,
            "sandbox started"
        );
        let sandbox = Sandbox {
            ghl,
            novi,
            ninox,
            connectif,
            niftyimages,
            nifty,
        };
        if let Some(path) = std::env::var_os(INFO_FILE_ENV) {
            sandbox.write_test_info(std::path::Path::new(&path))?;
        }
        Ok(sandbox)
    }

    fn write_test_info(&self, path: &std::path::Path) -> Result<(), BridgeError> {
        let info = serde_json::json!({
            "ghl": {
                "baseUrl": self.ghl.base_url(),
                "locationId": self.ghl.location_id(),
                "token": self.ghl.private_token(),
            },
            "novi": { "baseUrl": self.novi.base_url(), "apiKey": self.novi.api_key() },
            // The agency's second sub-account, for the several-locations step.
            "ghlSecond": {
                "locationId": self.ghl.second_location().0,
                "token": self.ghl.second_location().1,
            },
        });
        std::fs::write(path, info.to_string())
            .map_err(|e| BridgeError::internal(format!("cannot write {}: {e}", path.display())))
    }

    /// The Nifty project the sandbox pairs with: the fake's first, "Client follow-ups".
    pub fn nifty_project(&self) -> Option<(String, String)> {
        self.nifty.projects().into_iter().next()
    }

    pub fn info(&self) -> SandboxInfo {
        SandboxInfo {
            ghl_base_url: self.ghl.base_url(),
            ghl_location_id: self.ghl.location_id(),
            ghl_client_id: self.ghl.oauth_client().0,
            novi_base_url: self.novi.base_url(),
            ninox_base_url: self.ninox.base_url_v3(),
            ninox_table: self.ninox.table_id(),
            connectif_base_url: self.connectif.base_url(),
            niftyimages_base_url: self.niftyimages.base_url(),
            nifty_base_url: self.nifty.base_url(),
            nifty_project: self
                .nifty_project()
                .map(|(_, name)| name)
                .unwrap_or_default(),
            contacts: u32::try_from(
                std::env::var(CONTACTS_ENV)
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(DEFAULT_CONTACTS),
            )
            .unwrap_or(u32::MAX),
        }
    }
}
