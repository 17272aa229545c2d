//! The welcome rule: starter tasks and a welcome note on each GHL contact first stored after
//! the rule was switched on, written to GHL (the children engine copies them to the app).

use bridge_core::BridgeError;
use bridge_store::table::contacts::{self, ContactRow};
use bridge_store::table::operations;
use bridge_store::Store;
use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::{render_template, source_id, Active, RuleContext, RuleName, WelcomeConfig};
use crate::children::{child_time, ChildAction, ChildKind, ChildOperation, ChildValues};
use crate::plan::Side;

/// The welcome writes still owed: one per starter task and one note per greeted contact, each
/// left out once its journal key exists (written, or on its way: recovery finishes it).
pub fn plan_welcome(
    store: &Store,
    context: &RuleContext<'_>,
    rule: &Active<WelcomeConfig>,
) -> Result<Vec<ChildOperation>, BridgeError> {
    let mut writes = Vec::new();
    for contact in
        contacts::first_stored_since(store.conn(), context.ghl_connection_id, &rule.since)?
    {
        if made_by_the_pair(store, context, &contact)? {
            continue;
        }
        for op in greeting(context, &rule.config, &contact) {
            let key =
                crate::children::child_intent(&context.pair.id, context.ghl_connection_id, &op)
                    .key();
            if operations::latest_by_intent(store.conn(), &key)?.is_none() {
                writes.push(op);
            }
        }
    }
    Ok(writes)
}

/// A contact this pair created in GHL from an app record is not new to the app: no greeting.
fn made_by_the_pair(
    store: &Store,
    context: &RuleContext<'_>,
    contact: &ContactRow,
) -> Result<bool, BridgeError> {
    let intent = crate::journal::Intent {
        pair: &context.pair.id,
        target: context.ghl_connection_id,
        kind: "contact",
        local: &contact.id,
        action: "create",
    };
    Ok(crate::journal::state_of(store.conn(), &intent)?.is_some())
}

/// Noon UTC `days` after `now`'s day: the same due date for every plan made that day, so a
/// preview and its apply agree.
pub(super) fn due_in(now: DateTime<Utc>, days: u32) -> String {
    let day = now.date_naive() + Duration::days(i64::from(days));
    child_time(
        day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
            .and_utc(),
    )
}

/// The starter tasks and the note of one contact.
fn greeting(
    context: &RuleContext<'_>,
    config: &WelcomeConfig,
    contact: &ContactRow,
) -> Vec<ChildOperation> {
    let c = &contact.contact;
    let op = |kind: ChildKind, what: String, values: ChildValues| ChildOperation {
        target: Side::Ghl,
        kind,
        action: ChildAction::Create,
        contact_id: contact.id.clone(),
        parent: c.contact_id.clone(),
        remote_id: None,
        source_id: source_id(RuleName::Welcome, &contact.id, &what),
        before: None,
        values,
        reason: format!("by rule: {}", RuleName::Welcome.label()),
        base: None,
        settles: Vec::new(),
        delete_id: None,
        rule: Some(RuleName::Welcome),
    };
    let mut ops: Vec<ChildOperation> = config
        .starter_tasks
        .iter()
        .enumerate()
        .map(|(at, task)| {
            op(
                ChildKind::Task,
                format!("task{at}"),
                ChildValues {
                    title: task.title.trim().to_string(),
                    body: String::new(),
                    due: Some(due_in(context.now, task.due_in_days)),
                    completed: false,
                    end: None,
                    status: None,
                },
            )
        })
        .collect();
    let body = render_template(&config.note, &|field| match field {
        "firstName" => c.first_name.clone(),
        "lastName" => c.last_name.clone(),
        "email" => c.email.clone(),
        "app" => Some(context.pair.system.display_name().to_string()),
        _ => None,
    });
    if !body.is_empty() {
        ops.push(op(
            ChildKind::Note,
            "note".into(),
            ChildValues {
                title: crate::pull::ghl::note_title(&body),
                body,
                due: None,
                completed: false,
                end: None,
                status: None,
            },
        ));
    }
    ops
}
