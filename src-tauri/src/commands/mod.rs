//! Every IPC command, one file per area. The TypeScript bindings in ui/src/platform/bindings.ts
//! are generated from this list (`cargo test -p contact-bridge` fails when they drift).

mod settings;

use tauri_specta::{collect_commands, Builder};

/// The one list of commands: it drives the invoke handler and the generated bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().commands(collect_commands![settings::app_info])
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::specta_builder;

    fn bindings_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/platform/bindings.ts")
    }

    /// Regenerate with `UPDATE_BINDINGS=1 cargo test -p contact-bridge bindings`.
    #[test]
    fn typescript_bindings_match_the_commands() {
        let fresh = std::env::temp_dir().join(format!("bindings-{}.ts", std::process::id()));
        specta_builder()
            .export(specta_typescript::Typescript::default(), &fresh)
            .unwrap();
        let generated = std::fs::read_to_string(&fresh).unwrap();
        let _ = std::fs::remove_file(&fresh);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(bindings_path(), &generated).unwrap();
        }
        let committed = std::fs::read_to_string(bindings_path()).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/platform/bindings.ts is out of date: run `UPDATE_BINDINGS=1 cargo test -p contact-bridge bindings` and commit it"
        );
    }
}
