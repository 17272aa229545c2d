//! One record's plan: per mapping line, a three-way comparison of GHL's value, the app's and
//! the base, in the app's terms.

use bridge_core::json;
use bridge_core::mapping::{apply, Direction, FieldMapping, Flow, Mapping, Owner};
use serde_json::Value;

use super::{
    Action, Conflict, FieldChange, FieldOptions, Operation, Plan, Problem, RecordState, Side,
    Values,
};

/// What the lines of one record decided so far.
#[derive(Default)]
pub(super) struct RecordPlan {
    pub(super) to_app: Vec<FieldChange>,
    pub(super) to_ghl: Vec<FieldChange>,
    pub(super) settles_app: Values,
    pub(super) settles_ghl: Values,
}

/// One line's values for one record, each in canonical app terms (`None`: no value).
pub(super) struct LineValues {
    pub(super) ghl: Option<Value>,
    pub(super) app: Option<Value>,
    pub(super) base: Option<Value>,
}

pub(super) fn plan_record(
    mapping: &Mapping,
    options: &FieldOptions,
    record: &RecordState,
    plan: &mut Plan,
) {
    let mut planned = RecordPlan::default();
    let mut base = record.base.clone();
    for line in &mapping.fields {
        let values = match line_values(line, record)
            .and_then(|values| fits_options(line, options, record, values))
        {
            Ok(values) => values,
            // That field of that record waits (its base kept); the other lines go on.
            Err(problem) => {
                plan.problems.push(*problem);
                continue;
            }
        };
        // Tags both sides hold and both write: merged element by element.
        if line.ghl == super::sets::TAGS
            && line.direction == Direction::Both
            && record.ghl.is_some()
            && record.app.is_some()
        {
            if let Err(problem) =
                super::sets::plan_set(line, record, &values, &mut planned, &mut base)
            {
                plan.problems.push(*problem);
            }
            continue;
        }
        match winner(line, record, &values) {
            Ok(winner) => {
                if let Err(problem) = carry(line, record, &values, winner, &mut planned, &mut base)
                {
                    plan.problems.push(*problem);
                }
            }
            Err(conflict) => plan.conflicts.push(*conflict),
        }
    }
    push_operation(plan, record, Side::App, planned.to_app, planned.settles_app);
    push_operation(plan, record, Side::Ghl, planned.to_ghl, planned.settles_ghl);
    plan.next_base.insert(record.local_id.clone(), base);
}

/// GHL's value through the line's transforms, the app's in canonical form, and the base. A
/// GHL value the transforms refuse is a problem of this record and field.
fn line_values(line: &FieldMapping, record: &RecordState) -> Result<LineValues, Box<Problem>> {
    let ghl = match &record.ghl {
        Some(ghl) => {
            let raw = ghl.values.get(&line.ghl).unwrap_or(&Value::Null);
            let value = apply(&line.transforms, raw, Flow::GhlToApp).map_err(|reason| {
                Box::new(Problem {
                    local_id: record.local_id.clone(),
                    side: Side::Ghl,
                    remote_id: Some(ghl.remote_id.clone()),
                    field: line.ghl.clone(),
                    value: raw.clone(),
                    reason,
                })
            })?;
            canonical(line, value)
        }
        None => None,
    };
    // The app's value in canonical form: through the line's transforms to GHL and back, so
    // "(512) 555-0123" and "+15125550123" are one value under a phone line. A value the
    // transforms cannot read is compared as it is (it becomes a problem only if it must be
    // written to GHL).
    let app = record
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
    let base = record
        .base
        .get(&line.app)
        .cloned()
        .and_then(|v| canonical(line, v));
    Ok(LineValues { ghl, app, base })
}

