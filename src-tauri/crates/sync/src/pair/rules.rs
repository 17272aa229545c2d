//! The pair's rules step ([`crate::rules`]): after the contacts, before the children, so a
//! welcome note written to GHL is copied to the app by the children engine in the same sync,
//! and a summary note follows the contact writes it summarizes.

use bridge_core::BridgeError;
use std::collections::{BTreeMap, BTreeSet};

use bridge_connectors::connectif::ExportedActivity;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{cursors, links};
use bridge_store::Store;
use chrono::{DateTime, Utc};

use super::activities::Step;
use super::{Pair, Run};
use crate::children::{
    AppChildren, ChildKind, ChildOperation, ChildReport, ChildTargets, GhlChildWriter,
};
use crate::rules::{self, Active, FollowUpConfig, NoChildren, PairRules, RuleContext, RuleName};

/// How far the summary rule has read the journal's contact writes (a journal id).
const SUMMARY_CURSOR: &str = "rules.summary";
/// Up to when the follow-up rule has read the app's engagements (an instant).
const FOLLOW_UP_CURSOR: &str = "rules.follow_up";
/// How far back each read of engagements starts before the last one ended: an activity may
/// be listed a little after it happened.
const LATE_ARRIVALS: chrono::Duration = chrono::Duration::minutes(10);

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
        // Even a rule switched off since finishes what it had sent; a refused capability's
        // unfinished writes wait, as every other write of it does.
        let recovered = if step.dry_run {
            ChildReport::default()
        } else {
            crate::children::recover_rules(store, step.run_id, &targets, step.clock, &|row| {
                self.capabilities.holds(row)
            })
            .await?
        };
        let active = rules::active(store, app)?;
        let engaged = match &active.follow_up {
            Some(rule) => Some(self.read_engagements(store, step, rule).await?),
            None => None,
        };
        let (mut writes, mut summarized) = self.plan_rules(store, step, run, &active)?;
        let mut engaged_until = None;
        if let (Some(rule), Some((activities, until))) = (&active.follow_up, engaged) {
            let context = self.rule_context(step);
            writes.extend(rules::plan_follow_ups(store, &context, rule, &activities)?);
            engaged_until = Some(until);
        }
        // A refused capability's rule writes are held back like the children's: the welcome
        // rule plans them again from its contacts, the summary and follow-up rules from their
        // cursors, which stay where they were.
        let planned = writes.len();
        writes.retain(|op| self.capabilities.allows_child(op.kind));
        if writes.len() < planned {
            summarized = None;
            engaged_until = None;
        }
        self.check_rule_writes(store, &writes)?;
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
        if let (false, Some(until)) = (applied.cancelled, engaged_until) {
            cursors::set(
                store.conn(),
                &app.id,
                FOLLOW_UP_CURSOR,
                &until.to_rfc3339(),
                step.clock.now(),
            )?;
        }
        Ok(())
    }

    fn rule_context(&self, step: &Step<'_>) -> RuleContext<'_> {
        RuleContext {
            pair: self.app_connection(),
            ghl_connection_id: &self.ghl_connection.id,
            now: step.clock.now(),
        }
    }

    /// The app's engagements since the follow-up rule last read (since it was switched on, the
    /// first time), a few minutes back for late arrivals (the tasks' keys drop what was read
    /// before), read in ranges the app's API allows; and the instant they reach.
    async fn read_engagements(
        &self,
        store: &Store,
        step: &Step<'_>,
        rule: &Active<FollowUpConfig>,
    ) -> Result<(Vec<ExportedActivity>, DateTime<Utc>), BridgeError> {
        let app = self.app_connection();
        let Some(source) = self.app.engagements() else {
            let why = RuleName::FollowUp
                .refused_for(app.system)
                .unwrap_or_default();
            return Err(BridgeError::invalid_input(format!(
                "\"{}\" cannot run the follow-up task rule: {why}",
                app.name
            )));
        };
        let read_to = cursors::get(store.conn(), &app.id, FOLLOW_UP_CURSOR)?
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc) - LATE_ARRIVALS);
        let since = DateTime::parse_from_rfc3339(&rule.since)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|e| BridgeError::internal(format!("the rule's switch time: {e}")))?;
        let until = step.clock.now();
        let mut from = read_to.map_or(since, |at| at.max(since));
        let types = rules::activity_types(&rule.config);
        let mut activities = Vec::new();
        while from < until {
            let to = (from + source.max_range()).min(until);
            let export = source.engagements(from, to, &types).await?;
            record_unreadable(store, app, (from, to), &export.unreadable, step.clock.now())?;
            activities.extend(export.activities);
            from = to;
        }
        Ok((activities, until))
    }

    /// The breaker judges each rule's writes against the contacts the pair holds: a rule that
    /// would write to more than the allowed share of them (a welcome rule met by a location
    /// that is new to it, a summary of a mass edit) stops the sync before any is sent.
    fn check_rule_writes(
        &self,
        store: &Store,
        writes: &[ChildOperation],
    ) -> Result<(), BridgeError> {
        let mut contacts: BTreeMap<(RuleName, ChildKind), BTreeSet<&str>> = BTreeMap::new();
        for op in writes {
            if let Some(rule) = op.rule {
                contacts
                    .entry((rule, op.kind))
                    .or_default()
                    .insert(&op.contact_id);
            }
        }
        if contacts.is_empty() {
            return Ok(());
        }
        let held = links::count_contacts(store.conn(), &self.app_connection().id)?;
        let held = usize::try_from(held).unwrap_or(usize::MAX);
        for ((rule, kind), written) in contacts {
            let what = format!("{} writes by rule: {}", kind.as_str(), rule.label());
            self.breaker
                .check_writes(&what, "GHL", written.len(), held)?;
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
        let context = self.rule_context(step);
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

/// Lists the rows of an engagement export that could not be read as problems of the pair
/// (`bridge problems`): the row (its place in which export, its id and email), the column, the
/// value and the reason. The rest of the export is used.
fn record_unreadable(
    store: &Store,
    app: &ConnectionRow,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    rows: &[bridge_connectors::connectif::UnreadableActivity],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let range = format!(
        "{} to {} UTC",
        from.format("%Y-%m-%d %H:%M"),
        to.format("%Y-%m-%d %H:%M")
    );
    for row in rows {
        tracing::warn!(pair = %app.name, "{} activities export of {range}: {row}", app.system.display_name());
        let record = format!(
            "row {} of the {} activities export of {range}",
            row.row,
            app.system.display_name()
        );
        bridge_store::table::engagement_problems::record(
            store.conn(),
            &bridge_store::table::engagement_problems::NewEngagementProblem {
                pair_id: &app.id,
                record: &record,
                email: row.email.as_deref(),
                activity_id: row.id.as_deref(),
                field: &row.field,
                value: &serde_json::Value::String(row.value.clone()).to_string(),
                reason: &row.reason,
            },
            now,
        )?;
    }
    Ok(())
}
