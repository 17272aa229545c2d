//! The plan: a pure function of (what was last synced, what each side holds now, the mapping,
//! the time) → the writes that bring both sides in step, each with before, after and reason.
//!
//! Per field it is a three-way comparison in the app's terms (GHL values go through the line's
//! transforms first): `base` is the value both sides agreed on after the last sync.
//! - only one side moved away from the base → that side's value is written to the other;
//! - both moved to different values → a conflict, settled by the line's owner (GHL, the app,
//!   the newest change) or left for manual review, where neither side is written;
//! - neither moved, or both moved to the same value → nothing.
//!
//! Our own writes come back as "changes" on the next pull; since the base is set to what we
//! wrote, they equal the base and plan nothing (echo suppression). The circuit breaker refuses a
//! plan that would overwrite or delete more than a set share of the records.
//!
//! A value a line's transforms cannot read is a [`Problem`] of its record and field: that
//! field is skipped, everything else is planned. So is a GHL value the app's field cannot
//! take (a tag that is not among the options of a Ninox multiple-choice field): the app's
//! schema gives the options ([`FieldOptions`]), and the record's other fields are written.

use std::collections::BTreeMap;

mod breaker;
mod record;
mod sets;

pub use breaker::Breaker;

use bridge_core::mapping::Mapping;
use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Field values by field name, in the terms of the system that holds them.
pub type Values = BTreeMap<String, Value>;

/// One record as one system holds it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub remote_id: String,
    pub values: Values,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A local contact and what each side holds of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordState {
    pub local_id: String,
    pub ghl: Option<Snapshot>,
    pub app: Option<Snapshot>,
    /// The app-side values both sides agreed on after the last sync (empty: never synced).
    pub base: Values,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Ghl,
    App,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// The field in the target system's terms.
    pub field: String,
    pub before: Option<Value>,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub target: Side,
    pub action: Action,
    pub local_id: String,
    /// The record written to; `None` for a create.
    pub remote_id: Option<String>,
    pub changes: Vec<FieldChange>,
    pub reason: String,
    /// The base values (app terms; null = none) that hold once this operation is done. Kept
    /// per operation so a plan applied halfway records agreement only where it exists.
    #[serde(skip)]
    pub settles: Values,
    /// When the source record last changed (its `updated_at`): the same change planned again
    /// after a crash carries the same version, a later change of the same values does not.
    #[serde(skip)]
    pub source_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub local_id: String,
    /// The app field of the line.
    pub field: String,
    pub base: Option<Value>,
    /// GHL's value, in the app's terms.
    pub ghl: Option<Value>,
    pub app: Option<Value>,
}

/// A value of one record's field that cannot be synced, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub local_id: String,
    /// The side that holds the value.
    pub side: Side,
    /// The record there.
    pub remote_id: Option<String>,
    /// The field in that side's terms.
    pub field: String,
    pub value: Value,
    pub reason: String,
}

/// The values an app's choice fields take, from its live schema: a GHL value holding
/// anything else is a problem of its record and field, found when planning rather than
/// refused by the app on the write (which would lose the record's every other field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldOptions {
    /// The app, as the operator knows it ("Ninox"), for the problem's reason.
    pub system: String,
    /// Per app field, its option names (compared ignoring case, as GHL keeps tags lowercase).
    pub by_field: BTreeMap<String, Vec<String>>,
    /// Whether names also match ignoring spaces, `-` and `_`, as the app's writer finds an
    /// option (Connectif's checkbox): the plan must hold back exactly what the writer would
    /// refuse.
    pub loose: bool,
}

