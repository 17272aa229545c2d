include!("src/commands/names.rs");

fn main() {
    // Listing the app's commands makes Tauri generate one permission per command, so the
    // capability files decide exactly which commands the webview may call.
    println!("cargo:rerun-if-changed=src/commands/names.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
