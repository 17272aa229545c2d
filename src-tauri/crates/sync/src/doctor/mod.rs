//! `bridge doctor` and the window's Test button: for every capability of a connection, one
//! cheap request proves its scope and prerequisites. Each failure is one plain sentence saying
//! what to do in that app. Results are stored (`connection_checks`), and a sync refuses a
//! capability whose last check failed, naming it, while the rest of the pair syncs.
//!
//! One file per app; each answers `checks(connection, tokens, clock, fix)`. `fix` lets a check
//! repair what the app's API can create (Connectif's custom event types) instead of only
//! naming it.

mod capabilities;
mod connectif;
mod ghl;
mod nifty;
mod niftyimages;
mod ninox;
mod novi;

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connection_checks;
use bridge_store::table::connections::{self, ConnectionRow};
use bridge_store::Store;
use serde::Serialize;

pub use capabilities::Capabilities;

/// One capability's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked, in the operator's words: "contacts", "tasks", "appointments",
    /// "event type ghl-task", "tag options"…
    pub capability: String,
    pub ok: bool,
    /// What was proven, or one sentence saying what to do in the app.
    pub message: String,
}

impl Check {
    pub fn ok(capability: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            capability: capability.into(),
            ok: true,
            message: message.into(),
        }
    }

    pub fn failed(capability: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            capability: capability.into(),
            ok: false,
            message: message.into(),
        }
    }

    /// The sign-in itself failed: `what_to_do`, then the app's own words. No other check of
    /// the connection can run.
    pub fn sign_in_failed(error: &BridgeError, what_to_do: &str) -> Self {
        Self::failed("sign-in", format!("{what_to_do} ({})", error.message))
    }

    /// The result of one probe: OK with `proven`, or failed with the app's own words after
    /// `what_to_do`.
    pub fn from_probe<T>(
        capability: &str,
        result: Result<T, BridgeError>,
        proven: &str,
        what_to_do: &str,
    ) -> Self {
        match result {
            Ok(_) => Self::ok(capability, proven),
            Err(e) => Self::failed(capability, format!("{what_to_do} ({})", e.message)),
        }
    }
}

/// The checks of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub connection: String,
    pub system: System,
    pub checks: Vec<Check>,
}

impl ConnectionReport {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// Checks every connection (or the one named), stores the results and returns them.
pub async fn doctor(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    name: Option<&str>,
    fix: bool,
) -> Result<Vec<ConnectionReport>, BridgeError> {
    let chosen: Vec<ConnectionRow> = connections::list(store.conn())?
        .into_iter()
        .filter(|c| name.is_none_or(|n| c.name == n))
        .collect();
    if let (Some(n), true) = (name, chosen.is_empty()) {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("no connection is named \"{n}\""),
        ));
    }
    let mut reports = Vec::with_capacity(chosen.len());
    for connection in chosen {
        let checks = checks(store, &connection, tokens.clone(), clock.clone(), fix).await?;
        let rows: Vec<(String, bool, String)> = checks
            .iter()
            .map(|c| (c.capability.clone(), c.ok, c.message.clone()))
            .collect();
        connection_checks::record(store.conn(), &connection.id, &rows, clock.now())?;
        reports.push(ConnectionReport {
            connection: connection.name.clone(),
            system: connection.system,
            checks,
        });
    }
    Ok(reports)
}

async fn checks(
    store: &Store,
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    fix: bool,
) -> Result<Vec<Check>, BridgeError> {
    Ok(match connection.system {
        System::Ghl => ghl::checks(connection, tokens, clock).await,
        System::Novi => novi::checks(connection, tokens).await,
        System::Ninox => {
            let wanted = ninox::Wanted {
                mapping: crate::pair::contact_mapping(store, connection)?,
                ghl_tags: bridge_store::table::contacts::tags_in_use(store.conn())?,
            };
            ninox::checks(connection, tokens, &wanted).await
        }
        System::Connectif => connectif::checks(store, connection, tokens, fix).await,
        System::NiftyImages => niftyimages::checks(store, connection, tokens).await,
        System::Nifty => nifty::checks(connection, tokens, clock).await,
    })
}

/// The capabilities of `connection` whose last check failed, each with its sentence: a sync
/// leaves them out and says so.
pub fn refused_capabilities(
    store: &Store,
    connection: &ConnectionRow,
) -> Result<Vec<Check>, BridgeError> {
    Ok(connection_checks::failed(store.conn(), &connection.id)?
        .into_iter()
        .map(|row| Check::failed(row.capability, row.message))
        .collect())
}
