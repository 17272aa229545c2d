//! One sync of a pair — a GHL location and one app account ([`AppSide`]) — for contacts:
//! pull both sides → match the app's records to contacts → plan → (dry run: stop) → apply.

mod activities;
mod field_conflicts;
mod fields;
mod ghl_writer;
mod outcome;
mod records;
mod rules;
mod streamed;

use std::sync::atomic::AtomicBool;

use bridge_connectors::ghl::GhlClient;
use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::sync_runs;
use bridge_store::Store;
use serde::Serialize;
use serde_json::Value;

use crate::app::AppSide;
use crate::apply::{self, ApplyReport, Targets};
use crate::plan::{Breaker, Plan, PlanCounts};
use crate::pull::PullReport;

use field_conflicts::record_conflicts;
pub use field_conflicts::resolve_conflict;
use fields::next_appointment;
pub use fields::{
    contact_mapping, ghl_contact_fields, ghl_contact_values, unwritable_lines, GHL_WRITABLE_FIELDS,
    NEXT_APPOINTMENT,
};
use ghl_writer::GhlWriter;
pub(crate) use outcome::summarize;
pub(crate) use records::pending_contact;
#[cfg(test)]
pub(crate) use streamed::fingerprint;

/// The cursor of the app's change scan.
pub(crate) const APP_CURSOR: &str = "app.records";
/// When the pair last planned GHL's changed contacts.
pub(crate) const GHL_PLANNED_CURSOR: &str = "pair.ghl_planned";
/// Contacts planned and applied together (issue #13: bounded memory at 100,000 contacts;
/// streamed.rs).
const PLAN_CHUNK: usize = 1_000;
/// Phones without a country code are read as this region's.
pub const PHONE_REGION: &str = "US";

/// What one run of a pair produced, before the run's bookkeeping.
struct Run {
    ghl_pull: PullReport,
    app_records_pulled: u64,
    /// The contact plan's first operations, conflicts and problems (see [`SyncOutcome::plan`]).
    plan: Plan,
    planned: PlanCounts,
    prints: Vec<u64>,
    applied: Option<ApplyReport>,
    children: Vec<crate::children::ChildOperation>,
    children_applied: Option<crate::children::ChildReport>,
    pushes: Vec<crate::events::PushOperation>,
    pushes_applied: Option<crate::events::PushReport>,
    /// App children whose contact GHL does not hold (apps naming contacts by email).
    not_in_ghl: u64,
    labels: Option<crate::nifty::LabelReport>,
    /// `None` where none were carried: a dry run, or an app that holds no contacts.
    contact_deletes: Option<crate::contact_deletes::CarryReport>,
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
    /// The GHL location's name.
    pub ghl_name: String,
    pub app_system: bridge_core::System,
    pub duration_ms: u64,
    pub dry_run: bool,
    pub ghl_pull: PullReport,
    pub app_records_pulled: u64,
    /// The contact plan as shown: its first [`crate::plan::SHOWN_OPERATIONS`] operations (all of a
    /// smaller plan), every conflict and problem. A large plan is never held whole.
    pub plan: Plan,
    /// The whole contact plan's exact counts.
    pub planned: PlanCounts,
    /// One fingerprint per planned contact write, in the order applied (streamed.rs).
    #[serde(skip)]
    pub contact_prints: Vec<u64>,
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
    /// The operator's approved contact deletes this sync carried (`null` where it carried
    /// none by design: a dry run, or an app that holds no contacts).
    pub contact_deletes: Option<crate::contact_deletes::CarryReport>,
    pub ghl_requests: u64,
    pub app_requests: u64,
    pub rate_limited: u64,
    /// Capabilities left out because their last check failed, one sentence each.
    pub refused: Vec<String>,
    /// Unfinished writes of those capabilities that recovery left waiting (neither sent again
    /// nor dead letters), one sentence per capability.
    pub waiting: Vec<String>,
}

