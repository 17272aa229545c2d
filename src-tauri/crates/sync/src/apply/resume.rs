//! A create whose answer was lost, resumed: the record an earlier attempt made is found (by
//! the id the journal kept, or by the writer's lookup) and updated, never made twice. A
//! lookup that finds a record with other values than we sent (GHL's duplicate search finds
//! whoever shares the email or phone) links nothing: a `mismatch` review waits for the
//! operator.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::{contacts, match_reviews, remote_records};
use bridge_store::Store;

use super::{Payload, RecordWriter, Targets};
use crate::journal::{self, Journaled};
use crate::plan::{Side, Values};

/// A record a lookup found after a create whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    /// The fields it holds with other values than we sent, as "field: ours / theirs"; empty:
    /// the record we made.
    pub differs: Vec<String>,
}

/// A create, or the update of the record an earlier attempt made (its id stored in the
/// journal, or found by the values' match keys).
/// A found record is linked only when it holds the values we sent: another person sharing
/// the key is left alone ([`Resumed::Mismatch`]).
pub(super) async fn create_or_resume(
    conn: &bridge_store::Connection,
    op: &mut Journaled,
    writer: &dyn RecordWriter,
    values: &Values,
    may_exist: bool,
    clock: &dyn Clock,
) -> Result<Resumed, BridgeError> {
    let known = match &op.remote_id {
        Some(id) => Some(id.clone()),
        None if may_exist => match writer.find_created_confirmed(values).await? {
            Some(found) if !found.differs.is_empty() => return Ok(Resumed::Mismatch(found)),
            found => found.map(|f| f.id),
        },
        None => None,
    };
    match known {
        Some(id) => {
            writer.update(&id, values).await?;
            Ok(Resumed::Made(id))
        }
        None => {
            let id = writer.create(values).await?;
            journal::created(conn, op, &id, clock.now())?;
            Ok(Resumed::Made(id))
        }
    }
}

/// How a create (or its resumption after a lost answer) ended.
pub(super) enum Resumed {
    /// The record made (now, or by the earlier attempt), written with the values.
    Made(String),
    /// The lookup found a record with other values than we sent: perhaps another person.
    Mismatch(Found),
}

/// Opens the review of a lost create whose lookup found `found` with other values: the
/// record waiting is the one the create copied (the other side's), and neither is planned
/// while the review is open. Returns the journal's closing message.
pub(super) fn review_mismatch(
    store: &Store,
    payload: &Payload,
    found: &Found,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<String, BridgeError> {
    let conn = store.conn();
    let writer = targets.writer(payload.target);
    let (waiting, side) = match payload.target {
        Side::Ghl => (
            remote_records::for_contact(
                conn,
                targets.app_connection_id,
                "contact",
                &payload.local_id,
            )?
            .map(|r| r.remote_id),
            "app",
        ),
        Side::App => (
            contacts::get(conn, &payload.local_id)?
                .map(|r| r.contact.contact_id)
                .filter(|id| !id.is_empty()),
            "ghl",
        ),
    };
    let waiting = waiting.unwrap_or_else(|| payload.local_id.clone());
    let message = format!(
        "{} create of contact {} lost its answer; the lookup found {} {} with other values \
         ({}): not linked, waiting in review",
        writer.system(),
        payload.local_id,
        writer.system(),
        found.id,
        found.differs.join("; ")
    );
    match_reviews::open(
        conn,
        &match_reviews::NewReview {
            connection_id: targets.app_connection_id,
            object_kind: "contact",
            remote_id: &waiting,
            reason: match_reviews::MISMATCH,
            match_key: side,
            candidates: &[],
            contact_id: Some(&payload.local_id),
            summary: &message,
        },
        clock.now(),
    )?;
    Ok(message)
}
