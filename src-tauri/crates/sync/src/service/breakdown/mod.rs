//! What one pair's sync plans and what its apply did, counted the same way for every app
//! and every kind of write: contacts, tags, tasks, notes, appointments, events and labels.
//!
//! Planned writes come from the sync's own plan ([`SyncOutcome`], read by [`planned`]); what
//! happened to each comes from the journal, matched by the operation's intent (the same key
//! the writers journal under): `done` is written, `failed`/`dead`/`sent` (sent, answer not
//! confirmed) is failed, anything else (never sent: cancelled, held back by the breaker,
//! already done by an earlier run) is skipped. So planned = written + failed + skipped holds for every line by
//! how it is counted, and the figures say which writes did not happen. Journal rows this run
//! settled that its own plan did not hold (an earlier run's unfinished writes, resumed before
//! planning; labels, which are planned while tasks are written) are counted apart as
//! `resumed` and `unplanned`, never folded into a planned line.

mod planned;

use std::collections::{BTreeMap, HashMap, HashSet};

use bridge_core::BridgeError;
use serde::Serialize;

use crate::pair::SyncOutcome;
use crate::plan::{Action, Side};
use bridge_store::table::operations::{self, OperationRow};
use bridge_store::Store;
use planned::{planned_writes, plural};

/// One line of the breakdown: one kind of write to one app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindLine {
    /// `ghl`, or the app's system (`novi`, `ninox`, …).
    pub system: String,
    /// contacts, tags, tasks, notes, appointments, events, labels.
    pub kind: String,
    /// Creates among the planned writes (for GHL: records that come from the pair's app).
    pub creates: u64,
    pub planned: u64,
    pub written: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Written by this run but not in its plan: earlier runs' unfinished writes it resumed,
    /// and labels (planned while tasks are written).
    pub unplanned: u64,
}

/// Ordered lines, GHL first, then the app; kinds in a fixed order.
pub type Breakdown = Vec<KindLine>;

const KIND_ORDER: [&str; 7] = [
    "contacts",
    "tags",
    "tasks",
    "notes",
    "appointments",
    "events",
    "labels",
];

enum Fate {
    Written,
    Failed,
    Skipped,
}

fn line<'a>(
    lines: &'a mut BTreeMap<(String, String), KindLine>,
    system: &str,
    kind: &str,
) -> &'a mut KindLine {
    lines
        .entry((system.to_string(), kind.to_string()))
        .or_insert_with(|| KindLine {
            system: system.into(),
            kind: kind.into(),
            ..KindLine::default()
        })
}

fn fate(row: Option<&OperationRow>) -> Fate {
    match row.map(|r| r.state.as_str()) {
        Some("done") => Fate::Written,
        Some("failed" | "dead" | "sent") => Fate::Failed,
        _ => Fate::Skipped,
    }
}

/// The breakdown of one pair's sync. A dry run has planned figures only.
pub fn breakdown(store: &Store, outcome: &SyncOutcome) -> Result<Breakdown, BridgeError> {
    let pair = crate::service::connection_named(store, &outcome.pair_name).ok();
    let pair_id = pair.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    // The location the pair ran with (its name is in the outcome).
    let ghl_id = crate::service::connection_named(store, &outcome.ghl_name)
        .map(|c| c.id)
        .unwrap_or_default();
    let rows = if outcome.dry_run {
        Vec::new()
    } else {
        operations::for_run(store.conn(), &outcome.run_id)?
    };
    let connection_system = |connection_id: &str| {
        if connection_id == ghl_id {
            "ghl".to_string()
        } else {
            outcome.app_system.as_str().to_string()
        }
    };
    let by_intent: HashMap<&str, &OperationRow> =
        rows.iter().map(|r| (r.op.intent.as_str(), r)).collect();
    let mut lines: BTreeMap<(String, String), KindLine> = BTreeMap::new();
    let mut matched = HashSet::new();
    for write in planned_writes(outcome, &pair_id, &ghl_id) {
        let row = write.row(&rows, &by_intent, &matched);
        if let Some(row) = row {
            matched.insert(row.id);
        }
        let mut kinds = vec![write.kind.clone()];
        if write.tags {
            kinds.push("tags".into());
        }
        for kind in kinds {
            let l = line(&mut lines, &write.system, &kind);
            l.planned += 1;
            l.creates += u64::from(write.create);
            if outcome.dry_run {
                continue;
            }
            match fate(row) {
                Fate::Written => l.written += 1,
                Fate::Failed => l.failed += 1,
                Fate::Skipped => l.skipped += 1,
            }
        }
    }
    unshown_contact_writes(
        outcome,
        &rows,
        &mut matched,
        &mut lines,
        [&ghl_id, &pair_id],
    );
    // Rows the plan did not name: labels (planned while tasks are written), resumed writes.
    for row in rows.iter().filter(|r| !matched.contains(&r.id)) {
        if row.state == "done" {
            let system = connection_system(&row.op.connection_id);
            line(&mut lines, &system, &plural(&row.op.object_kind)).unplanned += 1;
        }
    }
    let rank = |l: &KindLine| {
        (
            u8::from(l.system != "ghl"),
            KIND_ORDER
                .iter()
                .position(|k| *k == l.kind)
                .unwrap_or(KIND_ORDER.len()),
        )
    };
    let mut out: Vec<KindLine> = lines.into_values().collect();
    out.sort_by_key(|l| rank(l));
    Ok(out)
}

