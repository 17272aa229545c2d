//! Which pairs exist: one GHL location + one app connection each (DESIGN.md, "Pair").
//!
//! The design, simplest that keeps the rule: an app connection belongs to exactly one pair, so
//! the pair's id is the app connection's id and everything already keyed by the app connection
//! (links, the mirror of the app's records and activities, cursors, conflicts, reviews,
//! problems, pending deletes, journal rows) is keyed by the pair. Contacts are keyed by their
//! GHL connection, so a person in two locations is two contacts. What the `pairs` table adds is
//! the binding app connection → GHL connection: every place that needs "the hub" asks for the
//! pair's location here. An app connection with no binding is bound to the only location when
//! there is exactly one; with several, the operator chooses (`bridge pair set`, the
//! Connections page) and a sync says so plainly.

use bridge_core::{BridgeError, ErrorCode, System};
use bridge_store::table::connections::{self, ConnectionRow};
use bridge_store::table::pairs::{self, Forgotten};
use bridge_store::Store;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::lease::Lease;

/// One app connection and the location it syncs with.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PairView {
    /// The app connection's id (the pair's id).
    pub app_id: String,
    pub app_name: String,
    pub app_system: System,
    /// The GHL connection's id and name; `None` while the pair waits for the operator's choice.
    pub ghl_id: Option<String>,
    pub ghl_name: Option<String>,
    /// App records linked to contacts of that location.
    pub links: u32,
}

/// A GHL location and the app connections paired with it, in the order they were connected.
#[derive(Debug, Clone)]
pub struct Location {
    pub ghl: ConnectionRow,
    pub apps: Vec<ConnectionRow>,
}

/// Binds app connections without a pair to the only location (when there is exactly one).
pub fn bind_defaults(store: &Store, now: DateTime<Utc>) -> Result<(), BridgeError> {
    pairs::bind_to_only_location(store.conn(), now).map(|_| ())
}

/// Every app connection with its location (binding the unbound ones to the only location).
pub fn list(store: &Store, now: DateTime<Utc>) -> Result<Vec<PairView>, BridgeError> {
    bind_defaults(store, now)?;
    let all = connections::list(store.conn())?;
    let name_of = |id: &str| all.iter().find(|c| c.id == id).map(|c| c.name.clone());
    all.iter()
        .filter(|c| c.system != System::Ghl)
        .map(|app| {
            let ghl_id = pairs::get(store.conn(), &app.id)?.map(|p| p.ghl_connection_id);
            Ok(PairView {
                app_id: app.id.clone(),
                app_name: app.name.clone(),
                app_system: app.system,
                ghl_name: ghl_id.as_deref().and_then(name_of),
                ghl_id,
                links: u32::try_from(pairs::count_links(store.conn(), &app.id)?)
                    .unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// The GHL location app connection `app` syncs with, or a sentence saying how to choose one.
pub fn location_of(store: &Store, app: &ConnectionRow) -> Result<ConnectionRow, BridgeError> {
    if let Some(pair) = pairs::get(store.conn(), &app.id)? {
        return connections::get(store.conn(), &pair.ghl_connection_id)?.ok_or_else(|| {
            BridgeError::internal(format!(
                "the pair of \"{}\" names a GHL connection that no longer exists",
                app.name
            ))
        });
    }
    let ghl: Vec<ConnectionRow> = connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Ghl)
        .collect();
    match ghl.as_slice() {
        [] => Err(BridgeError::new(
            ErrorCode::NotFound,
            "no GHL connection: add one with `bridge connect ghl`",
        )),
        // Not bound yet (a database written before this app was paired): the only location.
        [only] => Ok(only.clone()),
        several => Err(BridgeError::invalid_input(format!(
            "\"{}\" is paired with no GHL location yet, and there are {}: {}. Choose one with `bridge pair set \"{}\" --ghl NAME` (or on the Connections page)",
            app.name,
            several.len(),
            several
                .iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect::<Vec<_>>()
                .join(", "),
            app.name
        ))),
    }
}

/// The GHL location of the pair whose id (its app connection's id) is `pair_id`.
pub fn location_of_pair(store: &Store, pair_id: &str) -> Result<ConnectionRow, BridgeError> {
    let app = connections::get(store.conn(), pair_id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no app connection has the id {pair_id}"),
        )
    })?;
    location_of(store, &app)
}

/// App connections waiting for the operator's choice of location, each with its sentence.
pub type Unbound = Vec<(String, BridgeError)>;

/// The locations to sync and their pairs: every location, or the one `ghl` names; every app
/// connection, or the one `app` names. App connections waiting for the operator's choice of
/// location come back apart, each with its sentence, so the others still sync.
pub fn to_sync(
    store: &Store,
    ghl: Option<&str>,
    app: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Vec<Location>, Unbound), BridgeError> {
    bind_defaults(store, now)?;
    let all = connections::list(store.conn())?;
    let mut locations: Vec<Location> = all
        .iter()
        .filter(|c| c.system == System::Ghl && ghl.is_none_or(|n| c.name == n))
        .map(|g| Location {
            ghl: g.clone(),
            apps: Vec::new(),
        })
        .collect();
    if let Some(name) = ghl.filter(|_| locations.is_empty()) {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("no GHL connection is named \"{name}\""),
        ));
    }
    let mut unbound = Vec::new();
    for connection in all
        .iter()
        .filter(|c| c.system != System::Ghl && app.is_none_or(|n| c.name == n))
    {
        match pairs::get(store.conn(), &connection.id)? {
            Some(pair) => {
                if let Some(location) = locations
                    .iter_mut()
                    .find(|l| l.ghl.id == pair.ghl_connection_id)
                {
                    location.apps.push(connection.clone());
                }
            }
            // A narrowed sync (`--ghl`) does not name the app connections of no location.
            None if ghl.is_none() => {
                if let Err(e) = location_of(store, connection) {
                    unbound.push((connection.name.clone(), e));
                }
            }
            None => {}
        }
    }
    locations.retain(|l| !l.apps.is_empty());
    Ok((locations, unbound))
}

