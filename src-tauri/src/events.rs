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

/// How far the running sync is: writes finished of the total (known from the plan, never
/// decreasing), which pair and phase, with rate and time left.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// preview, apply, retry or scheduled.
    pub work: String,
    pub done: u32,
    pub total: u32,
    /// Writes per second since the sync started.
    pub rate_per_second: f64,
    /// Seconds left at that rate, once there is a rate.
    pub eta_seconds: Option<f64>,
    /// 1-based, of `pairs`.
    pub pair: u32,
    pub pairs: u32,
    pub pair_name: String,
    /// contacts, or tasks, notes and appointments.
    pub phase: String,
    pub pair_done: u32,
    pub pair_total: u32,
}

impl SyncProgress {
    /// The first word of a sync, sent the moment it starts: every page shows it running at
    /// once (a preview may send nothing else before it ends).
    pub fn started(work: &str, total: u32) -> Self {
        Self {
            work: work.into(),
            done: 0,
            total,
            rate_per_second: 0.0,
            eta_seconds: None,
            pair: 0,
            pairs: 0,
            pair_name: String::new(),
            phase: String::new(),
            pair_done: 0,
            pair_total: 0,
        }
    }
}

/// A sync ended (any page shows it): what ran and how it ended, in one sentence.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncFinished {
    pub work: String,
    pub ok: bool,
    pub cancelled: bool,
    pub message: String,
}

impl SyncFinished {
    pub fn of(work: &str, pairs: &[crate::commands::sync::PairOutcome]) -> Self {
        let sum = |f: fn(&crate::commands::sync::KindView) -> u32| -> u32 {
            pairs
                .iter()
                .flat_map(|p| p.breakdown.iter())
                .filter(|l| l.kind != "tags")
                .map(f)
                .sum()
        };
        let cancelled = pairs.iter().any(|p| p.cancelled);
        let (written, failed, skipped) =
            (sum(|l| l.written), sum(|l| l.failed), sum(|l| l.skipped));
        let message = if pairs.iter().all(|p| p.dry_run) {
            format!("Preview ready: {} writes planned.", sum(|l| l.planned))
        } else if cancelled {
            format!("Cancelled: {written} written, {failed} failed, {skipped} not sent (the next sync plans them again).")
        } else {
            format!("Sync done: {written} written, {failed} failed, {skipped} skipped.")
        };
        Self {
            work: work.into(),
            ok: true,
            cancelled,
            message,
        }
    }

    pub fn failed(work: &str, error: &bridge_core::BridgeError) -> Self {
        Self {
            work: work.into(),
            ok: false,
            cancelled: false,
            message: error.message.clone(),
        }
    }
}
