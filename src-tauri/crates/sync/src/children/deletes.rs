//! A linked task or note deleted on one side: what waits for the operator. The surviving copy
//! is no longer synced (its link stays as the record of the delete, so it is never created
//! again on the side that deleted it). Where the pair carries deletes, the delete of the copy
//! waits in the delete queue (`crate::deletes`) and, once approved, the plan carries it
//! through the journal; elsewhere the copy waits in the review queue, where the operator sees
//! it and can leave it be.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::activities;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::match_reviews::{self, NewReview};
use bridge_store::table::pending_deletes::{self, NewDelete};
use bridge_store::table::{links, timeline};
use bridge_store::{Connection, Store};
use chrono::{DateTime, Utc};

use super::plan::Planned;
use super::{ChildAction, ChildKind, ChildOperation, ChildTargets, ChildValues};
use crate::journal::{self, Journaled};
use crate::plan::Side;
use crate::timeline::{activity_event, ActivityChange};

/// A record seen deleted on one side while its copy lives on the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenDelete {
    pub kind: ChildKind,
    pub contact_id: String,
    /// Where it was deleted; the copy lives on the other side.
    pub deleted_in: Side,
    /// The surviving copy's connection and id.
    pub target_connection_id: String,
    pub target_remote_id: String,
    /// How the operator knows it.
    pub summary: String,
    /// Seen by a write that met "not found" rather than by a read.
    pub by_write: bool,
}

/// Queues each seen delete for the operator: in the delete queue where the pair carries
/// deletes, else as a review. Seeing the same delete again changes nothing (a decision taken
/// stays taken).
pub fn record_seen_deletes(
    conn: &Connection,
    app: &ConnectionRow,
    seen: &[SeenDelete],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    for delete in seen {
        let (deleted_in, survivor_side) = match delete.deleted_in {
            Side::Ghl => ("ghl", "app"),
            Side::App => ("app", "ghl"),
        };
        let proposed = crate::deletes::propose(
            conn,
            app,
            &NewDelete {
                pair_id: &app.id,
                object_kind: delete.kind.as_str(),
                contact_id: Some(&delete.contact_id),
                deleted_in,
                target_connection_id: &delete.target_connection_id,
                target_remote_id: &delete.target_remote_id,
                summary: &delete.summary,
            },
            now,
        )?;
        if proposed.is_some() {
            continue;
        }
        match_reviews::open(
            conn,
            &NewReview {
                connection_id: &app.id,
                object_kind: delete.kind.as_str(),
                remote_id: &delete.target_remote_id,
                reason: if delete.by_write {
                    match_reviews::NOT_FOUND
                } else {
                    match_reviews::DELETED
                },
                match_key: survivor_side,
                candidates: &[],
                contact_id: Some(&delete.contact_id),
                summary: &delete.summary,
            },
            now,
        )?;
    }
    Ok(())
}

/// "task "Call Ada" was deleted in GHL; its copy in Novi AMS is kept and no longer synced".
pub(super) fn summary(kind: ChildKind, title: &str, deleted_in: &str, kept_in: &str) -> String {
    format!(
        "{} \"{}\" was deleted in {deleted_in}; its copy in {kept_in} is kept and no longer synced",
        kind.as_str(),
        title
    )
}

/// A linked record missing on one side.
pub(super) struct Gone<'a> {
    pub kind: ChildKind,
    pub contact_id: &'a str,
    pub link: &'a links::LinkRow,
    pub ghl_connection_id: &'a str,
    pub app: &'a ConnectionRow,
    pub ghl_parent: Option<&'a str>,
    pub app_parent: &'a str,
}

