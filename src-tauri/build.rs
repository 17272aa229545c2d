fn main() {
    // Listing the app's commands makes Tauri generate one permission per command, so the
    // capability files decide exactly which commands the webview may call.
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(&["app_info"]));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