/// What one sync read of a GHL location, shared by every pair of that location so GHL is read
/// once per sync (DESIGN.md: one GHL read per sync shared by every pair of the location).
#[derive(Debug, Default)]
pub struct LocationRead {
    /// Set once the location's contacts (and their children) were pulled: later pairs plan
    /// from the mirror, which the earlier pairs' writes to GHL keep current.
    pub contacts_pulled: AtomicBool,
    /// Set once GHL's open tasks were read in this sync: pairs after the first share it.
    pub tasks_read: AtomicBool,
}

pub struct Pair<'a> {
    pub ghl_connection: &'a ConnectionRow,
    pub ghl: &'a GhlClient,
    pub app: &'a dyn AppSide,
    pub mapping: &'a Mapping,
    pub breaker: Breaker,
    /// What this sync already read of the pair's location, shared by its pairs.
    pub location: &'a LocationRead,
    /// Who started the sync, for the run history.
    pub trigger: crate::service::Trigger,
    /// What this sync leaves out because its check failed.
    pub capabilities: &'a crate::doctor::Capabilities,
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
            Ok(run) => self.summary(run),
            Err(_) => serde_json::json!({}),
        };
        summary["pair"] = Value::String(self.app_connection().id.clone());
        // The location it ran with: undo refuses a run made before the pair moved.
        summary["ghl"] = Value::String(self.ghl_connection.id.clone());
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
            planned,
            prints,
            applied,
            children,
            children_applied,
            pushes,
            pushes_applied,
            not_in_ghl,
            labels,
            contact_deletes,
        } = result?;
        let waiting = if self.capabilities.any_refused() {
            let unfinished =
                crate::journal::unfinished_for_pair(store.conn(), &self.app_connection().id)?;
            self.capabilities.waiting(&unfinished)
        } else {
            Vec::new()
        };
        Ok(SyncOutcome {
            run_id,
            pair_name: self.app_connection().name.clone(),
            ghl_name: self.ghl_connection.name.clone(),
            app_system: self.app_connection().system,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            dry_run,
            ghl_pull,
            app_records_pulled,
            plan,
            planned,
            contact_prints: prints,
            applied,
            children,
            children_applied,
            pushes,
            pushes_applied,
            not_in_ghl,
            labels,
            contact_deletes,
            ghl_requests: ghl_spent,
            app_requests: app_spent,
            rate_limited: limited,
            refused: self.capabilities.sentences(),
            waiting,
        })
    }

    fn summary(&self, run: &Run) -> Value {
        let mut summary = summarize(
            &run.planned,
            run.plan.conflicts.len(),
            &run.children,
            run.pushes.len(),
        );
        if !self.app.holds_contacts() {
            summary["notInGhl"] = Value::from(run.not_in_ghl);
        }
        if let Some(labels) = &run.labels {
            summary["labels"] = serde_json::to_value(labels).unwrap_or_default();
        }
        // Only when something happened: most runs carry no deletes.
        if let Some(deletes) = run.contact_deletes.filter(|d| *d != Default::default()) {
            summary["contactDeletes"] = serde_json::to_value(deletes).unwrap_or_default();
        }
        summary
    }

    /// Contacts, then their children, then events, then tag sets: each step only for apps
    /// that hold it, and none after a cancel.
    async fn run(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        dry_run: bool,
        cancel: &AtomicBool,
        progress: apply::Progress<'_>,
        run_id: &str,
    ) -> Result<Run, BridgeError> {
        let mut run = self
            .sync_contacts(store, clock, dry_run, cancel, &mut *progress, run_id)
            .await?;
        if run.cancelled() {
            return Ok(run);
        }
        let contacts_total = run.planned.operations();
        let step = activities::Step {
            clock,
            dry_run,
            cancel,
            run_id,
        };
        self.sync_rules(store, &step, &mut run).await?;
        if run.cancelled() {
            return Ok(run);
        }
        let mut children_progress =
            |done: u64, total: u64| progress(contacts_total + done, contacts_total + total);
        self.sync_children(store, &step, &mut run, &mut children_progress)
            .await?;
        if run.cancelled() {
            return Ok(run);
        }
        self.sync_pushes(store, &step, &mut run).await?;
        if run.cancelled() || dry_run {
            return Ok(run);
        }
        if let Some(sets) = self.app.tag_sets() {
            let tag_run = crate::app::TagRun {
                ghl: self.ghl,
                ghl_connection: self.ghl_connection,
                app: self.app_connection(),
                run_id,
                clock,
                breaker: self.breaker,
            };
            run.labels = sets.merge_tags(store, tag_run).await?;
        }
        Ok(run)
    }

    /// Recovers, pulls, plans and applies the contacts (for apps that hold contacts; the
    /// others only read GHL's).
    async fn sync_contacts(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        dry_run: bool,
        cancel: &AtomicBool,
        progress: apply::Progress<'_>,
        run_id: &str,
    ) -> Result<Run, BridgeError> {
        let ghl_writer = GhlWriter::new(self.ghl, store, &self.ghl_connection.id)?;
        let targets = self.targets(&ghl_writer);
        let holds_contacts = self.app.holds_contacts();
        // Recover before anything is read or planned: a contact create whose answer was lost
        // is finished on the record it made, which the pull then reads as linked.
        let recovered = if dry_run || !holds_contacts {
            ApplyReport::default()
        } else {
            apply::recover(store, run_id, &targets, clock, &|row| {
                self.capabilities.holds(row)
            })
            .await?
        };
        let ghl_pull = self.pull_ghl_once(store, clock).await?;
        let mut run = Run {
            ghl_pull,
            app_records_pulled: 0,
            plan: Plan::default(),
            planned: PlanCounts::default(),
            prints: Vec::new(),
            applied: None,
            children: Vec::new(),
            children_applied: None,
            pushes: Vec::new(),
            pushes_applied: None,
            not_in_ghl: 0,
            labels: None,
            contact_deletes: None,
        };
        if !holds_contacts {
            return Ok(run);
        }
        run.app_records_pulled = self.pull_app(store, clock).await?;
        if !dry_run {
            run.contact_deletes =
                Some(crate::contact_deletes::carry(store, run_id, &targets, clock).await?);
        }
        if self
            .mapping
            .fields
            .iter()
            .any(|l| l.ghl == NEXT_APPOINTMENT)
        {
            self.read_ghl_activities(store, clock).await?;
        }
        // Planned, counted and applied a chunk of contacts at a time (streamed.rs): the
        // whole plan is never held, only its counts and a bounded sample.
        let (due, read) = self.due_contacts(store)?;
        let options = self.app.field_options().await?;
        let chunks = streamed::Chunks {
            due: &due,
            options: &options,
            targets: &targets,
            clock,
        };
        let counted = self.count_plan(store, &chunks, read)?;
        run.plan = counted.shown.clone();
        run.planned = counted.counts;
        run.prints.clone_from(&counted.prints);
        if dry_run {
            return Ok(run);
        }
        record_conflicts(store, &self.app_connection().id, &run.plan, clock)?;
        crate::problems::record_unreadable(
            store,
            &self.app_connection().id,
            &due,
            &run.plan,
            clock,
        )?;
        let report = self
            .apply_counted(store, run_id, &chunks, counted, progress, cancel)
            .await?;
        run.applied = Some(ApplyReport {
            already_done: report.already_done + recovered.already_done,
            unconfirmed: report.unconfirmed + recovered.unconfirmed,
            dead: report.dead + recovered.dead,
            ..report
        });
        Ok(run)
    }

    /// Pulls the location's GHL contacts unless an earlier pair of this sync did; the report
    /// is that pull's (empty for the pairs after it).
    async fn pull_ghl_once(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
    ) -> Result<PullReport, BridgeError> {
        use std::sync::atomic::Ordering;
        if self.location.contacts_pulled.load(Ordering::SeqCst) {
            return Ok(PullReport::default());
        }
        let report = crate::pull::ghl::pull(store, self.ghl_connection, self.ghl, clock).await?;
        self.location.contacts_pulled.store(true, Ordering::SeqCst);
        Ok(report)
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
        let ghl_writer = GhlWriter::new(self.ghl, store, &self.ghl_connection.id)?;
        let target = crate::undo::UndoTarget {
            targets: self.targets(&ghl_writer),
            mapping: self.mapping,
            trigger: self.trigger.as_str(),
        };
        crate::undo::undo(store, run_id, &target, clock).await
    }
}
