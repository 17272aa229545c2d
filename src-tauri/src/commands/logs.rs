//! Logs page: the tracing log (JSON lines in the log folder), filtered by level and connection.

use std::path::Path;

use bridge_core::BridgeError;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::state::AppState;

/// The newest lines returned at most.
const MAX_LINES: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub timestamp: String,
    /// ERROR, WARN, INFO, DEBUG or TRACE.
    pub level: String,
    pub target: String,
    pub message: String,
    /// The other fields of the event, as `key=value` text.
    pub fields: String,
}

#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogFilter {
    /// The least severe level shown (e.g. WARN shows WARN and ERROR); `None` = all.
    pub min_level: Option<String>,
    /// Only lines that mention this connection (its id or name).
    pub connection: Option<String>,
}

fn severity(level: &str) -> u8 {
    match level.to_ascii_uppercase().as_str() {
        "ERROR" => 5,
        "WARN" => 4,
        "INFO" => 3,
        "DEBUG" => 2,
        _ => 1,
    }
}

/// One JSON line of the file log; lines that are not such JSON are skipped.
fn parse(line: &str) -> Option<LogLine> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = value["fields"].as_object();
    let message = fields
        .and_then(|f| f.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_string();
    let others = fields
        .map(|f| {
            f.iter()
                .filter(|(k, _)| k.as_str() != "message")
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}={s}"),
                    None => format!("{k}={v}"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Some(LogLine {
        timestamp: value["timestamp"].as_str().unwrap_or_default().to_string(),
        level: value["level"].as_str().unwrap_or("INFO").to_string(),
        target: value["target"].as_str().unwrap_or_default().to_string(),
        message,
        fields: others,
    })
}

fn keep(line: &LogLine, filter: &LogFilter) -> bool {
    let level_ok = filter
        .min_level
        .as_deref()
        .is_none_or(|min| severity(&line.level) >= severity(min));
    let connection_ok = filter
        .connection
        .as_deref()
        .filter(|c| !c.is_empty())
        .is_none_or(|c| line.fields.contains(c) || line.message.contains(c));
    level_ok && connection_ok
}

/// The newest matching lines of the log files, newest last.
pub fn read(log_dir: &Path, filter: &LogFilter) -> Result<Vec<LogLine>, BridgeError> {
    let mut files: Vec<_> = match std::fs::read_dir(log_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(bridge_core::logging::LOG_FILE_PREFIX))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(BridgeError::storage(format!(
                "cannot list the log folder {}: {e}",
                log_dir.display()
            )))
        }
    };
    // Daily files are named by date: the newest sorts last.
    files.sort();
    let mut lines = Vec::new();
    for file in files.iter().rev() {
        let text = std::fs::read_to_string(file)
            .map_err(|e| BridgeError::storage(format!("cannot read {}: {e}", file.display())))?;
        let mut matching: Vec<LogLine> = text
            .lines()
            .filter_map(parse)
            .filter(|l| keep(l, filter))
            .collect();
        matching.append(&mut lines);
        lines = matching;
        if lines.len() >= MAX_LINES {
            break;
        }
    }
    let skip = lines.len().saturating_sub(MAX_LINES);
    Ok(lines.split_off(skip))
}

#[tauri::command]
#[specta::specta]
pub fn read_logs(
    state: State<'_, AppState>,
    filter: LogFilter,
) -> Result<Vec<LogLine>, BridgeError> {
    read(&state.log_dir, &filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"timestamp":"2026-11-23T09:00:00Z","level":"INFO","fields":{"message":"GHL connected by OAuth","connection":"ghl:Sandbox GHL"},"target":"contact_bridge_lib"}
not json at all
{"timestamp":"2026-11-23T09:01:00Z","level":"ERROR","fields":{"message":"sync failed","connection":"novi:Sandbox Novi"},"target":"contact_bridge_lib"}
{"timestamp":"2026-11-23T09:02:00Z","level":"DEBUG","fields":{"message":"detail"},"target":"bridge_sync"}
"#;

    fn folder() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("desk-logs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("contact-bridge.2026-11-23.log"), LINES).unwrap();
        dir
    }

    #[test]
    fn filters_by_level_and_connection_and_skips_foreign_lines() {
        let dir = folder();
        let all = read(
            &dir,
            &LogFilter {
                min_level: None,
                connection: None,
            },
        )
        .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].message, "GHL connected by OAuth");
        assert_eq!(all[0].fields, "connection=ghl:Sandbox GHL");

        let warnings = LogFilter {
            min_level: Some("WARN".into()),
            connection: None,
        };
        let errors = read(&dir, &warnings).unwrap();
        assert_eq!(
            errors.iter().map(|l| l.level.as_str()).collect::<Vec<_>>(),
            ["ERROR"]
        );

        let novi = LogFilter {
            min_level: None,
            connection: Some("novi:Sandbox Novi".into()),
        };
        let lines = read(&dir, &novi).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].message, "sync failed");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
