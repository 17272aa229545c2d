//! Local fakes of GHL and the five apps, faithful to their documented APIs (envelopes, status
//! codes, paging, rate-limit headers, errors). They imitate the remote apps and never import our
//! clients: tests and the app's offline sandbox talk to them over loopback HTTP.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use bridge_sandbox::{GhlConfig, GhlSandbox};
//! let ghl = GhlSandbox::start(GhlConfig { seed_contacts: 50, ..GhlConfig::default() }).await?;
//! // GET {base_url}/contacts/{id} with `Authorization: Bearer {private_token}` and
//! // `Version: 2021-07-28`, as against services.leadconnectorhq.com.
//! println!("{} {}", ghl.base_url(), ghl.private_token());
//! ghl.shutdown().await;
//! # Ok(()) }
//! ```

mod connectif;
pub mod faults;
mod ghl;
mod nifty;
mod niftyimages;
mod ninox;
mod novi;
pub mod seed;

pub use connectif::{
    ConnectifActivity, ConnectifConfig, ConnectifEvent, ConnectifSandbox, CONNECTIF_SCOPES,
};
pub use faults::{AimedFault, AimedKind, FaultConfig};
pub use ghl::{
    GhlConfig, GhlSandbox, RequestStats, WebhookDelivery, WebhookSigning,
    TEST_ED25519_PUBLIC_KEY_PEM, TEST_RSA_PUBLIC_KEY_PEM,
};
pub use nifty::{
    NiftyConfig, NiftySandbox, DEFAULT_REDIRECT_URI as NIFTY_DEFAULT_REDIRECT_URI, NIFTY_SCOPES,
};
pub use niftyimages::{NiftyImagesConfig, NiftyImagesSandbox};
pub use ninox::{NinoxConfig, NinoxSandbox};
pub use novi::{default_activity_types, NoviActivityType, NoviConfig, NoviSandbox};
