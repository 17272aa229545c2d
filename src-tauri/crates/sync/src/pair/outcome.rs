//! The run history's summary of a pair's sync.

use serde_json::Value;

use crate::plan::{self, Plan};

/// Operations by system and kind, for the run history.
pub(crate) fn summarize(
    plan: &Plan,
    children: &[crate::children::ChildOperation],
    pushes: usize,
) -> Value {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for op in &plan.operations {
        let key = format!(
            "{}.{}",
            match op.target {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            match op.action {
                plan::Action::Create => "create",
                plan::Action::Update => "update",
            }
        );
        *counts.entry(key).or_default() += 1;
    }
    for op in children {
        let key = format!(
            "{}.{}.{}",
            match op.target {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            op.kind.as_str(),
            match op.action {
                crate::children::ChildAction::Create => "create",
                crate::children::ChildAction::Update => "update",
                crate::children::ChildAction::Link => "link",
                crate::children::ChildAction::Delete => "delete",
            }
        );
        *counts.entry(key).or_default() += 1;
    }
    if pushes > 0 {
        counts.insert("app.event.create".into(), pushes as u64);
    }
    serde_json::json!({ "operations": counts, "conflicts": plan.conflicts.len() })
}
