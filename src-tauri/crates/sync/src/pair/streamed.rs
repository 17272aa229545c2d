//! A pair's contacts planned and applied a chunk of [`PLAN_CHUNK`] contacts at a time, so a
//! sync's memory is bounded by the chunk, not by the pair's size (issue #13: 100,000 contacts
//! within 150 MB). Nothing holds the whole plan: the breaker judges its counts, the outcome
//! keeps its counts and a bounded sample, and apply plans each chunk again just before
//! writing it.
//!
//! Two passes over the due contacts:
//! 1. **Count** ([`Pair::count_plan`]): each chunk is planned (states read, operations made,
//!    refused values held back) and dropped, keeping the counts ([`PlanCounts`]: what the
//!    breaker judges, before anything is written, as before), one fingerprint per operation
//!    (8 bytes: what it writes where, the window's "plan = apply" check), the first
//!    [`SHOWN_OPERATIONS`] operations for display, and the conflicts and problems (recorded
//!    before apply; there are few).
//! 2. **Apply** ([`Pair::apply_counted`]): each chunk is planned again, its fingerprints are
//!    compared with the first pass's (any difference stops the sync before that chunk is
//!    journaled: what is applied is exactly what was counted and shown), it is journaled and
//!    sent ([`apply::apply`]), and its bases are settled at once. A run that dies after chunk
//!    k leaves chunks up to k settled: the rerun plans only the rest (and recovers chunk k+1's
//!    journaled writes by id), so nothing is written twice.
//!
//! Both passes plan at one instant, taken when the count begins ([`Counted::planned_at`]):
//! a plan that reads the time (a contact's next appointment is the first one after "now")
//! would otherwise change between the passes of a long sync, as an appointment starts, and
//! stop it as if another process had written (seen at 50,000 contacts under a profiler).
//!
//! Why plan twice rather than keep the planned operations in a per-run table (the other
//! candidate): planning only reads (the pull already wrote the mirror and the pending
//! contacts), the chunks are disjoint sets of contacts, and applying a chunk writes only its
//! own contacts' rows (journal, links, bases, mirror). So planning chunk k+1 after chunk k was
//! applied gives what it gave in the first pass, and the fingerprints prove it per chunk. A
//! table would add a migration and a second copy of every payload beside the journal's, with
//! its own cleanup after a crash, for the same guarantee; planning a chunk costs milliseconds
//! next to writing it.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::AtomicBool;

use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::Store;
use chrono::{DateTime, Utc};

use crate::apply::{self, ApplyReport, Targets};
use crate::plan::{self, FieldOptions, Operation, Plan, PlanCounts, SHOWN_OPERATIONS};

use super::records::PlanRead;
use super::{Pair, PLAN_CHUNK};

/// What both passes plan: the due contacts, a chunk at a time, against these targets.
pub(super) struct Chunks<'a, 't> {
    pub due: &'a [String],
    pub options: &'a FieldOptions,
    pub targets: &'a Targets<'t>,
    pub clock: &'a dyn Clock,
}

/// What the counting pass keeps of the whole plan.
#[derive(Debug)]
pub(super) struct Counted {
    /// The instant both passes plan at.
    pub planned_at: DateTime<Utc>,
    /// What the plan read (the apply pass settles the app records as it reads them again).
    read: PlanRead,
    /// The first [`SHOWN_OPERATIONS`] operations, every conflict and problem.
    pub shown: Plan,
    pub counts: PlanCounts,
    /// One per operation, in the order they are applied.
    pub prints: Vec<u64>,
    /// The contacts the plan writes in the app (kept only for apps whose rows expire, whose
    /// keep-alive writes leave those to the plan).
    app_planned: Option<BTreeSet<String>>,
    /// Writes planned after the breaker's judgement (keep-alive), applied last.
    pub extra: Plan,
}

impl Counted {
    fn add(&mut self, part: Plan, fresh: &BTreeSet<String>) {
        for op in &part.operations {
            self.counts.add(op, fresh);
            self.prints.push(fingerprint(op));
            if let Some(planned) = &mut self.app_planned {
                if op.target == plan::Side::App {
                    planned.insert(op.local_id.clone());
                }
            }
        }
        let room = SHOWN_OPERATIONS.saturating_sub(self.shown.operations.len());
        self.shown
            .operations
            .extend(part.operations.into_iter().take(room));
        self.shown.conflicts.extend(part.conflicts);
        self.shown.problems.extend(part.problems);
    }
}

/// What an operation writes where, as 64 bits: two plans of the same pair write the same
/// when their fingerprints are equal (the window compares a preview's with the apply's, and
/// the apply pass compares each chunk's with the counting pass's).
pub(crate) fn fingerprint(op: &Operation) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (op.target, op.action, &op.local_id, &op.remote_id).hash(&mut hasher);
    serde_json::to_string(&op.changes)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}

