//! App contacts deleted, seen and never guessed: after a scan its app documents as complete
//! (it lists every record: [`AppSide::complete_scan`]), a stored record it did not list is
//! read once by its id, and only a record that read answers "not found" for is marked
//! deleted ([`AppSide::is_gone`]); a record left out by paging under concurrent edits is
//! still there and stays. A deleted record is never matched or planned again; its GHL contact
//! is kept and waits in review (reason `deleted`), where the operator sees it. A record the
//! app lists again is live again. Apps whose scans are not complete (Novi AMS leaves inactive
//! members out, and `Active=false` is not a delete) never mark anything deleted.

use std::collections::{BTreeSet, HashSet};

use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::match_reviews::{self, NewReview};
use bridge_store::table::pending_deletes::NewDelete;
use bridge_store::table::{contacts, pending_deletes, remote_records};
use bridge_store::Store;

use crate::app::AppSide;

/// What one scan of the app listed, kept until it has ended.
#[derive(Default)]
pub(crate) struct Scan {
    /// Whether the app's documentation makes this scan a list of every record.
    pub complete: bool,
    pub listed: HashSet<String>,
}

/// After a scan ended without error: records listed again are live; where the scan was
/// complete, records it left out that their app confirms gone are marked deleted, each with
/// a review. Returns how many were marked.
pub(crate) async fn after_scan(
    store: &mut Store,
    app: &dyn AppSide,
    scan: &Scan,
    clock: &dyn Clock,
) -> Result<u64, BridgeError> {
    let connection = app.connection();
    let now = clock.now();
    let back: Vec<String> = remote_records::deleted(store.conn(), &connection.id, "contact")?
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| scan.listed.contains(id))
        .collect();
    store.with_tx(|tx| {
        for id in &back {
            remote_records::set_deleted(tx, &connection.id, "contact", id, None)?;
            match_reviews::resolve(tx, &connection.id, "contact", id, "listed again", now)?;
            withdraw_ghl_delete(tx, connection, id)?;
        }
        Ok(())
    })?;
    if !scan.complete {
        return Ok(0);
    }
    let missing: BTreeSet<String> =
        remote_records::live_ids(store.conn(), &connection.id, "contact")?
            .into_iter()
            .filter(|id| !scan.listed.contains(id))
            .collect();
    let mut marked = 0;
    for id in missing {
        if !app.is_gone(&id).await? {
            continue;
        }
        store.with_tx(|tx| mark_deleted(tx, connection, &id, clock))?;
        marked += 1;
    }
    Ok(marked)
}

fn mark_deleted(
    tx: &bridge_store::Connection,
    connection: &ConnectionRow,
    remote_id: &str,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    remote_records::set_deleted(tx, &connection.id, "contact", remote_id, Some(now))?;
    let Some(contact_id) =
        remote_records::get(tx, &connection.id, "contact", remote_id)?.and_then(|r| r.contact_id)
    else {
        return Ok(());
    };
    let row = contacts::get(tx, &contact_id)?;
    let who = row
        .as_ref()
        .map(|row| super::ghl_contacts_gone::person(&row.contact))
        .unwrap_or_else(|| format!("contact {contact_id}"));
    let app_name = connection.system.display_name();
    // Where the pair carries deletes, the GHL contact's delete waits for approval too
    // (`crate::contact_deletes`).
    if let Some(row) = row.as_ref().filter(|r| r.deleted_at.is_none()) {
        crate::contact_deletes::propose(
            tx,
            connection,
            &NewDelete {
                pair_id: &connection.id,
                object_kind: "contact",
                contact_id: Some(&contact_id),
                deleted_in: "app",
                target_connection_id: &row.ghl_connection_id,
                target_remote_id: &row.contact.contact_id,
                summary: &format!(
                    "{who}: record {remote_id} was deleted in {app_name}: delete the contact in GHL"
                ),
            },
            now,
        )?;
    }
    let summary = format!(
        "{who}: record {remote_id} was deleted in {app_name}; the GHL contact is kept and no longer synced with {app_name}"
    );
    match_reviews::open(
        tx,
        &NewReview {
            connection_id: &connection.id,
            object_kind: "contact",
            remote_id,
            reason: match_reviews::DELETED,
            // The side whose record survives.
            match_key: "ghl",
            candidates: &[],
            contact_id: Some(&contact_id),
            summary: &summary,
        },
        now,
    )
}

/// A record listed again takes back the waiting delete of its GHL contact, if one waits.
fn withdraw_ghl_delete(
    tx: &bridge_store::Connection,
    connection: &ConnectionRow,
    remote_id: &str,
) -> Result<(), BridgeError> {
    let Some(contact_id) =
        remote_records::get(tx, &connection.id, "contact", remote_id)?.and_then(|r| r.contact_id)
    else {
        return Ok(());
    };
    if let Some(row) = contacts::get(tx, &contact_id)? {
        pending_deletes::withdraw(
            tx,
            &connection.id,
            "contact",
            &row.ghl_connection_id,
            &row.contact.contact_id,
        )?;
    }
    Ok(())
}

/// The contacts whose record in this app is deleted: not planned for the pair.
pub(crate) fn contacts_deleted_in_app(
    conn: &bridge_store::Connection,
    app_connection_id: &str,
) -> Result<HashSet<String>, BridgeError> {
    Ok(remote_records::deleted(conn, app_connection_id, "contact")?
        .into_iter()
        .filter_map(|(_, contact)| contact)
        .collect())
}
