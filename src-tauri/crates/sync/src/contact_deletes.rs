//! Carrying a contact's delete to the other side of a pair (issue #12). A contact seen
//! deleted on one side — GHL answering "not found" (`pull::ghl_contacts_gone`), or an app
//! record missing from a complete scan and confirmed gone (`pull::app_gone`) — is proposed to
//! the approval queue (`crate::deletes`, object kind `contact`) where the pair carries deletes,
//! and waits in review as well: the review keeps its other answers (link the record to a GHL
//! merge's survivor, or leave it be), which a delete queue has not. Nothing is deleted until
//! the operator approves; then the next sync of the pair carries the delete here, through the
//! one journal (intent: pair, target connection, contact, `delete`), as every other write:
//!
//! - sent and answered: the link is closed, the target record is marked deleted in the mirror
//!   (so it is never matched or planned again), the review is closed as `carried`, the queue
//!   row is `carried`, and the contact's timeline says what was deleted where;
//! - the target answers "not found" (GHL's 400, Ninox's 404, Novi's 404): gone already, which
//!   is what the delete was to make true — done the same way, no dead letter;
//! - the answer lost, or the process killed between the send and the bookkeeping: the
//!   operation stays `sent`/`failed` and the next sync sends it again (a delete is idempotent:
//!   the second answer is "not found", and it ends done);
//! - refused by the app: a dead letter, left for `bridge dead-letters`; never sent again by
//!   itself.
//!
//! Before a delete is journaled, it is checked to still hold: the deleted side still deleted
//! and the link still the same (a contact created again in GHL, a record listed again or a
//! review resolved by a link to another contact withdraws it). Approved deletes are the
//! operator's decision, one record at a time: the breaker does not count them.

use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::match_reviews;
use bridge_store::table::operations;
use bridge_store::table::pending_deletes::{self, NewDelete, PendingDelete};
use bridge_store::table::timeline::{self, TimelineEvent};
use bridge_store::table::{contacts, links, remote_records};
use bridge_store::{Connection, Store};
use chrono::{DateTime, Utc};

use crate::apply::Targets;
use crate::journal::{self, Entry, Failure, Intent};
use crate::plan::Side;

/// The journal action of a contact's delete.
pub const DELETE: &str = "delete";

/// Whether contact deletes can be carried with this app: its API documents a delete of a
/// contact record (or, for Novi AMS, documents deactivation as the way to remove a member).
/// `None`: they can; `Some(why)`: they cannot, in a sentence for the operator.
pub fn refusal(system: System) -> Option<&'static str> {
    match system {
        System::Ninox | System::Novi => None,
        // Nifty holds no contacts of ours (its "contact" link is a GHL email): switching the
        // carry on there carries task deletes only.
        System::Nifty => None,
        // Sources: shared/reference/target-apps.md (Connectif: no contact delete; NiftyImages:
        // `DELETE /Store/DeleteRecord` with an unverified body, and no read of records).
        System::Connectif => Some(
            "Connectif's API documents no delete of a contact, so a contact's delete cannot be \
             carried there",
        ),
        System::NiftyImages => Some(
            "NiftyImages' API documents no read of a data store's records, so a delete could \
             be neither sent with certainty nor confirmed",
        ),
        _ => Some("this system is not an app a pair carries deletes with"),
    }
}

/// Whether the pair's contacts are records of the app a delete can reach (not Nifty's).
fn holds_contact_records(system: System) -> bool {
    matches!(system, System::Ninox | System::Novi)
}

/// Proposes the delete of a contact's record on the other side where the pair carries deletes
/// (`delete.object_kind` is `contact`; `deleted_in`: `ghl` or `app`). Returns whether it was
/// queued: never for an app whose contacts are no records a delete can reach (Nifty).
pub(crate) fn propose(
    tx: &Connection,
    pair: &ConnectionRow,
    delete: &NewDelete<'_>,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    if !holds_contact_records(pair.system) || delete.target_remote_id.is_empty() {
        return Ok(false);
    }
    Ok(crate::deletes::propose(tx, pair, delete, now)?.is_some())
}

/// What carrying the pair's approved contact deletes did, in the sync's outcome and its run
/// history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CarryReport {
    /// Deleted by our request.
    pub carried: u64,
    /// The target answered "not found": deleted already, which is what the delete was for
    /// (settled as carried, but not by us).
    pub already_gone: u64,
    /// Sent without a known answer: sent again by the next sync.
    pub unconfirmed: u64,
    pub dead: u64,
    /// No longer true (the record came back): taken out of the queue.
    pub withdrawn: u64,
}

