//! `bridge pull ghl`: read every GHL connection's changed contacts (with their tasks, notes,
//! appointments, tags and custom fields) into the local database.

use std::sync::Arc;

use bridge_core::{BridgeError, Clock, ErrorCode, System, SystemClock};
use bridge_sync::connections::ghl_client;
use bridge_sync::pull::PullReport;
use bridge_sync::service::{self, Store};
use clap::Subcommand;
use serde::Serialize;

use crate::commands::connect::token_store;
use crate::Context;

#[derive(Debug, Subcommand)]
pub enum PullCommand {
    Ghl {
        /// Only this connection (by name); default: every GHL connection.
        #[arg(long)]
        connection: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionPull {
    connection: String,
    #[serde(flatten)]
    report: PullReport,
}

pub async fn run(context: &Context, command: PullCommand) -> Result<(), BridgeError> {
    let PullCommand::Ghl { connection, json } = command;
    let mut store = Store::open(&context.db_path)?;
    let tokens = token_store(context);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let targets: Vec<_> = service::connections(&store)?
        .into_iter()
        .filter(|c| c.system == System::Ghl)
        .filter(|c| connection.as_deref().is_none_or(|name| c.name == name))
        .collect();
    if targets.is_empty() {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            match connection {
                Some(name) => format!("no GHL connection is named \"{name}\""),
                None => "no GHL connection yet: add one with `bridge connect ghl`".into(),
            },
        ));
    }
    // The pull writes the mirror and its cursor: not beside a sync of the same database.
    let lease =
        bridge_sync::lease::Lease::take(&store, "pull", bridge_sync::lease::DEFAULT_WAIT).await?;
    let mut results = Vec::new();
    for target in targets {
        let client = ghl_client(&target, tokens.clone(), clock.clone())?;
        let mut report =
            bridge_sync::pull::ghl::pull(&mut store, &target, &client, clock.as_ref()).await?;
        bridge_sync::pull::ghl_appointments::pull_appointments(
            &mut store,
            &target,
            &client,
            clock.as_ref(),
            &mut report,
        )
        .await?;
        if !json {
            print_report(&target.name, &report)?;
        }
        results.push(ConnectionPull {
            connection: target.name,
            report,
        });
    }
    lease.release(&store)?;
    if json {
        crate::output::print_json(&results)?;
    }
    Ok(())
}

fn print_report(name: &str, report: &PullReport) -> Result<(), BridgeError> {
    crate::output::line(&format!("{name}:"))?;
    crate::output::line(&format!(
        "  contacts: {} seen, {} new or changed",
        report.contacts_seen, report.contacts_changed
    ))?;
    crate::output::line(&format!(
        "  of those: {} tasks, {} notes, {} appointments",
        report.tasks, report.notes, report.appointments
    ))?;
    crate::output::line(&format!(
        "  requests: {} ({} search pages), 429s met: {}",
        report.requests, report.search_pages, report.rate_limited
    ))?;
    for problem in &report.problems {
        crate::output::line(&format!("  skipped: {problem}"))?;
    }
    Ok(())
}
