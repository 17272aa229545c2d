//! The hints the next sync takes: the contacts that pending webhook events name, whose tasks
//! and notes (and appointments, where those are read per contact) it reads whatever the
//! rotation says. Events that name no stored contact (a contact not pulled yet, a TaskCreate
//! without contactId) and appointment events need nothing more: the contact search, the
//! location's task search and its calendar-events read of the same sync read them.

use bridge_core::BridgeError;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::contacts::{self, ContactRow};
use bridge_store::table::webhook_events;
use bridge_store::Connection;
use chrono::{DateTime, Utc};

/// The pending hints of one GHL connection's location.
#[derive(Debug, Default)]
pub struct Hints {
    /// The stored contacts the events name, each once.
    pub contacts: Vec<ContactRow>,
    /// Every pending event taken, to mark read once their records are stored.
    webhook_ids: Vec<String>,
}

impl Hints {
    pub fn pending(conn: &Connection, ghl: &ConnectionRow) -> Result<Self, BridgeError> {
        let mut hints = Hints::default();
        for (webhook_id, contact_id) in webhook_events::pending(conn, &ghl.account_id)? {
            hints.webhook_ids.push(webhook_id);
            let Some(ghl_id) = contact_id else { continue };
            if hints
                .contacts
                .iter()
                .any(|c| c.contact.contact_id == ghl_id)
            {
                continue;
            }
            if let Some(row) = contacts::get_by_ghl_id(conn, &ghl.id, &ghl_id)?
                .filter(|row| row.deleted_at.is_none())
            {
                hints.contacts.push(row);
            }
        }
        Ok(hints)
    }

    /// Adds the hinted contacts `due` does not hold yet.
    pub fn add_contacts_to(&self, due: &mut Vec<ContactRow>) {
        for contact in &self.contacts {
            if !due.iter().any(|d| d.id == contact.id) {
                due.push(contact.clone());
            }
        }
    }

    /// In the transaction that stores what was read: these events are hints no more. An event
    /// received since [`Hints::pending`] stays pending for the next sync.
    pub fn mark_read(&self, conn: &Connection, now: DateTime<Utc>) -> Result<(), BridgeError> {
        webhook_events::mark_read(conn, &self.webhook_ids, now)
    }
}
