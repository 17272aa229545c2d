//! Carrying deletes from one side of a pair to the other: a per-pair switch ("carry deletes",
//! off by default) and the approval queue the operator decides on. A sync that sees a record
//! deleted on one side queues the delete of its counterpart here when the pair carries
//! deletes; nothing is deleted until the operator approves, and then only by the journal of
//! the kind's writer (contacts here, tasks, notes and activities in their engines).

use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{self, ConnectionRow};
use bridge_store::table::pending_deletes::{self, NewDelete, PendingDelete};
use bridge_store::Store;
use serde::Serialize;

/// The key of the switch in the app connection's settings.
pub const CARRY_DELETES: &str = "carryDeletes";

/// Whether the pair of this app connection carries deletes (off unless the operator turned
/// it on).
pub fn carries_deletes(app_connection: &ConnectionRow) -> bool {
    app_connection
        .settings
        .get(CARRY_DELETES)
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// Turns the pair's switch on or off; `pair` is the app connection's name.
pub fn set_carry_deletes(
    store: &Store,
    pair: &str,
    on: bool,
    clock: &dyn Clock,
) -> Result<ConnectionRow, BridgeError> {
    let connection = app_connection(store, pair)?;
    if on {
        if let Some(why) = crate::contact_deletes::refusal(connection.system) {
            return Err(BridgeError::invalid_input(format!(
                "\"{pair}\" cannot carry deletes: {why}"
            )));
        }
    }
    connections::set_setting(
        store.conn(),
        &connection.id,
        CARRY_DELETES,
        serde_json::Value::Bool(on),
        clock.now(),
    )?;
    connections::get(store.conn(), &connection.id)?
        .ok_or_else(|| BridgeError::internal(format!("connection \"{pair}\" vanished")))
}

fn app_connection(store: &Store, name: &str) -> Result<ConnectionRow, BridgeError> {
    connections::list(store.conn())?
        .into_iter()
        .find(|c| c.system != System::Ghl && c.name == name)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no app connection is named \"{name}\""),
            )
        })
}

/// Queues the delete of a record's counterpart when the pair carries deletes; returns the
/// queue id, or `None` when the switch is off (the caller then leaves the counterpart as it
/// is, or opens a review).
pub fn propose(
    conn: &bridge_store::Connection,
    pair: &ConnectionRow,
    delete: &NewDelete<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, BridgeError> {
    if !carries_deletes(pair) {
        return Ok(None);
    }
    pending_deletes::propose(conn, delete, now).map(Some)
}

/// A delete in the queue, with the pair's name for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteView {
    #[serde(flatten)]
    pub delete: PendingDelete,
    pub pair_name: String,
    /// The system the record would be deleted from.
    pub target_system: String,
}

/// The deletes waiting for the operator or approved and not yet carried, oldest first.
pub fn list(store: &Store) -> Result<Vec<DeleteView>, BridgeError> {
    let connections = connections::list(store.conn())?;
    let name_of = |id: &str| {
        connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| (c.name.clone(), c.system.display_name().to_string()))
            .unwrap_or_else(|| (id.to_string(), String::new()))
    };
    Ok(pending_deletes::list_open(store.conn())?
        .into_iter()
        .map(|delete| DeleteView {
            pair_name: name_of(&delete.pair_id).0,
            target_system: name_of(&delete.target_connection_id).1,
            delete,
        })
        .collect())
}

/// Approves a waiting delete: the next sync of its pair carries it.
pub fn approve(store: &Store, id: i64, clock: &dyn Clock) -> Result<PendingDelete, BridgeError> {
    pending_deletes::decide(store.conn(), id, "approved", clock.now())
}

/// Rejects a waiting delete: the counterpart stays as it is.
pub fn reject(store: &Store, id: i64, clock: &dyn Clock) -> Result<PendingDelete, BridgeError> {
    pending_deletes::decide(store.conn(), id, "rejected", clock.now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::FixedClock;
    use chrono::TimeZone;

    fn connection(store: &Store, system: System, name: &str) -> ConnectionRow {
        crate::test_support::offline_connection(
            store,
            system,
            name,
            chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        )
    }

    #[test]
    fn deletes_wait_only_where_the_pair_carries_them_and_are_decided_by_the_operator() {
        let store = Store::open_in_memory().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap());
        let ghl = connection(&store, System::Ghl, "Main");
        let novi = connection(&store, System::Novi, "Novi");
        let delete = NewDelete {
            pair_id: &novi.id,
            object_kind: "contact",
            contact_id: None,
            deleted_in: "ghl",
            target_connection_id: &novi.id,
            target_remote_id: "m1",
            summary: "Ada Lovelace <ada@example.com>",
        };
        assert!(!carries_deletes(&novi), "off by default");
        assert_eq!(
            propose(store.conn(), &novi, &delete, clock.0).unwrap(),
            None
        );
        assert!(list(&store).unwrap().is_empty());

        let novi = set_carry_deletes(&store, "Novi", true, &clock).unwrap();
        assert!(carries_deletes(&novi));
        let id = propose(store.conn(), &novi, &delete, clock.0)
            .unwrap()
            .unwrap();
        let listed = list(&store).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].pair_name, "Novi");
        assert_eq!(listed[0].target_system, "Novi AMS");
        assert_eq!(listed[0].delete.state, "waiting");
        assert_eq!(approve(&store, id, &clock).unwrap().state, "approved");
        assert_eq!(
            reject(&store, id, &clock).unwrap_err().code,
            ErrorCode::Conflict
        );
        assert_eq!(
            set_carry_deletes(&store, "Main", true, &clock)
                .unwrap_err()
                .code,
            ErrorCode::NotFound,
            "GHL is not a pair"
        );
        let _ = ghl;
    }

    #[test]
    fn the_carry_is_refused_where_the_api_documents_no_contact_delete() {
        let store = Store::open_in_memory().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap());
        for (system, name, why) in [
            (
                System::Connectif,
                "Shop",
                "documents no delete of a contact",
            ),
            (System::NiftyImages, "Images", "no read of a data store"),
        ] {
            let app = connection(&store, system, name);
            let refused = set_carry_deletes(&store, name, true, &clock).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidInput);
            assert!(refused.message.contains(why), "{}", refused.message);
            assert!(!carries_deletes(&app));
            assert!(!carries_deletes(
                &set_carry_deletes(&store, name, false, &clock).unwrap()
            ));
        }
        for (system, name) in [
            (System::Ninox, "Table"),
            (System::Novi, "Members"),
            (System::Nifty, "Projects"),
        ] {
            connection(&store, system, name);
            assert!(carries_deletes(
                &set_carry_deletes(&store, name, true, &clock).unwrap()
            ));
        }
    }
}
