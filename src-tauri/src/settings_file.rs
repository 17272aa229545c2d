//! The desktop's own settings (schedule, circuit breaker), a small JSON file beside the
//! database. Never a secret: those are in the keychain.

use std::path::{Path, PathBuf};

use bridge_core::BridgeError;
use serde::{Deserialize, Serialize};
use specta::Type;

const FILE_NAME: &str = "desktop-settings.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// Sync every N minutes while the app is open; `None` = only when asked.
    pub schedule_minutes: Option<u32>,
    /// The circuit breaker: a sync stops before overwriting more than this share (percent) of
    /// a pair's records on one side.
    pub max_overwrite_percent: f64,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            schedule_minutes: None,
            max_overwrite_percent: 20.0,
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

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The saved settings, or the defaults when none were saved.
pub fn load(data_dir: &Path) -> Result<AppSettings, BridgeError> {
    let file = path(data_dir);
    match std::fs::read_to_string(&file) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| BridgeError::storage(format!("{} is unreadable: {e}", file.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppSettings::default()),
        Err(e) => Err(BridgeError::storage(format!(
            "cannot read {}: {e}",
            file.display()
        ))),
    }
}

pub fn save(data_dir: &Path, settings: &AppSettings) -> Result<(), BridgeError> {
    settings.validate()?;
    let file = path(data_dir);
    let text =
        serde_json::to_string_pretty(settings).map_err(|e| BridgeError::internal(e.to_string()))?;
    std::fs::create_dir_all(data_dir)
        .and_then(|()| std::fs::write(&file, text))
        .map_err(|e| BridgeError::storage(format!("cannot write {}: {e}", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_load_back_and_defaults_fill_a_missing_file() {
        let dir = std::env::temp_dir().join(format!("desk-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(load(&dir).unwrap(), AppSettings::default());
        let settings = AppSettings {
            schedule_minutes: Some(15),
            max_overwrite_percent: 35.0,
        };
        save(&dir, &settings).unwrap();
        assert_eq!(load(&dir).unwrap(), settings);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn out_of_range_values_are_refused_naming_the_setting() {
        let bad = AppSettings {
            schedule_minutes: Some(0),
            max_overwrite_percent: 120.0,
        };
        let message = bad.validate().unwrap_err().message;
        assert!(message.contains("schedule"), "{message}");
        assert!(message.contains("circuit breaker"), "{message}");
    }
}
