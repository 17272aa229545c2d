//! Values a target refused for good, left out of the plan until they change: sending them
//! again would only meet the same refusal.

use bridge_core::BridgeError;
use bridge_store::table::operations;

use super::{intent, Payload, Targets};
use crate::journal;
use crate::plan::{Plan, Side};

/// Leaves out of the plan each field value the target refused for good (the newest write of
/// the same intent is a dead letter carrying that field with that value): sending it again
/// would meet the same refusal, one more dead letter per sync. The field waits, its base kept,
/// until its value changes or the operator retries the dead letter; the record's other fields
/// go on.
pub(crate) fn hold_back_refused(
    store: &bridge_store::Connection,
    targets: &Targets<'_>,
    mapping: &bridge_core::mapping::Mapping,
    plan: &mut Plan,
) -> Result<(), BridgeError> {
    let mut kept = Vec::with_capacity(plan.operations.len());
    for mut op in std::mem::take(&mut plan.operations) {
        let refused = match operations::latest_by_intent(store, &intent(targets, &op).key())? {
            Some(row) if row.state == "dead" => journal::payload::<Payload>(&row)
                .map(|dead| dead.changes)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        op.changes.retain(|change| {
            let held = refused
                .iter()
                .any(|r| r.field == change.field && r.after == change.after);
            if held {
                // The field in app terms (a GHL write names GHL's field).
                let app_field = match op.target {
                    Side::App => Some(change.field.clone()),
                    Side::Ghl => mapping
                        .fields
                        .iter()
                        .find(|l| l.ghl == change.field)
                        .map(|l| l.app.clone()),
                };
                if let Some(field) = app_field {
                    op.settles.remove(&field);
                    plan.held_back
                        .entry(op.local_id.clone())
                        .or_default()
                        .insert(field);
                }
            }
            !held
        });
        if !op.changes.is_empty() {
            kept.push(op);
        }
    }
    plan.operations = kept;
    Ok(())
}
