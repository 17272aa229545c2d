//! Values that cannot be synced, as problems of their record and field: recorded after each
//! plan (a value fixed since is forgotten), listed for the operator by the record's name,
//! email and ids.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::record_problems::{self, NewProblem, ProblemRow};
use bridge_store::Store;

use crate::plan::{Plan, Side};

/// The problems a plan found: a value a transform cannot read, or one the app's field has no
/// option for.
pub const UNREADABLE: &str = "unreadable";

pub(crate) fn side_name(side: Side) -> &'static str {
    match side {
        Side::Ghl => "ghl",
        Side::App => "app",
    }
}

/// After a plan: the planned records' unreadable values are what this plan found (a value
/// fixed since is no longer listed). Records not planned keep theirs: their values did not
/// change.
pub(crate) fn record_unreadable(
    store: &mut Store,
    pair_id: &str,
    planned: &[String],
    plan: &Plan,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    store.with_tx(|tx| {
        for local_id in planned {
            record_problems::clear(tx, pair_id, local_id, UNREADABLE)?;
        }
        for problem in &plan.problems {
            record_problems::record(
                tx,
                &NewProblem {
                    pair_id,
                    contact_id: &problem.local_id,
                    kind: UNREADABLE,
                    side: side_name(problem.side),
                    field: &problem.field,
                    value: &problem.value.to_string(),
                    reason: &problem.reason,
                },
                now,
            )?;
        }
        Ok(())
    })
}

/// A problem with the pair's name, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemView {
    #[serde(flatten)]
    pub problem: ProblemRow,
    pub pair_name: String,
    /// What the problem is of: `contact` (a value of a contact's field) or `engagement` (a
    /// row of the app's engagement export the follow-up rule could not read; its `name` says
    /// which row, `appRecordId` is the activity's id).
    pub of: &'static str,
}

/// Every listed problem, oldest first: contacts' values, then engagement rows.
pub fn list(store: &Store) -> Result<Vec<ProblemView>, BridgeError> {
    let connections = bridge_store::table::connections::list(store.conn())?;
    let pair_name = |pair_id: &str| {
        connections
            .iter()
            .find(|c| c.id == pair_id)
            .map_or_else(|| pair_id.to_string(), |c| c.name.clone())
    };
    let mut views: Vec<ProblemView> = record_problems::list(store.conn())?
        .into_iter()
        .map(|problem| ProblemView {
            pair_name: pair_name(&problem.pair_id),
            problem,
            of: "contact",
        })
        .collect();
    for row in bridge_store::table::engagement_problems::list(store.conn())? {
        views.push(ProblemView {
            pair_name: pair_name(&row.pair_id),
            problem: ProblemRow {
                id: row.id,
                pair_id: row.pair_id,
                contact_id: String::new(),
                kind: UNREADABLE.into(),
                side: side_name(Side::App).into(),
                field: row.field,
                value: row.value,
                reason: row.reason,
                first_seen_at: row.first_seen_at,
                last_seen_at: row.last_seen_at,
                name: row.record,
                email: row.email,
                ghl_contact_id: None,
                app_record_id: row.activity_id,
            },
            of: "engagement",
        });
    }
    Ok(views)
}
