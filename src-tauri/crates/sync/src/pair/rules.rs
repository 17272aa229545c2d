//! The pair's rules step ([`crate::rules`]): after the contacts, before the children, so a
//! welcome note written to GHL is copied to the app by the children engine in the same sync,
//! and a summary note follows the contact writes it summarizes.

use bridge_core::BridgeError;
use bridge_store::table::cursors;
use bridge_store::Store;

use super::activities::Step;
use super::{Pair, Run};
use crate::children::{AppChildren, ChildOperation, ChildReport, ChildTargets, GhlChildWriter};
use crate::rules::{self, NoChildren, PairRules, RuleContext};

/// How far the summary rule has read the journal's contact writes (a journal id).
const SUMMARY_CURSOR: &str = "rules.summary";

impl Pair<'_> {
    /// Finishes the rules' unfinished writes of earlier runs, plans the writes the rules
    /// switched on owe, and (unless a dry run) sends them through the journal.
    pub(super) async fn sync_rules(
        &self,
        store: &mut Store,
        step: &Step<'_>,
        run: &mut Run,
    ) -> Result<(), BridgeError> {
        let app = self.app_connection();
        let no_children = NoChildren {
            system: app.system.display_name(),
        };
        let app_children: &dyn AppChildren = self.app.children().unwrap_or(&no_children);
        let ghl_children = GhlChildWriter {
            client: self.ghl,
            clock: step.clock,
        };
        let targets = ChildTargets {
            ghl: &ghl_children,
            ghl_connection_id: &self.ghl_connection.id,
            app: app_children,
            app_connection: app,
        };
        // Even a rule switched off since finishes what it had sent.
        let recovered = if step.dry_run {
            ChildReport::default()
        } else {
            crate::children::recover_rules(store, step.run_id, &targets, step.clock).await?
        };
        let active = rules::active(store, app)?;
        let (writes, summarized) = self.plan_rules(store, step, run, &active)?;
        run.children.extend(writes.iter().cloned());
        if step.dry_run {
            return Ok(());
        }
        let applied = crate::children::apply_children(
            store,
            step.run_id,
            &writes,
            &targets,
            step.clock,
            step.cancel,
            &mut |_| {},
        )
        .await?;
        if !writes.is_empty() || recovered != ChildReport::default() {
            let report = applied.plus(recovered);
            run.children_applied = Some(run.children_applied.unwrap_or_default().plus(report));
        }
        if let (false, Some(newest)) = (applied.cancelled, summarized) {
            cursors::set(
                store.conn(),
                &app.id,
                SUMMARY_CURSOR,
                &newest.to_string(),
                step.clock.now(),
            )?;
        }
        Ok(())
    }

    /// The rules' writes, and the newest journal id the summary rule read (its cursor moves
    /// there once they are sent).
    fn plan_rules(
        &self,
        store: &Store,
        step: &Step<'_>,
        run: &Run,
        active: &PairRules,
    ) -> Result<(Vec<ChildOperation>, Option<i64>), BridgeError> {
        let context = RuleContext {
            pair: self.app_connection(),
            ghl_connection_id: &self.ghl_connection.id,
            now: step.clock.now(),
        };
        let mut writes = Vec::new();
        let mut summarized = None;
        if let Some(welcome) = &active.welcome {
            writes.extend(rules::plan_welcome(store, &context, welcome)?);
        }
        if let Some(summary) = &active.summary {
            if step.dry_run {
                // The contact writes are not journaled yet: the plan's own say what they bring.
                writes.extend(rules::plan_from_plan(&context, &run.plan));
            } else {
                let after = cursors::get(store.conn(), &context.pair.id, SUMMARY_CURSOR)?
                    .and_then(|id| id.parse().ok())
                    .unwrap_or(0);
                let (notes, newest) = rules::plan_from_journal(store, &context, summary, after)?;
                writes.extend(notes);
                summarized = newest;
            }
        }
        Ok((writes, summarized))
    }
}