/// What moving a pair did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PairMoved {
    pub app_name: String,
    pub ghl_name: String,
    /// `None` when nothing had to be dropped (a new pair, or one without links).
    pub forgotten: Option<ForgottenView>,
    /// Unfinished journal rows and dead letters dropped.
    pub journal_rows: u32,
    /// What happened, in one plain sentence ([`PairMoved::sentence`]).
    pub message: String,
}

/// What a move dropped, for the operator (see [`pairs::forget_location_state`]).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ForgottenView {
    pub links: u32,
    pub app_records: u32,
    pub app_activities: u32,
    pub conflicts: u32,
    pub reviews: u32,
    pub problems: u32,
    pub pending_deletes: u32,
}

impl From<Forgotten> for ForgottenView {
    fn from(f: Forgotten) -> Self {
        let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            links: n(f.links),
            app_records: n(f.app_records),
            app_activities: n(f.app_activities),
            conflicts: n(f.conflicts),
            reviews: n(f.reviews),
            problems: n(f.problems),
            pending_deletes: n(f.pending_deletes),
        }
    }
}

impl PairMoved {
    /// One plain sentence for the operator.
    pub fn sentence(&self) -> String {
        match &self.forgotten {
            None => format!(
                "\"{}\" now syncs with the GHL location \"{}\".",
                self.app_name, self.ghl_name
            ),
            Some(f) => format!(
                "\"{}\" now syncs with the GHL location \"{}\". Dropped: {} links to the old location's contacts, the local copy of {} app records and {} app tasks, notes or appointments (the next sync reads the app again), {} open conflicts, {} reviews, {} problems, {} deletes waiting for approval and {} unfinished or dead writes. The app's records and the old location's contacts are untouched; the mapping and the run history stay.",
                self.app_name,
                self.ghl_name,
                f.links,
                f.app_records,
                f.app_activities,
                f.conflicts,
                f.reviews,
                f.problems,
                f.pending_deletes,
                self.journal_rows
            ),
        }
    }
}

