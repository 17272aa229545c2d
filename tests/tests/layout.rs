//! Rules of the layout that no compiler checks.

use std::path::Path;

use bridge_tests::repo_root;

fn source_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, found);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ts" | "tsx" | "js" | "jsx" | "mts")
        ) {
            found.push(path);
        }
    }
}

/// Only ui/src/platform may talk to Tauri, so the pages stay testable in a plain browser.
#[test]
fn tauri_apis_are_imported_only_under_ui_src_platform() {
    let src = repo_root().join("ui/src");
    let platform = src.join("platform");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    assert!(
        !files.is_empty(),
        "no UI sources found under {}",
        src.display()
    );
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| !f.starts_with(&platform))
        .filter(|f| {
            std::fs::read_to_string(f)
                .map(|text| text.contains("@tauri-apps/"))
                .unwrap_or(false)
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "@tauri-apps/* imported outside ui/src/platform: {offenders:?}"
    );
}
