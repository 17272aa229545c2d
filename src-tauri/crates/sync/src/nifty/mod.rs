//! The GHL ↔ Nifty pair. Nifty holds no contacts, so the pair syncs the children of GHL
//! contacts with the tasks of one Nifty project the operator picked:
//!
//! - **Tasks, both ways** through the children engine ([`crate::children`]): a GHL contact
//!   task ↔ a Nifty task in the project, title, description, due date and completion
//!   (Nifty's complete/uncomplete endpoints). New Nifty tasks go to the chosen task group.
//! - **Which contact**: the task's description ends with `Contact: <email>` ([`marker`]), the
//!   form the operators' follow-up tasks already use; the sync writes it into the tasks it
//!   creates. A task whose email no single GHL contact holds is counted "not in GHL".
//! - **Labels ↔ tags**, both ways, per contact ([`labels`]).
//! - **Notes, GHL → Nifty only**: each GHL note becomes one comment (message) on the
//!   contact's "Notes — <email>" task, created with the first note. Comments are not edited
//!   afterwards, and Nifty comments do not come back as GHL notes.
//! - **Change detection**: Nifty tasks have no updated_at, so every sync scans the whole
//!   project (one request per 1000 tasks) and compares content hashes with the last scan.
//!   Deletes are not carried (as for every pair's tasks).

mod connect;
mod labels;
mod marker;
mod pull;
mod tasks;

use std::sync::atomic::AtomicBool;

use bridge_connectors::ghl::GhlClient;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::sync_runs;
use bridge_store::Store;
use serde_json::Value;

use crate::apply::Progress;
use crate::children::{self, AppChildren, ChildTargets, GhlChildWriter};
use crate::pair::SyncOutcome;
use crate::plan::Plan;
use crate::pull::PullReport;

pub use connect::{
    connect_nifty_oauth, nifty_client, nifty_redirect_url, nifty_tasks, NiftyOauthConnect,
    NIFTY_REDIRECT_PORT, NIFTY_SYNC_SCOPES,
};
pub use labels::LabelReport;
pub use tasks::{NiftyPlace, NiftyTasks};

/// One sync of a GHL location with one Nifty project.
pub struct NiftyPair<'a> {
    pub ghl_connection: &'a ConnectionRow,
    pub ghl: &'a GhlClient,
    pub connection: &'a ConnectionRow,
    pub tasks: &'a NiftyTasks,
    /// Who started the sync, for the run history.
    pub trigger: crate::service::Trigger,
}

struct Run {
    ghl_pull: PullReport,
    nifty: pull::NiftyPull,
    children: Vec<children::ChildOperation>,
    children_applied: Option<children::ChildReport>,
    labels: Option<LabelReport>,
}

impl NiftyPair<'_> {
    pub async fn sync(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        dry_run: bool,
        cancel: &AtomicBool,
        progress: Progress<'_>,
    ) -> Result<SyncOutcome, BridgeError> {
        let started = std::time::Instant::now();
        let nifty_http = self.tasks.client().http();
        let (ghl_start, app_start) = (self.ghl.http().counts(), nifty_http.counts());
        let run_id = sync_runs::start(store.conn(), self.trigger.as_str(), dry_run, clock.now())?;
        let result = self
            .run(store, clock, dry_run, cancel, progress, &run_id)
            .await;
        let (ghl_now, app_now) = (self.ghl.http().counts(), nifty_http.counts());
        let ghl_spent = ghl_now.sent - ghl_start.sent;
        let app_spent = app_now.sent - app_start.sent;
        let limited = (ghl_now.rate_limited - ghl_start.rate_limited)
            + (app_now.rate_limited - app_start.rate_limited);
        let cancelled =
            matches!(&result, Ok(run) if run.children_applied.is_some_and(|r| r.cancelled));
        let (status, error) = match &result {
            Ok(_) if cancelled => ("cancelled", None),
            Ok(_) => ("succeeded", None),
            Err(e) => ("failed", Some(e.message.clone())),
        };
        let empty = Plan::default();
        let mut summary = match &result {
            Ok(run) => {
                let mut summary = crate::pair::summarize(&empty, &run.children, 0);
                summary["notInGhl"] = Value::from(run.nifty.not_in_ghl);
                if let Some(labels) = &run.labels {
                    summary["labels"] = serde_json::to_value(labels).unwrap_or_default();
                }
                summary
            }
            Err(_) => serde_json::json!({}),
        };
        summary["pair"] = Value::String(self.connection.id.clone());
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
        let run = result?;
        if !cancelled {
            crate::apply::reconnected(
                store.conn(),
                &[self.ghl_connection, self.connection],
                clock.now(),
            )?;
        }
        Ok(SyncOutcome {
            run_id,
            pair_name: self.connection.name.clone(),
            app_system: self.connection.system,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            dry_run,
            ghl_pull: run.ghl_pull,
            app_records_pulled: run.nifty.read,
            plan: empty,
            applied: None,
            children: run.children,
            children_applied: run.children_applied,
            pushes: Vec::new(),
            pushes_applied: None,
            not_in_ghl: run.nifty.not_in_ghl,
            labels: run.labels,
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
        progress: Progress<'_>,
        run_id: &str,
    ) -> Result<Run, BridgeError> {
        let ghl_pull = crate::pull::ghl::pull(store, self.ghl_connection, self.ghl, clock).await?;
        crate::pull::ghl::pull_tasks(store, self.ghl_connection, self.ghl, clock).await?;
        crate::pull::ghl::reconcile_children(store, self.ghl_connection, self.ghl, clock).await?;
        let nifty = pull::pull_nifty(
            store,
            &self.ghl_connection.id,
            self.connection,
            self.tasks,
            clock,
        )
        .await?;
        let ghl_children = GhlChildWriter {
            client: self.ghl,
            clock,
        };
        let targets = ChildTargets {
            ghl: &ghl_children,
            ghl_connection_id: &self.ghl_connection.id,
            app: self.tasks,
            app_connection: self.connection,
        };
        // Unfinished writes of an earlier run are resolved after the scan (a lookup reads it)
        // and before the plan: a task created but never completed is completed and linked,
        // never taken for a new Nifty task to copy into GHL.
        let recovered = if dry_run {
            children::ChildReport::default()
        } else {
            children::recover(store, run_id, &targets, clock).await?
        };
        let plan = children::plan_children(
            store,
            &self.ghl_connection.id,
            self.connection,
            self.tasks.rules(),
        )?;
        let mut run = Run {
            ghl_pull,
            nifty,
            children: plan.operations.clone(),
            children_applied: None,
            labels: None,
        };
        if dry_run {
            return Ok(run);
        }
        let total = run.children.len() as u64;
        let report = children::apply_children(
            store,
            run_id,
            &run.children,
            &targets,
            clock,
            cancel,
            &mut |done| progress(done, total),
        )
        .await?;
        let report = children::ChildReport {
            already_done: report.already_done + recovered.already_done,
            unconfirmed: report.unconfirmed + recovered.unconfirmed,
            dead: report.dead + recovered.dead,
            ..report
        };
        run.children_applied = Some(report);
        if report.cancelled {
            return Ok(run);
        }
        children::mark_planned(store, &self.connection.id, &plan, clock.now())?;
        let label_sync = labels::LabelSync {
            ghl: self.ghl,
            ghl_connection: self.ghl_connection,
            nifty: self.tasks.client(),
            app: self.connection,
            run_id,
            clock,
        };
        run.labels = Some(label_sync.run(store, &run.nifty.tasks_by_contact).await?);
        Ok(run)
    }
}
