//! The circuit breaker: a plan may overwrite at most a set share of the pair's records on
//! either side before it stops and asks the operator.

use bridge_core::BridgeError;

use super::{Action, Plan, RecordState, Side};

/// The circuit breaker: a plan may overwrite at most this share of the records on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    pub max_overwrite_share: f64,
    /// Plans this small always pass (a share of 3 records means nothing).
    pub min_records: usize,
    /// How many records the pair holds: the share is measured against them (at least the
    /// planned ones), not against the few a sync happens to look at.
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

impl Breaker {
    /// Refuses a plan that overwrites more than the allowed share on a side, naming the side,
    /// the count and the share.
    pub(crate) fn check(&self, plan: &Plan, records: &[RecordState]) -> Result<(), BridgeError> {
        let population = self.population.max(records.len());
        if population < self.min_records {
            return Ok(());
        }
        for side in [Side::Ghl, Side::App] {
            let overwrites = plan
                .operations
                .iter()
                .filter(|op| op.target == side && op.action == Action::Update)
                .count();
            let share = overwrites as f64 / population as f64;
            if share > self.max_overwrite_share {
                return Err(BridgeError::new(
                    bridge_core::ErrorCode::Conflict,
                    format!(
                        "the plan would overwrite {overwrites} of {} records in {} ({:.0}%, above the \
                         {:.0}% limit): check the mapping, or allow it with `bridge sync --max-overwrite PERCENT`",
                        population,
                        match side {
                            Side::Ghl => "GHL",
                            Side::App => "the app",
                        },
                        share * 100.0,
                        self.max_overwrite_share * 100.0
                    ),
                ));
            }
        }
        Ok(())
    }
}
