//! The summary rule: each contact write that carries the app's changes to GHL gets one note on
//! the GHL contact listing them. Planned from the journal's done writes (so a crash after the
//! contact write and before the note still leaves the note owed), keyed by the contact
//! write's journal id (one note per write: one per sync per contact).

use std::collections::BTreeSet;

use bridge_core::BridgeError;
use bridge_store::table::operations::{self, OperationRow};
use bridge_store::Store;
use serde_json::Value;

use super::{source_id, Active, RuleContext, RuleName, SummaryConfig};
use crate::children::{ChildAction, ChildKind, ChildOperation, ChildValues};
use crate::plan::{Action, FieldChange, Plan, Side};

/// The summary notes owed for the contact writes to GHL done after journal id `after` (and
/// since the rule was switched on), and the newest journal id read.
pub fn plan_from_journal(
    store: &Store,
    context: &RuleContext<'_>,
    rule: &Active<SummaryConfig>,
    after: i64,
) -> Result<(Vec<ChildOperation>, Option<i64>), BridgeError> {
    let rows = operations::done_after(
        store.conn(),
        &context.pair.id,
        context.ghl_connection_id,
        ("contact", "update"),
        after,
        &rule.since,
    )?;
    let newest = rows.last().map(|r| r.id);
    let mut notes = Vec::new();
    for row in &rows {
        let Some(note) = note_of_row(context, row)? else {
            continue;
        };
        let key =
            crate::children::child_intent(&context.pair.id, context.ghl_connection_id, &note).key();
        if operations::latest_by_intent(store.conn(), &key)?.is_none() {
            notes.push(note);
        }
    }
    Ok((notes, newest))
}

/// For a preview: the notes the plan's writes to GHL will bring (keyed by the write, as the
/// journal will not have it yet).
pub fn plan_from_plan(context: &RuleContext<'_>, plan: &Plan) -> Vec<ChildOperation> {
    plan.operations
        .iter()
        .filter(|op| op.target == Side::Ghl && op.action == Action::Update)
        .filter_map(|op| {
            let ghl_id = op.remote_id.as_deref()?;
            note(context, &op.local_id, ghl_id, "planned", &op.changes)
        })
        .collect()
}

fn note_of_row(
    context: &RuleContext<'_>,
    row: &OperationRow,
) -> Result<Option<ChildOperation>, BridgeError> {
    let payload: crate::apply::Payload = crate::journal::payload(row)?;
    let Some(ghl_id) = payload.remote_id.as_deref().or(row.op.remote_id.as_deref()) else {
        return Ok(None);
    };
    Ok(note(
        context,
        &payload.local_id,
        ghl_id,
        &format!("op{}", row.id),
        &payload.changes,
    ))
}

fn note(
    context: &RuleContext<'_>,
    contact_id: &str,
    ghl_id: &str,
    what: &str,
    changes: &[FieldChange],
) -> Option<ChildOperation> {
    let body = summary_text(context.pair.system.display_name(), changes)?;
    Some(ChildOperation {
        target: Side::Ghl,
        kind: ChildKind::Note,
        action: ChildAction::Create,
        contact_id: contact_id.to_string(),
        parent: ghl_id.to_string(),
        remote_id: None,
        source_id: source_id(RuleName::Summary, contact_id, what),
        before: None,
        values: ChildValues {
            title: crate::pull::ghl::note_title(&body),
            body,
            due: None,
            completed: false,
            end: None,
            status: None,
        },
        reason: format!("by rule: {}", RuleName::Summary.label()),
        base: None,
        settles: Vec::new(),
        delete_id: None,
        rule: Some(RuleName::Summary),
    })
}

/// "Updated from Novi AMS: tags +member −lapsed; First name: Ann → Anne" (`None`: nothing to
/// list).
pub fn summary_text(app: &str, changes: &[FieldChange]) -> Option<String> {
    let parts: Vec<String> = changes.iter().filter_map(describe).collect();
    (!parts.is_empty()).then(|| format!("Updated from {app}: {}", parts.join("; ")))
}

fn describe(change: &FieldChange) -> Option<String> {
    if let Value::Array(after) = &change.after {
        let before = match &change.before {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        let (before, after) = (texts(&before), texts(after));
        let mut deltas: Vec<String> = after.difference(&before).map(|t| format!("+{t}")).collect();
        deltas.extend(before.difference(&after).map(|t| format!("−{t}")));
        return (!deltas.is_empty()).then(|| {
            format!(
                "{} {}",
                label(&change.field).to_lowercase(),
                deltas.join(" ")
            )
        });
    }
    let before = change.before.as_ref().and_then(crate::preview::display);
    let after = crate::preview::display(&change.after);
    if before == after {
        return None;
    }
    Some(format!(
        "{}: {} → {}",
        label(&change.field),
        before.unwrap_or_else(|| "(empty)".into()),
        after.unwrap_or_else(|| "(empty)".into())
    ))
}

fn texts(items: &[Value]) -> BTreeSet<String> {
    items.iter().filter_map(crate::preview::display).collect()
}

/// A field name as the operator reads it: `firstName` → "First name", `contact.job_title` →
/// "Job title".
fn label(field: &str) -> String {
    let name = field.rsplit('.').next().unwrap_or(field);
    let mut words = String::new();
    for (at, ch) in name.chars().enumerate() {
        if ch == '_' || ch == '-' {
            words.push(' ');
        } else if ch.is_uppercase() && at > 0 {
            words.push(' ');
            words.extend(ch.to_lowercase());
        } else {
            words.push(ch);
        }
    }
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(field: &str, before: Option<Value>, after: Value) -> FieldChange {
        FieldChange {
            field: field.into(),
            before,
            after,
        }
    }

    #[test]
    fn a_summary_lists_tag_deltas_and_field_changes_in_the_operators_words() {
        let text = summary_text(
            "Novi AMS",
            &[
                change(
                    "tags",
                    Some(json!(["lapsed", "vip"])),
                    json!(["member", "vip"]),
                ),
                change(
                    "contact.job_title",
                    Some(json!("Office Manager")),
                    json!("Director"),
                ),
                change("firstName", None, json!("Ann")),
            ],
        );
        assert_eq!(
            text.as_deref(),
            Some(
                "Updated from Novi AMS: tags +member −lapsed; Job title: Office Manager → Director; \
                 First name: (empty) → Ann"
            )
        );
    }

    #[test]
    fn nothing_that_changed_makes_no_summary() {
        assert_eq!(
            summary_text("Ninox", &[change("tags", Some(json!(["a"])), json!(["a"]))]),
            None
        );
    }
}
