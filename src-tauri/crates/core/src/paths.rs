//! Where the desktop app and the CLI keep their files. Both use these functions, so
//! `bridge` without `--db` opens the very database the window shows.

use std::path::PathBuf;

/// The bundle identifier (also in tauri.conf.json); it names the app's folders.
pub const APP_IDENTIFIER: &str = "app.contactbridge.desktop";
pub const DATABASE_FILE: &str = "bridge.sqlite3";

/// `$XDG_DATA_HOME/app.contactbridge.desktop` on Linux, the platform's app-data dir elsewhere.
pub fn app_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(APP_IDENTIFIER)
}

pub fn default_database_path() -> PathBuf {
    app_data_dir().join(DATABASE_FILE)
}

/// The rotating log files' folder: `<app data>/logs`.
pub fn log_dir() -> PathBuf {
    app_data_dir().join("logs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_and_logs_live_under_the_app_data_dir() {
        let data = app_data_dir();
        assert!(data.ends_with(APP_IDENTIFIER));
        assert_eq!(default_database_path().parent(), Some(data.as_path()));
        assert_eq!(log_dir().parent(), Some(data.as_path()));
    }
}
