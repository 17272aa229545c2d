//! The writes a sync planned, as the breakdown counts them: each with its target system, its
//! kind's line name, and the journal key it is written under, so its row can be found.

use std::collections::{HashMap, HashSet};

use bridge_store::table::operations::OperationRow;

use crate::children::ChildAction;
use crate::pair::SyncOutcome;
use crate::plan::{Action, Side};

/// The line name of a journal object kind.
pub(super) fn plural(kind: &str) -> String {
    match kind {
        "contact" => "contacts".into(),
        "task" => "tasks".into(),
        "note" => "notes".into(),
        "appointment" => "appointments".into(),
        "tag" => "labels".into(),
        other if other.ends_with('s') => other.into(),
        // Anything else an app takes as its own event (GHL activities pushed).
        _ => "events".into(),
    }
}

/// A planned write and how to recognise its journal row.
pub(super) struct Planned {
    pub(super) system: String,
    pub(super) kind: String,
    pub(super) create: bool,
    /// The intent key, where the plan knows it (contacts, tasks, notes, appointments).
    intent: Option<String>,
    /// The start of the intent key, where its end is a content hash the plan does not carry
    /// (an event push: `pair|pair|kind|ghl-id@hash|create`).
    intent_prefix: Option<String>,
    /// Also counted as a tag write (a contact write that changes tags).
    pub(super) tags: bool,
}

impl Planned {
    /// This write's row among the run's journal rows (`by_intent` indexes them), if it was
    /// journaled. A prefix (an event push) takes the first create under it that no other
    /// write took (`matched`).
    pub(super) fn row<'r>(
        &self,
        rows: &'r [OperationRow],
        by_intent: &HashMap<&str, &'r OperationRow>,
        matched: &HashSet<i64>,
    ) -> Option<&'r OperationRow> {
        match (&self.intent, &self.intent_prefix) {
            (Some(key), _) => by_intent.get(key.as_str()).copied(),
            (None, Some(prefix)) => rows.iter().find(|r| {
                !matched.contains(&r.id)
                    && r.op.intent.starts_with(prefix.as_str())
                    && r.op.intent.ends_with("|create")
            }),
            (None, None) => None,
        }
    }
}

fn intent_key(pair: &str, target: &str, kind: &str, local: &str, action: &str) -> String {
    // The same key as journal::Intent::key.
    crate::journal::Intent {
        pair,
        target,
        kind,
        local,
        action,
    }
    .key()
}

/// The writes an outcome planned, each with its target system and kind.
pub(super) fn planned_writes(outcome: &SyncOutcome, pair_id: &str, ghl_id: &str) -> Vec<Planned> {
    let app = outcome.app_system.as_str().to_string();
    let target = |side: Side| match side {
        Side::Ghl => ("ghl".to_string(), ghl_id),
        Side::App => (app.clone(), pair_id),
    };
    let mut writes = Vec::new();
    for op in &outcome.plan.operations {
        let (system, connection) = target(op.target);
        let action = match op.action {
            Action::Create => "create",
            Action::Update => "update",
        };
        writes.push(Planned {
            system,
            kind: "contacts".into(),
            create: op.action == Action::Create,
            intent: Some(intent_key(
                pair_id,
                connection,
                "contact",
                &op.local_id,
                action,
            )),
            intent_prefix: None,
            tags: op.changes.iter().any(|c| c.field == "tags"),
        });
    }
    for op in &outcome.children {
        // A link records that two records are one: nothing is sent.
        if op.action == ChildAction::Link {
            continue;
        }
        let (system, connection) = target(op.target);
        let kind = match op.rule {
            Some(rule) => format!("{} by rule: {}", plural(op.kind.as_str()), rule.label()),
            None => plural(op.kind.as_str()),
        };
        writes.push(Planned {
            system,
            kind,
            create: op.action == ChildAction::Create,
            // The same key the children's writer journals under.
            intent: Some(crate::children::child_intent(pair_id, connection, op).key()),
            intent_prefix: None,
            tags: false,
        });
    }
    for push in &outcome.pushes {
        writes.push(Planned {
            system: app.clone(),
            kind: "events".into(),
            create: true,
            intent: None,
            intent_prefix: Some(format!(
                "{pair_id}|{pair_id}|{}|{}@",
                push.kind, push.ghl_id
            )),
            tags: false,
        });
    }
    writes
}
