//! Sending a children plan through the journal.

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::activities::{self, Activity};
use bridge_store::table::{links, rule_records, timeline};
use bridge_store::Store;

use super::deletes::{delete, finish_delete, target_gone};
use super::{
    app_activity, merge, ChildAction, ChildKind, ChildOperation, ChildReport, ChildTargets,
    ChildValues,
};
use crate::journal::{self, Entry, Failure, Intent, Journaled};
use crate::plan::Side;
use crate::timeline::{activity_event, ActivityChange};

/// The intent of a child write: the source record, the target and the action.
fn intent<'a>(targets: &'a ChildTargets<'_>, op: &'a ChildOperation) -> Intent<'a> {
    super::child_intent(
        &targets.app_connection.id,
        targets.connection_id(op.target),
        op,
    )
}

pub(super) fn action_name(action: ChildAction) -> &'static str {
    match action {
        ChildAction::Create => "create",
        // Links are recorded without the journal: nothing is sent.
        ChildAction::Update | ChildAction::Link => "update",
        ChildAction::Delete => "delete",
    }
}

/// Resolves the pair's unfinished task, note and appointment writes by id, before the
/// children are planned: a create that may have happened is finished on the record it made
/// (its id stored, or looked up), so the planner never sees that record as new. Those
/// `waits` holds (a refused capability's) are left as they are.
pub async fn recover(
    store: &mut Store,
    run_id: &str,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    waits: journal::Waits<'_>,
) -> Result<ChildReport, BridgeError> {
    recover_where(store, run_id, targets, clock, waits, false).await
}

/// Resolves the pair's unfinished writes made by rules (see [`crate::rules`]) the same way,
/// leaving those `waits` holds.
pub async fn recover_rules(
    store: &mut Store,
    run_id: &str,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    waits: journal::Waits<'_>,
) -> Result<ChildReport, BridgeError> {
    recover_where(store, run_id, targets, clock, waits, true).await
}

async fn recover_where(
    store: &mut Store,
    run_id: &str,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    waits: journal::Waits<'_>,
    rules: bool,
) -> Result<ChildReport, BridgeError> {
    let mut report = ChildReport::default();
    let open = journal::open_for_pair(
        store.conn(),
        &targets.app_connection.id,
        &["task", "note", "appointment"],
        waits,
        clock.now(),
    )?;
    for row in open
        .into_iter()
        .filter(|row| crate::rules::is_rule_row(row) == rules)
    {
        let mut journaled = Journaled::from(&row);
        let op: ChildOperation = journal::payload(&row)?;
        let mut one = ChildReport::default();
        send_one(store, run_id, &op, &mut journaled, targets, clock, &mut one).await?;
        report.already_done += one.done;
        report.unconfirmed += one.unconfirmed;
        report.dead += one.dead;
    }
    Ok(report)
}

