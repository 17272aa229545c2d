//! One journaled write of a per-contact set merge, and the agreed set it settles: the steps
//! that merge a set of the app's with a GHL contact's tags (Nifty labels, Novi AMS committee
//! seats) send their adds and removes the same way, so a failure means the same thing in both
//! (a dead letter naming the contact, the system and its own message; a refused
//! authorization stops the step) and the mirror keeps GHL's answer.

use std::collections::BTreeSet;
use std::future::Future;

use bridge_core::{json, BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, links};
use bridge_store::Store;
use serde_json::{Map, Value};

use crate::journal::{self, Entry, Failure, Intent};
use crate::nifty::LabelReport;

/// The step the writes belong to.
pub(crate) struct SetStep<'a> {
    pub ghl_connection: &'a ConnectionRow,
    pub app: &'a ConnectionRow,
    pub run_id: &'a str,
    pub clock: &'a dyn Clock,
}

/// One add or remove on one side, as the journal keeps it.
pub(crate) struct SetWrite<'a> {
    pub ghl_side: bool,
    pub add: bool,
    /// The GHL contact, or the app's record the set belongs to.
    pub remote_id: &'a str,
    /// What the request sends (tag names, label ids, a committee or seat id).
    pub items: &'a [String],
    /// The set's members by name, for the journal.
    pub names: &'a [String],
    /// The journal's key: what the write changes, so a later merge needing the same write
    /// takes the row over.
    pub local: String,
    pub reason: String,
    /// The write in words, for a failure's message ("GHL add tags vip on contact abc").
    pub what: String,
    /// The app as operators know it, for a refused authorization.
    pub app_system: &'a str,
}

impl SetStep<'_> {
    /// Journals `write`, then sends it with `request` (which answers GHL's tags of the
    /// contact after the write; nothing for the app's side) and settles the journal row.
    /// Returns whether the write is done, and its journal id.
    pub(crate) async fn send<R>(
        &self,
        store: &mut Store,
        contact_id: &str,
        write: SetWrite<'_>,
        request: R,
        report: &mut LabelReport,
    ) -> Result<(bool, i64), BridgeError>
    where
        R: Future<Output = Result<Vec<String>, BridgeError>>,
    {
        let connection_id = if write.ghl_side {
            &self.ghl_connection.id
        } else {
            &self.app.id
        };
        let now = self.clock.now();
        let mut journaled = journal::record(
            store.conn(),
            self.run_id,
            &Intent {
                pair: &self.app.id,
                target: connection_id,
                kind: "tag",
                local: &write.local,
                action: if write.add { "tag_add" } else { "tag_remove" },
            },
            Entry {
                contact_id: Some(contact_id.to_string()),
                remote_id: Some(write.remote_id.to_string()),
                before: None,
                after: Some(Value::from(write.names.to_vec()).to_string()),
                reason: write.reason,
                payload: journal::json(&write.items)?,
            },
            now,
        )?;
        journal::begin(store.conn(), &mut journaled, self.run_id, now)?;
        // The request is a future: nothing is sent before the journal holds the write.
        let result = request.await;
        report.writes += 1;
        let count = write.names.len() as u64;
        match result {
            Ok(tags) => {
                match (write.ghl_side, write.add) {
                    (true, true) => report.tags_added_in_ghl += count,
                    (true, false) => report.tags_removed_in_ghl += count,
                    (false, true) => report.added_in_app += count,
                    (false, false) => report.removed_in_app += count,
                }
                let now = self.clock.now();
                store.with_tx(|tx| {
                    // The mirror holds GHL's answer, so the next merge does not read the old
                    // tags as a removal made in GHL.
                    if write.ghl_side {
                        contacts::set_tags_written(
                            tx,
                            contact_id,
                            &tags.into_iter().collect(),
                            now,
                        )?;
                    }
                    journal::done(tx, &journaled, self.run_id, now)
                })?;
                Ok((true, journaled.id))
            }
            Err(e) => {
                let message = format!("{} (contact {contact_id}): {}", write.what, e.message);
                let now = self.clock.now();
                match journal::fail(store.conn(), &journaled, self.run_id, &e, &message, now)? {
                    Failure::Retry => {}
                    Failure::Refused => report.dead += 1,
                    Failure::Reconnect => {
                        let system = if write.ghl_side {
                            "GHL"
                        } else {
                            write.app_system
                        };
                        return Err(crate::apply::reconnect(
                            store.conn(),
                            connection_id,
                            system,
                            &e,
                            now,
                        ));
                    }
                }
                Ok((false, journaled.id))
            }
        }
    }

    /// Stores `agreed` as the set both sides now hold, in the base of the contact's link
    /// under `key`, counting the settlements under `version_key`.
    pub(crate) fn settle_agreed(
        &self,
        store: &Store,
        contact_id: &str,
        (key, version_key): (&str, &str),
        base: &Map<String, Value>,
        agreed: &BTreeSet<String>,
    ) -> Result<(), BridgeError> {
        let version = base.get(version_key).and_then(Value::as_u64).unwrap_or(0);
        let agreed: Vec<Value> = agreed.iter().cloned().map(Value::String).collect();
        let settled: Map<String, Value> = [
            (key.to_string(), Value::Array(agreed)),
            (version_key.to_string(), Value::from(version + 1)),
        ]
        .into_iter()
        .collect();
        links::settle_base(
            store.conn(),
            &self.app.id,
            contact_id,
            &settled,
            self.clock.now(),
        )
    }
}

/// Adds or removes tags of a GHL contact through its tags endpoints (deltas, never the whole
/// list): GHL answers the contact's tags after the write.
pub(crate) async fn ghl_tags(
    ghl: &bridge_connectors::ghl::GhlClient,
    add: bool,
    contact_id: &str,
    tags: &[String],
) -> Result<Vec<String>, BridgeError> {
    if add {
        ghl.add_tags(contact_id, tags).await
    } else {
        ghl.remove_tags(contact_id, tags).await
    }
}

/// The set kept under `key` in a link's base (empty when none is).
pub(crate) fn agreed_set(base: &Map<String, Value>, key: &str) -> BTreeSet<String> {
    json::strings(base.get(key)).map(str::to_string).collect()
}

/// Whether the set the merge agreed on must be stored: it differs from the stored one, none
/// is stored yet, or writes were sent to reach it.
pub(crate) fn needs_settling(
    base: &Map<String, Value>,
    key: &str,
    agreed: &BTreeSet<String>,
    wrote: bool,
) -> bool {
    wrote || !base.contains_key(key) || agreed_set(base, key) != *agreed
}
