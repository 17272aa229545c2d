//! Manual-review conflicts of contact fields: kept until the operator settles them.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::remote_records::{self};
use bridge_store::table::{conflicts, links};
use bridge_store::Store;
use serde_json::{Map, Value};

use crate::plan::{self, Plan};

/// Keeps the plan's manual-review conflicts until the operator decides.
pub(super) fn record_conflicts(
    store: &Store,
    app_connection_id: &str,
    plan: &Plan,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    for conflict in &plan.conflicts {
        conflicts::open(
            store.conn(),
            &conflicts::ConflictRow {
                id: 0,
                connection_id: app_connection_id.to_string(),
                contact_id: conflict.local_id.clone(),
                field: conflict.field.clone(),
                base_value: json(&conflict.base),
                ghl_value: json(&conflict.ghl),
                app_value: json(&conflict.app),
            },
            clock.now(),
        )?;
    }
    Ok(())
}

/// Settles a conflict: the kept side's value becomes the one the next sync writes to the other
/// side. It sets the base to the other side's value, so only the kept side counts as changed.
/// It holds the sync lease like a sync (a running sync could otherwise settle the same base
/// from what it read before), and fails at once, naming the sync, while one runs.
pub fn resolve_conflict(
    store: &mut Store,
    id: i64,
    keep: plan::Side,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let lease = crate::lease::Lease::take_now(store, "conflict")?;
    let settled = settle(store, id, keep, clock);
    lease.release_after(store, settled)
}

fn settle(
    store: &mut Store,
    id: i64,
    keep: plan::Side,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let conflict = conflicts::get_open(store.conn(), id)?;
    let other = match keep {
        plan::Side::Ghl => &conflict.app_value,
        plan::Side::App => &conflict.ghl_value,
    };
    let value = match other {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            BridgeError::storage(format!("conflict {id}: a stored value is not JSON: {e}"))
        })?,
        None => Value::Null,
    };
    let now = clock.now();
    store.with_tx(|tx| {
        let settled: Map<String, Value> = [(conflict.field.clone(), value)].into_iter().collect();
        links::settle_base(
            tx,
            &conflict.connection_id,
            &conflict.contact_id,
            &settled,
            now,
        )?;
        remote_records::mark_dirty(tx, &conflict.connection_id, &conflict.contact_id)?;
        conflicts::resolve(
            tx,
            id,
            match keep {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            now,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::{ErrorCode, SystemClock};

    #[test]
    fn settling_a_conflict_waits_for_no_sync_and_writes_nothing_beside_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("bridge.db")).unwrap();
        let sync = crate::lease::Lease::take_now(&store, "cli").unwrap();
        let refused = resolve_conflict(&mut store, 1, plan::Side::Ghl, &SystemClock).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Conflict, "{}", refused.message);
        assert!(
            refused.message.contains("another sync is running"),
            "{}",
            refused.message
        );
        sync.release(&store).unwrap();
        // The lease is free: the conflict itself is looked up now (there is none).
        let missing = resolve_conflict(&mut store, 1, plan::Side::Ghl, &SystemClock).unwrap_err();
        assert_ne!(missing.code, ErrorCode::Conflict, "{}", missing.message);
        // And settling released the lease again.
        crate::lease::Lease::take_now(&store, "cli")
            .unwrap()
            .release(&store)
            .unwrap();
    }
}
