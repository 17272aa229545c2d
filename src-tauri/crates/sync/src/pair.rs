//! One sync of a pair — a GHL location and one app account ([`AppSide`]) — for contacts:
//! pull both sides → match the app's records to contacts → plan → (dry run: stop) → apply.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;

use bridge_connectors::ghl::wire::{ContactFields, NewContact};
use bridge_connectors::ghl::GhlClient;
use bridge_core::hash::content_hash;
use bridge_core::mapping::{Direction, Flow, Mapping};
use bridge_core::{normalize, BridgeError, Clock, Contact};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::contacts::{self, MatchKeys};
use bridge_store::table::remote_records::{self, RemoteRecord};
use bridge_store::table::{conflicts, cursors, links, sync_runs};
use bridge_store::Store;
use futures::future::BoxFuture;
use futures::TryStreamExt;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::{AppRecord, AppSide};
use crate::apply::{self, ApplyReport, RecordWriter, Targets};
use crate::matching::{match_record, MatchOutcome, RecordKeys};
use crate::plan::{self, Breaker, Plan, RecordState, Snapshot, Values};
use crate::pull::PullReport;

/// The cursor of the app's change scan.
pub(crate) const APP_CURSOR: &str = "app.records";
/// When the pair last planned GHL's changed contacts.
pub(crate) const GHL_PLANNED_CURSOR: &str = "pair.ghl_planned";
/// Phones without a country code are read as this region's.
pub const PHONE_REGION: &str = "US";

/// The GHL fields the sync writes today; other GHL fields can be mapped one way, GHL → app.
pub const GHL_WRITABLE_FIELDS: &[&str] = &[
    "email",
    "firstName",
    "lastName",
    "fullName",
    "phone",
    "tags",
];

/// Lines that would write a GHL field the sync cannot write yet (custom fields, businessId,
/// the next appointment): refused rather than dropped without a word.
pub fn unwritable_lines(mapping: &Mapping) -> Vec<String> {
    mapping
        .fields
        .iter()
        .enumerate()
        .filter(|(_, line)| line.direction != Direction::GhlToApp && !GHL_WRITABLE_FIELDS.contains(&line.ghl.as_str()))
        .map(|(i, line)| {
            format!(
                "line {} ({} → {}): Contact Bridge cannot write GHL's {} yet; make the line one-way, GHL → app",
                i + 1,
                line.ghl,
                line.app,
                line.ghl
            )
        })
        .collect()
}

