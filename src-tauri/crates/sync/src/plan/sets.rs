//! Sets merged element by element (a contact's tags): both sides' additions and removals
//! since the base are kept — an element is in the merge if both sides hold it, or if it is
//! new on either side; an element of the base one side removed is gone. GHL is written the
//! difference as add/remove deltas (its tags endpoints), never a replacement list, so a tag
//! GHL gained after the plan read it (an automation, another user) survives the write.

use std::collections::BTreeSet;

use bridge_core::json;
use bridge_core::mapping::{apply, FieldMapping, Flow};
use serde_json::{json, Value};

use super::record::{LineValues, RecordPlan};
use super::{FieldChange, Problem, RecordState, Side, Values};

/// The GHL field merged element by element.
pub(super) const TAGS: &str = "tags";

/// The line's elements, each side's set and the base, in canonical app terms.
fn elements(value: &Option<Value>) -> BTreeSet<String> {
    value
        .as_ref()
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The three-way merge of one set.
pub(super) fn merge(
    ghl: &BTreeSet<String>,
    app: &BTreeSet<String>,
    base: &BTreeSet<String>,
) -> BTreeSet<String> {
    ghl.union(app)
        .filter(|e| !base.contains(*e) || (ghl.contains(*e) && app.contains(*e)))
        .cloned()
        .collect()
}

fn as_value(set: &BTreeSet<String>) -> Option<Value> {
    (!set.is_empty()).then(|| Value::Array(set.iter().cloned().map(Value::String).collect()))
}

/// Plans a tags line of a record both sides hold: the merge is written to each side lacking
/// it (to GHL as deltas) and becomes the base.
pub(super) fn plan_set(
    line: &FieldMapping,
    record: &RecordState,
    values: &LineValues,
    planned: &mut RecordPlan,
    base: &mut Values,
) -> Result<(), Box<Problem>> {
    let (ghl, app) = (elements(&values.ghl), elements(&values.app));
    let merged = merge(&ghl, &app, &elements(&values.base));
    let merged_value = as_value(&merged);
    if merged != app {
        let after = merged_value.clone().unwrap_or(Value::Null);
        planned.to_app.push(FieldChange {
            field: line.app.clone(),
            before: values.app.clone(),
            after: after.clone(),
        });
        planned.settles_app.insert(line.app.clone(), after);
    }
    if merged != ghl {
        let held: Vec<String> =
            json::strings(record.ghl.as_ref().and_then(|g| g.values.get(&line.ghl)))
                .map(str::to_lowercase)
                .collect();
        // The merge in GHL's terms, through the line's transforms.
        let wanted: BTreeSet<String> = match &merged_value {
            Some(value) => {
                let ghl_value =
                    apply(&line.transforms, value, Flow::AppToGhl).map_err(|reason| {
                        Box::new(Problem {
                            local_id: record.local_id.clone(),
                            side: Side::App,
                            remote_id: record.app.as_ref().map(|a| a.remote_id.clone()),
                            field: line.app.clone(),
                            value: value.clone(),
                            reason,
                        })
                    })?;
                elements(&Some(ghl_value))
                    .into_iter()
                    .map(|t| t.to_lowercase())
                    .collect()
            }
            None => BTreeSet::new(),
        };
        let add: Vec<&String> = wanted.iter().filter(|t| !held.contains(t)).collect();
        let remove: Vec<&String> = held.iter().filter(|t| !wanted.contains(*t)).collect();
        if !add.is_empty() || !remove.is_empty() {
            planned.to_ghl.push(FieldChange {
                field: line.ghl.clone(),
                before: record
                    .ghl
                    .as_ref()
                    .and_then(|g| g.values.get(&line.ghl))
                    .cloned(),
                after: json!({ "add": add, "remove": remove }),
            });
            planned.settles_ghl.insert(
                line.app.clone(),
                merged_value.clone().unwrap_or(Value::Null),
            );
        }
    }
    match merged_value {
        Some(value) => base.insert(line.app.clone(), value),
        None => base.remove(&line.app),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn additions_and_removals_of_both_sides_are_kept() {
        let base = set(&["x", "y", "z"]);
        // GHL added b and removed y; the app added a and removed z.
        let merged = merge(&set(&["x", "z", "b"]), &set(&["x", "y", "a"]), &base);
        assert_eq!(merged, set(&["a", "b", "x"]));
        // Both added the same element: once.
        assert_eq!(merge(&set(&["n"]), &set(&["n"]), &set(&[])), set(&["n"]));
        // No base yet: everything either holds.
        assert_eq!(
            merge(&set(&["a"]), &set(&["b"]), &set(&[])),
            set(&["a", "b"])
        );
    }
}
