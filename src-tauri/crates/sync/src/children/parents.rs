//! Contacts of apps whose children name them by email (Nifty holds no contacts: each task
//! says `Contact: <email>`). The contact's link to the app has the email as its remote id, so
//! the children engine finds a task's contact as it finds a Novi member's.

use std::collections::HashMap;

use bridge_core::BridgeError;
use bridge_store::table::contacts::{self, MatchKey};
use bridge_store::table::links;
use bridge_store::Connection;
use chrono::{DateTime, Utc};

/// The one GHL contact holding `email`, linked to the app under that email; `None` when no
/// contact or several hold it (the child is "not in GHL", never guessed).
pub(super) fn contact_of_email(
    tx: &Connection,
    ghl_connection_id: &str,
    app_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, BridgeError> {
    if email.is_empty() {
        return Ok(None);
    }
    let found = contacts::find_by_match_key(tx, ghl_connection_id, MatchKey::Email, email)?;
    let [contact] = found.as_slice() else {
        return Ok(None);
    };
    ensure_email_link(tx, app_id, &contact.id, email, now)?;
    Ok(Some(contact.id.clone()))
}

/// Contacts with GHL tasks take part too (their tasks go to the app); an email two contacts
/// share names neither.
pub(super) fn link_contacts_with_tasks(
    tx: &Connection,
    ghl_connection_id: &str,
    app_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let with_tasks = contacts::with_tasks_and_email(tx, ghl_connection_id)?;
    let mut per_email: HashMap<&str, usize> = HashMap::new();
    for (_, email) in &with_tasks {
        *per_email.entry(email.as_str()).or_default() += 1;
    }
    for (contact_id, email) in &with_tasks {
        if per_email.get(email.as_str()) == Some(&1) {
            ensure_email_link(tx, app_id, contact_id, email, now)?;
        }
    }
    Ok(())
}

/// The contact's link, remote id = its email (re-pointed when the email moved: the one case a
/// link's remote id is known to move).
fn ensure_email_link(
    tx: &Connection,
    app_id: &str,
    contact_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let existing = links::find_remote(tx, app_id, "contact", email)?;
    if existing
        .as_ref()
        .is_some_and(|l| l.contact_id == contact_id)
    {
        return Ok(());
    }
    // The email moved: to this contact from another, or this contact's from another email.
    if existing.is_some() {
        links::remove(tx, app_id, "contact", email)?;
    }
    let previous = links::for_contact(tx, contact_id)?
        .into_iter()
        .find(|l| l.connection_id == app_id && l.object_kind == "contact");
    if let Some(previous) = previous {
        links::remove(tx, app_id, "contact", &previous.remote_id)?;
    }
    links::insert_or_verify(
        tx,
        &links::LinkRow {
            contact_id: contact_id.to_string(),
            connection_id: app_id.to_string(),
            object_kind: "contact".into(),
            local_object_id: None,
            remote_id: email.to_string(),
            last_written_hash: None,
            last_seen_hash: None,
        },
        now,
    )
}
