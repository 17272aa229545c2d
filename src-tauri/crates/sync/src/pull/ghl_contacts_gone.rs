//! GHL contacts deleted, seen and never guessed: a contact whose own reads answer "not found"
//! (GHL's 400, see `http::request::record_read`) is marked deleted — no longer matched or
//! planned — and each app record linked to it waits in review, kept in the app. A contact
//! deleted and created again with the same email (GHL gives it a new id) takes over the
//! deleted one's local row, so the app record linked to it stays its one record.
//!
//! GHL merges: the specs (shared/specs/ghl: contacts.json, webhook-events/) document no merge
//! endpoint or webhook, nor any field naming the contact another was merged into. So a merge
//! is seen only as what it leaves: the merged-away contact answers 400 (or a ContactDelete
//! webhook arrives) and is handled here as deleted, its app record kept and waiting in review;
//! the surviving contact syncs with its own app record, and the tasks and notes GHL moved to
//! it are read as its own. Links are not moved: guessing the survivor (by email, say) could
//! tie an app record to another person, which is the one thing never guessed.

use bridge_connectors::ghl::GhlClient;
use bridge_core::{normalize, BridgeError, ErrorCode};
use bridge_store::table::match_reviews::{self, NewReview};
use bridge_store::table::{connections, contacts, links, pending_deletes};
use bridge_store::{Connection, Store};
use chrono::{DateTime, Utc};

use super::ghl::ChangedContact;

/// Marks the contact deleted in GHL and opens a review for each app record linked to it.
/// Seeing it again changes nothing.
pub(crate) fn contact_gone(
    tx: &Connection,
    local_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let Some(row) = contacts::get(tx, local_id)? else {
        return Ok(());
    };
    if !contacts::mark_deleted(tx, local_id, now)? {
        return Ok(());
    }
    let who = person(&row.contact);
    for link in links::for_contact(tx, local_id)? {
        if link.object_kind != "contact" {
            continue;
        }
        let app = connections::get(tx, &link.connection_id)?;
        let app_name = app
            .as_ref()
            .map(|a| a.system.display_name())
            .unwrap_or("the app");
        let summary = format!(
            "{who} was deleted in GHL; the record in {app_name} is kept and no longer synced"
        );
        // Where the pair carries deletes, the record's delete waits for approval too
        // (`crate::contact_deletes`); the review stays beside it for a merge's survivor.
        if let Some(app) = &app {
            crate::contact_deletes::propose(
                tx,
                app,
                &pending_deletes::NewDelete {
                    pair_id: &link.connection_id,
                    object_kind: "contact",
                    contact_id: Some(local_id),
                    deleted_in: "ghl",
                    target_connection_id: &link.connection_id,
                    target_remote_id: &link.remote_id,
                    summary: &format!(
                        "{who} was deleted in GHL: delete record {} in {app_name}",
                        link.remote_id
                    ),
                },
                now,
            )?;
        }
        match_reviews::open(
            tx,
            &NewReview {
                connection_id: &link.connection_id,
                object_kind: "contact",
                remote_id: &link.remote_id,
                reason: match_reviews::DELETED,
                match_key: "app",
                candidates: &[],
                contact_id: Some(local_id),
                summary: &summary,
            },
            now,
        )?;
    }
    Ok(())
}

/// A contact the pull stores for the first time, and the stored contact (another GHL id, the
/// same email) it replaces.
pub(super) struct Recreated {
    pub local_id: String,
    pub new_ghl_id: String,
}

/// Among the contacts new to the store, those created again after a delete: a stored contact
/// with the same email and another GHL id that is deleted — seen before, or confirmed now by
/// one read answering "not found" (a live one is a second person with the same email, left to
/// matching). Costs one request per new contact whose email a stored live contact holds.
pub(super) async fn recreated(
    store: &Store,
    ghl_connection_id: &str,
    client: &GhlClient,
    changed: &[ChangedContact],
) -> Result<Vec<Recreated>, BridgeError> {
    let mut found = Vec::new();
    for change in changed.iter().filter(|c| c.before.is_none()) {
        let Some(email) = change.contact.email.as_deref().and_then(normalize::email) else {
            continue;
        };
        let others = contacts::others_with_email(
            store.conn(),
            ghl_connection_id,
            &email,
            &change.contact.contact_id,
        )?;
        for other in others {
            let gone = match other.deleted_at {
                Some(_) => true,
                None => match client.get_contact(&other.contact.contact_id).await {
                    Ok(_) => false,
                    Err(e) if e.code == ErrorCode::NotFound => true,
                    Err(e) => return Err(e),
                },
            };
            if gone {
                found.push(Recreated {
                    local_id: other.id,
                    new_ghl_id: change.contact.contact_id.clone(),
                });
                break;
            }
        }
    }
    Ok(found)
}

/// Hands each deleted contact's row to the GHL contact created in its place; the reviews and
/// waiting deletes its deletion opened are closed.
pub(super) fn claim(
    tx: &Connection,
    recreated: &[Recreated],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    for one in recreated {
        contacts::claim_for(tx, &one.local_id, &one.new_ghl_id, now)?;
        for link in links::for_contact(tx, &one.local_id)? {
            if link.object_kind != "contact" {
                continue;
            }
            match_reviews::resolve(
                tx,
                &link.connection_id,
                "contact",
                &link.remote_id,
                "recreated",
                now,
            )?;
            pending_deletes::withdraw(
                tx,
                &link.connection_id,
                "contact",
                &link.connection_id,
                &link.remote_id,
            )?;
        }
    }
    Ok(())
}

/// "Ada Lovelace <ada@example.com> (GHL abc123)": how the operator finds the person.
pub(crate) fn person(contact: &bridge_core::Contact) -> String {
    let name = [contact.first_name.as_deref(), contact.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let email = contact
        .email
        .as_deref()
        .map(|e| format!(" <{e}>"))
        .unwrap_or_default();
    format!("{name}{email} (GHL {})", contact.contact_id)
        .trim()
        .to_string()
}
