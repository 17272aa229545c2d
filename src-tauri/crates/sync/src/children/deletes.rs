//! A linked task or note deleted on one side: what waits for the operator. The surviving copy
//! is no longer synced (its link stays as the record of the delete, so it is never created
//! again on the side that deleted it). Where the pair carries deletes, the delete of the copy
//! waits in the delete queue (`crate::deletes`) and, once approved, the plan carries it
//! through the journal; elsewhere the copy waits in the review queue, where the operator sees
//! it and can leave it be.

use bridge_core::BridgeError;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::match_reviews::{self, NewReview};
use bridge_store::table::pending_deletes::NewDelete;
use bridge_store::Connection;
use chrono::{DateTime, Utc};

use super::ChildKind;
use crate::plan::Side;

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
