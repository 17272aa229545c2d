//! `bridge info` against a scratch database.

use bridge_tests::run_bridge;

#[test]
fn info_json_reports_version_database_and_schema() {
    let scratch = tempfile::tempdir().unwrap();
    let output = run_bridge(scratch.path(), &["info", "--json"]);
    assert!(
        output.status.success(),
        "bridge info failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(info["version"], bridge_core::VERSION);
    assert_eq!(
        info["schemaVersion"],
        serde_json::json!(bridge_store::SCHEMA_VERSION)
    );
    let db = scratch.path().join("bridge.sqlite3");
    assert_eq!(info["databasePath"], db.display().to_string());
    assert!(db.exists(), "the database file was not created");
    assert!(
        scratch.path().join("logs").is_dir(),
        "the log folder was not created"
    );
}

#[test]
fn info_text_names_the_database() {
    let scratch = tempfile::tempdir().unwrap();
    let output = run_bridge(scratch.path(), &["info"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("schema version:"), "{text}");
    assert!(text.contains("bridge.sqlite3"), "{text}");
}

#[test]
fn unusable_database_path_is_a_clear_error() {
    let scratch = tempfile::tempdir().unwrap();
    // A directory where the database file should be.
    std::fs::create_dir_all(scratch.path().join("bridge.sqlite3")).unwrap();
    let output = run_bridge(scratch.path(), &["info", "--json"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error (storage)"), "{stderr}");
    assert!(stderr.contains("bridge.sqlite3"), "{stderr}");
}
