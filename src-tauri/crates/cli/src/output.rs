//! Printing results: JSON for tools, aligned text for people. A closed pipe (`bridge contacts
//! | head`) ends the command quietly instead of panicking.

use std::io::Write;

use bridge_core::{BridgeError, ErrorCode};

/// The message of the error that means "the reader went away": not a failure.
pub const STDOUT_CLOSED: &str = "standard output was closed";

pub fn write(text: &str) -> Result<(), BridgeError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            BridgeError::new(ErrorCode::Cancelled, STDOUT_CLOSED)
        } else {
            BridgeError::internal(format!("cannot write to standard output: {e}"))
        }
    })
}

pub fn line(text: &str) -> Result<(), BridgeError> {
    write(&format!("{text}\n"))
}

pub fn print_json(value: &impl serde::Serialize) -> Result<(), BridgeError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| BridgeError::internal(format!("cannot print JSON: {e}")))?;
    line(&text)
}