/// Journals every operation, then sends them one by one; each answer is stored with its link,
/// mirror, timeline event and done mark in one transaction.
pub async fn apply_children(
    store: &mut Store,
    run_id: &str,
    operations: &[ChildOperation],
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<ChildReport, BridgeError> {
    let (agreed, operations): (Vec<&ChildOperation>, Vec<&ChildOperation>) = operations
        .iter()
        .partition(|op| op.action == ChildAction::Link);
    record_agreed(store, &agreed, targets, clock)?;
    let now = clock.now();
    let mut journaled = store.with_tx(|tx| {
        operations
            .iter()
            .map(|op| {
                let entry = Entry {
                    contact_id: Some(op.contact_id.clone()),
                    remote_id: op.remote_id.clone(),
                    before: op.before.as_ref().map(journal::json).transpose()?,
                    after: Some(journal::json(&op.values)?),
                    reason: op.reason.clone(),
                    payload: journal::json(op)?,
                };
                journal::record(tx, run_id, &intent(targets, op), entry, now)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut report = ChildReport::default();
    for (finished, (op, journaled)) in operations.iter().zip(&mut journaled).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        send_one(store, run_id, op, journaled, targets, clock, &mut report).await?;
        progress(agreed.len() as u64 + finished as u64 + 1);
    }
    Ok(report)
}

/// The per-field base a done write settles: the fields both sides now hold.
fn settled_base(op: &ChildOperation) -> serde_json::Map<String, serde_json::Value> {
    if op.settles.is_empty() {
        merge::base_of(&op.values, merge::fields(op.kind).iter().copied())
    } else {
        merge::base_of(&op.values, op.settles.iter().map(String::as_str))
    }
}

/// Links records that already agree, and refreshes the base of links whose sides came to
/// agree: one transaction, nothing sent.
fn record_agreed(
    store: &mut Store,
    agreed: &[&ChildOperation],
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    store.with_tx(|tx| {
        for op in agreed {
            let Some(app_id) = &op.remote_id else {
                continue;
            };
            let hash = op.values.hash(op.kind);
            links::insert_or_verify(
                tx,
                &links::LinkRow {
                    contact_id: op.contact_id.clone(),
                    connection_id: targets.app_connection.id.clone(),
                    object_kind: op.kind.as_str().into(),
                    local_object_id: Some(op.source_id.clone()),
                    remote_id: app_id.clone(),
                    last_written_hash: None,
                    last_seen_hash: Some(hash),
                },
                now,
            )?;
            links::settle_record_base(
                tx,
                &targets.app_connection.id,
                op.kind.as_str(),
                app_id,
                &settled_base(op),
                now,
            )?;
        }
        Ok(())
    })
}

/// The target's records of this contact and kind already linked: a lookup skips them.
fn linked_records(
    store: &Store,
    op: &ChildOperation,
    targets: &ChildTargets<'_>,
) -> Result<Vec<String>, BridgeError> {
    Ok(links::for_contact(store.conn(), &op.contact_id)?
        .into_iter()
        .filter(|l| {
            l.connection_id == targets.app_connection.id && l.object_kind == op.kind.as_str()
        })
        .filter_map(|l| match op.target {
            Side::App => Some(l.remote_id),
            Side::Ghl => l.local_object_id,
        })
        .collect())
}

/// Sends one write and records how it ended; an error only when the target's connection must
/// be authorized again (its work stops) or the store fails.
async fn send_one(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &mut Journaled,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    report: &mut ChildReport,
) -> Result<(), BridgeError> {
    if op.action == ChildAction::Delete {
        journal::begin(store.conn(), journaled, run_id, clock.now())?;
        let deleted = match delete(op, targets).await {
            // Gone already: what the delete was to make true holds.
            Err(e) if e.code == ErrorCode::NotFound => Ok(()),
            other => other,
        };
        if deleted.is_ok() {
            finish_delete(store, run_id, op, journaled, targets, clock)?;
        }
        return settle_failure(
            store, run_id, op, journaled, deleted, targets, clock, report,
        );
    }
    let may_exist = journaled.may_exist();
    let linked = if op.action == ChildAction::Create && may_exist {
        linked_records(store, op, targets)?
    } else {
        Vec::new()
    };
    journal::begin(store.conn(), journaled, run_id, clock.now())?;
    let written = Writing {
        op,
        targets,
        may_exist,
        linked: &linked,
        clock,
    }
    .send(store, journaled)
    .await;
    // A link that would re-point another record's is refused by the store: the operation
    // becomes a dead letter naming both records, and the run goes on.
    let written = match written {
        Ok(written) => match finish(store, run_id, op, journaled, &written, targets, clock) {
            Ok(()) => Ok(()),
            Err(e) if e.code == ErrorCode::Conflict => Err(e),
            Err(e) => return Err(e),
        },
        // The record was deleted on the target side since it was read: seen, not refused.
        Err(e) if e.code == ErrorCode::NotFound && op.action == ChildAction::Update => {
            target_gone(store, run_id, op, journaled, targets, &e, clock)?;
            report.gone += 1;
            return Ok(());
        }
        Err(e) => Err(e),
    };
    settle_failure(
        store, run_id, op, journaled, written, targets, clock, report,
    )
}

/// Counts a finished write, or records how it failed; an error only when the target's
/// connection must be authorized again or the store fails.
#[allow(clippy::too_many_arguments)]
fn settle_failure(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &mut Journaled,
    written: Result<(), BridgeError>,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    report: &mut ChildReport,
) -> Result<(), BridgeError> {
    match written {
        Ok(()) => {
            report.done += 1;
        }
        Err(e) => {
            let message = format!(
                "{} {} of {} {} of contact {}: {}",
                targets.system(op.target),
                action_name(op.action),
                op.kind.as_str(),
                op.remote_id.as_deref().unwrap_or(&op.source_id),
                op.contact_id,
                e.message
            );
            match journal::fail(store.conn(), journaled, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    return Err(crate::apply::reconnect(
                        store.conn(),
                        targets.connection_id(op.target),
                        targets.system(op.target),
                        &e,
                        clock.now(),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// One child write on its way out.
struct Writing<'w> {
    op: &'w ChildOperation,
    targets: &'w ChildTargets<'w>,
    /// Sent before without an answer: the record may exist.
    may_exist: bool,
    linked: &'w [String],
    clock: &'w dyn Clock,
}

impl Writing<'_> {
    /// The record the write left on the target side, as its mirror stores it.
    async fn send(
        &self,
        store: &Store,
        journaled: &mut Journaled,
    ) -> Result<Activity, BridgeError> {
        let op = self.op;
        match (op.action, &op.remote_id) {
            (ChildAction::Create, _) => match self.made_before(journaled).await? {
                Some(id) => self.resume(&id).await,
                None => self.create(store, journaled).await,
            },
            (ChildAction::Update | ChildAction::Link, Some(id)) => self.update(id).await,
            (ChildAction::Delete, _) => {
                Err(BridgeError::internal("a delete is sent by its own path"))
            }
            (_, None) => Err(BridgeError::internal(
                "a task or note update without a remote id",
            )),
        }
    }

    /// The record an earlier attempt of this create made: its id as the journal stored it,
    /// else looked up (reads only).
    async fn made_before(&self, journaled: &Journaled) -> Result<Option<String>, BridgeError> {
        if let Some(id) = &journaled.remote_id {
            return Ok(Some(id.clone()));
        }
        if !self.may_exist {
            return Ok(None);
        }
        let op = self.op;
        Ok(match op.target {
            Side::Ghl => self
                .targets
                .ghl
                .find(op.kind, &op.parent, &op.values, self.linked)
                .await?
                .map(|found| found.remote_id),
            Side::App => {
                self.targets
                    .app
                    .find(op.kind, &op.parent, &op.values, self.linked)
                    .await?
            }
        })
    }

    /// Finishes a create on the record it made. A task may have stopped halfway (created,
    /// not yet completed) and is updated to the values; notes and appointments are made in
    /// one request and found by their content, so they are kept as they are.
    async fn resume(&self, id: &str) -> Result<Activity, BridgeError> {
        if self.op.kind == ChildKind::Task {
            return self.update(id).await;
        }
        Ok(self.mirror(id))
    }

    async fn create(
        &self,
        store: &Store,
        journaled: &mut Journaled,
    ) -> Result<Activity, BridgeError> {
        let op = self.op;
        match op.target {
            Side::Ghl => {
                let written = self
                    .targets
                    .ghl
                    .create(op.kind, &op.parent, &op.values)
                    .await?;
                journal::created(
                    store.conn(),
                    journaled,
                    &written.remote_id,
                    self.clock.now(),
                )?;
                Ok(written)
            }
            Side::App => {
                // An app that completes a task by a request of its own: created open, its id
                // journaled, then completed as an update of that record.
                let two_steps = op.kind == ChildKind::Task
                    && op.values.completed
                    && self.targets.app.rules().completes_by_update;
                let first = ChildValues {
                    completed: op.values.completed && !two_steps,
                    ..op.values.clone()
                };
                let id = self.targets.app.create(op.kind, &op.parent, &first).await?;
                journal::created(store.conn(), journaled, &id, self.clock.now())?;
                if two_steps {
                    return self.update(&id).await;
                }
                Ok(self.mirror(&id))
            }
        }
    }

    async fn update(&self, id: &str) -> Result<Activity, BridgeError> {
        let op = self.op;
        match op.target {
            Side::Ghl => {
                self.targets
                    .ghl
                    .update(op.kind, &op.parent, id, &op.values)
                    .await
            }
            Side::App => {
                self.targets.app.update(op.kind, id, &op.values).await?;
                Ok(self.mirror(id))
            }
        }
    }

    fn mirror(&self, remote_id: &str) -> Activity {
        let op = self.op;
        app_activity(
            &self.targets.app_connection.id,
            &op.contact_id,
            op.kind,
            remote_id,
            &op.values,
        )
    }
}

/// Links the two records a write made one, with the base it settled.
fn link(
    tx: &bridge_store::Transaction<'_>,
    op: &ChildOperation,
    targets: &ChildTargets<'_>,
    (ghl_id, app_id): (&str, &str),
    written: &Activity,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    let agreed = op.values.hash(op.kind);
    links::insert_or_verify(
        tx,
        &links::LinkRow {
            contact_id: op.contact_id.clone(),
            connection_id: targets.app_connection.id.clone(),
            object_kind: op.kind.as_str().into(),
            local_object_id: Some(ghl_id.to_string()),
            remote_id: app_id.to_string(),
            last_written_hash: Some(agreed.clone()),
            last_seen_hash: Some(agreed),
        },
        now,
    )?;
    let mut base = settled_base(op);
    // GHL requires a due date on a new task: the one it was given for a task without one
    // is remembered, so it is not taken for a change and carried back (`plan.rs`).
    if op.target == Side::Ghl && op.action == ChildAction::Create && op.values.due.is_none() {
        if let Some(given) = ChildValues::from_activity(written).due {
            base.insert(merge::INVENTED_DUE.into(), serde_json::Value::String(given));
        }
    }
    links::settle_record_base(
        tx,
        &targets.app_connection.id,
        op.kind.as_str(),
        app_id,
        &base,
        now,
    )
}

fn finish(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &Journaled,
    written: &Activity,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let (ghl_id, app_id) = match op.target {
        Side::Ghl => (written.remote_id.clone(), op.source_id.clone()),
        Side::App => (op.source_id.clone(), written.remote_id.clone()),
    };
    let mut mirror = written.clone();
    mirror.contact_id = op.contact_id.clone();
    mirror.connection_id = targets.connection_id(op.target).to_string();
    store.with_tx(|tx| {
        match op.rule {
            // A rule's record answers no record of the other side: nothing to link.
            Some(rule) => rule_records::insert(
                tx,
                &rule_records::RuleRecord {
                    pair_id: targets.app_connection.id.clone(),
                    connection_id: mirror.connection_id.clone(),
                    object_kind: op.kind.as_str().into(),
                    remote_id: written.remote_id.clone(),
                    rule: rule.as_str().into(),
                    contact_id: op.contact_id.clone(),
                },
                now,
            )?,
            None => link(tx, op, targets, (&ghl_id, &app_id), written, now)?,
        }
        let before = activities::get(tx, &mirror.connection_id, &mirror.kind, &mirror.remote_id)?;
        activities::upsert(tx, &mirror, now)?;
        let mut event = activity_event(
            match op.target {
                Side::Ghl => "ghl",
                Side::App => targets.app_connection.system.as_str(),
            },
            &bridge_store::timestamp(now),
            match op.action {
                ChildAction::Create => ActivityChange::Created,
                ChildAction::Update | ChildAction::Link | ChildAction::Delete => {
                    ActivityChange::Updated
                }
            },
            before.as_ref(),
            &mirror,
        );
        event.run_id = Some(run_id.to_string());
        timeline::append(tx, &event)?;
        journal::done(tx, journaled, run_id, now)
    })
}
