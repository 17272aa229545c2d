//! `bridge pair`: which GHL location each app connection syncs with.

use bridge_core::{BridgeError, Clock, SystemClock};
use bridge_sync::service::{self, Store};
use clap::Subcommand;

use crate::output::{line, print_json};
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum PairCommand {
    /// Each app connection and its GHL location (an app with none waits for `pair set`).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Pair an app connection with a GHL location. A pair whose records are linked to its
    /// current location's contacts moves only with --forget-links.
    Set {
        /// The app connection's name.
        app: String,
        /// The GHL connection's name.
        #[arg(long)]
        ghl: String,
        /// Drop the links to the current location's contacts (and the conflicts, reviews,
        /// problems, pending deletes and unfinished writes tied to them); the next sync
        /// matches the app's records to the new location's contacts.
        #[arg(long)]
        forget_links: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(context: &Context, command: PairCommand) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    match command {
        PairCommand::List { json } => {
            let pairs = service::pairs(&store, SystemClock.now())?;
            if json {
                return print_json(&pairs);
            }
            if pairs.is_empty() {
                return line("No app connections: connect one with `bridge connect`.");
            }
            for pair in pairs {
                line(&format!(
                    "{:<24} {:<12} ↔ {}  ({} links)",
                    pair.app_name,
                    pair.app_system.display_name(),
                    pair.ghl_name.as_deref().map_or_else(
                        || "no location yet: `bridge pair set`".to_string(),
                        |n| format!("\"{n}\"")
                    ),
                    pair.links
                ))?;
            }
            Ok(())
        }
        PairCommand::Set {
            app,
            ghl,
            forget_links,
            json,
        } => {
            let moved = service::set_pair(&mut store, &app, &ghl, forget_links, SystemClock.now())?;
            if json {
                return print_json(&moved);
            }
            line(&moved.sentence())
        }
    }
}