/// GHL's contact fields a mapping can name: the standard ones and the location's custom fields.
pub fn ghl_contact_fields(
    store: &Store,
    ghl_connection_id: &str,
) -> Result<BTreeSet<String>, BridgeError> {
    let mut fields: BTreeSet<String> = [
        "email",
        "firstName",
        "lastName",
        "fullName",
        "phone",
        "tags",
        "businessId",
        NEXT_APPOINTMENT,
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for field in bridge_store::table::custom_fields::list(store.conn(), ghl_connection_id)? {
        fields.insert(format!("customFields.{}", field.field_key));
    }
    Ok(fields)
}

/// The stored contact mapping of an app connection, or the app's default.
pub fn contact_mapping(store: &Store, app: &ConnectionRow) -> Result<Mapping, BridgeError> {
    match bridge_store::table::mappings::get(store.conn(), &app.id, "contact")? {
        Some(spec) => serde_json::from_value(spec).map_err(|e| {
            BridgeError::storage(format!(
                "the stored mapping of \"{}\" is unreadable: {e}",
                app.name
            ))
        }),
        None => Ok(crate::app::default_mapping(app.system)),
    }
}

/// GHL's contact fields a mapping can name.
pub fn ghl_contact_values(contact: &Contact) -> Values {
    let mut values = Values::new();
    let mut put = |field: &str, value: &Option<String>| {
        if let Some(v) = value {
            values.insert(field.to_string(), Value::String(v.clone()));
        }
    };
    put("email", &contact.email);
    put("firstName", &contact.first_name);
    put("lastName", &contact.last_name);
    put("phone", &contact.phone);
    put("businessId", &contact.business_id);
    values.insert(
        "fullName".into(),
        Value::Array(vec![
            Value::String(contact.first_name.clone().unwrap_or_default()),
            Value::String(contact.last_name.clone().unwrap_or_default()),
        ]),
    );
    values.insert(
        "tags".into(),
        Value::Array(contact.tags.iter().cloned().map(Value::String).collect()),
    );
    for (key, value) in &contact.custom_fields {
        values.insert(format!("customFields.{key}"), value.clone());
    }
    values
}

/// A GHL value derived from the contact's appointments: the next one to come, as a
/// `[start,end)` range in UTC seconds (the form appointment fields of apps hold).
pub const NEXT_APPOINTMENT: &str = "nextAppointment";

fn next_appointment(
    store: &Store,
    contact_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Value>, BridgeError> {
    let instant = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let next = bridge_store::table::activities::for_contact(store.conn(), contact_id)?
        .into_iter()
        .filter(|a| a.kind == "appointment")
        .filter_map(|a| Some((instant(&a.starts_at)?, instant(&a.ends_at))))
        .filter(|(start, _)| *start >= now)
        .min_by_key(|(start, _)| *start);
    let secs =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(next.map(|(start, end)| {
        let end = end.unwrap_or(start + chrono::Duration::hours(1));
        Value::String(format!("[{},{})", secs(start), secs(end)))
    }))
}

/// What one run of a pair produced, before the run's bookkeeping.
struct Run {
    ghl_pull: PullReport,
    app_records_pulled: u64,
    plan: Plan,
    applied: Option<ApplyReport>,
    children: Vec<crate::children::ChildOperation>,
    children_applied: Option<crate::children::ChildReport>,
    pushes: Vec<crate::events::PushOperation>,
    pushes_applied: Option<crate::events::PushReport>,
}

impl Run {
    fn cancelled(&self) -> bool {
        self.applied.is_some_and(|r| r.cancelled)
            || self.children_applied.is_some_and(|r| r.cancelled)
            || self.pushes_applied.is_some_and(|r| r.cancelled)
    }
}

/// What one sync did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    pub run_id: String,
    /// The app connection's name.
    pub pair_name: String,
    pub app_system: bridge_core::System,
    pub duration_ms: u64,
    pub dry_run: bool,
    pub ghl_pull: PullReport,
    pub app_records_pulled: u64,
    pub plan: Plan,
    pub applied: Option<ApplyReport>,
    /// Tasks and notes to write (planned after the contacts were applied).
    pub children: Vec<crate::children::ChildOperation>,
    pub children_applied: Option<crate::children::ChildReport>,
    /// GHL activities to send as events (apps that take them so).
    pub pushes: Vec<crate::events::PushOperation>,
    pub pushes_applied: Option<crate::events::PushReport>,
    /// App records whose GHL contact cannot be identified (listed, never dropped silently).
    pub not_in_ghl: u64,
    /// Nifty labels ↔ GHL tags (Nifty pairs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<crate::nifty::LabelReport>,
    pub ghl_requests: u64,
    pub app_requests: u64,
    pub rate_limited: u64,
}

pub struct Pair<'a> {
    pub ghl_connection: &'a ConnectionRow,
    pub ghl: &'a GhlClient,
    pub app: &'a dyn AppSide,
    pub mapping: &'a Mapping,
    pub breaker: Breaker,
    /// Set once GHL's open tasks were read in this sync: pairs after the first share it.
    pub ghl_tasks_read: &'a AtomicBool,
    /// Who started the sync, for the run history.
    pub trigger: crate::service::Trigger,
}

