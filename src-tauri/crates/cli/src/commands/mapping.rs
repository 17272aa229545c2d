//! `bridge mapping show|export|import`: an app connection's contact mapping as JSON.

use std::path::PathBuf;

use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, ErrorCode, SystemClock};
use bridge_sync::service::{self, ConnectionRow, Store};
use clap::Subcommand;

use crate::commands::connect::token_store;
use crate::output::line;
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// The mapping in use (the stored one, or the app's default), as JSON.
    Show {
        #[arg(long)]
        connection: String,
    },
    /// Same as show: redirect it to a file to edit or keep.
    Export {
        #[arg(long)]
        connection: String,
    },
    /// Validates a mapping file against both sides' fields and stores it.
    Import {
        #[arg(long)]
        connection: String,
        file: PathBuf,
    },
}

pub async fn run(context: &Context, command: MappingCommand) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    match command {
        MappingCommand::Show { connection } | MappingCommand::Export { connection } => {
            let app = app_connection(&store, &connection)?;
            line(&service::mapping(&store, &app)?.to_json())
        }
        MappingCommand::Import { connection, file } => {
            let app = app_connection(&store, &connection)?;
            let text = std::fs::read_to_string(&file).map_err(|e| {
                BridgeError::invalid_input(format!("cannot read {}: {e}", file.display()))
            })?;
            let mapping = Mapping::from_json(&text)?;
            service::save_mapping(&store, token_store(context), &SystemClock, &app, &mapping)
                .await?;
            line(&format!(
                "Saved the contact mapping of \"{}\" ({} lines).",
                app.name,
                mapping.fields.len()
            ))
        }
    }
}

fn app_connection(store: &Store, name: &str) -> Result<ConnectionRow, BridgeError> {
    service::connections(store)?
        .into_iter()
        .find(|c| c.name == name && c.system != bridge_core::System::Ghl)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no app connection is named \"{name}\""),
            )
        })
}