impl Pair<'_> {
    /// One chunk of contacts planned as of `now`: their states read, their operations made
    /// (in the order they are applied), the values their target refused for good held back.
    fn plan_chunk(
        &self,
        store: &Store,
        chunk: &[String],
        chunks: &Chunks<'_, '_>,
        now: DateTime<Utc>,
        read: &mut PlanRead,
    ) -> Result<Plan, BridgeError> {
        let records = self.record_states(store, chunk, now, read)?;
        let mut part = Plan::default();
        plan::plan_part(self.mapping, chunks.options, &records, &mut part);
        plan::sort(&mut part);
        apply::hold_back_refused(store.conn(), chunks.targets, self.mapping, &mut part)?;
        Ok(part)
    }

    /// The counting pass: every chunk planned and dropped; the breaker judges the counts.
    pub(super) fn count_plan(
        &self,
        store: &Store,
        chunks: &Chunks<'_, '_>,
        mut read: PlanRead,
    ) -> Result<Counted, BridgeError> {
        let (due, clock) = (chunks.due, chunks.clock);
        let expiring = self.app.expiring_rows();
        let planned_at = clock.now();
        let mut counted = Counted {
            planned_at,
            read: PlanRead::default(),
            shown: Plan::default(),
            counts: PlanCounts::default(),
            prints: Vec::new(),
            app_planned: expiring.is_some().then(BTreeSet::new),
            extra: Plan::default(),
        };
        for chunk in due.chunks(PLAN_CHUNK) {
            let part = self.plan_chunk(store, chunk, chunks, planned_at, &mut read)?;
            counted.add(part, &read.fresh);
            // The apply pass reads them again, a chunk at a time.
            read.app_records.clear();
        }
        let population =
            bridge_store::table::links::count_contacts(store.conn(), &self.app_connection().id)?
                as usize;
        // Creates of contacts new to the pair are a first fill, not counted (plan/breaker.rs).
        let breaker = crate::plan::Breaker {
            population,
            ..self.breaker
        };
        breaker.check(&counted.counts, due.len())?;
        if let Some(rows) = expiring {
            let planned = counted.app_planned.take().unwrap_or_default();
            let mut extra = Plan::default();
            crate::app::plan_keep_alive(
                store,
                self.app_connection(),
                rows,
                &planned,
                &mut extra,
                clock,
            )?;
            counted.add(extra.clone(), &read.fresh);
            counted.extra = extra;
        }
        counted.read = read;
        Ok(counted)
    }

    /// The apply pass: each chunk planned again (at the count's instant), checked against
    /// the counted plan, applied and settled before the next is planned. The pair's plan
    /// cursor moves once every chunk is in.
    pub(super) async fn apply_counted(
        &self,
        store: &mut Store,
        run_id: &str,
        chunks: &Chunks<'_, '_>,
        mut counted: Counted,
        progress: apply::Progress<'_>,
        cancel: &AtomicBool,
    ) -> Result<ApplyReport, BridgeError> {
        let (targets, clock) = (chunks.targets, chunks.clock);
        let read = &mut counted.read;
        let total = counted.counts.operations();
        let mut report = ApplyReport::default();
        let mut prints = counted.prints.iter();
        let mut done_before = 0;
        let parts = chunks.due.chunks(PLAN_CHUNK).map(Some).chain([None]);
        for chunk in parts {
            let part = match chunk {
                Some(chunk) => self.plan_chunk(store, chunk, chunks, counted.planned_at, read)?,
                None => std::mem::take(&mut counted.extra),
            };
            for op in &part.operations {
                if prints.next() != Some(&fingerprint(op)) {
                    return Err(changed_while_applying(op));
                }
            }
            let mut chunk_progress = |done: u64, _: u64| progress(done_before + done, total);
            let applied = apply::apply(
                store,
                run_id,
                &part,
                targets,
                clock,
                &mut chunk_progress,
                cancel,
            )
            .await?;
            report.add(applied);
            if applied.cancelled {
                return Ok(report);
            }
            let app_records = std::mem::take(&mut read.app_records);
            self.settle_part(store, &part, &app_records, targets, clock)?;
            done_before += part.operations.len() as u64;
        }
        self.planned_through(store, read, clock)?;
        Ok(report)
    }
}

fn changed_while_applying(op: &Operation) -> BridgeError {
    BridgeError::new(
        ErrorCode::Conflict,
        format!(
            "stopped: the plan of contact {} changed between its count and its apply (another \
             process wrote to this database?); what was applied before it stays, sync again",
            op.local_id
        ),
    )
}
