//! The run history's summary of a pair's sync.

use serde_json::Value;

use crate::plan::{self, PlanCounts};

/// Operations by system and kind, for the run history.
pub(crate) fn summarize(
    planned: &PlanCounts,
    conflicts: usize,
    children: &[crate::children::ChildOperation],
    pushes: usize,
) -> Value {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for (side, side_name) in [(plan::Side::Ghl, "ghl"), (plan::Side::App, "app")] {
        for (action, action_name) in [
            (plan::Action::Create, "create"),
            (plan::Action::Update, "update"),
        ] {
            let n = planned.of(side, action);
            if n > 0 {
                counts.insert(format!("{side_name}.{action_name}"), n);
            }
        }
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
    serde_json::json!({ "operations": counts, "conflicts": conflicts })
}