impl Pair<'_> {
    fn app_connection(&self) -> &ConnectionRow {
        self.app.connection()
    }

    pub async fn sync(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        dry_run: bool,
        cancel: &AtomicBool,
        progress: apply::Progress<'_>,
    ) -> Result<SyncOutcome, BridgeError> {
        let started = std::time::Instant::now();
        let ghl_start = self.ghl.http().counts();
        let app_start = self.app.counts();
        let run_id = sync_runs::start(store.conn(), self.trigger.as_str(), dry_run, clock.now())?;
        let result = self
            .run(store, clock, dry_run, cancel, progress, &run_id)
            .await;
        let ghl_spent = self.ghl.http().counts().sent - ghl_start.sent;
        let app_spent = self.app.counts().sent - app_start.sent;
        let limited = (self.ghl.http().counts().rate_limited - ghl_start.rate_limited)
            + (self.app.counts().rate_limited - app_start.rate_limited);
        let (status, error) = match &result {
            Ok(run) if run.cancelled() => ("cancelled", None),
            Ok(_) => ("succeeded", None),
            Err(e) => ("failed", Some(e.message.clone())),
        };
        let mut summary = match &result {
            Ok(run) => summarize(&run.plan, &run.children, run.pushes.len()),
            Err(_) => serde_json::json!({}),
        };
        summary["pair"] = Value::String(self.app_connection().id.clone());
        sync_runs::finish(
            store.conn(),
            &run_id,
            &sync_runs::RunOutcome {
                status,
                requests_spent: ghl_spent + app_spent,
                rate_limited: limited,
                summary: &summary,
                error: error.as_deref(),
            },
            clock.now(),
        )?;
        if matches!(&result, Ok(run) if !run.cancelled()) {
            apply::reconnected(
                store.conn(),
                &[self.ghl_connection, self.app_connection()],
                clock.now(),
            )?;
        }
        let Run {
            ghl_pull,
            app_records_pulled,
            plan,
            applied,
            children,
            children_applied,
            pushes,
            pushes_applied,
        } = result?;
        Ok(SyncOutcome {
            run_id,
            pair_name: self.app_connection().name.clone(),
            app_system: self.app_connection().system,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            dry_run,
            ghl_pull,
            app_records_pulled,
            plan,
            applied,
            children,
            children_applied,
            pushes,
            pushes_applied,
            not_in_ghl: 0,
            labels: None,
            ghl_requests: ghl_spent,
            app_requests: app_spent,
            rate_limited: limited,
        })
    }

    async fn run(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        dry_run: bool,
        cancel: &AtomicBool,
        progress: apply::Progress<'_>,
        run_id: &str,
    ) -> Result<Run, BridgeError> {
        let ghl_writer = GhlWriter { client: self.ghl };
        let targets = self.targets(&ghl_writer);
        // Recover before anything is read or planned: a contact create whose answer was lost
        // is finished on the record it made, which the pull then reads as linked.
        let recovered = if dry_run {
            ApplyReport::default()
        } else {
            apply::recover(store, run_id, &targets, clock).await?
        };
        let ghl_pull = crate::pull::ghl::pull(store, self.ghl_connection, self.ghl, clock).await?;
        let app_records_pulled = self.pull_app(store, clock).await?;
        if self
            .mapping
            .fields
            .iter()
            .any(|l| l.ghl == NEXT_APPOINTMENT)
        {
            self.read_ghl_activities(store, clock).await?;
        }
        let (records, read) = self.record_states(store, clock.now())?;
        let population = links::count_contacts(store.conn(), &self.app_connection().id)? as usize;
        let breaker = Breaker {
            population,
            ..self.breaker
        };
        let plan = plan::plan(self.mapping, &records, breaker)?;
        let mut run = Run {
            ghl_pull,
            app_records_pulled,
            plan,
            applied: None,
            children: Vec::new(),
            children_applied: None,
            pushes: Vec::new(),
            pushes_applied: None,
        };
        if dry_run {
            run.children = self.plan_children(store, clock, None).await?.0.operations;
            run.pushes = self.plan_pushes(store, clock, None).await?.0.pushes;
            return Ok(run);
        }
        record_conflicts(store, &self.app_connection().id, &run.plan, clock)?;
        let contacts_total = run.plan.operations.len() as u64;
        let report = apply::apply(
            store,
            run_id,
            &run.plan,
            &targets,
            clock,
            &mut *progress,
            cancel,
        )
        .await?;
        run.applied = Some(ApplyReport {
            already_done: report.already_done + recovered.already_done,
            unconfirmed: report.unconfirmed + recovered.unconfirmed,
            dead: report.dead + recovered.dead,
            ..report
        });
        if report.cancelled {
            return Ok(run);
        }
        self.record_written(store, &run.plan, &read, &targets, clock)?;
        if let Some(rows) = self.app.expiring_rows() {
            crate::app::keep_rows_alive(store, self.app_connection(), rows, clock).await?;
        }
        // Children after contacts: a member created just now takes its tasks and notes along.
        let (child_plan, children_recovered) =
            self.plan_children(store, clock, Some(run_id)).await?;
        run.children = child_plan.operations.clone();
        if let Some(app_children) = self.app.children() {
            let ghl_children = crate::children::GhlChildWriter {
                client: self.ghl,
                clock,
            };
            let child_targets = crate::children::ChildTargets {
                ghl: &ghl_children,
                ghl_connection_id: &self.ghl_connection.id,
                app: app_children,
                app_connection: self.app_connection(),
            };
            let total = contacts_total + run.children.len() as u64;
            let applied = crate::children::apply_children(
                store,
                run_id,
                &run.children,
                &child_targets,
                clock,
                cancel,
                &mut |done| progress(contacts_total + done, total),
            )
            .await?;
            run.children_applied = Some(crate::children::ChildReport {
                already_done: applied.already_done + children_recovered.already_done,
                unconfirmed: applied.unconfirmed + children_recovered.unconfirmed,
                dead: applied.dead + children_recovered.dead,
                ..applied
            });
        }
        if run.children_applied.is_some_and(|r| r.cancelled) {
            return Ok(run);
        }
        // Every planned child was journaled and sent (or is held by the journal: failed ones
        // are sent again by the next sync's recovery, dead ones wait on their own record).
        crate::children::mark_planned(store, &self.app_connection().id, &child_plan, clock.now())?;
        let (push_plan, pushes_recovered) = self.plan_pushes(store, clock, Some(run_id)).await?;
        run.pushes = push_plan.pushes.clone();
        if let Some(target) = self.app.activity_push() {
            let applied = crate::events::apply_pushes(
                store,
                run_id,
                self.app_connection(),
                &run.pushes,
                target,
                clock,
                cancel,
            )
            .await?;
            run.pushes_applied = Some(crate::events::PushReport {
                already_done: applied.already_done + pushes_recovered.already_done,
                unconfirmed: applied.unconfirmed + pushes_recovered.unconfirmed,
                dead: applied.dead + pushes_recovered.dead,
                ..applied
            });
            if !applied.cancelled {
                crate::events::mark_planned(store, self.app_connection(), &push_plan, clock.now())?;
            }
        }
        Ok(run)
    }

    /// Reads GHL's open tasks and the children of the next linked contacts in rotation
    /// (notes and appointments have no location-wide list), once per sync whatever the
    /// number of pairs.
    async fn read_ghl_activities(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        if !self
            .ghl_tasks_read
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            crate::pull::ghl::pull_tasks(store, self.ghl_connection, self.ghl, clock).await?;
            crate::pull::ghl::reconcile_children(store, self.ghl_connection, self.ghl, clock)
                .await?;
        }
        Ok(())
    }

    /// GHL's activities to send as events (none for apps that take no events), after the
    /// pushes an earlier run left unfinished are sent (when `recover_in` names this run).
    async fn plan_pushes(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        recover_in: Option<&str>,
    ) -> Result<(crate::events::PushPlan, crate::events::PushReport), BridgeError> {
        let Some(target) = self.app.activity_push() else {
            return Ok(Default::default());
        };
        let recovered = match recover_in {
            Some(run_id) => {
                crate::events::recover(store, run_id, self.app_connection(), target, clock).await?
            }
            None => Default::default(),
        };
        self.read_ghl_activities(store, clock).await?;
        let plan =
            crate::events::plan_pushes(store, &self.ghl_connection.id, self.app_connection())?;
        Ok((plan, recovered))
    }

    /// Reads the app's tasks and notes and plans both sides' (none for apps without them).
    /// When `recover_in` names this run, the unfinished child writes of earlier runs are
    /// resolved first, after the reads (a lookup sees what the app holds) and before the plan.
    async fn plan_children(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        recover_in: Option<&str>,
    ) -> Result<(crate::children::ChildPlan, crate::children::ChildReport), BridgeError> {
        let Some(app_children) = self.app.children() else {
            return Ok(Default::default());
        };
        self.read_ghl_activities(store, clock).await?;
        crate::children::pull_app_children(store, self.app_connection(), app_children, clock)
            .await?;
        let recovered = match recover_in {
            Some(run_id) => {
                let ghl_children = crate::children::GhlChildWriter {
                    client: self.ghl,
                    clock,
                };
                let targets = crate::children::ChildTargets {
                    ghl: &ghl_children,
                    ghl_connection_id: &self.ghl_connection.id,
                    app: app_children,
                    app_connection: self.app_connection(),
                };
                crate::children::recover(store, run_id, &targets, clock).await?
            }
            None => Default::default(),
        };
        let planned = crate::children::plan_children(
            store,
            &self.ghl_connection.id,
            self.app_connection(),
            app_children.rules(),
        )?;
        Ok((planned, recovered))
    }

    fn targets<'w>(&'w self, ghl_writer: &'w GhlWriter<'w>) -> Targets<'w> {
        Targets {
            ghl: ghl_writer,
            ghl_connection_id: &self.ghl_connection.id,
            app: self.app,
            app_connection_id: &self.app_connection().id,
            app_system: self.app_connection().system,
        }
    }

    /// Pulls the app's records changed since the saved cursor, page by page, links each to its
    /// contact (or to a new local contact, to be created in GHL) and keeps its fields. The
    /// cursor is stored once the scan has ended without error.
    async fn pull_app(&self, store: &mut Store, clock: &dyn Clock) -> Result<u64, BridgeError> {
        let connection_id = self.app_connection().id.clone();
        let saved = cursors::get(store.conn(), &connection_id, APP_CURSOR)?;
        let pages = self.app.changes(saved);
        futures::pin_mut!(pages);
        let mut pulled = 0;
        let mut last_cursor = None;
        while let Some(page) = pages.try_next().await? {
            store.with_tx(|tx| {
                for record in &page.records {
                    pulled += 1;
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
        Ok(pulled)
    }

    /// A value of the app record in GHL's terms, through the mapping line of `ghl_field`.
    fn as_ghl(&self, record: &AppRecord, ghl_field: &str) -> Option<String> {
        let line = self.mapping.fields.iter().find(|l| l.ghl == ghl_field)?;
        let value = record.values.get(&line.app)?;
        let converted = bridge_core::mapping::apply(&line.transforms, value, Flow::AppToGhl)
            .unwrap_or_else(|_| value.clone());
        converted.as_str().map(str::to_string)
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
            // Left in the review queue; nothing is guessed.
            MatchOutcome::Ambiguous { .. } => return Ok(()),
            MatchOutcome::NotFound => {
                let contact = Contact {
                    email: email.clone(),
                    first_name: self.as_ghl(record, "firstName"),
                    last_name: self.as_ghl(record, "lastName"),
                    phone: phone.clone(),
                    ..Contact::default()
                };
                let keys = MatchKeys {
                    email: email.as_deref().and_then(normalize::email),
                    phone: phone
                        .as_deref()
                        .and_then(|raw| normalize::phone_e164(raw, PHONE_REGION).ok().flatten()),
                };
                contacts::insert_pending(tx, &self.ghl_connection.id, &contact, &keys, clock.now())?
            }
        };
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

    /// Every contact either side changed, plus GHL contacts not yet in the app; and what was
    /// read, so that only that counts as planned afterwards.
    fn record_states(
        &self,
        store: &Store,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<RecordState>, PlanRead), BridgeError> {
        let wants_appointment = self
            .mapping
            .fields
            .iter()
            .any(|l| l.ghl == NEXT_APPOINTMENT);
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
        let mut read = PlanRead {
            planned_through: newest.max(since.clone()),
            app_records: Vec::new(),
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
        if wants_appointment {
            // A new appointment does not move its contact: its next appointment may have.
            let ghl = self.ghl_connection.id.as_str();
            ids.extend(bridge_store::table::activities::contacts_changed_since(
                store.conn(),
                [ghl, ghl],
                since.as_deref(),
            )?);
        }
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(row) = contacts::get(store.conn(), &id)? else {
                continue;
            };
            let ghl = if row.contact.contact_id.is_empty() {
                None
            } else {
                let mut values = ghl_contact_values(&row.contact);
                if wants_appointment {
                    if let Some(next) = next_appointment(store, &id, now)? {
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
                &id,
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
            let base = links::base(store.conn(), &self.app_connection().id, &id)?
                .into_iter()
                .collect();
            records.push(RecordState {
                local_id: id,
                ghl,
                app,
                base,
            });
        }
        Ok((records, read))
    }

    /// After apply: what both sides agree on becomes the base (fields an unfinished operation
    /// still has to carry keep theirs), and records with unfinished operations stay due for the
    /// next sync; everything else counts as planned.
    fn record_written(
        &self,
        store: &mut Store,
        plan: &Plan,
        read: &PlanRead,
        targets: &Targets<'_>,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        let now = clock.now();
        store.with_tx(|tx| {
            let mut unfinished: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
            for op in &plan.operations {
                let state = apply::state_of(tx, targets, op)?.unwrap_or_default();
                if state != "done" {
                    let fields = unfinished.entry(op.local_id.as_str()).or_default();
                    fields.extend(op.settles.keys().cloned());
                }
            }
            remote_records::mark_planned(tx, &self.app_connection().id, &read.app_records)?;
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
                let linked = links::for_contact(tx, local_id)?.iter().any(|l| {
                    l.connection_id == self.app_connection().id && l.object_kind == "contact"
                });
                if linked {
                    links::settle_base(tx, &self.app_connection().id, local_id, &agreed, now)?;
                }
                if pending.is_some() {
                    remote_records::mark_dirty(tx, &self.app_connection().id, local_id)?;
                }
            }
            match &read.planned_through {
                Some(through) => cursors::set(
                    tx,
                    &self.app_connection().id,
                    GHL_PLANNED_CURSOR,
                    through,
                    now,
                ),
                None => Ok(()),
            }
        })
    }
}

/// What a plan read: GHL's contacts up to `planned_through` (the newest change stored when it
/// began), and these app records (remote id, content hash) as they were then.
struct PlanRead {
    planned_through: Option<String>,
    app_records: Vec<(String, String)>,
}

pub use crate::undo::UndoReport;

impl Pair<'_> {
    /// Writes back, on each side, the values run `run_id` overwrote and that still hold what
    /// it wrote, as both sides are read now ([`crate::undo`]). The base becomes the run's
    /// result, so the next sync carries each restored value to the other side too.
    pub async fn undo(
        &self,
        store: &mut Store,
        run_id: &str,
        clock: &dyn Clock,
    ) -> Result<UndoReport, BridgeError> {
        // Both sides are read first: a value changed since the run is not overwritten.
        crate::pull::ghl::pull(store, self.ghl_connection, self.ghl, clock).await?;
        self.pull_app(store, clock).await?;
        let ghl_writer = GhlWriter { client: self.ghl };
        let target = crate::undo::UndoTarget {
            targets: self.targets(&ghl_writer),
            mapping: self.mapping,
            trigger: self.trigger.as_str(),
        };
        crate::undo::undo(store, run_id, &target, clock).await
    }
}

/// Keeps the plan's manual-review conflicts until the operator decides.
fn record_conflicts(
    store: &Store,
    app_connection_id: &str,
    plan: &Plan,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    for conflict in &plan.conflicts {
        conflicts::open(
            store.conn(),
            &conflicts::ConflictRow {
                id: 0,
                connection_id: app_connection_id.to_string(),
                contact_id: conflict.local_id.clone(),
                field: conflict.field.clone(),
                base_value: json(&conflict.base),
                ghl_value: json(&conflict.ghl),
                app_value: json(&conflict.app),
            },
            clock.now(),
        )?;
    }
    Ok(())
}

/// Settles a conflict: the kept side's value becomes the one the next sync writes to the other
/// side. It sets the base to the other side's value, so only the kept side counts as changed.
pub fn resolve_conflict(
    store: &mut Store,
    id: i64,
    keep: plan::Side,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let conflict = conflicts::get_open(store.conn(), id)?;
    let other = match keep {
        plan::Side::Ghl => &conflict.app_value,
        plan::Side::App => &conflict.ghl_value,
    };
    let value = match other {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            BridgeError::storage(format!("conflict {id}: a stored value is not JSON: {e}"))
        })?,
        None => Value::Null,
    };
    let now = clock.now();
    store.with_tx(|tx| {
        let settled: Map<String, Value> = [(conflict.field.clone(), value)].into_iter().collect();
        links::settle_base(
            tx,
            &conflict.connection_id,
            &conflict.contact_id,
            &settled,
            now,
        )?;
        remote_records::mark_dirty(tx, &conflict.connection_id, &conflict.contact_id)?;
        conflicts::resolve(
            tx,
            id,
            match keep {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            now,
        )
    })
}

/// Operations by system and kind, for the run history.
pub(crate) fn summarize(
    plan: &Plan,
    children: &[crate::children::ChildOperation],
    pushes: usize,
) -> Value {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for op in &plan.operations {
        let key = format!(
            "{}.{}",
            match op.target {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            match op.action {
                plan::Action::Create => "create",
                plan::Action::Update => "update",
            }
        );
        *counts.entry(key).or_default() += 1;
    }
    for op in children {
        let key = format!(
            "{}.{}.{}",
            match op.target {
                plan::Side::Ghl => "ghl",
                plan::Side::App => "app",
            },
            op.kind.as_str(),
            match op.action {
                crate::children::ChildAction::Create => "create",
                crate::children::ChildAction::Update => "update",
                crate::children::ChildAction::Link => "link",
            }
        );
        *counts.entry(key).or_default() += 1;
    }
    if pushes > 0 {
        counts.insert("app.event.create".into(), pushes as u64);
    }
    serde_json::json!({ "operations": counts, "conflicts": plan.conflicts.len() })
}

/// Writes contacts to GHL from GHL field values.
struct GhlWriter<'a> {
    client: &'a GhlClient,
}

fn ghl_fields(values: &Values) -> ContactFields {
    let text = |field: &str| {
        values
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut fields = ContactFields {
        email: text("email"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        phone: text("phone"),
        ..ContactFields::default()
    };
    // GHL replaces a contact's tags with the list sent.
    match values.get("tags") {
        Some(Value::Array(tags)) => {
            fields.tags = Some(
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        Some(Value::Null) => fields.tags = Some(Vec::new()),
        _ => {}
    }
    if let Some(Value::Array(parts)) = values.get("fullName") {
        fields.first_name = parts.first().and_then(Value::as_str).map(str::to_string);
        fields.last_name = parts.get(1).and_then(Value::as_str).map(str::to_string);
    }
    // A cleared field is sent as an empty string: GHL keeps a field that is left out.
    for (field, slot) in [
        ("email", &mut fields.email),
        ("firstName", &mut fields.first_name),
        ("lastName", &mut fields.last_name),
        ("phone", &mut fields.phone),
    ] {
        if values.get(field).is_some_and(Value::is_null) {
            *slot = Some(String::new());
        }
    }
    fields
}

impl RecordWriter for GhlWriter<'_> {
    fn system(&self) -> &str {
        "GHL"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let created = self
                .client
                .create_contact(&NewContact {
                    fields: ghl_fields(values),
                    ..NewContact::default()
                })
                .await?;
            created.id.ok_or_else(|| {
                BridgeError::new(
                    bridge_core::ErrorCode::Remote,
                    "GHL created a contact without an id",
                )
            })
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            self.client
                .update_contact(remote_id, &ghl_fields(changes))
                .await?;
            Ok(())
        })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            let email = values.get("email").and_then(Value::as_str);
            let phone = values.get("phone").and_then(Value::as_str);
            if email.is_none() && phone.is_none() {
                return Ok(None);
            }
            Ok(self
                .client
                .find_duplicate(email, phone)
                .await?
                .and_then(|c| c.id))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_writing_ghl_fields_the_sync_cannot_write_are_named() {
        let mut mapping = crate::app::default_novi_mapping();
        assert!(unwritable_lines(&mapping).is_empty());
        mapping.fields.push(bridge_core::mapping::FieldMapping {
            ghl: "businessId".into(),
            app: "Notes".into(),
            direction: Direction::Both,
            owner: bridge_core::mapping::Owner::Ghl,
            transforms: vec![],
        });
        let problems = unwritable_lines(&mapping);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("line 5 (businessId → Notes)"),
            "{}",
            problems[0]
        );
        // One way, GHL → app, is fine: nothing is written to GHL.
        mapping.fields[4].direction = Direction::GhlToApp;
        assert!(unwritable_lines(&mapping).is_empty());
    }

    #[test]
    fn ghl_values_name_the_fields_a_mapping_can_use() {
        let contact = Contact {
            contact_id: "g1".into(),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            tags: ["vip".to_string()].into(),
            ..Contact::default()
        };
        let values = ghl_contact_values(&contact);
        assert_eq!(values["email"], "ada@example.com");
        assert_eq!(values["fullName"], serde_json::json!(["Ada", "Lovelace"]));
        assert_eq!(values["tags"], serde_json::json!(["vip"]));
        assert!(!values.contains_key("phone"));
    }
}
