//! The plan: a pure function of (what was last synced, what each side holds now, the mapping,
//! the time) → the writes that bring both sides in step, each with before, after and reason.
//!
//! Per field it is a three-way comparison in the app's terms (GHL values go through the line's
//! transforms first): `base` is the value both sides agreed on after the last sync.
//! - only one side moved away from the base → that side's value is written to the other;
//! - both moved to different values → a conflict, settled by the line's owner (GHL, the app,
//!   the newest change) or left for manual review, where neither side is written;
//! - neither moved, or both moved to the same value → nothing.
//!
//! Our own writes come back as "changes" on the next pull; since the base is set to what we
//! wrote, they equal the base and plan nothing (echo suppression). The circuit breaker refuses a
//! plan that would overwrite or delete more than a set share of the records.

use std::collections::BTreeMap;

use bridge_core::mapping::{apply, Direction, FieldMapping, Flow, Mapping, Owner};
use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Field values by field name, in the terms of the system that holds them.
pub type Values = BTreeMap<String, Value>;

/// One record as one system holds it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub remote_id: String,
    pub values: Values,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A local contact and what each side holds of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordState {
    pub local_id: String,
    pub ghl: Option<Snapshot>,
    pub app: Option<Snapshot>,
    /// The app-side values both sides agreed on after the last sync (empty: never synced).
    pub base: Values,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Ghl,
    App,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// The field in the target system's terms.
    pub field: String,
    pub before: Option<Value>,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub target: Side,
    pub action: Action,
    pub local_id: String,
    /// The record written to; `None` for a create.
    pub remote_id: Option<String>,
    pub changes: Vec<FieldChange>,
    pub reason: String,
    /// The base values (app terms; null = none) that hold once this operation is done. Kept
    /// per operation so a plan applied halfway records agreement only where it exists.
    #[serde(skip)]
    pub settles: Values,
    /// When the source record last changed (its `updated_at`): the same change planned again
    /// after a crash carries the same version, a later change of the same values does not.
    #[serde(skip)]
    pub source_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub local_id: String,
    /// The app field of the line.
    pub field: String,
    pub base: Option<Value>,
    /// GHL's value, in the app's terms.
    pub ghl: Option<Value>,
    pub app: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub operations: Vec<Operation>,
    /// Left for manual review: neither side is written.
    pub conflicts: Vec<Conflict>,
    /// Per record, the base once every operation of the plan is applied.
    #[serde(skip)]
    pub next_base: BTreeMap<String, Values>,
}

/// The circuit breaker: a plan may overwrite at most this share of the records on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    pub max_overwrite_share: f64,
    /// Plans this small always pass (a share of 3 records means nothing).
    pub min_records: usize,
    /// How many records the pair holds: the share is measured against them (at least the
    /// planned ones), not against the few a sync happens to look at.
    pub population: usize,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            max_overwrite_share: 0.2,
            min_records: 20,
            population: 0,
        }
    }
}

/// Plans one pair's contacts. Fails only when the breaker trips or a value cannot be
/// transformed (the error names the record and field).
pub fn plan(
    mapping: &Mapping,
    records: &[RecordState],
    breaker: Breaker,
) -> Result<Plan, BridgeError> {
    let mut result = Plan::default();
    for record in records {
        plan_record(mapping, record, &mut result)?;
    }
    check_breaker(&result, records, breaker)?;
    result
        .operations
        .sort_by(|a, b| (a.target, &a.local_id).cmp(&(b.target, &b.local_id)));
    Ok(result)
}

