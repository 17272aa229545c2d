//! `bridge deletes`: the deletes waiting for the operator (pairs that carry deletes), and the
//! per-pair switch.

use bridge_core::{BridgeError, SystemClock};
use bridge_sync::service;
use bridge_sync::service::Store;
use clap::Subcommand;

use crate::output::{line, print_json};
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum DeletesCommand {
    /// Deletes seen on one side, waiting to be carried to the other (or approved and not yet
    /// carried).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Approve a waiting delete: the next sync of its pair carries it out.
    Approve { id: i64 },
    /// Reject a waiting delete: the record on the other side stays.
    Reject { id: i64 },
    /// Turn carrying deletes on or off for the pair of an app connection (off by default;
    /// when on, every delete still waits here for approval).
    Carry {
        /// The app connection's name.
        pair: String,
        #[arg(value_parser = ["on", "off"])]
        switch: String,
    },
}

pub fn run(context: &Context, command: DeletesCommand) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    match command {
        DeletesCommand::List { json } => list(&store, json),
        DeletesCommand::Approve { id } => {
            let delete = service::approve_delete(&store, id, &SystemClock)?;
            line(&format!(
                "Delete {id} approved: the next sync deletes {} {} there.",
                delete.object_kind, delete.target_remote_id
            ))
        }
        DeletesCommand::Reject { id } => {
            service::reject_delete(&store, id, &SystemClock)?;
            line(&format!("Delete {id} rejected: the record stays."))
        }
        DeletesCommand::Carry { pair, switch } => {
            let on = switch == "on";
            service::set_carry_deletes(&store, &pair, on, &SystemClock)?;
            line(&if on {
                format!("\"{pair}\" carries deletes now: each waits in `bridge deletes list` for approval.")
            } else {
                format!("\"{pair}\" no longer carries deletes.")
            })
        }
    }
}

fn list(store: &Store, json: bool) -> Result<(), BridgeError> {
    let open = service::list_deletes(store)?;
    if json {
        return print_json(&open);
    }
    if open.is_empty() {
        return line("No deletes wait.");
    }
    for view in open {
        let d = &view.delete;
        line(&format!(
            "{}  {}  {}: {} deleted in {}; would delete {} {} in {} ({})",
            d.id,
            d.state,
            view.pair_name,
            d.object_kind,
            if d.deleted_in == "ghl" {
                "GHL"
            } else {
                "the app"
            },
            d.object_kind,
            d.target_remote_id,
            view.target_system,
            d.summary
        ))?;
    }
    Ok(())
}
