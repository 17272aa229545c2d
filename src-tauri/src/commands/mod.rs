//! Every IPC command, one file per area. The TypeScript bindings in ui/src/platform/bindings.ts
//! are generated from this list (`cargo test -p contact-bridge` fails when they drift).

pub mod connections;
mod contacts;
pub mod history;
mod logs;
mod mappings;
mod overview;
mod pairs;
mod rules;
pub(crate) mod settings;
pub mod sync;
pub mod webhooks;

use tauri_specta::{collect_commands, collect_events, Builder};

use crate::events::{OauthLink, SyncFinished, SyncProgress};

#[cfg(test)]
mod names;
#[cfg(test)]
use names::COMMAND_NAMES;

/// The one list of commands: it drives the invoke handler and the generated bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            settings::app_info,
            settings::get_settings,
            settings::save_settings,
            settings::open_folder,
            connections::list_connections,
            connections::test_connection,
            connections::add::connect_ghl_token,
            connections::add::connect_ghl_oauth,
            connections::add::connect_novi,
            connections::add::connect_ninox,
            connections::add::connect_connectif,
            connections::add::connect_niftyimages,
            connections::add::connect_nifty_oauth,
            connections::sandbox::sandbox_status,
            connections::sandbox::start_sandbox,
            connections::sandbox::sandbox_connectif_scope,
            connections::sandbox::connect_sandbox_ghl,
            connections::sandbox::connect_sandbox_novi,
            connections::sandbox::connect_sandbox_ninox,
            connections::sandbox::connect_sandbox_connectif,
            connections::sandbox::connect_sandbox_niftyimages,
            connections::sandbox::connect_sandbox_nifty,
            connections::manage::rename_connection,
            connections::manage::removal_impact,
            connections::manage::remove_connection,
            connections::manage::leave_sandbox,
            connections::manage::reconnect_connection,
            contacts::list_contacts,
            contacts::contact_timeline,
            contacts::search_timeline,
            logs::read_logs,
            mappings::list_mapping_apps,
            mappings::mapping_editor,
            mappings::check_mapping,
            mappings::preview_mapping,
            mappings::save_mapping,
            sync::plan_sync,
            sync::apply_sync,
            sync::cancel_sync,
            sync::sync_status,
            sync::retry_dead_letters,
            sync::retry_dead_letter,
            history::list_runs,
            history::run_operations,
            history::dead_letters,
            history::list_conflicts,
            history::resolve_conflict,
            history::undo_run,
            overview::overview,
            overview::list_reviews,
            overview::list_deletes,
            overview::decide_delete,
            overview::resolve_review,
            webhooks::webhook_status,
            webhooks::set_webhooks,
            rules::list_rules,
            rules::switch_rule,
            rules::set_rule,
            pairs::list_pairs,
            pairs::set_pair,
        ])
        .events(collect_events![OauthLink, SyncProgress, SyncFinished])
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{specta_builder, COMMAND_NAMES};

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

    /// build.rs declares COMMAND_NAMES to tauri-build (one permission each): every command
    /// the bindings invoke is in it, and the capability allows each, or it would be refused
    /// at run time.
    #[test]
    fn every_command_has_a_permission_and_is_allowed() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let bindings = std::fs::read_to_string(bindings_path()).unwrap();
        let capability = std::fs::read_to_string(root.join("capabilities/default.json")).unwrap();
        let invoked = bindings.matches("TAURI_INVOKE(\"").count();
        assert_eq!(
            invoked,
            COMMAND_NAMES.len(),
            "the bindings invoke {invoked} commands"
        );
        for name in COMMAND_NAMES {
            assert!(
                bindings.contains(&format!("TAURI_INVOKE(\"{name}\"")),
                "no command {name} is in the bindings"
            );
            let permission = format!("\"allow-{}\"", name.replace('_', "-"));
            assert!(
                capability.contains(&permission),
                "capability lacks {permission}"
            );
        }
    }
}