fn plan_record(
    mapping: &Mapping,
    record: &RecordState,
    plan: &mut Plan,
) -> Result<(), BridgeError> {
    let mut to_app = Vec::new();
    let mut to_ghl = Vec::new();
    let mut settles_app = Values::new();
    let mut settles_ghl = Values::new();
    let mut base = record.base.clone();
    for line in &mapping.fields {
        let ghl_value = match &record.ghl {
            Some(ghl) => Some(
                apply(
                    &line.transforms,
                    ghl.values.get(&line.ghl).unwrap_or(&Value::Null),
                    Flow::GhlToApp,
                )
                .map_err(|e| field_error(record, &line.ghl, &e))?,
            )
            .and_then(|v| canonical(line, v)),
            None => None,
        };
        // The app's value in canonical form: through the line's transforms to GHL and back,
        // so "(512) 555-0123" and "+15125550123" are one value under a phone line. A value
        // the transforms cannot read is compared as it is.
        let app_value = record
            .app
            .as_ref()
            .and_then(|app| app.values.get(&line.app))
            .filter(|v| !v.is_null())
            .map(|raw| {
                apply(&line.transforms, raw, Flow::AppToGhl)
                    .and_then(|ghl| apply(&line.transforms, &ghl, Flow::GhlToApp))
                    .unwrap_or_else(|_| raw.clone())
            })
            .and_then(|v| canonical(line, v));
        let base_value = record
            .base
            .get(&line.app)
            .cloned()
            .and_then(|v| canonical(line, v));
        let ghl_moved = record.ghl.is_some() && ghl_value != base_value;
        let app_moved = record.app.is_some() && app_value != base_value;
        let may_write_app = line.direction != Direction::AppToGhl;
        let may_write_ghl = line.direction != Direction::GhlToApp;

        let winner = match (ghl_moved, app_moved) {
            _ if ghl_value == app_value => None,
            (true, false) => Some(Side::Ghl),
            (false, true) => Some(Side::App),
            (false, false) => None,
            (true, true) => match line.owner {
                Owner::Ghl => Some(Side::Ghl),
                Owner::App => Some(Side::App),
                Owner::Newest => Some(newest(record)),
                Owner::Manual => {
                    plan.conflicts.push(Conflict {
                        local_id: record.local_id.clone(),
                        field: line.app.clone(),
                        base: base_value.clone(),
                        ghl: ghl_value.clone(),
                        app: app_value.clone(),
                    });
                    continue;
                }
            },
        };
        match winner {
            // A cleared value is written as a clear (null); a record being created gets only
            // the values that exist.
            Some(Side::Ghl) if may_write_app => {
                if ghl_value.is_some() || app_value.is_some() {
                    to_app.push(FieldChange {
                        field: line.app.clone(),
                        before: app_value.clone(),
                        after: ghl_value.clone().unwrap_or(Value::Null),
                    });
                    settles_app.insert(line.app.clone(), ghl_value.clone().unwrap_or(Value::Null));
                }
                set_base(&mut base, &line.app, ghl_value.clone());
            }
            Some(Side::App) if may_write_ghl => {
                let ghl_before = record
                    .ghl
                    .as_ref()
                    .and_then(|g| g.values.get(&line.ghl))
                    .cloned();
                if app_value.is_some() || ghl_value.is_some() {
                    let ghl_after = match &app_value {
                        Some(value) => apply(&line.transforms, value, Flow::AppToGhl)
                            .map_err(|e| field_error(record, &line.app, &e))?,
                        None => Value::Null,
                    };
                    to_ghl.push(FieldChange {
                        field: line.ghl.clone(),
                        before: ghl_before,
                        after: ghl_after,
                    });
                    settles_ghl.insert(line.app.clone(), app_value.clone().unwrap_or(Value::Null));
                }
                set_base(&mut base, &line.app, app_value.clone());
            }
            // The winner's value may not travel this line's way: the sides stay apart.
            Some(_) => {}
            None => {
                if ghl_value == app_value {
                    set_base(&mut base, &line.app, app_value.clone());
                }
            }
        }
    }
    push_operation(plan, record, Side::App, to_app, settles_app);
    push_operation(plan, record, Side::Ghl, to_ghl, settles_ghl);
    plan.next_base.insert(record.local_id.clone(), base);
    Ok(())
}

/// One form per value: nothing (null, "" or []) is `None`, and tags are a sorted lowercase
/// set, so apps that store them in another order or case, or hold "no tags" as null, agree
/// with GHL.
fn canonical(line: &FieldMapping, value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(text) if text.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        // GHL keeps tags lowercase; an app's "VIP" option is GHL's "vip".
        Value::Array(items) if line.ghl == "tags" => {
            let mut tags: Vec<String> = items
                .iter()
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_lowercase))
                .collect();
            tags.sort();
            tags.dedup();
            Some(Value::Array(tags.into_iter().map(Value::String).collect()))
        }
        other => Some(other),
    }
}

fn set_base(base: &mut Values, field: &str, value: Option<Value>) {
    match value {
        Some(value) => base.insert(field.to_string(), value),
        None => base.remove(field),
    };
}