/// Binds the app connection named `app` to the GHL location named `ghl`. A pair that has links
/// to its current location's contacts moves only with `forget_links`, which drops them and
/// everything else tied to that location (see [`PairMoved::sentence`]); without it, a plain
/// refusal. Holds the sync lease (fails at once while a sync runs).
pub fn set(
    store: &mut Store,
    app: &str,
    ghl: &str,
    forget_links: bool,
    now: DateTime<Utc>,
) -> Result<PairMoved, BridgeError> {
    let all = connections::list(store.conn())?;
    let app_row = all
        .iter()
        .find(|c| c.system != System::Ghl && c.name == app)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no app connection is named \"{app}\" (see `bridge pair list`)"),
            )
        })?;
    let ghl_row = all
        .iter()
        .find(|c| c.system == System::Ghl && c.name == ghl)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no GHL connection is named \"{ghl}\" (see `bridge pair list`)"),
            )
        })?;
    let lease = Lease::take_now(store, "pair")?;
    let moved = store.with_tx(|tx| {
        // The location it syncs with: its binding, or (not bound yet) where its links point.
        let current = match pairs::get(tx, &app_row.id)? {
            Some(pair) => Some(pair.ghl_connection_id),
            None => pairs::linked_location(tx, &app_row.id)?,
        };
        let moving = current.as_ref().is_some_and(|id| *id != ghl_row.id);
        let links = pairs::count_links(tx, &app_row.id)?;
        let mut moved = PairMoved {
            app_name: app_row.name.clone(),
            ghl_name: ghl_row.name.clone(),
            forgotten: None,
            journal_rows: 0,
            message: String::new(),
        };
        if moving && links > 0 {
            if !forget_links {
                let from = current
                    .as_ref()
                    .and_then(|id| all.iter().find(|c| c.id == *id))
                    .map_or_else(|| "another location".to_string(), |c| format!("\"{}\"", c.name));
                return Err(BridgeError::invalid_input(format!(
                    "\"{}\" was not moved: {links} of its records are linked to contacts of {from}. Moving it to \"{}\" drops those links (the next sync matches the app's records to \"{}\"'s contacts by email and phone, creating the ones it lacks); run it again with --forget-links to do so.",
                    app_row.name, ghl_row.name, ghl_row.name
                )));
            }
            moved.forgotten = Some(pairs::forget_location_state(tx, &app_row.id)?.into());
            moved.journal_rows = u32::try_from(crate::journal::forget_pair(tx, &app_row.id)?)
                .unwrap_or(u32::MAX);
        } else if moving {
            // No links yet: only cursors and the journal can name the old location.
            pairs::forget_location_state(tx, &app_row.id)?;
            moved.journal_rows = u32::try_from(crate::journal::forget_pair(tx, &app_row.id)?)
                .unwrap_or(u32::MAX);
        }
        pairs::set(tx, &app_row.id, &ghl_row.id, now)?;
        moved.message = moved.sentence();
        if moving && welcome_off(tx, &app_row.id, now)? {
            moved.message.push_str(&format!(
                " Its welcome rule was switched off: every contact of \"{}\" would be new to it; \
                 switch it on again after the first sync.",
                ghl_row.name
            ));
        }
        Ok(moved)
    });
    lease.release_after(store, moved)
}

/// Switches a moving pair's welcome rule off (its settings stay): it greets the contacts first
/// seen after it was switched on, and the new location's are all first seen by the next sync.
/// Whether it was on.
fn welcome_off(
    conn: &bridge_store::Connection,
    pair_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let name = crate::rules::RuleName::Welcome.as_str();
    let was_on = bridge_store::table::pair_rules::for_pair(conn, pair_id)?
        .iter()
        .any(|r| r.rule == name && r.enabled);
    if was_on {
        bridge_store::table::pair_rules::set_enabled(conn, pair_id, name, false, now)?;
    }
    Ok(was_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::offline_connection;
    use bridge_store::table::pair_rules;
    use chrono::TimeZone;

    #[test]
    fn a_pair_that_moves_switches_its_welcome_rule_off_and_keeps_its_settings() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        offline_connection(&store, System::Ghl, "North", now);
        offline_connection(&store, System::Ghl, "South", now);
        let app = offline_connection(&store, System::Ninox, "Table", now);
        set(&mut store, "Table", "North", false, now).unwrap();
        let conn = store.conn();
        pair_rules::set_config(conn, &app.id, "welcome", r#"{"note":"Hi"}"#, now).unwrap();
        pair_rules::set_enabled(conn, &app.id, "welcome", true, now).unwrap();
        pair_rules::set_enabled(conn, &app.id, "summary", true, now).unwrap();

        let stayed = set(&mut store, "Table", "North", false, now).unwrap();
        assert!(!stayed.message.contains("welcome"), "{}", stayed.message);
        let moved = set(&mut store, "Table", "South", false, now).unwrap();
        assert!(
            moved.message.contains("welcome rule was switched off"),
            "{}",
            moved.message
        );
        let rules = pair_rules::for_pair(store.conn(), &app.id).unwrap();
        let rule = |name: &str| rules.iter().find(|r| r.rule == name).unwrap();
        assert!(!rule("welcome").enabled);
        assert_eq!(rule("welcome").config, r#"{"note":"Hi"}"#);
        assert!(
            rule("summary").enabled,
            "the summary rule names no contact to greet"
        );
    }
}
