//! The circuit breaker: a sync may write at most a set share of the pair's records of one
//! kind on either side before it stops and asks the operator.
//!
//! Every kind of write counts: contact creates and updates, task, note and appointment
//! writes (creates, updates, deletes, rules' writes included), event pushes and label
//! changes, each measured against the records of its kind the pair holds.
//!
//! One exception, a side's first fill: what a sync creates for a contact new to the pair
//! since its last plan fills a side with something it never held. It overwrites nothing
//! there, and a location's second sync does exactly that on every pair: each pair brings in
//! the contacts (and their tasks and activities) another pair brought into GHL the sync
//! before, often more than the pair held (the sandbox's second sync tripped at 52%). New
//! people arriving between syncs are the same case. So:
//! - a contact create counts unless its contact was first stored since the pair's last
//!   contact plan (or the pair never planned). A create of a contact the pair already knew
//!   and did not create then is a re-create: links forgotten, a mapping that no longer
//!   matches, an app reconnected to another account. That is what the breaker is for, and
//!   its refusal says so;
//! - a task, note or appointment create, and an event push, count unless they copy what
//!   arrived since the step's last plan: a record stored or changed since (new work, or what
//!   another pair just brought into GHL), or any record of a contact linked in the pair since
//!   (a contact new to the pair brings what it already had). A record that was there before
//!   the last plan and is copied only now is a re-create or a re-send: links forgotten, a
//!   kind the app refused allowed again, a cursor reset. Events start the app's own
//!   automations, so a flood of them is what the breaker asks about.
//!
//! Updates and deletes always count.
//!
//! "First stored" is when the contact became a GHL contact of the location in this database:
//! a pending row (a contact another app brought, about to be created in GHL, which a preview
//! may write long before Apply) counts from when it got its GHL id, not from when the row was
//! written. Counted from the row, the desktop suite's second sync stopped 3 of 5 pairs on
//! "re-creates" that were the contacts another pair had just brought into GHL.

use std::collections::BTreeMap;

use bridge_core::BridgeError;

use super::{Action, PlanCounts, Side};
use crate::children::{ChildAction, ChildKind, ChildOperation, FirstFill};

/// The circuit breaker: a sync may write at most this share of the records on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    pub max_overwrite_share: f64,
    /// Plans this small always pass (a share of 3 records means nothing).
    pub min_records: usize,
    /// How many contacts the pair holds (linked): the share is measured against them (at
    /// least the planned ones), not against the few a sync happens to look at.
    pub population: usize,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            max_overwrite_share: 0.2,
            min_records: 20,
            population: 0,
        }
    }
}

/// The name of a side in the breaker's refusal.
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Ghl => "GHL",
        Side::App => "the app",
    }
}

impl Breaker {
    /// Refuses a contact plan that writes more than the allowed share on a side: updates,
    /// and creates of contacts the pair knew before, those named apart as re-creates. The
    /// plan is judged by its counts (it is planned in chunks and never held whole); `planned`
    /// is how many contacts it covered.
    pub(crate) fn check(&self, counts: &PlanCounts, planned: usize) -> Result<(), BridgeError> {
        let population = self.population.max(planned);
        for side in [Side::Ghl, Side::App] {
            let updates = counts.of(side, Action::Update) as usize;
            let recreates = counts.recreates(side) as usize;
            self.check_writes(
                "creates of contacts the pair knew before (re-creates)",
                side_name(side),
                recreates,
                population,
            )?;
            self.check_writes(
                "contact writes",
                side_name(side),
                updates + recreates,
                population,
            )?;
        }
        Ok(())
    }

    /// Refuses a children plan that writes more than the allowed share of a kind's records
    /// (tasks, notes, appointments) on a side. `linked` is how many records of each kind the
    /// pair holds; creates that copy what arrived since the last children plan (`fresh`) are
    /// a first fill and not counted. Links send nothing and count nothing.
    pub(crate) fn check_children(
        &self,
        operations: &[ChildOperation],
        linked: &BTreeMap<ChildKind, usize>,
        fresh: &FirstFill,
    ) -> Result<(), BridgeError> {
        let mut writes: BTreeMap<(ChildKind, Side), usize> = BTreeMap::new();
        for op in operations {
            let counted = match op.action {
                ChildAction::Link => false,
                ChildAction::Create => !fresh.covers(op),
                ChildAction::Update | ChildAction::Delete => true,
            };
            if counted {
                *writes.entry((op.kind, op.target)).or_default() += 1;
            }
        }
        for ((kind, side), count) in writes {
            let held = linked.get(&kind).copied().unwrap_or(0);
            let what = format!("{} writes", kind.as_str());
            self.check_writes(&what, side_name(side), count, held)?;
        }
        Ok(())
    }

    /// Refuses event pushes to the app beyond the allowed share of the pair's `linked`
    /// contacts. Each push says whether it is a first fill (what arrived since the last push
    /// plan, or a contact new to the pair), which is not counted.
    pub(crate) fn check_pushes(
        &self,
        first_fills: impl Iterator<Item = bool>,
        linked: usize,
    ) -> Result<(), BridgeError> {
        let counted = first_fills.filter(|first_fill| !first_fill).count();
        self.check_writes("event pushes", "the app", counted, linked)
    }

    /// Refuses `count` writes of one kind (`what`, e.g. "task writes") to `target` when they
    /// are more than the allowed share of the `population` records of that kind, naming the
    /// kind, the side, the count and the share.
    pub fn check_writes(
        &self,
        what: &str,
        target: &str,
        count: usize,
        population: usize,
    ) -> Result<(), BridgeError> {
        let population = population.max(count);
        if population < self.min_records || count == 0 {
            return Ok(());
        }
        let share = count as f64 / population as f64;
        if share <= self.max_overwrite_share {
            return Ok(());
        }
        Err(BridgeError::new(
            bridge_core::ErrorCode::Conflict,
            format!(
                "stopped: {count} {what} in {target} would exceed the {:.0}% limit ({count} of \
                 {population} records, {:.0}%): check the mapping, or allow it with `bridge sync \
                 --max-overwrite PERCENT`",
                self.max_overwrite_share * 100.0,
                share * 100.0,
            ),
        ))
    }
}
