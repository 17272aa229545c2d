//! The circuit breaker: a sync may write at most a set share of the pair's records of one
//! kind on either side before it stops and asks the operator.
//!
//! Every kind of write counts: contact creates and updates, task, note and appointment
//! writes (creates, updates, deletes), event pushes and label changes, each measured against
//! the records of its kind the pair holds. A kind's first fill (a pair's first sync, a kind the
//! pair holds none of yet) is not counted: creating what the other side lacks overwrites
//! nothing, and measured against nothing every first sync would trip.

use std::collections::BTreeMap;

use bridge_core::BridgeError;

use super::{Action, Plan, Side};
use crate::children::{ChildAction, ChildKind, ChildOperation};

/// The circuit breaker: a sync may write at most this share of the records on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    pub max_overwrite_share: f64,
    /// Plans this small always pass (a share of 3 records means nothing).
    pub min_records: usize,
    /// How many contacts the pair holds (linked): the share is measured against them (at
    /// least the planned ones), not against the few a sync happens to look at.
    pub population: usize,
    /// The pair synced its contacts before: its creates count. A first sync fills each side
    /// with what the other holds, and is not held back for it.
    pub count_creates: bool,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            max_overwrite_share: 0.2,
            min_records: 20,
            population: 0,
            count_creates: false,
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
    /// Refuses a contact plan that writes more than the allowed share on a side: updates
    /// always, creates once the pair synced before.
    /// `planned` is how many contacts the whole plan covered (it is built in chunks).
    pub(crate) fn check(&self, plan: &Plan, planned: usize) -> Result<(), BridgeError> {
        let population = self.population.max(planned);
        for side in [Side::Ghl, Side::App] {
            let writes = plan
                .operations
                .iter()
                .filter(|op| op.target == side)
                .filter(|op| op.action == Action::Update || self.count_creates)
                .count();
            self.check_writes("contact writes", side_name(side), writes, population)?;
        }
        Ok(())
    }

    /// Refuses a children plan that writes more than the allowed share of a kind's records
    /// (tasks, notes, appointments) on a side. `linked` is how many records of each kind the
    /// pair holds; creates count once it holds some and a children plan was applied whole
    /// (`count_creates`). Links send nothing and count nothing.
    pub(crate) fn check_children(
        &self,
        operations: &[ChildOperation],
        linked: &BTreeMap<ChildKind, usize>,
        count_creates: bool,
    ) -> Result<(), BridgeError> {
        let mut writes: BTreeMap<(ChildKind, Side), usize> = BTreeMap::new();
        for op in operations {
            let held = linked.get(&op.kind).copied().unwrap_or(0);
            let counted = match op.action {
                ChildAction::Link => false,
                ChildAction::Create => count_creates && held > 0,
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
