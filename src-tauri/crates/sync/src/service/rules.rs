//! The pairs' rules, as the CLI (`bridge rules`) and the window's Rules tab change them.

use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::Store;

pub use crate::rules::{RuleName, RuleView};

/// The app connection named `pair` (a pair is named by its app connection).
fn pair(store: &Store, pair: &str) -> Result<ConnectionRow, BridgeError> {
    let connection = super::connection_named(store, pair)?;
    if connection.system == System::Ghl {
        return Err(BridgeError::new(
            ErrorCode::InvalidInput,
            format!(
                "\"{pair}\" is a GHL location; rules belong to a pair: name its app connection"
            ),
        ));
    }
    Ok(connection)
}

/// Every rule of the pair, on or off, with its settings.
pub fn rules(store: &Store, pair_name: &str) -> Result<Vec<RuleView>, BridgeError> {
    crate::rules::list(store, &pair(store, pair_name)?)
}

/// Switches one rule of the pair on or off.
pub fn switch_rule(
    store: &Store,
    pair_name: &str,
    rule: &str,
    on: bool,
    clock: &dyn Clock,
) -> Result<RuleView, BridgeError> {
    let name = RuleName::parse(rule)?;
    crate::rules::switch(store, &pair(store, pair_name)?, name, on, clock)
}

/// Replaces one rule's settings (JSON in the rule's terms; `bridge rules list --json` shows
/// them).
pub fn set_rule(
    store: &Store,
    pair_name: &str,
    rule: &str,
    settings: &str,
    clock: &dyn Clock,
) -> Result<RuleView, BridgeError> {
    let name = RuleName::parse(rule)?;
    crate::rules::configure(store, &pair(store, pair_name)?, name, settings, clock)
}
