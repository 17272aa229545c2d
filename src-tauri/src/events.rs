//! Events the Rust side sends the window while long work runs.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

/// The sign-in page to approve (GHL's or Nifty's). The window shows the link too: a browser may not open
/// (a server session, a test under Xvfb), and then the operator opens it by hand.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct OauthLink {
    pub url: String,
    /// Why the system browser did not open, when it did not.
    pub browser_error: Option<String>,
}

/// How far the running sync is: operations finished of the total, with rate and time left.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub done: u32,
    pub total: u32,
    /// Operations per second since the apply started.
    pub rate_per_second: f64,
    /// Seconds left at that rate, once there is a rate.
    pub eta_seconds: Option<f64>,
}
