//! Tracing to stderr and to a daily-rotating file, for the CLI and the desktop alike.
//! Secrets never reach a log line: they are wrapped in `Sensitive<T>` (bridge-auth), whose
//! Debug prints a placeholder.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::BridgeError;

/// How many daily log files are kept before the oldest is deleted.
const KEPT_LOG_FILES: usize = 14;
pub const LOG_FILE_PREFIX: &str = "contact-bridge";

/// Installs the global subscriber: JSON lines at `info` into the log folder (what the Logs page
/// reads), human-readable lines at `stderr_filter` on stderr. `RUST_LOG` overrides both filters.
/// Keep the guard alive for the process' lifetime: dropping it flushes the file writer.
pub fn init(log_dir: &Path, stderr_filter: &str) -> Result<WorkerGuard, BridgeError> {
    std::fs::create_dir_all(log_dir).map_err(|e| {
        BridgeError::storage(format!(
            "cannot create the log folder {}: {e}",
            log_dir.display()
        ))
    })?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(log_dir)
        .map_err(|e| {
            BridgeError::storage(format!(
                "cannot open a log file in {}: {e}",
                log_dir.display()
            ))
        })?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);
    let filter = |default: &str| {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    };
    tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter(stderr_filter)),
        )
        .with(
            fmt::layer()
                .json()
                .with_writer(file_writer)
                .with_filter(filter("info")),
        )
        .try_init()
        .map_err(|e| BridgeError::internal(format!("logging was already set up: {e}")))?;
    Ok(guard)
}