/// The line's values, unless GHL's holds elements the app's field has no option for: then
/// the whole line of this record waits (both ways, its base kept) as a problem naming them,
/// until GHL's value changes or the option is added in the app.
fn fits_options(
    line: &FieldMapping,
    options: &FieldOptions,
    record: &RecordState,
    values: LineValues,
) -> Result<LineValues, Box<Problem>> {
    let (Some(allowed), Some(items @ Value::Array(_)), Some(ghl)) = (
        options.by_field.get(&line.app),
        values.ghl.as_ref(),
        record.ghl.as_ref(),
    ) else {
        return Ok(values);
    };
    if line.direction == Direction::AppToGhl {
        return Ok(values);
    }
    let unknown: Vec<&str> = json::strings(items)
        .filter(|item| !options.allows(allowed, item))
        .collect();
    if unknown.is_empty() {
        return Ok(values);
    }
    let quoted: Vec<String> = unknown.iter().map(|u| format!("\"{u}\"")).collect();
    Err(Box::new(Problem {
        local_id: record.local_id.clone(),
        side: Side::Ghl,
        remote_id: Some(ghl.remote_id.clone()),
        field: line.ghl.clone(),
        value: Value::Array(unknown.iter().map(|u| Value::from(*u)).collect()),
        reason: format!(
            "{} {} not among the options of the {} field \"{}\"; add {} in {} (the record's other fields sync)",
            quoted.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            options.system,
            line.app,
            if unknown.len() == 1 { "it" } else { "them" },
            options.system,
        ),
    }))
}

/// Which side's value the line carries (`None`: nothing to carry), or a conflict left for
/// manual review.
fn winner(
    line: &FieldMapping,
    record: &RecordState,
    values: &LineValues,
) -> Result<Option<Side>, Box<Conflict>> {
    let ghl_moved = record.ghl.is_some() && values.ghl != values.base;
    let app_moved = record.app.is_some() && values.app != values.base;
    Ok(match (ghl_moved, app_moved) {
        _ if values.ghl == values.app => None,
        (true, false) => Some(Side::Ghl),
        (false, true) => Some(Side::App),
        (false, false) => None,
        (true, true) => match line.owner {
            Owner::Ghl => Some(Side::Ghl),
            Owner::App => Some(Side::App),
            Owner::Newest => Some(newest(record)),
            Owner::Manual => {
                return Err(Box::new(Conflict {
                    local_id: record.local_id.clone(),
                    field: line.app.clone(),
                    base: values.base.clone(),
                    ghl: values.ghl.clone(),
                    app: values.app.clone(),
                }))
            }
        },
    })
}

/// Adds the winner's value to the writes of the other side and moves the base. An app value
/// the transforms cannot carry to GHL is a problem (nothing written, base kept).
fn carry(
    line: &FieldMapping,
    record: &RecordState,
    values: &LineValues,
    winner: Option<Side>,
    planned: &mut RecordPlan,
    base: &mut Values,
) -> Result<(), Box<Problem>> {
    let LineValues { ghl, app, .. } = values;
    match winner {
        // A cleared value is written as a clear (null); a record being created gets only the
        // values that exist.
        Some(Side::Ghl) if line.direction != Direction::AppToGhl => {
            if ghl.is_some() || app.is_some() {
                let after = ghl.clone().unwrap_or(Value::Null);
                planned.to_app.push(FieldChange {
                    field: line.app.clone(),
                    before: app.clone(),
                    after: after.clone(),
                });
                planned.settles_app.insert(line.app.clone(), after);
            }
            set_base(base, &line.app, ghl.clone());
        }
        Some(Side::App) if line.direction != Direction::GhlToApp => {
            if app.is_some() || ghl.is_some() {
                let after = match app {
                    Some(value) => {
                        apply(&line.transforms, value, Flow::AppToGhl).map_err(|reason| {
                            Problem {
                                local_id: record.local_id.clone(),
                                side: Side::App,
                                remote_id: record.app.as_ref().map(|a| a.remote_id.clone()),
                                field: line.app.clone(),
                                value: value.clone(),
                                reason,
                            }
                        })?
                    }
                    None => Value::Null,
                };
                planned.to_ghl.push(FieldChange {
                    field: line.ghl.clone(),
                    before: record
                        .ghl
                        .as_ref()
                        .and_then(|g| g.values.get(&line.ghl))
                        .cloned(),
                    after,
                });
                planned
                    .settles_ghl
                    .insert(line.app.clone(), app.clone().unwrap_or(Value::Null));
            }
            set_base(base, &line.app, app.clone());
        }
        // The winner's value may not travel this line's way: the sides stay apart.
        Some(_) => {}
        None => {
            if ghl == app {
                set_base(base, &line.app, app.clone());
            }
        }
    }
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