impl Gone<'_> {
    /// Only a record seen deleted counts (a record merely not stored under this contact is
    /// not guessed gone): its surviving copy is no longer synced, and its delete, once the
    /// operator approved it, is carried; until then it is seen, for the operator.
    pub(super) fn plan(&self, store: &Store, out: &mut Planned<'_>) -> Result<(), BridgeError> {
        let kind = self.kind.as_str();
        let Some(ghl_id) = self.link.local_object_id.as_deref() else {
            return Ok(());
        };
        let app_id = self.link.remote_id.as_str();
        let ghl_deleted =
            activities::is_deleted(store.conn(), self.ghl_connection_id, kind, ghl_id)?;
        let app_deleted = activities::is_deleted(store.conn(), &self.app.id, kind, app_id)?;
        let (deleted_in, target, target_connection, survivor_id, deleted_id, parent) =
            match (ghl_deleted, app_deleted) {
                (true, false) => (
                    Side::Ghl,
                    Side::App,
                    self.app.id.as_str(),
                    app_id,
                    ghl_id,
                    self.app_parent,
                ),
                (false, true) => match self.ghl_parent {
                    Some(parent) => (
                        Side::App,
                        Side::Ghl,
                        self.ghl_connection_id,
                        ghl_id,
                        app_id,
                        parent,
                    ),
                    None => return Ok(()),
                },
                // Gone on both sides, or not seen deleted on either: nothing to do.
                _ => return Ok(()),
            };
        let Some(survivor) = activities::get(store.conn(), target_connection, kind, survivor_id)?
        else {
            return Ok(());
        };
        let values = ChildValues::from_activity(&survivor);
        let (deleted_name, kept_name) = match deleted_in {
            Side::Ghl => ("GHL", self.app.system.display_name()),
            Side::App => (self.app.system.display_name(), "GHL"),
        };
        let queued = pending_deletes::find(
            store.conn(),
            &self.app.id,
            kind,
            target_connection,
            survivor_id,
        )?;
        match queued {
            Some(approved) if approved.state == "approved" => {
                out.operations.push(ChildOperation {
                    target,
                    kind: self.kind,
                    action: ChildAction::Delete,
                    contact_id: self.contact_id.to_string(),
                    parent: parent.to_string(),
                    remote_id: Some(survivor_id.to_string()),
                    source_id: deleted_id.to_string(),
                    before: Some(values.clone()),
                    values,
                    reason: format!(
                        "{kind} deleted in {deleted_name}: its copy in {kept_name} is deleted, as approved"
                    ),
                    base: self.link.last_seen_hash.clone(),
                    settles: Vec::new(),
                    delete_id: Some(approved.id),
                    rule: None,
                })
            }
            // Waiting for the operator, rejected or carried: nothing more to do.
            Some(_) => {}
            None => out.seen_deletes.push(SeenDelete {
                kind: self.kind,
                contact_id: self.contact_id.to_string(),
                deleted_in,
                target_connection_id: target_connection.to_string(),
                target_remote_id: survivor_id.to_string(),
                summary: summary(self.kind, &values.title, deleted_name, kept_name),
                by_write: false,
            }),
        }
        Ok(())
    }
}

/// Sends an approved delete to the side holding the surviving copy.
pub(super) async fn delete(
    op: &ChildOperation,
    targets: &ChildTargets<'_>,
) -> Result<(), BridgeError> {
    let Some(id) = op.remote_id.as_deref() else {
        return Err(BridgeError::internal(
            "a task or note delete without a remote id",
        ));
    };
    match op.target {
        Side::Ghl => targets.ghl.delete(op.kind, &op.parent, id).await,
        Side::App => targets.app.delete(op.kind, id).await,
    }
}

/// After a delete: the copy is marked deleted in the mirror, on the timeline, and the queued
/// delete carried, in the transaction that marks the operation done.
pub(super) fn finish_delete(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &Journaled,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let connection_id = targets.connection_id(op.target).to_string();
    let remote_id = op.remote_id.clone().unwrap_or_default();
    store.with_tx(|tx| {
        mark_gone(tx, run_id, op, &connection_id, &remote_id, targets, now)?;
        if let Some(id) = op.delete_id {
            bridge_store::table::pending_deletes::carried(tx, id, now)?;
        }
        journal::done(tx, journaled, run_id, now)
    })
}

/// An update that met "not found": the target record is marked deleted, its surviving copy
/// waits for the operator (a review, or the delete queue where the pair carries deletes), and
/// the operation ends there, not as a dead letter.
pub(super) fn target_gone(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &Journaled,
    targets: &ChildTargets<'_>,
    error: &BridgeError,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let connection_id = targets.connection_id(op.target).to_string();
    let remote_id = op.remote_id.clone().unwrap_or_default();
    let (survivor_connection, deleted_name, kept_name) = match op.target {
        Side::Ghl => (
            targets.app_connection.id.clone(),
            "GHL",
            targets.app.system(),
        ),
        Side::App => (
            targets.ghl_connection_id.to_string(),
            targets.app.system(),
            "GHL",
        ),
    };
    let seen = SeenDelete {
        kind: op.kind,
        contact_id: op.contact_id.clone(),
        deleted_in: op.target,
        target_connection_id: survivor_connection,
        target_remote_id: op.source_id.clone(),
        summary: summary(op.kind, &op.values.title, deleted_name, kept_name),
        by_write: true,
    };
    let message = format!(
        "{} {} {} of contact {} is gone ({}): left for review",
        targets.system(op.target),
        op.kind.as_str(),
        remote_id,
        op.contact_id,
        error.message
    );
    store.with_tx(|tx| {
        mark_gone(tx, run_id, op, &connection_id, &remote_id, targets, now)?;
        record_seen_deletes(tx, targets.app_connection, &[seen], now)?;
        journal::gone(tx, journaled, run_id, &message, now)
    })
}

/// Marks one record deleted in the mirror and puts the delete on its contact's timeline.
fn mark_gone(
    tx: &bridge_store::Connection,
    run_id: &str,
    op: &ChildOperation,
    connection_id: &str,
    remote_id: &str,
    targets: &ChildTargets<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    let Some(stored) = activities::get(tx, connection_id, op.kind.as_str(), remote_id)? else {
        return Ok(());
    };
    activities::mark_deleted(tx, connection_id, op.kind.as_str(), remote_id, now)?;
    let mut event = activity_event(
        match op.target {
            Side::Ghl => "ghl",
            Side::App => targets.app_connection.system.as_str(),
        },
        &bridge_store::timestamp(now),
        ActivityChange::Deleted,
        Some(&stored),
        &stored,
    );
    event.run_id = Some(run_id.to_string());
    timeline::append(tx, &event)
}
