//! The one reader of the window's settings file, for the window and the CLI alike. The
//! window writes it with tauri-plugin-store, whose file is a JSON object of entries (one key
//! per setting, the names of [`AppSettings`]' fields); the CLI reads the circuit breaker
//! from it when no `--max-overwrite` is given.

use std::path::{Path, PathBuf};

use bridge_core::{AppSettings, BridgeError};
use serde_json::{Map, Value};

/// The store's file, beside the database (the name the hand-written file had, in the same
/// format, so settings saved before tauri-plugin-store are read as they are).
pub const SETTINGS_FILE: &str = "desktop-settings.json";

pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SETTINGS_FILE)
}

/// The settings in the store's entries; a missing entry takes its default.
pub fn from_entries(entries: Map<String, Value>) -> Result<AppSettings, BridgeError> {
    let settings: AppSettings = serde_json::from_value(Value::Object(entries)).map_err(|e| {
        BridgeError::invalid_input(format!("the saved settings are unreadable: {e}"))
    })?;
    settings.validate()?;
    Ok(settings)
}

/// The entries to store for `settings`, one per setting.
pub fn to_entries(settings: &AppSettings) -> Result<Map<String, Value>, BridgeError> {
    settings.validate()?;
    match serde_json::to_value(settings) {
        Ok(Value::Object(entries)) => Ok(entries),
        Ok(_) | Err(_) => Err(BridgeError::internal(
            "settings did not serialize to an object",
        )),
    }
}

/// The saved settings in `data_dir`, or the defaults when none were saved.
pub fn read(data_dir: &Path) -> Result<AppSettings, BridgeError> {
    let file = settings_path(data_dir);
    let Some(entries) = entries(&file)? else {
        return Ok(AppSettings::default());
    };
    from_entries(entries)
        .map_err(|e| BridgeError::new(e.code, format!("{}: {}", file.display(), e.message)))
}

/// The retention policy's entries (`keepDoneOperationsDays`, `keepTimelineDays`; see
/// [`crate::retention`]), the defaults for those not saved. The window does not edit them
/// yet: they are set in the file.
pub fn retention(data_dir: &Path) -> Result<crate::retention::Retention, BridgeError> {
    let file = settings_path(data_dir);
    let Some(entries) = entries(&file)? else {
        return Ok(crate::retention::Retention::default());
    };
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Entries {
        keep_done_operations_days: Option<u32>,
        keep_timeline_days: Option<u32>,
    }
    let saved: Entries = serde_json::from_value(Value::Object(entries)).map_err(|e| {
        BridgeError::invalid_input(format!(
            "{}: the retention entries are unreadable (whole days, 0 keeps forever): {e}",
            file.display()
        ))
    })?;
    let default = crate::retention::Retention::default();
    Ok(crate::retention::Retention {
        keep_done_operations_days: saved
            .keep_done_operations_days
            .unwrap_or(default.keep_done_operations_days),
        keep_timeline_days: saved
            .keep_timeline_days
            .unwrap_or(default.keep_timeline_days),
    })
}

/// The file's entries; `None` when no settings were saved.
fn entries(file: &Path) -> Result<Option<Map<String, Value>>, BridgeError> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(BridgeError::storage(format!(
                "cannot read {}: {e}",
                file.display()
            )))
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        BridgeError::storage(format!("{} is not a settings file: {e}", file.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_gives_the_defaults_and_saved_entries_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), AppSettings::default());
        let settings = AppSettings {
            schedule_minutes: Some(15),
            max_overwrite_percent: 35.0,
            theme: bridge_core::Theme::Dark,
            webhook_port: Some(8790),
        };
        // What tauri-plugin-store writes: the entries as one JSON object.
        let entries = to_entries(&settings).unwrap();
        std::fs::write(
            settings_path(dir.path()),
            serde_json::to_vec(&entries).unwrap(),
        )
        .unwrap();
        assert_eq!(read(dir.path()).unwrap(), settings);
    }

    #[test]
    fn a_partial_file_takes_defaults_and_a_bad_one_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = settings_path(dir.path());
        std::fs::write(&file, r#"{"maxOverwritePercent":5}"#).unwrap();
        assert_eq!(
            read(dir.path()).unwrap(),
            AppSettings {
                schedule_minutes: None,
                max_overwrite_percent: 5.0,
                theme: bridge_core::Theme::System,
                webhook_port: None,
            }
        );
        std::fs::write(&file, r#"{"maxOverwritePercent":500}"#).unwrap();
        let err = read(dir.path()).unwrap_err();
        assert!(err.message.contains("circuit breaker"), "{}", err.message);
        assert!(err.message.contains(SETTINGS_FILE), "{}", err.message);
        std::fs::write(&file, "not json").unwrap();
        assert!(read(dir.path())
            .unwrap_err()
            .message
            .contains(SETTINGS_FILE));
    }
}