/// The contact writes of a plan too large to be shown whole (the outcome keeps its first
/// [`crate::plan::SHOWN_OPERATIONS`]): planned and created from the plan's exact counts, and
/// their fates from this run's contact rows on each side that the shown ones did not name.
/// Such a row may also be an earlier run's write this run resumed (counted here, not as
/// `unplanned`): the figures of so large a plan say how many writes were written, failed and
/// skipped, not which.
fn unshown_contact_writes(
    outcome: &SyncOutcome,
    rows: &[OperationRow],
    matched: &mut HashSet<i64>,
    lines: &mut BTreeMap<(String, String), KindLine>,
    [ghl_id, pair_id]: [&str; 2],
) {
    let shown = &outcome.plan.operations;
    if outcome.planned.operations() <= shown.len() as u64 {
        return;
    }
    let counts = &outcome.planned;
    for (side, system, connection) in [
        (Side::Ghl, "ghl", ghl_id),
        (Side::App, outcome.app_system.as_str(), pair_id),
    ] {
        let shown_where = |f: &dyn Fn(&crate::plan::Operation) -> bool| {
            shown.iter().filter(|op| op.target == side && f(op)).count() as u64
        };
        let planned = (counts.of(side, Action::Create) + counts.of(side, Action::Update))
            .saturating_sub(shown_where(&|_| true));
        let creates = counts
            .of(side, Action::Create)
            .saturating_sub(shown_where(&|op| op.action == Action::Create));
        let tags = counts.tag_writes(side).saturating_sub(shown_where(&|op| {
            op.changes.iter().any(|c| c.field == "tags")
        }));
        let mut fates = [(0u64, 0u64); 2];
        let unmatched: Vec<&OperationRow> = rows
            .iter()
            .filter(|r| {
                !matched.contains(&r.id)
                    && r.op.object_kind == "contact"
                    && r.op.connection_id == connection
            })
            .collect();
        for row in unmatched {
            matched.insert(row.id);
            let changes_tags = crate::apply::writes_any(row, &["tags".to_string()]);
            for (i, counted) in [true, changes_tags].into_iter().enumerate() {
                match (counted, fate(Some(row))) {
                    (true, Fate::Written) => fates[i].0 += 1,
                    (true, Fate::Failed) => fates[i].1 += 1,
                    _ => {}
                }
            }
        }
        for ((kind, planned, creates), (written, failed)) in
            [("contacts", planned, creates), ("tags", tags, 0)]
                .into_iter()
                .zip(fates)
        {
            if planned == 0 {
                continue;
            }
            let l = line(lines, system, kind);
            l.planned += planned;
            l.creates += creates;
            if !outcome.dry_run {
                l.written += written;
                l.failed += failed;
                l.skipped += planned.saturating_sub(written + failed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{breakdown, KindLine};
    use crate::children::{ChildAction, ChildKind, ChildOperation, ChildValues};
    use crate::journal::{self, Entry, Intent};
    use crate::pair::SyncOutcome;
    use crate::plan::{Action, FieldChange, Operation, Plan, Side};
    use bridge_core::{BridgeError, ErrorCode, System};
    use bridge_store::Store;
    use chrono::TimeZone;

    fn connect(store: &Store, system: System, name: &str) -> String {
        crate::test_support::offline_connection(
            store,
            system,
            name,
            chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        )
        .id
    }

    fn contact_op(target: Side, action: Action, local: &str, tags: bool) -> Operation {
        Operation {
            target,
            action,
            local_id: local.into(),
            remote_id: None,
            changes: vec![FieldChange {
                field: if tags { "tags" } else { "email" }.into(),
                before: None,
                after: serde_json::json!("x"),
            }],
            reason: "test".into(),
            settles: Default::default(),
            source_version: None,
        }
    }

    fn task(source: &str) -> ChildOperation {
        ChildOperation {
            target: Side::App,
            kind: ChildKind::Task,
            action: ChildAction::Create,
            contact_id: "c1".into(),
            parent: "m1".into(),
            remote_id: None,
            source_id: source.into(),
            before: None,
            values: ChildValues {
                title: "Call".into(),
                body: String::new(),
                due: None,
                completed: false,
                end: None,
                status: None,
            },
            reason: "test".into(),
            base: None,
            settles: Vec::new(),
            delete_id: None,
            rule: None,
        }
    }

    fn plan_counts(plan: &Plan) -> crate::plan::PlanCounts {
        let mut counts = crate::plan::PlanCounts::default();
        for op in &plan.operations {
            counts.add(op, &Default::default());
        }
        counts
    }

    /// A Novi AMS pair's outcome of run `run` with `plan` and `children`.
    fn outcome_of(run: &str, plan: Plan, children: Vec<ChildOperation>) -> SyncOutcome {
        SyncOutcome {
            run_id: run.to_string(),
            pair_name: "Members".into(),
            ghl_name: "Main".into(),
            app_system: System::Novi,
            duration_ms: 1,
            dry_run: false,
            ghl_pull: Default::default(),
            app_records_pulled: 0,
            planned: plan_counts(&plan),
            contact_prints: plan
                .operations
                .iter()
                .map(crate::pair::fingerprint)
                .collect(),
            plan,
            applied: None,
            children,
            children_applied: None,
            pushes: Vec::new(),
            pushes_applied: None,
            not_in_ghl: 0,
            labels: None,
            contact_deletes: None,
            ghl_requests: 0,
            app_requests: 0,
            rate_limited: 0,
            refused: Vec::new(),
            waiting: Vec::new(),
        }
    }

    /// The window's plan and result tables show a rule's writes on lines of their own, named
    /// "by rule: …", apart from the tasks and notes people made.
    #[test]
    fn rule_writes_are_lines_of_their_own_named_by_the_rule() {
        let store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        connect(&store, System::Ghl, "Main");
        connect(&store, System::Novi, "Members");
        let run = bridge_store::table::sync_runs::start(store.conn(), "cli", true, now).unwrap();
        let by_rule = |source: &str, kind: ChildKind| ChildOperation {
            target: Side::Ghl,
            kind,
            rule: Some(crate::rules::RuleName::Welcome),
            reason: "by rule: welcome note".into(),
            ..task(source)
        };
        let outcome = outcome_of(
            &run,
            Plan::default(),
            vec![
                task("t1"),
                by_rule("rule:welcome:c1:task0", ChildKind::Task),
                by_rule("rule:welcome:c1:note", ChildKind::Note),
            ],
        );
        let lines: Vec<(String, String, u64)> = breakdown(&store, &outcome)
            .unwrap()
            .into_iter()
            .map(|l| (l.system, l.kind, l.planned))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("ghl".into(), "notes by rule: welcome note".into(), 1),
                ("ghl".into(), "tasks by rule: welcome note".into(), 1),
                ("novi".into(), "tasks".into(), 1),
            ]
        );
    }

    /// Planned = written + failed + skipped on every line: one write done, one failed, one
    /// never sent (cancelled), a tag line inside the contact writes.
    #[test]
    fn each_line_counts_planned_as_written_failed_and_skipped_from_the_journal() {
        let store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let ghl = connect(&store, System::Ghl, "Main");
        let novi = connect(&store, System::Novi, "Members");
        let run = bridge_store::table::sync_runs::start(store.conn(), "cli", false, now).unwrap();
        let outcome = outcome_of(
            &run,
            Plan {
                operations: vec![
                    contact_op(Side::Ghl, Action::Create, "c1", false),
                    contact_op(Side::App, Action::Update, "c2", true),
                ],
                ..Plan::default()
            },
            vec![task("t1"), task("t2")],
        );
        let record = |target: &str, kind: &str, local: &str, action: &str| {
            journal::record(
                store.conn(),
                &run,
                &Intent {
                    pair: &novi,
                    target,
                    kind,
                    local,
                    action,
                },
                Entry::default(),
                now,
            )
            .unwrap()
        };
        // GHL create of c1: done. Novi update of c2: refused for good. Task t1: done; t2: never sent.
        let mut created = record(&ghl, "contact", "c1", "create");
        journal::begin(store.conn(), &mut created, &run, now).unwrap();
        journal::done(store.conn(), &created, &run, now).unwrap();
        let mut updated = record(&novi, "contact", "c2", "update");
        journal::begin(store.conn(), &mut updated, &run, now).unwrap();
        journal::fail(
            store.conn(),
            &updated,
            &run,
            &BridgeError::new(ErrorCode::InvalidInput, "422"),
            "Novi AMS refused the email",
            now,
        )
        .unwrap();
        let mut t1 = record(&novi, "task", "t1", "create");
        journal::begin(store.conn(), &mut t1, &run, now).unwrap();
        journal::done(store.conn(), &t1, &run, now).unwrap();

        let lines = breakdown(&store, &outcome).unwrap();
        let figures: Vec<(&str, &str, u64, u64, u64, u64, u64)> = lines
            .iter()
            .map(|l: &KindLine| {
                (
                    l.system.as_str(),
                    l.kind.as_str(),
                    l.creates,
                    l.planned,
                    l.written,
                    l.failed,
                    l.skipped,
                )
            })
            .collect();
        assert_eq!(
            figures,
            vec![
                ("ghl", "contacts", 1, 1, 1, 0, 0),
                ("novi", "contacts", 0, 1, 0, 1, 0),
                ("novi", "tags", 0, 1, 0, 1, 0),
                ("novi", "tasks", 2, 2, 1, 0, 1),
            ]
        );
        assert!(lines
            .iter()
            .all(|l| l.planned == l.written + l.failed + l.skipped && l.unplanned == 0));
    }
}
