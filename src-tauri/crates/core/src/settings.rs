//! The window's settings (schedule, circuit breaker): what they are and which values are
//! valid. The window keeps them with tauri-plugin-store; the CLI reads the same file through
//! `bridge_sync::settings`. Never a secret: those are in the keychain.

use serde::{Deserialize, Serialize};

use crate::BridgeError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// Sync every N minutes while the app is open; `None` = only when asked.
    pub schedule_minutes: Option<u32>,
    /// The circuit breaker: a sync stops before overwriting more than this share (percent) of
    /// a pair's records on one side.
    pub max_overwrite_percent: f64,
    /// The window's colours: as the system says, or always light or dark.
    pub theme: Theme,
    /// The port the window's GHL webhook receiver listens on (127.0.0.1); `None` = off.
    pub webhook_port: Option<u16>,
}

/// The window's colour scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Light or dark as the operating system says (followed when it changes).
    #[default]
    System,
    Light,
    Dark,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            schedule_minutes: None,
            max_overwrite_percent: 20.0,
            theme: Theme::System,
            webhook_port: None,
        }
    }
}

impl AppSettings {
    /// Every problem, each naming its setting.
    pub fn validate(&self) -> Result<(), BridgeError> {
        let mut problems = Vec::new();
        if let Some(minutes) = self.schedule_minutes {
            if !(1..=1440).contains(&minutes) {
                problems.push(format!(
                    "schedule: every {minutes} minutes is outside 1 to 1440"
                ));
            }
        }
        if !(0.0..=100.0).contains(&self.max_overwrite_percent) {
            problems.push(format!(
                "circuit breaker: {}% is not a percentage from 0 to 100",
                self.max_overwrite_percent
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(BridgeError::invalid_input(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_refused_naming_the_setting() {
        let bad = AppSettings {
            schedule_minutes: Some(0),
            max_overwrite_percent: 120.0,
            ..AppSettings::default()
        };
        let message = bad.validate().unwrap_err().message;
        assert!(message.contains("schedule"), "{message}");
        assert!(message.contains("circuit breaker"), "{message}");
        assert!(AppSettings::default().validate().is_ok());
    }
}
