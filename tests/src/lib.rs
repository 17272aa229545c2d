//! Helpers for the cross-crate tests in `tests/tests/`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The `bridge` binary built beside this test binary (`cargo test`/`nextest` of the
/// workspace build it; `cargo build -p bridge-cli` does too).
pub fn bridge_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test binary> → target/<profile>/bridge
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let bin = profile_dir.join(format!("bridge{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p bridge-cli` (or test the whole workspace)",
        bin.display()
    );
    bin
}

/// Runs `bridge` with a scratch database and log folder under `scratch`.
pub fn run_bridge(scratch: &std::path::Path, args: &[&str]) -> Output {
    let output = Command::new(bridge_bin())
        .arg("--db")
        .arg(scratch.join("bridge.sqlite3"))
        .arg("--log-dir")
        .arg(scratch.join("logs"))
        .args(args)
        .env_remove("RUST_LOG")
        .output();
    match output {
        Ok(output) => output,
        Err(e) => panic!("could not run bridge: {e}"),
    }
}