/// One approved delete, resolved against the store.
struct Carry {
    delete: PendingDelete,
    contact_id: String,
    target: Side,
    /// The app record of the pair's link (the target, or the record deleted in the app).
    app_record: Option<String>,
}

/// Carries the pair's approved contact deletes; an error only when a connection must be
/// authorized again or the store fails.
pub async fn carry(
    store: &mut Store,
    run_id: &str,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<CarryReport, BridgeError> {
    let mut report = CarryReport::default();
    let approved = pending_deletes::approved(store.conn(), targets.app_connection_id, "contact")?;
    for delete in approved {
        let Some(carry) = resolve(store.conn(), targets, delete)? else {
            continue;
        };
        let intent = Intent {
            pair: targets.app_connection_id,
            target: &carry.delete.target_connection_id,
            kind: "contact",
            local: &carry.contact_id,
            action: DELETE,
        };
        let key = intent.key();
        let open = operations::open_by_intent(store.conn(), &key)?;
        match &open {
            // Sent before (answer lost, or killed before the bookkeeping): finished now,
            // whatever changed since; a failed one waits for its retry time.
            Some(row) => {
                let now = bridge_store::timestamp(clock.now());
                if row.state == "failed"
                    && row.next_retry_at.as_deref().is_some_and(|at| *at > *now)
                {
                    continue;
                }
            }
            None => {
                // A dead letter waits for the operator (`bridge dead-letters --retry`).
                if operations::latest_by_intent(store.conn(), &key)?
                    .is_some_and(|row| row.state == "dead")
                {
                    continue;
                }
                if !still_holds(store.conn(), targets, &carry)? {
                    pending_deletes::withdraw(
                        store.conn(),
                        targets.app_connection_id,
                        "contact",
                        &carry.delete.target_connection_id,
                        &carry.delete.target_remote_id,
                    )?;
                    report.withdrawn += 1;
                    continue;
                }
            }
        }
        send(store, run_id, &intent, &carry, targets, clock, &mut report).await?;
    }
    if report != CarryReport::default() {
        tracing::info!(
            pair = targets.app_connection_id,
            carried = report.carried,
            already_gone = report.already_gone,
            unconfirmed = report.unconfirmed,
            dead = report.dead,
            withdrawn = report.withdrawn,
            "approved contact deletes"
        );
    }
    Ok(report)
}

/// Which side the delete goes to, and the pair's app record; `None` for a row this pair
/// cannot carry (its location changed since, or no contact).
fn resolve(
    conn: &Connection,
    targets: &Targets<'_>,
    delete: PendingDelete,
) -> Result<Option<Carry>, BridgeError> {
    let Some(contact_id) = delete.contact_id.clone() else {
        return Ok(None);
    };
    let target = if delete.target_connection_id == targets.app_connection_id {
        Side::App
    } else if delete.target_connection_id == targets.ghl_connection_id {
        Side::Ghl
    } else {
        return Ok(None);
    };
    let app_record = match target {
        Side::App => Some(delete.target_remote_id.clone()),
        Side::Ghl => links::for_contact(conn, &contact_id)?
            .into_iter()
            .find(|l| l.connection_id == targets.app_connection_id && l.object_kind == "contact")
            .map(|l| l.remote_id),
    };
    Ok(Some(Carry {
        delete,
        contact_id,
        target,
        app_record,
    }))
}

/// Whether the delete is still what the operator approved: the deleted side still deleted,
/// and the contact still linked to that record.
fn still_holds(
    conn: &Connection,
    targets: &Targets<'_>,
    carry: &Carry,
) -> Result<bool, BridgeError> {
    let Some(app_record) = carry.app_record.as_deref() else {
        return Ok(false);
    };
    let linked = links::find_remote(conn, targets.app_connection_id, "contact", app_record)?
        .is_some_and(|l| l.contact_id == carry.contact_id);
    if !linked {
        return Ok(false);
    }
    Ok(match carry.target {
        // Deleted in GHL: the contact is still marked deleted (not created again).
        Side::App => contacts::get(conn, &carry.contact_id)?.is_some_and(|row| {
            row.deleted_at.is_some() && row.ghl_connection_id == targets.ghl_connection_id
        }),
        // Deleted in the app: the record is still marked deleted (not listed again), and the
        // contact is still that GHL contact.
        Side::Ghl => {
            remote_records::deleted(conn, targets.app_connection_id, "contact")?
                .iter()
                .any(|(id, _)| id == app_record)
                && contacts::get(conn, &carry.contact_id)?.is_some_and(|row| {
                    row.deleted_at.is_none()
                        && row.contact.contact_id == carry.delete.target_remote_id
                })
        }
    })
}

/// Sends one delete through the journal and settles how it ended.
async fn send(
    store: &mut Store,
    run_id: &str,
    intent: &Intent<'_>,
    carry: &Carry,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut CarryReport,
) -> Result<(), BridgeError> {
    let (target_system, deleted_in) = match carry.target {
        Side::App => (targets.app.system().to_string(), "GHL".to_string()),
        Side::Ghl => ("GHL".to_string(), targets.app.system().to_string()),
    };
    let entry = Entry {
        contact_id: Some(carry.contact_id.clone()),
        remote_id: Some(carry.delete.target_remote_id.clone()),
        before: None,
        after: None,
        reason: format!(
            "deleted in {deleted_in}; delete {} approved by the operator",
            carry.delete.id
        ),
        payload: serde_json::json!({ "deleteId": carry.delete.id }).to_string(),
    };
    let mut journaled = journal::record(store.conn(), run_id, intent, entry, clock.now())?;
    journal::begin(store.conn(), &mut journaled, run_id, clock.now())?;
    let writer = match carry.target {
        Side::App => targets.app,
        Side::Ghl => targets.ghl,
    };
    // `Ok(true)`: deleted by this request; `Ok(false)`: gone already, which is what the
    // delete was to make true.
    let sent = match writer.delete(&carry.delete.target_remote_id).await {
        Ok(()) => Ok(true),
        Err(e) if e.code == ErrorCode::NotFound => Ok(false),
        Err(e) => Err(e),
    };
    match sent {
        Ok(deleted_now) => {
            let now = clock.now();
            store.with_tx(|tx| {
                settle(tx, run_id, carry, targets, &target_system, &deleted_in, now)?;
                journal::done(tx, &journaled, run_id, now)
            })?;
            if deleted_now {
                report.carried += 1;
            } else {
                report.already_gone += 1;
            }
        }
        Err(e) => {
            let message = format!(
                "{target_system} delete of contact record {} ({}): {}",
                carry.delete.target_remote_id, carry.delete.summary, e.message
            );
            match journal::fail(store.conn(), &journaled, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    return Err(crate::apply::reconnect(
                        store.conn(),
                        &carry.delete.target_connection_id,
                        &target_system,
                        &e,
                        clock.now(),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// What a carried delete leaves: the pair's link closed, the target marked deleted, the review
/// closed, the queue row carried and the timeline told.
fn settle(
    tx: &Connection,
    run_id: &str,
    carry: &Carry,
    targets: &Targets<'_>,
    target_system: &str,
    deleted_in: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let app_id = targets.app_connection_id;
    if let Some(app_record) = carry.app_record.as_deref() {
        links::remove(tx, app_id, "contact", app_record)?;
        match_reviews::resolve(tx, app_id, "contact", app_record, "carried", now)?;
    }
    match carry.target {
        Side::App => {
            remote_records::set_deleted(
                tx,
                app_id,
                "contact",
                &carry.delete.target_remote_id,
                Some(now),
            )?;
        }
        // The GHL contact is gone now, as if a pull had seen it: the location's other pairs
        // see the delete as theirs (a review, or their own proposal).
        Side::Ghl => crate::pull::ghl_contacts_gone::contact_gone(tx, &carry.contact_id, now)?,
    }
    pending_deletes::carried(tx, carry.delete.id, now)?;
    timeline::append(
        tx,
        &TimelineEvent {
            contact_id: carry.contact_id.clone(),
            system: match carry.target {
                Side::App => targets.app_system.as_str().to_string(),
                Side::Ghl => "ghl".to_string(),
            },
            kind: "contact".into(),
            occurred_at: bridge_store::timestamp(now),
            title: format!(
                "Contact deleted in {target_system} (record {}), as approved: it was deleted in {deleted_in}",
                carry.delete.target_remote_id
            ),
            body: carry.delete.summary.clone(),
            before_value: None,
            after_value: None,
            subject_ref: Some(carry.delete.target_remote_id.clone()),
            run_id: Some(run_id.to_string()),
        },
    )
}
