//! What an answered write settles, in one transaction (link, base, mirror, timeline, done
//! mark), and what a refused authorization stops.

use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::timeline::{self, TimelineEvent};
use bridge_store::table::{contacts, links, remote_records};
use bridge_store::Store;

use super::{Payload, Targets};
use crate::journal::{self, Entry, Journaled};
use crate::plan::{Operation, Side};

/// Stops a connection's work until the operator reconnects it: its status says so, its
/// unfinished writes stay as they are for the next sync, and the run ends with this error
/// (never "succeeded").
pub(crate) fn reconnect(
    conn: &bridge_store::Connection,
    connection_id: &str,
    system: &str,
    error: &BridgeError,
    now: chrono::DateTime<chrono::Utc>,
) -> BridgeError {
    let status = bridge_store::table::connections::set_status(
        conn,
        connection_id,
        "reconnect_required",
        now,
    );
    if let Err(e) = status {
        return e;
    }
    BridgeError::new(
        ErrorCode::ReconnectRequired,
        format!(
            "{system} refused this sync's authorization; reconnect it (its unfinished writes are kept and sent by the next sync): {}",
            error.message
        ),
    )
}

/// After a sync that went through: connections that needed reconnecting work again.
pub(crate) fn reconnected(
    conn: &bridge_store::Connection,
    connections: &[&bridge_store::table::connections::ConnectionRow],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    for connection in connections {
        if connection.status == "reconnect_required" {
            bridge_store::table::connections::set_status(conn, &connection.id, "connected", now)?;
        }
    }
    Ok(())
}

/// Stores what the remote's answer settled, all in one transaction.
pub(super) fn finish(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &Journaled,
    created_id: Option<&str>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let local_id = &payload.local_id;
    store.with_tx(|tx| {
        if let Some(remote_id) = created_id {
            match payload.target {
                Side::App => links::insert_or_verify(
                    tx,
                    &links::LinkRow {
                        contact_id: local_id.clone(),
                        connection_id: targets.app_connection_id.to_string(),
                        object_kind: "contact".into(),
                        local_object_id: None,
                        remote_id: remote_id.to_string(),
                        last_written_hash: Some(content_hash(&payload.changes)),
                        last_seen_hash: None,
                    },
                    now,
                )?,
                Side::Ghl => contacts::set_ghl_id(tx, local_id, remote_id, now)?,
            }
        }
        let settled: serde_json::Map<String, serde_json::Value> =
            payload.settles.clone().into_iter().collect();
        links::settle_base(tx, targets.app_connection_id, local_id, &settled, now)?;
        // The local mirror of the target holds what we wrote, in the same transaction as the
        // done mark: a rerun after a crash plans from what the remote now holds.
        let written: serde_json::Map<String, serde_json::Value> =
            payload.values().into_iter().collect();
        match payload.target {
            Side::App => {
                if let Some(remote_id) = created_id.or(payload.remote_id.as_deref()) {
                    remote_records::merge_written(
                        tx,
                        targets.app_connection_id,
                        "contact",
                        remote_id,
                        local_id,
                        &written,
                        now,
                    )?;
                }
            }
            Side::Ghl => {
                contacts::apply_written(tx, local_id, &written, now)?;
                let answered = created_id
                    .or(payload.remote_id.as_deref())
                    .and_then(|id| targets.ghl.answer(id));
                if let Some(contact) = answered {
                    crate::pull::ghl::store_answer(tx, targets.ghl_connection_id, &contact, now)?;
                }
            }
        }
        for change in &payload.changes {
            timeline::append(
                tx,
                &TimelineEvent {
                    contact_id: local_id.clone(),
                    system: match payload.target {
                        Side::Ghl => "ghl".into(),
                        Side::App => targets.app_system.as_str().into(),
                    },
                    kind: "field".into(),
                    occurred_at: bridge_store::timestamp(now),
                    title: format!("{} set by sync", change.field),
                    body: payload.reason.clone(),
                    before_value: change.before.as_ref().map(|v| v.to_string()),
                    after_value: Some(change.after.to_string()),
                    subject_ref: Some(change.field.clone()),
                    run_id: Some(run_id.to_string()),
                },
            )?;
        }
        journal::done(tx, op, run_id, now)
    })
}

pub(super) fn journal_entry(op: &Operation) -> Result<Entry, BridgeError> {
    Ok(Entry {
        contact_id: Some(op.local_id.clone()),
        remote_id: op.remote_id.clone(),
        before: Some(journal::json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.before))
                .collect::<Vec<_>>(),
        )?),
        after: Some(journal::json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.after))
                .collect::<Vec<_>>(),
        )?),
        reason: op.reason.clone(),
        payload: journal::json(&Payload::of(op))?,
    })
}
