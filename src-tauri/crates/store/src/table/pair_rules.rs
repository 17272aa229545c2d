//! `pair_rules`: the operator's switchable workflows of each pair, off until switched on, with
//! their settings as JSON in the rule's own terms (the sync crate reads and checks them).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairRuleRow {
    pub pair_id: String,
    pub rule: String,
    pub enabled: bool,
    /// The rule's settings, JSON.
    pub config: String,
    /// When it was last switched on (`None`: never).
    pub enabled_at: Option<String>,
    pub updated_at: String,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<PairRuleRow> {
    Ok(PairRuleRow {
        pair_id: row.get(0)?,
        rule: row.get(1)?,
        enabled: row.get(2)?,
        config: row.get(3)?,
        enabled_at: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

/// Every stored rule of a pair (a rule never touched has no row: it is off, with defaults).
pub fn for_pair(conn: &Connection, pair_id: &str) -> Result<Vec<PairRuleRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT pair_id, rule, enabled, config, enabled_at, updated_at
               FROM pair_rules WHERE pair_id = ?1 ORDER BY rule",
        )
        .map_err(storage_error)?;
    let rows = stmt.query_map([pair_id], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Switches a rule on (stamping when, so it acts only on what comes after) or off.
pub fn set_enabled(
    conn: &Connection,
    pair_id: &str,
    rule: &str,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let now = timestamp(now);
    conn.execute_cached(
        "INSERT INTO pair_rules (pair_id, rule, enabled, enabled_at, updated_at)
         VALUES (?1, ?2, ?3, CASE WHEN ?3 THEN ?4 END, ?4)
         ON CONFLICT (pair_id, rule) DO UPDATE SET
             enabled = excluded.enabled,
             enabled_at = CASE WHEN excluded.enabled AND NOT pair_rules.enabled THEN ?4
                               ELSE pair_rules.enabled_at END,
             updated_at = ?4",
        params![pair_id, rule, enabled, now],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Replaces a rule's settings (leaving its switch as it is).
pub fn set_config(
    conn: &Connection,
    pair_id: &str,
    rule: &str,
    config: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO pair_rules (pair_id, rule, config, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (pair_id, rule) DO UPDATE SET config = excluded.config,
                                                   updated_at = excluded.updated_at",
        params![pair_id, rule, config, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn switching_on_stamps_the_first_time_only_and_settings_survive_the_switch() {
        let store = Store::open_in_memory().unwrap();
        let pair = ghl_connection(store.conn(), "Novi");
        set_config(store.conn(), &pair, "welcome", r#"{"note":"Hi"}"#, at(1)).unwrap();
        set_enabled(store.conn(), &pair, "welcome", true, at(2)).unwrap();
        set_enabled(store.conn(), &pair, "welcome", true, at(3)).unwrap();
        let rows = for_pair(store.conn(), &pair).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].enabled);
        assert_eq!(rows[0].config, r#"{"note":"Hi"}"#);
        assert_eq!(
            rows[0].enabled_at.as_deref(),
            Some(timestamp(at(2)).as_str())
        );
        set_enabled(store.conn(), &pair, "welcome", false, at(4)).unwrap();
        set_enabled(store.conn(), &pair, "welcome", true, at(5)).unwrap();
        let rows = for_pair(store.conn(), &pair).unwrap();
        assert_eq!(
            rows[0].enabled_at.as_deref(),
            Some(timestamp(at(5)).as_str())
        );
    }
}
