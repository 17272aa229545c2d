//! One sync of a pair — a GHL location and one app account ([`AppSide`]) — for contacts:
//! pull both sides → match the app's records to contacts → plan → (dry run: stop) → apply.

mod field_conflicts;
mod fields;
mod ghl_writer;
mod outcome;
mod records;

use std::sync::atomic::AtomicBool;

use bridge_connectors::ghl::GhlClient;
use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{links, sync_runs};
use bridge_store::Store;
use serde::Serialize;
use serde_json::Value;

use crate::app::AppSide;
use crate::apply::{self, ApplyReport, Targets};
use crate::plan::{self, Breaker, Plan};
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

/// The cursor of the app's change scan.
pub(crate) const APP_CURSOR: &str = "app.records";
/// When the pair last planned GHL's changed contacts.
pub(crate) const GHL_PLANNED_CURSOR: &str = "pair.ghl_planned";
/// Phones without a country code are read as this region's.
pub const PHONE_REGION: &str = "US";

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
        crate::problems::record_unreadable(
            store,
            &self.app_connection().id,
            &records,
            &run.plan,
            clock,
        )?;
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

    /// Reads GHL's open tasks, the location's appointments and the children of the next
    /// linked contacts in rotation (notes have no location-wide list), once per sync whatever
    /// the number of pairs.
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
            crate::pull::ghl_appointments::pull_appointments(
                store,
                self.ghl_connection,
                self.ghl,
                clock,
                &mut crate::pull::PullReport::default(),
            )
            .await?;
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
