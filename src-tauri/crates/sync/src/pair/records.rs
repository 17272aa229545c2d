//! The pair's contact records: the app's change scan into the mirror, the states a plan
//! compares, and the bases settled after apply.

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::hash::content_hash;
use bridge_core::mapping::{Flow, Mapping};
use bridge_core::{normalize, BridgeError, Clock, Contact};
use bridge_store::table::contacts::{self, MatchKeys};
use bridge_store::table::remote_records::{self, RemoteRecord};
use bridge_store::table::{cursors, links, match_reviews};
use bridge_store::Store;
use futures::TryStreamExt;
use serde_json::{Map, Value};

use crate::app::AppRecord;
use crate::apply::{self, Targets};
use crate::matching::{match_record, MatchOutcome, RecordKeys};
use crate::plan::{Plan, RecordState, Snapshot};

use super::{
    ghl_contact_values, next_appointment, Pair, APP_CURSOR, GHL_PLANNED_CURSOR, NEXT_APPOINTMENT,
    PHONE_REGION,
};

impl Pair<'_> {
    /// Pulls the app's records changed since the saved cursor, page by page, links each to its
    /// contact (or to a new local contact, to be created in GHL) and keeps its fields. The
    /// cursor is stored once the scan has ended without error.
    pub(super) async fn pull_app(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
    ) -> Result<u64, BridgeError> {
        let connection_id = self.app_connection().id.clone();
        let saved = cursors::get(store.conn(), &connection_id, APP_CURSOR)?;
        let mut scan = crate::pull::app_gone::Scan {
            complete: self.app.complete_scan(saved.as_deref()),
            ..Default::default()
        };
        let pages = self.app.changes(saved);
        futures::pin_mut!(pages);
        let mut pulled = 0;
        let mut last_cursor = None;
        while let Some(page) = pages.try_next().await? {
            store.with_tx(|tx| {
                for record in &page.records {
                    pulled += 1;
                    scan.listed.insert(record.remote_id.clone());
                    self.store_record(tx, record, clock)?;
                }
                Ok(())
            })?;
            last_cursor = page.cursor.or(last_cursor);
        }
        if let Some(cursor) = last_cursor {
            cursors::set(
                store.conn(),
                &connection_id,
                APP_CURSOR,
                &cursor,
                clock.now(),
            )?;
        }
        crate::pull::app_gone::after_scan(store, self.app, &scan, clock).await?;
        self.reevaluate_reviews(store, clock)?;
        Ok(pulled)
    }

    /// Matches again the records waiting in review because several contacts fit: a change on
    /// either side (an email fixed in GHL, a duplicate merged away) may have made the match
    /// certain, and then the record links and syncs without the operator. Few records wait,
    /// so all of them are looked at every sync.
    fn reevaluate_reviews(&self, store: &mut Store, clock: &dyn Clock) -> Result<(), BridgeError> {
        let app_id = self.app_connection().id.clone();
        store.with_tx(|tx| {
            for review in match_reviews::open_for_pair(tx, &app_id, match_reviews::AMBIGUOUS)? {
                if review.object_kind != "contact" {
                    continue;
                }
                let Some(stored) = remote_records::get(tx, &app_id, "contact", &review.remote_id)?
                else {
                    continue;
                };
                let record = AppRecord {
                    remote_id: stored.remote_id,
                    values: stored.values,
                    updated_at: stored.remote_updated_at,
                };
                self.store_record(tx, &record, clock)?;
            }
            Ok(())
        })
    }

    fn as_ghl(&self, record: &AppRecord, ghl_field: &str) -> Option<String> {
        as_ghl(self.mapping, &record.values, ghl_field)
    }

    fn store_record(
        &self,
        tx: &bridge_store::Transaction<'_>,
        record: &AppRecord,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        let app_id = &self.app_connection().id;
        let remote_id = record.remote_id.clone();
        let email = self.as_ghl(record, "email");
        let phone = self.as_ghl(record, "phone");
        let keys = RecordKeys {
            remote_id: remote_id.clone(),
            email: email.clone(),
            phone: phone.clone(),
            ghl_contact_id: None,
        };
        let contact_id = match match_record(
            tx,
            &self.ghl_connection.id,
            app_id,
            &keys,
            PHONE_REGION,
            clock,
        )? {
            MatchOutcome::Linked { contact_id, .. } => contact_id,
            // Left in the review queue, nothing guessed; the record is kept, linked to no
            // contact, so the operator's decision (or a later change) can link it.
            MatchOutcome::Ambiguous { .. } => {
                remote_records::upsert(
                    tx,
                    &RemoteRecord {
                        connection_id: app_id.clone(),
                        object_kind: "contact".into(),
                        remote_id,
                        contact_id: None,
                        content_hash: content_hash(&record.values),
                        values: record.values.clone(),
                        remote_updated_at: record.updated_at.clone(),
                    },
                    clock.now(),
                )?;
                return Ok(());
            }
            MatchOutcome::NotFound => {
                let (contact, keys) = pending_contact(self.mapping, &record.values);
                contacts::insert_pending(tx, &self.ghl_connection.id, &contact, &keys, clock.now())?
            }
        };
        // A record waiting in review that now matches one contact (or none) leaves the queue.
        match_reviews::resolve_relinked(tx, app_id, "contact", &remote_id, clock.now())?;
        if links::find_remote(tx, app_id, "contact", &remote_id)?.is_none() {
            links::insert_or_verify(
                tx,
                &links::LinkRow {
                    contact_id: contact_id.clone(),
                    connection_id: app_id.clone(),
                    object_kind: "contact".into(),
                    local_object_id: None,
                    remote_id: remote_id.clone(),
                    last_written_hash: None,
                    last_seen_hash: None,
                },
                clock.now(),
            )?;
        }
        // What changed in a mapped field since the last pull goes on the contact's timeline.
        let mapped = |values: &Map<String, Value>| -> Map<String, Value> {
            values
                .iter()
                .filter(|(k, _)| self.mapping.fields.iter().any(|l| &l.app == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        if let Some(previous) = remote_records::get(tx, app_id, "contact", &remote_id)? {
            let at = record
                .updated_at
                .clone()
                .unwrap_or_else(|| bridge_store::timestamp(clock.now()));
            for event in crate::timeline::record_changes(
                &contact_id,
                self.app_connection().system.as_str(),
                &at,
                &mapped(&previous.values),
                &mapped(&record.values),
            ) {
                bridge_store::table::timeline::append(tx, &event)?;
            }
        }
        remote_records::upsert(
            tx,
            &RemoteRecord {
                connection_id: app_id.clone(),
                object_kind: "contact".into(),
                remote_id,
                contact_id: Some(contact_id),
                content_hash: content_hash(&record.values),
                values: record.values.clone(),
                remote_updated_at: record.updated_at.clone(),
            },
            clock.now(),
        )?;
        Ok(())
    }

    /// Every contact either side changed, plus GHL contacts not yet in the app (their local
    /// ids); and what the plan reads, so that only that counts as planned afterwards (the app
    /// records are added by [`Self::record_states`] as it reads them).
    pub(super) fn due_contacts(
        &self,
        store: &Store,
    ) -> Result<(Vec<String>, PlanRead), BridgeError> {
        let wants_appointment = self.wants_appointment();
        let since = cursors::get(store.conn(), &self.app_connection().id, GHL_PLANNED_CURSOR)?;
        // Taken before the changes are read: whatever is stored later is newer, and is read
        // again by the next plan.
        let mut newest = contacts::newest_update(store.conn(), &self.ghl_connection.id)?;
        if wants_appointment {
            let ghl = self.ghl_connection.id.as_str();
            newest = newest.max(bridge_store::table::activities::newest_update(
                store.conn(),
                [ghl, ghl],
            )?);
        }
        let read = PlanRead {
            planned_through: newest.max(since.clone()),
            app_records: Vec::new(),
            deleted_in_app: crate::pull::app_gone::contacts_deleted_in_app(
                store.conn(),
                &self.app_connection().id,
            )?,
            fresh: contacts::ids_first_stored_since(
                store.conn(),
                &self.ghl_connection.id,
                since.as_deref(),
            )?,
        };
        let mut ids: BTreeSet<String> = contacts::changed_or_unlinked(
            store.conn(),
            &self.ghl_connection.id,
            &self.app_connection().id,
            since.as_deref(),
        )?
        .into_iter()
        .collect();
        ids.extend(remote_records::dirty_contacts(
            store.conn(),
            &self.app_connection().id,
            "contact",
        )?);
        // A record with a listed problem is planned again each sync: the fix may be on the
        // side that does not change the record (an option added to the app's field).
        ids.extend(
            bridge_store::table::record_problems::for_pair(
                store.conn(),
                &self.app_connection().id,
                crate::problems::UNREADABLE,
            )?
            .into_iter()
            .map(|p| p.contact_id),
        );
        if wants_appointment {
            // A new appointment does not move its contact: its next appointment may have.
            let ghl = self.ghl_connection.id.as_str();
            ids.extend(bridge_store::table::activities::contacts_changed_since(
                store.conn(),
                [ghl, ghl],
                since.as_deref(),
            )?);
        }
        Ok((ids.into_iter().collect(), read))
    }

    fn wants_appointment(&self) -> bool {
        self.mapping
            .fields
            .iter()
            .any(|l| l.ghl == NEXT_APPOINTMENT)
    }

    /// The states of these contacts on both sides, as the plan compares them; the app records
    /// read are added to `read`.
    pub(super) fn record_states(
        &self,
        store: &Store,
        ids: &[String],
        now: chrono::DateTime<chrono::Utc>,
        read: &mut PlanRead,
    ) -> Result<Vec<RecordState>, BridgeError> {
        let wants_appointment = self.wants_appointment();
        // A lost create whose lookup found someone else waits in review: neither its contact
        // nor another contact with its email is planned until the operator decides.
        let mut waiting = BTreeSet::new();
        let mut waiting_emails = BTreeSet::new();
        let open = match_reviews::open_for_pair(
            store.conn(),
            &self.app_connection().id,
            match_reviews::MISMATCH,
        )?;
        for contact_id in open.into_iter().filter_map(|r| r.contact_id) {
            if let Some(row) = contacts::get(store.conn(), &contact_id)? {
                waiting_emails.extend(row.contact.email.as_deref().and_then(normalize::email));
            }
            waiting.insert(contact_id);
        }
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            // A contact whose record in the app was deleted there is no longer planned (its
            // GHL contact waits in review).
            if read.deleted_in_app.contains(id) {
                continue;
            }
            // A contact deleted in GHL is no longer planned (its app record waits in review).
            let Some(row) = contacts::get(store.conn(), id)?.filter(|r| r.deleted_at.is_none())
            else {
                continue;
            };
            let shares_a_waiting_email = || {
                row.contact
                    .email
                    .as_deref()
                    .and_then(normalize::email)
                    .is_some_and(|e| waiting_emails.contains(&e))
            };
            if waiting.contains(id) || shares_a_waiting_email() {
                continue;
            }
            let ghl = if row.contact.contact_id.is_empty() {
                None
            } else {
                let mut values = ghl_contact_values(&row.contact);
                if wants_appointment {
                    if let Some(next) = next_appointment(store, id, now)? {
                        values.insert(NEXT_APPOINTMENT.into(), next);
                    }
                }
                Some(Snapshot {
                    remote_id: row.contact.contact_id.clone(),
                    values,
                    updated_at: row.contact.date_updated,
                })
            };
            let app = remote_records::for_contact(
                store.conn(),
                &self.app_connection().id,
                "contact",
                id,
            )?
            .inspect(|r| {
                read.app_records
                    .push((r.remote_id.clone(), r.content_hash.clone()))
            })
            .map(|r| Snapshot {
                remote_id: r.remote_id,
                values: r.values.into_iter().collect(),
                updated_at: r
                    .remote_updated_at
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc)),
            });
            let base = links::base(store.conn(), &self.app_connection().id, id)?
                .into_iter()
                .collect();
            records.push(RecordState {
                local_id: id.clone(),
                ghl,
                app,
                base,
            });
        }
        Ok(records)
    }

    /// After a chunk's apply: what both sides agree on becomes the base (fields an unfinished
    /// operation still has to carry keep theirs), and records with unfinished operations stay
    /// due for the next sync; the chunk's app records (`app_records`, as the plan read them)
    /// count as planned. One transaction: a crash keeps the chunks already settled, and the
    /// next sync plans the rest again (nothing is settled twice: bases are values).
    pub(super) fn settle_part(
        &self,
        store: &mut Store,
        plan: &Plan,
        app_records: &[(String, String)],
        targets: &Targets<'_>,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        let now = clock.now();
        let app_id = self.app_connection().id.as_str();
        let mut unfinished: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for op in &plan.operations {
            let state = apply::state_of(store.conn(), targets, op)?.unwrap_or_default();
            if state != "done" {
                let fields = unfinished.entry(op.local_id.as_str()).or_default();
                fields.extend(op.settles.keys().cloned());
            }
        }
        // Fields held back by a refusal keep their base too.
        for (local_id, fields) in &plan.held_back {
            unfinished
                .entry(local_id.as_str())
                .or_default()
                .extend(fields.iter().cloned());
        }
        // Tags left out of this plan (their check failed): the contacts stay due, so what was
        // held back is planned once the check passes.
        let tags_refused = !self.capabilities.allows_tags();
        store.with_tx(|tx| {
            if !tags_refused {
                remote_records::mark_planned(tx, app_id, app_records)?;
            }
            for (local_id, next_base) in &plan.next_base {
                let pending = unfinished.get(local_id.as_str());
                let agreed: Map<String, Value> = self
                    .mapping
                    .fields
                    .iter()
                    .map(|line| &line.app)
                    .filter(|field| pending.is_none_or(|p| !p.contains(*field)))
                    .map(|field| {
                        (
                            field.clone(),
                            next_base.get(field).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                let linked = links::for_contact(tx, local_id)?
                    .iter()
                    .any(|l| l.connection_id == app_id && l.object_kind == "contact");
                if linked {
                    links::settle_base(tx, app_id, local_id, &agreed, now)?;
                }
                if pending.is_some() {
                    remote_records::mark_dirty(tx, app_id, local_id)?;
                }
            }
            Ok(())
        })
    }

    /// Last, once every chunk is settled: the plan counts as read through its start.
    pub(super) fn planned_through(
        &self,
        store: &Store,
        read: &PlanRead,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        let app_id = self.app_connection().id.as_str();
        match &read.planned_through {
            Some(through) if self.capabilities.allows_tags() => cursors::set(
                store.conn(),
                app_id,
                GHL_PLANNED_CURSOR,
                through,
                clock.now(),
            ),
            _ => Ok(()),
        }
    }
}

/// A value of an app record in GHL's terms, through the mapping line of `ghl_field`.
fn as_ghl(mapping: &Mapping, values: &Map<String, Value>, ghl_field: &str) -> Option<String> {
    let line = mapping.fields.iter().find(|l| l.ghl == ghl_field)?;
    let value = values.get(&line.app)?;
    let converted = bridge_core::mapping::apply(&line.transforms, value, Flow::AppToGhl)
        .unwrap_or_else(|_| value.clone());
    converted.as_str().map(str::to_string)
}

/// The local contact an app record stands for when no GHL contact is it: created in GHL by
/// the next sync.
pub(crate) fn pending_contact(
    mapping: &Mapping,
    values: &Map<String, Value>,
) -> (Contact, MatchKeys) {
    let email = as_ghl(mapping, values, "email");
    let phone = as_ghl(mapping, values, "phone");
    let keys = MatchKeys {
        email: email.as_deref().and_then(normalize::email),
        phone: phone
            .as_deref()
            .and_then(|raw| normalize::phone_e164(raw, PHONE_REGION).ok().flatten()),
    };
    let contact = Contact {
        email,
        first_name: as_ghl(mapping, values, "firstName"),
        last_name: as_ghl(mapping, values, "lastName"),
        phone,
        ..Contact::default()
    };
    (contact, keys)
}

/// What a plan read: GHL's contacts up to `planned_through` (the newest change stored when it
/// began), and these app records (remote id, content hash) as they were then.
#[derive(Debug, Default)]
pub(super) struct PlanRead {
    planned_through: Option<String>,
    /// The app records read since this was last emptied (a chunk's, in the apply pass).
    pub(super) app_records: Vec<(String, String)>,
    /// The contacts first stored since the pair's last plan: their creates are a first fill
    /// the breaker does not count.
    pub(super) fresh: BTreeSet<String>,
    /// The contacts whose record in the app was deleted there: not planned.
    deleted_in_app: std::collections::HashSet<String>,
}