fn push_operation(
    plan: &mut Plan,
    record: &RecordState,
    target: Side,
    mut changes: Vec<FieldChange>,
    settles: Values,
) {
    let existing = match target {
        Side::Ghl => record.ghl.as_ref(),
        Side::App => record.app.as_ref(),
    };
    if existing.is_none() {
        // Nothing to clear in a record that does not exist yet.
        changes.retain(|change| !change.after.is_null());
    }
    if changes.is_empty() {
        return;
    }
    let source = match target {
        Side::Ghl => "the app",
        Side::App => "GHL",
    };
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    plan.operations.push(Operation {
        target,
        action: if existing.is_some() {
            Action::Update
        } else {
            Action::Create
        },
        local_id: record.local_id.clone(),
        remote_id: existing.map(|s| s.remote_id.clone()),
        reason: match existing {
            Some(_) => format!("{} changed in {source}", fields.join(", ")),
            None => format!("exists only in {source}"),
        },
        changes,
        settles,
        source_version: match target {
            Side::Ghl => record.app.as_ref(),
            Side::App => record.ghl.as_ref(),
        }
        .and_then(|source| source.updated_at)
        .map(|at| at.to_rfc3339()),
    });
}

fn newest(record: &RecordState) -> Side {
    let ghl = record.ghl.as_ref().and_then(|s| s.updated_at);
    let app = record.app.as_ref().and_then(|s| s.updated_at);
    // Ties and unknown times go to GHL, the hub.
    if app > ghl {
        Side::App
    } else {
        Side::Ghl
    }
}

fn field_error(record: &RecordState, field: &str, message: &str) -> BridgeError {
    BridgeError::invalid_input(format!(
        "contact {}: field {field}: {message}",
        record.local_id
    ))
}