impl FieldOptions {
    /// Whether `value` is one of the `allowed` options.
    pub fn allows(&self, allowed: &[String], value: &str) -> bool {
        if self.loose {
            let wanted = bridge_connectors::connectif::fields::loose(value);
            allowed
                .iter()
                .any(|o| bridge_connectors::connectif::fields::loose(o) == wanted)
        } else {
            allowed.iter().any(|o| o.eq_ignore_ascii_case(value))
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub operations: Vec<Operation>,
    /// Left for manual review: neither side is written.
    pub conflicts: Vec<Conflict>,
    /// Values that cannot be read or transformed: that field of that record is skipped (its
    /// base kept) until the value changes; every other field and record is planned.
    pub problems: Vec<Problem>,
    /// Per record, the base once every operation of the plan is applied.
    #[serde(skip)]
    pub next_base: BTreeMap<String, Values>,
    /// Per record, the fields (app terms) left out because the target refused the same value
    /// for good: their base is kept until the value changes or the operator retries.
    #[serde(skip)]
    pub held_back: BTreeMap<String, std::collections::BTreeSet<String>>,
}

/// How many operations of a large plan the outcome keeps for display (the CLI's `--json`
/// and dry run, the window's plan view): a plan of at most this many is shown whole; a larger
/// one shows its first this many, and its [`PlanCounts`] are exact.
pub const SHOWN_OPERATIONS: usize = 1_000;

/// The counts of a whole contact plan: what the breaker judges and the outcome reports. A
/// large pair's operations are planned, applied and dropped a chunk at a time (pair/mod.rs);
/// these counts are what is kept of all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanCounts {
    pub ghl_creates: u64,
    pub ghl_updates: u64,
    pub app_creates: u64,
    pub app_updates: u64,
    /// Creates of contacts the pair knew before (not a first fill: see [`Breaker`]).
    pub ghl_recreates: u64,
    pub app_recreates: u64,
    /// Contact writes that change tags.
    pub ghl_tag_writes: u64,
    pub app_tag_writes: u64,
}

impl PlanCounts {
    /// Counts `op`; `fresh` are the contacts new to the pair, whose creates are a first fill.
    pub fn add(&mut self, op: &Operation, fresh: &std::collections::BTreeSet<String>) {
        let tags = op.changes.iter().any(|c| c.field == "tags");
        let recreate = op.action == Action::Create && !fresh.contains(&op.local_id);
        let (creates, updates, recreates, tag_writes) = match op.target {
            Side::Ghl => (
                &mut self.ghl_creates,
                &mut self.ghl_updates,
                &mut self.ghl_recreates,
                &mut self.ghl_tag_writes,
            ),
            Side::App => (
                &mut self.app_creates,
                &mut self.app_updates,
                &mut self.app_recreates,
                &mut self.app_tag_writes,
            ),
        };
        match op.action {
            Action::Create => *creates += 1,
            Action::Update => *updates += 1,
        }
        *recreates += u64::from(recreate);
        *tag_writes += u64::from(tags);
    }

    /// Every operation counted.
    pub fn operations(&self) -> u64 {
        self.ghl_creates + self.ghl_updates + self.app_creates + self.app_updates
    }

    /// Operations of one side and action.
    pub fn of(&self, side: Side, action: Action) -> u64 {
        match (side, action) {
            (Side::Ghl, Action::Create) => self.ghl_creates,
            (Side::Ghl, Action::Update) => self.ghl_updates,
            (Side::App, Action::Create) => self.app_creates,
            (Side::App, Action::Update) => self.app_updates,
        }
    }

    /// Creates of contacts the pair knew before, on one side.
    pub fn recreates(&self, side: Side) -> u64 {
        match side {
            Side::Ghl => self.ghl_recreates,
            Side::App => self.app_recreates,
        }
    }

    /// Contact writes that change tags, on one side.
    pub fn tag_writes(&self, side: Side) -> u64 {
        match side {
            Side::Ghl => self.ghl_tag_writes,
            Side::App => self.app_tag_writes,
        }
    }
}

/// Plans one pair's contacts. Fails only when the breaker trips; a value that cannot be
/// transformed is a problem of its record and field, listed in the plan.
pub fn plan(
    mapping: &Mapping,
    records: &[RecordState],
    breaker: Breaker,
) -> Result<Plan, BridgeError> {
    let mut result = Plan::default();
    plan_part(mapping, &FieldOptions::default(), records, &mut result);
    // Every record is taken as new to the pair: its creates are a first fill.
    let fresh = records.iter().map(|r| r.local_id.clone()).collect();
    finish(result, breaker, records.len(), &fresh)
}

/// Plans some of a pair's records into `plan`: a large pair is planned a chunk of records at
/// a time, so only one chunk's states and operations are in memory at once (pair/mod.rs).
pub fn plan_part(
    mapping: &Mapping,
    options: &FieldOptions,
    records: &[RecordState],
    plan: &mut Plan,
) {
    for record in records {
        record::plan_record(mapping, options, record, plan);
    }
}

/// A plan held whole (a small one, or a test's): the breaker judges its counts, then it is
/// put in the order it is applied. `fresh` are the contacts new to the pair since its last
/// plan, whose creates are a first fill (see [`Breaker`]).
pub fn finish(
    mut plan: Plan,
    breaker: Breaker,
    planned: usize,
    fresh: &std::collections::BTreeSet<String>,
) -> Result<Plan, BridgeError> {
    let mut counts = PlanCounts::default();
    for op in &plan.operations {
        counts.add(op, fresh);
    }
    breaker.check(&counts, planned)?;
    sort(&mut plan);
    Ok(plan)
}

/// The order operations are applied in: GHL's writes first, then the app's, by contact.
pub fn sort(plan: &mut Plan) {
    plan.operations
        .sort_by(|a, b| (a.target, &a.local_id).cmp(&(b.target, &b.local_id)));
}

#[cfg(test)]
mod tests;
