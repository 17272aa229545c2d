//! The pair's steps after its contacts: tasks and notes both ways (the children engine), and
//! GHL's activities pushed as events to apps that take them so.

use std::sync::atomic::AtomicBool;

use bridge_core::{BridgeError, Clock};
use bridge_store::Store;

use super::{Pair, Run};
use bridge_store::table::links;

use crate::children::{ChildKind, ChildPlan, ChildPull, ChildReport};

/// What every step of one run shares.
pub(super) struct Step<'s> {
    pub clock: &'s dyn Clock,
    pub dry_run: bool,
    pub cancel: &'s AtomicBool,
    pub run_id: &'s str,
}

impl Pair<'_> {
    /// Reads both sides' children, resolves earlier runs' unfinished child writes, plans and
    /// (unless a dry run) applies; the plan cursor moves once every planned write is journaled
    /// and sent (failed ones are sent again by the next recovery, dead ones wait on their own
    /// record).
    pub(super) async fn sync_children(
        &self,
        store: &mut Store,
        step: &Step<'_>,
        run: &mut Run,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), BridgeError> {
        let recover_in = (!step.dry_run).then_some(step.run_id);
        let (mut plan, recovered, pulled) =
            self.plan_children(store, step.clock, recover_in).await?;
        // A capability whose check failed is left out; what it held back is planned again
        // once the check passes (the plan cursor stays).
        let planned = plan.operations.len();
        plan.operations
            .retain(|op| self.capabilities.allows_child(op.kind));
        let held_back = plan.operations.len() < planned;
        let mut linked = std::collections::BTreeMap::new();
        for kind in [ChildKind::Task, ChildKind::Note, ChildKind::Appointment] {
            let held =
                links::count_of_kind(store.conn(), &self.app_connection().id, kind.as_str())?;
            linked.insert(kind, usize::try_from(held).unwrap_or(usize::MAX));
        }
        // Creates under contacts new to the pair are a first fill (plan/breaker.rs).
        self.breaker
            .check_children(&plan.operations, &linked, &plan.fresh)?;
        // After the rules' writes, planned before.
        run.children.extend(plan.operations.iter().cloned());
        run.not_in_ghl = pulled.not_in_ghl;
        if !self.app.holds_contacts() {
            run.app_records_pulled = pulled.read;
        }
        let Some(app_children) = self.app.children() else {
            return Ok(());
        };
        if step.dry_run {
            return Ok(());
        }
        store.with_tx(|tx| {
            crate::children::record_seen_deletes(
                tx,
                self.app_connection(),
                &plan.seen_deletes,
                step.clock.now(),
            )
        })?;
        let ghl_children = crate::children::GhlChildWriter {
            client: self.ghl,
            clock: step.clock,
        };
        let targets = crate::children::ChildTargets {
            ghl: &ghl_children,
            ghl_connection_id: &self.ghl_connection.id,
            app: app_children,
            app_connection: self.app_connection(),
        };
        let total = plan.operations.len() as u64;
        let applied = crate::children::apply_children(
            store,
            step.run_id,
            &plan.operations,
            &targets,
            step.clock,
            step.cancel,
            &mut |done| progress(done, total),
        )
        .await?;
        run.children_applied = Some(run.children_applied.unwrap_or_default().plus(ChildReport {
            already_done: applied.already_done + recovered.already_done,
            unconfirmed: applied.unconfirmed + recovered.unconfirmed,
            dead: applied.dead + recovered.dead,
            ..applied
        }));
        if !applied.cancelled && !held_back {
            let now = step.clock.now();
            crate::children::mark_planned(store, &self.app_connection().id, &plan, now)?;
        }
        Ok(())
    }

    /// Plans GHL's activities to push as events and (unless a dry run) sends them.
    pub(super) async fn sync_pushes(
        &self,
        store: &mut Store,
        step: &Step<'_>,
        run: &mut Run,
    ) -> Result<(), BridgeError> {
        let recover_in = (!step.dry_run).then_some(step.run_id);
        let (mut plan, recovered) = self.plan_pushes(store, step.clock, recover_in).await?;
        let planned = plan.pushes.len();
        plan.pushes
            .retain(|push| self.capabilities.allows_push(&push.kind));
        let held_back = plan.pushes.len() < planned;
        // What arrived since the last push plan is a first fill (plan/breaker.rs).
        let linked = links::count_contacts(store.conn(), &self.app_connection().id)?;
        self.breaker.check_pushes(
            plan.pushes.iter().map(|p| p.first_fill),
            usize::try_from(linked).unwrap_or(usize::MAX),
        )?;
        run.pushes = plan.pushes.clone();
        let Some(target) = self.app.activity_push() else {
            return Ok(());
        };
        if step.dry_run {
            return Ok(());
        }
        let applied = crate::events::apply_pushes(
            store,
            step.run_id,
            self.app_connection(),
            &plan.pushes,
            target,
            step.clock,
            step.cancel,
        )
        .await?;
        run.pushes_applied = Some(crate::events::PushReport {
            already_done: applied.already_done + recovered.already_done,
            unconfirmed: applied.unconfirmed + recovered.unconfirmed,
            dead: applied.dead + recovered.dead,
            ..applied
        });
        if !applied.cancelled && !held_back {
            crate::events::mark_planned(store, self.app_connection(), &plan, step.clock.now())?;
        }
        Ok(())
    }

    /// Reads GHL's open tasks, the location's appointments and the children of the next
    /// linked contacts in rotation (notes have no location-wide list), once per sync whatever
    /// the number of pairs.
    pub(super) async fn read_ghl_activities(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
    ) -> Result<(), BridgeError> {
        if !self
            .location
            .tasks_read
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            if self.capabilities.allows_ghl_task_search() {
                crate::pull::ghl::pull_tasks(store, self.ghl_connection, self.ghl, clock).await?;
            }
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
                crate::events::recover(
                    store,
                    run_id,
                    self.app_connection(),
                    target,
                    clock,
                    &|row| self.capabilities.holds(row),
                )
                .await?
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
    ) -> Result<(ChildPlan, ChildReport, ChildPull), BridgeError> {
        let Some(app_children) = self.app.children() else {
            return Ok(Default::default());
        };
        self.read_ghl_activities(store, clock).await?;
        let pulled = crate::children::pull_app_children(
            store,
            &self.ghl_connection.id,
            self.app_connection(),
            app_children,
            clock,
        )
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
                crate::children::recover(store, run_id, &targets, clock, &|row| {
                    self.capabilities.holds(row)
                })
                .await?
            }
            None => Default::default(),
        };
        let planned = crate::children::plan_children(
            store,
            &self.ghl_connection.id,
            self.app_connection(),
            app_children.rules(),
        )?;
        Ok((planned, recovered, pulled))
    }
}
