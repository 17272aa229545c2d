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

/// `cargo test` at the root builds the default members only; none may pull in a webview.
#[test]
fn default_members_compile_no_webview() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "tree",
            "--offline",
            "-e",
            "normal,build,dev",
            "--prefix",
            "none",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let webview: Vec<_> = tree
        .lines()
        .filter(|line| {
            let name = line.split_whitespace().next().unwrap_or_default();
            name.starts_with("webkit2gtk")
                || name.starts_with("gtk")
                || name.starts_with("tauri")
                || name == "wry"
                || name == "javascriptcore-rs"
        })
        .collect();
    assert!(
        tree.contains("bridge-core"),
        "unexpected cargo tree output: {tree}"
    );
    assert!(
        webview.is_empty(),
        "default members depend on webview crates: {webview:?}"
    );
}