fn check_breaker(
    plan: &Plan,
    records: &[RecordState],
    breaker: Breaker,
) -> Result<(), BridgeError> {
    let population = breaker.population.max(records.len());
    if population < breaker.min_records {
        return Ok(());
    }
    for side in [Side::Ghl, Side::App] {
        let overwrites = plan
            .operations
            .iter()
            .filter(|op| op.target == side && op.action == Action::Update)
            .count();
        let share = overwrites as f64 / population as f64;
        if share > breaker.max_overwrite_share {
            return Err(BridgeError::new(
                bridge_core::ErrorCode::Conflict,
                format!(
                    "the plan would overwrite {overwrites} of {} records in {} ({:.0}%, above the \
                     {:.0}% limit): check the mapping, or allow it with `bridge sync --max-overwrite PERCENT`",
                    population,
                    match side {
                        Side::Ghl => "GHL",
                        Side::App => "the app",
                    },
                    share * 100.0,
                    breaker.max_overwrite_share * 100.0
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::mapping::{FieldMapping, ObjectKind, Transform};
    use chrono::TimeZone;
    use serde_json::json;

    fn mapping(owner: Owner) -> Mapping {
        let line = |ghl: &str, app: &str, transforms| FieldMapping {
            ghl: ghl.into(),
            app: app.into(),
            direction: Direction::Both,
            owner,
            transforms,
        };
        Mapping {
            object: ObjectKind::Contact,
            fields: vec![
                line("email", "Email", vec![Transform::Trim, Transform::Lower]),
                line("firstName", "FirstName", vec![]),
                line("lastName", "LastName", vec![]),
            ],
        }
    }

    fn at(hour: u32) -> Option<DateTime<Utc>> {
        Utc.with_ymd_and_hms(2026, 11, 1, hour, 0, 0).single()
    }

    fn snapshot(id: &str, values: Value, hour: u32) -> Snapshot {
        let values = values
            .as_object()
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default();
        Snapshot {
            remote_id: id.into(),
            values,
            updated_at: at(hour),
        }
    }

    fn synced() -> RecordState {
        RecordState {
            local_id: "c1".into(),
            ghl: Some(snapshot(
                "g1",
                json!({"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}),
                1,
            )),
            app: Some(snapshot(
                "n1",
                json!({"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace"}),
                1,
            )),
            base: [
                ("Email", json!("ada@example.com")),
                ("FirstName", json!("Ada")),
                ("LastName", json!("Lovelace")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }

    #[test]
    fn nothing_changed_plans_nothing() {
        let plan = plan(&mapping(Owner::Ghl), &[synced()], Breaker::default()).unwrap();
        assert!(plan.operations.is_empty());
        assert!(plan.conflicts.is_empty());
    }

    #[test]
    fn a_change_on_one_side_is_written_to_the_other_with_before_after_and_reason() {
        let mut record = synced();
        record
            .ghl
            .as_mut()
            .unwrap()
            .values
            .insert("firstName".into(), json!("Augusta"));
        let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
        assert_eq!(plan.operations.len(), 1);
        let op = &plan.operations[0];
        assert_eq!((op.target, op.action), (Side::App, Action::Update));
        assert_eq!(op.remote_id.as_deref(), Some("n1"));
        assert_eq!(
            op.changes,
            vec![FieldChange {
                field: "FirstName".into(),
                before: Some(json!("Ada")),
                after: json!("Augusta")
            }]
        );
        assert_eq!(op.reason, "FirstName changed in GHL");
        assert_eq!(plan.next_base["c1"]["FirstName"], json!("Augusta"));
    }

    #[test]
    fn app_changes_go_back_through_the_transforms() {
        let mut record = synced();
        record
            .app
            .as_mut()
            .unwrap()
            .values
            .insert("Email".into(), json!("ada@lovelace.org"));
        let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
        let op = &plan.operations[0];
        assert_eq!(op.target, Side::Ghl);
        assert_eq!(op.changes[0].field, "email");
        assert_eq!(op.changes[0].after, json!("ada@lovelace.org"));
    }

    #[test]
    fn conflicts_follow_the_owner() {
        let mut record = synced();
        record
            .ghl
            .as_mut()
            .unwrap()
            .values
            .insert("firstName".into(), json!("Augusta"));
        record.ghl.as_mut().unwrap().updated_at = at(5);
        record
            .app
            .as_mut()
            .unwrap()
            .values
            .insert("FirstName".into(), json!("Ada B."));
        record.app.as_mut().unwrap().updated_at = at(7);

        let ghl_wins = plan(
            &mapping(Owner::Ghl),
            std::slice::from_ref(&record),
            Breaker::default(),
        )
        .unwrap();
        assert_eq!(ghl_wins.operations[0].target, Side::App);
        assert_eq!(ghl_wins.operations[0].changes[0].after, json!("Augusta"));

        let app_wins = plan(
            &mapping(Owner::App),
            std::slice::from_ref(&record),
            Breaker::default(),
        )
        .unwrap();
        assert_eq!(app_wins.operations[0].target, Side::Ghl);
        assert_eq!(app_wins.operations[0].changes[0].after, json!("Ada B."));

        let newest = plan(
            &mapping(Owner::Newest),
            std::slice::from_ref(&record),
            Breaker::default(),
        )
        .unwrap();
        assert_eq!(
            newest.operations[0].target,
            Side::Ghl,
            "the app's change is newer"
        );

        let manual = plan(
            &mapping(Owner::Manual),
            std::slice::from_ref(&record),
            Breaker::default(),
        )
        .unwrap();
        assert!(
            manual.operations.is_empty(),
            "manual review writes neither side"
        );
        assert_eq!(manual.conflicts.len(), 1);
        assert_eq!(manual.conflicts[0].field, "FirstName");
        assert_eq!(manual.conflicts[0].ghl, Some(json!("Augusta")));
        assert_eq!(manual.conflicts[0].app, Some(json!("Ada B.")));
        assert_eq!(
            manual.next_base["c1"]["FirstName"],
            json!("Ada"),
            "the base waits for the decision"
        );
    }

    #[test]
    fn equal_values_in_different_formats_are_not_a_change() {
        let mut mapping = mapping(Owner::Ghl);
        mapping.fields.push(FieldMapping {
            ghl: "phone".into(),
            app: "Phone".into(),
            direction: Direction::Both,
            owner: Owner::Ghl,
            transforms: vec![Transform::PhoneE164 {
                default_region: "US".into(),
            }],
        });
        let mut record = synced();
        record
            .ghl
            .as_mut()
            .unwrap()
            .values
            .insert("phone".into(), json!("+15125550123"));
        record
            .app
            .as_mut()
            .unwrap()
            .values
            .insert("Phone".into(), json!("(512) 555-0123"));
        record.base.insert("Phone".into(), json!("+15125550123"));
        let plan = plan(&mapping, &[record], Breaker::default()).unwrap();
        assert!(plan.operations.is_empty(), "{:?}", plan.operations);
    }

    #[test]
    fn a_value_cleared_on_one_side_is_cleared_on_the_other() {
        let mut record = synced();
        record.app.as_mut().unwrap().values.remove("LastName");
        let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
        let op = &plan.operations[0];
        assert_eq!(op.target, Side::Ghl);
        assert_eq!(
            op.changes,
            vec![FieldChange {
                field: "lastName".into(),
                before: Some(json!("Lovelace")),
                after: Value::Null
            }]
        );
        assert!(!plan.next_base["c1"].contains_key("LastName"));
    }

    #[test]
    fn a_record_missing_on_one_side_is_created_there() {
        let mut record = synced();
        record.app = None;
        record.base.clear();
        let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
        assert_eq!(plan.operations.len(), 1);
        let op = &plan.operations[0];
        assert_eq!((op.target, op.action), (Side::App, Action::Create));
        assert_eq!(op.reason, "exists only in GHL");
        assert_eq!(op.changes.len(), 3);
    }

    #[test]
    fn one_way_lines_never_write_against_their_direction() {
        let mut mapping = mapping(Owner::Ghl);
        for line in &mut mapping.fields {
            line.direction = Direction::GhlToApp;
        }
        let mut record = synced();
        record
            .app
            .as_mut()
            .unwrap()
            .values
            .insert("FirstName".into(), json!("Ada B."));
        let plan = plan(&mapping, &[record], Breaker::default()).unwrap();
        assert!(plan.operations.is_empty(), "{:?}", plan.operations);
    }

    #[test]
    fn the_breaker_refuses_mass_overwrites() {
        let records: Vec<RecordState> = (0..30)
            .map(|i| {
                let mut r = synced();
                r.local_id = format!("c{i}");
                r.ghl
                    .as_mut()
                    .unwrap()
                    .values
                    .insert("lastName".into(), json!("Byron"));
                r
            })
            .collect();
        let err = plan(&mapping(Owner::Ghl), &records, Breaker::default()).unwrap_err();
        assert!(err.message.contains("30 of 30"), "{}", err.message);
        let allowed = plan(
            &mapping(Owner::Ghl),
            &records,
            Breaker {
                max_overwrite_share: 1.0,
                ..Breaker::default()
            },
        )
        .unwrap();
        assert_eq!(allowed.operations.len(), 30);
        // Measured against a pair of 1,000 records, 30 overwrites are 3%: allowed.
        let big_pair = plan(
            &mapping(Owner::Ghl),
            &records,
            Breaker {
                population: 1_000,
                ..Breaker::default()
            },
        )
        .unwrap();
        assert_eq!(big_pair.operations.len(), 30);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn name() -> impl Strategy<Value = Option<String>> {
            prop_oneof![Just(None), "[A-Za-z]{1,6}".prop_map(Some)]
        }

        /// Writes a plan's operations into the snapshots, as apply would.
        fn applied(record: &RecordState, plan: &Plan) -> RecordState {
            let mut next = record.clone();
            for op in &plan.operations {
                let snapshot = match op.target {
                    Side::Ghl => next.ghl.get_or_insert_with(|| Snapshot {
                        remote_id: "new-g".into(),
                        values: Values::new(),
                        updated_at: None,
                    }),
                    Side::App => next.app.get_or_insert_with(|| Snapshot {
                        remote_id: "new-a".into(),
                        values: Values::new(),
                        updated_at: None,
                    }),
                };
                for change in &op.changes {
                    snapshot
                        .values
                        .insert(change.field.clone(), change.after.clone());
                }
            }
            next.base = plan
                .next_base
                .get(&record.local_id)
                .cloned()
                .unwrap_or_default();
            next
        }

        proptest! {
            /// Whatever both sides did since the base, once the plan is applied a second plan
            /// has nothing to do: no echo, no ping-pong, for every owner but manual review.
            #[test]
            fn a_plan_applied_then_planned_again_is_empty(
                base in name(), ghl in name(), app in name(), ghl_hour in 0u32..12, app_hour in 0u32..12,
                owner in prop_oneof![Just(Owner::Ghl), Just(Owner::App), Just(Owner::Newest)],
            ) {
                let mapping = mapping(owner);
                let record = RecordState {
                    local_id: "c1".into(),
                    ghl: Some(Snapshot { remote_id: "g1".into(), values: ghl.iter().map(|v| ("firstName".to_string(), json!(v))).collect(), updated_at: at(ghl_hour) }),
                    app: Some(Snapshot { remote_id: "n1".into(), values: app.iter().map(|v| ("FirstName".to_string(), json!(v))).collect(), updated_at: at(app_hour) }),
                    base: base.iter().map(|v| ("FirstName".to_string(), json!(v))).collect(),
                };
                let first = plan(&mapping, std::slice::from_ref(&record), Breaker::default()).unwrap();
                let after = applied(&record, &first);
                let second = plan(&mapping, std::slice::from_ref(&after), Breaker::default()).unwrap();
                prop_assert!(second.operations.is_empty(), "second plan: {:?}", second.operations);
                // Both sides agree once a value exists on either.
                let ghl_now = after.ghl.as_ref().and_then(|s| s.values.get("firstName")).cloned();
                let app_now = after.app.as_ref().and_then(|s| s.values.get("FirstName")).cloned();
                if ghl.is_some() || app.is_some() {
                    prop_assert_eq!(ghl_now.filter(|v| !v.is_null()), app_now.filter(|v| !v.is_null()));
                }
            }
        }
    }
}
