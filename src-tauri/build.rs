fn main() {
    // Listing the app's commands makes Tauri generate one permission per command, so the
    // capability files decide exactly which commands the webview may call. Keep this list
    // equal to COMMAND_NAMES in src/commands/mod.rs (a test checks it).
    const COMMANDS: &[&str] = &[
        "app_info",
        "get_settings",
        "save_settings",
        "open_folder",
        "list_connections",
        "test_connection",
        "connect_ghl_token",
        "connect_ghl_oauth",
        "connect_novi",
        "connect_ninox",
        "connect_connectif",
        "connect_niftyimages",
        "connect_nifty_oauth",
        "sandbox_status",
        "start_sandbox",
        "sandbox_connectif_scope",
        "connect_sandbox_ghl",
        "connect_sandbox_novi",
        "connect_sandbox_ninox",
        "connect_sandbox_connectif",
        "connect_sandbox_niftyimages",
        "connect_sandbox_nifty",
        "list_contacts",
        "contact_timeline",
        "search_timeline",
        "read_logs",
        "list_mapping_apps",
        "mapping_editor",
        "check_mapping",
        "preview_mapping",
        "save_mapping",
        "plan_sync",
        "apply_sync",
        "cancel_sync",
        "sync_status",
        "retry_dead_letters",
        "list_runs",
        "run_operations",
        "dead_letters",
        "list_conflicts",
        "resolve_conflict",
        "undo_run",
        "overview",
        "list_reviews",
        "list_deletes",
        "decide_delete",
    ];
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
