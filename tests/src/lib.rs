//! Helpers for the cross-crate tests in `tests/tests/`.

pub mod browser;
pub mod doctor;
pub mod ghl_world;
pub mod nifty_pair;
pub mod niftyimages_world;
pub mod ninox_pair;
pub mod novi_pair;
pub mod spec_mock;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The `bridge` binary of this build, built on first use: `cargo test` builds only the binaries
/// of the package under test, and a binary left over from an earlier build could be stale.
pub fn bridge_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(build_bridge).clone()
}

fn build_bridge() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // <target>/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let target_dir = profile_dir.parent().map(PathBuf::from).unwrap_or_default();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(repo_root())
        .args(["build", "--quiet", "-p", "bridge-cli", "--bin", "bridge"])
        .env("CARGO_TARGET_DIR", &target_dir);
    // `target/release` holds the benches (the `bench` profile): the binary is built with that
    // profile too, so a bench compiles every crate once, not once per profile.
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.args(["--profile", "bench"]);
    }
    let status = build.status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "building the bridge binary failed: {status:?}"
    );
    profile_dir.join(format!("bridge{}", std::env::consts::EXE_SUFFIX))
}

/// Runs blocking work (a `bridge` child, a SQLite read) off the async test's threads, so the
/// in-process fakes keep answering meanwhile.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

/// Runs `bridge` with a scratch database and log folder under `scratch`, secrets in the
/// scratch folder's file store.
pub fn run_bridge(scratch: &std::path::Path, args: &[&str]) -> Output {
    run_bridge_env(scratch, &[], args)
}

/// [`run_bridge`] with extra environment variables for the child only.
pub fn run_bridge_env(scratch: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let output = Command::new(bridge_bin())
        // The CLI's secrets go to its 0600 file: a desktop keychain daemon in a test session can
        // die or lock up, and a locked one waits for a person to unlock it. The keychain itself
        // is tested in bridge-auth. A caller may still set this variable.
        .env("BRIDGE_SECRET_STORE", "file")
        .envs(env.iter().copied())
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
