//! One-way pushes of GHL's tasks, notes and appointments to apps that take them as events on
//! a contact (Connectif's custom events) but cannot be read back.
//!
//! Each GHL record version is pushed once: its journal key is the connection, the record and
//! its content hash, so an unchanged record is never sent again and a changed one is sent as
//! a new event. A push whose answer was lost is sent again on the next run (an app without
//! read-back cannot be asked; a repeated event beats a lost one).

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::{BridgeError, Clock};
use bridge_store::table::activities::{self, Activity};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{cursors, links, timeline};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::journal::{self, Entry, Failure, Intent, Journaled};

const PUSHED_CURSOR: &str = "events.pushed";

/// An app that takes GHL's activities as events on its contact.
pub trait ActivityPush: Send + Sync {
    fn system(&self) -> &str;
    /// Sends one activity as an event of the contact the app knows as `parent`.
    fn push<'a>(
        &'a self,
        parent: &'a str,
        activity: &'a Activity,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
}

/// One activity to push.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOperation {
    pub contact_id: String,
    /// The app's record of the contact.
    pub parent: String,
    pub kind: String,
    pub ghl_id: String,
    pub title: String,
    #[serde(skip)]
    activity: Activity,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushReport {
    pub done: u64,
    pub already_done: u64,
    pub dead: u64,
    pub unconfirmed: u64,
    pub cancelled: bool,
}

/// What the journal keeps of a push, to send it again.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    contact_id: String,
    parent: String,
    activity: Activity,
}

impl Payload {
    fn into_push(self) -> PushOperation {
        PushOperation {
            contact_id: self.contact_id,
            parent: self.parent,
            kind: self.activity.kind.clone(),
            ghl_id: self.activity.remote_id.clone(),
            title: self.activity.title.clone(),
            activity: self.activity,
        }
    }
}

/// Each version of a GHL record is its own push: its content hash is part of the record.
fn pushed_version(activity: &Activity) -> String {
    format!("{}@{}", activity.remote_id, activity.content_hash)
}

fn intent<'a>(app: &'a ConnectionRow, kind: &'a str, version: &'a str) -> Intent<'a> {
    Intent {
        pair: &app.id,
        target: &app.id,
        kind,
        local: version,
        action: "create",
    }
}

/// The pushes to send and how far their plan read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushPlan {
    pub pushes: Vec<PushOperation>,
    /// The newest activity, link or contact change stored when the plan began; the cursor
    /// moves here once the plan is applied, never to "now".
    pub through: Option<String>,
    /// The contacts linked in this pair since the last push (all, on the first): their
    /// pushes bring the app what GHL held before, a first fill the breaker does not count.
    pub fresh: std::collections::BTreeSet<String>,
}

/// GHL's activities stored or changed since the last push, of contacts linked to the app. A
/// version already sent, or refused by the app (a dead letter, until the operator's retry or
/// a new version), is not planned again; it holds back nothing else.
pub fn plan_pushes(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
) -> Result<PushPlan, BridgeError> {
    let since = cursors::get(store.conn(), &app.id, PUSHED_CURSOR)?;
    // Taken before the changes are read: whatever is stored later is read by the next plan.
    let through = activities::newest_update(store.conn(), [ghl_connection_id, ghl_connection_id])?
        .max(links::newest_change(store.conn(), &app.id)?);
    let mut due: std::collections::BTreeSet<String> = activities::contacts_changed_since(
        store.conn(),
        [ghl_connection_id, ghl_connection_id],
        since.as_deref(),
    )?
    .into_iter()
    .collect();
    due.extend(links::contacts_linked_since(
        store.conn(),
        &app.id,
        since.as_deref(),
    )?);
    let mut pushes = Vec::new();
    for contact_id in due {
        let Some(parent) = links::for_contact(store.conn(), &contact_id)?
            .into_iter()
            .find(|l| l.connection_id == app.id && l.object_kind == "contact")
            .map(|l| l.remote_id)
        else {
            continue;
        };
        for activity in activities::for_contact(store.conn(), &contact_id)? {
            if activity.connection_id != ghl_connection_id {
                continue;
            }
            let version = pushed_version(&activity);
            let settled = journal::state_of(store.conn(), &intent(app, &activity.kind, &version))?
                .is_some_and(|state| state == "done" || state == "dead");
            if settled {
                continue;
            }
            pushes.push(PushOperation {
                contact_id: contact_id.clone(),
                parent: parent.clone(),
                kind: activity.kind.clone(),
                ghl_id: activity.remote_id.clone(),
                title: activity.title.clone(),
                activity,
            });
        }
    }
    Ok(PushPlan {
        pushes,
        fresh: links::contacts_first_linked_since(store.conn(), &app.id, since.as_deref())?,
        through: through.max(since),
    })
}

/// Moves the push cursor to what an applied plan covered.
pub fn mark_planned(
    store: &Store,
    app: &ConnectionRow,
    plan: &PushPlan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    match &plan.through {
        Some(through) => cursors::set(store.conn(), &app.id, PUSHED_CURSOR, through, now),
        None => Ok(()),
    }
}

/// Sends again the pushes an earlier run left unfinished (an app without read-back cannot be
/// asked whether one arrived: a repeated event beats a lost one). Those `waits` holds (a
/// refused capability's) are left as they are.
pub async fn recover(
    store: &mut Store,
    run_id: &str,
    app: &ConnectionRow,
    target: &dyn ActivityPush,
    clock: &dyn Clock,
    waits: journal::Waits<'_>,
) -> Result<PushReport, BridgeError> {
    let open = journal::open_for_pair(
        store.conn(),
        &app.id,
        &["task", "note", "appointment"],
        waits,
        clock.now(),
    )?;
    let mut report = PushReport::default();
    // A rule's task or note goes to GHL: the rules step resends it, not this one.
    for row in open
        .into_iter()
        .filter(|row| !crate::rules::is_rule_row(row))
    {
        let mut journaled = Journaled::from(&row);
        let push = journal::payload::<Payload>(&row)?.into_push();
        let mut one = PushReport::default();
        send(
            store,
            run_id,
            app,
            &push,
            &mut journaled,
            target,
            clock,
            &mut one,
        )
        .await?;
        report.already_done += one.done;
        report.unconfirmed += one.unconfirmed;
        report.dead += one.dead;
    }
    Ok(report)
}

/// Journals and sends the pushes; each done mark is stored with its timeline event.
pub async fn apply_pushes(
    store: &mut Store,
    run_id: &str,
    app: &ConnectionRow,
    pushes: &[PushOperation],
    target: &dyn ActivityPush,
    clock: &dyn Clock,
    cancel: &AtomicBool,
) -> Result<PushReport, BridgeError> {
    let mut report = PushReport::default();
    for push in pushes {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        let version = pushed_version(&push.activity);
        let mut journaled = journal::record(
            store.conn(),
            run_id,
            &intent(app, &push.kind, &version),
            Entry {
                contact_id: Some(push.contact_id.clone()),
                remote_id: None,
                before: None,
                after: Some(push.title.clone()),
                reason: format!("GHL {} sent as an event", push.kind),
                payload: journal::json(&Payload {
                    contact_id: push.contact_id.clone(),
                    parent: push.parent.clone(),
                    activity: push.activity.clone(),
                })?,
            },
            clock.now(),
        )?;
        send(
            store,
            run_id,
            app,
            push,
            &mut journaled,
            target,
            clock,
            &mut report,
        )
        .await?;
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn send(
    store: &mut Store,
    run_id: &str,
    app: &ConnectionRow,
    push: &PushOperation,
    journaled: &mut Journaled,
    target: &dyn ActivityPush,
    clock: &dyn Clock,
    report: &mut PushReport,
) -> Result<(), BridgeError> {
    journal::begin(store.conn(), journaled, run_id, clock.now())?;
    match target.push(&push.parent, &push.activity).await {
        Ok(()) => {
            let now = clock.now();
            store.with_tx(|tx| {
                timeline::append(
                    tx,
                    &timeline::TimelineEvent {
                        contact_id: push.contact_id.clone(),
                        system: app.system.as_str().into(),
                        kind: push.kind.clone(),
                        occurred_at: bridge_store::timestamp(now),
                        title: format!("GHL {} sent as an event: {}", push.kind, push.title),
                        body: push.activity.body.clone(),
                        before_value: None,
                        after_value: None,
                        subject_ref: Some(push.ghl_id.clone()),
                        run_id: Some(run_id.to_string()),
                    },
                )?;
                journal::done(tx, journaled, run_id, now)
            })?;
            report.done += 1;
        }
        Err(e) => {
            let message = format!(
                "{} event of GHL {} {} of contact {}: {}",
                target.system(),
                push.kind,
                push.ghl_id,
                push.contact_id,
                e.message
            );
            match journal::fail(store.conn(), journaled, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    return Err(crate::apply::reconnect(
                        store.conn(),
                        &app.id,
                        target.system(),
                        &e,
                        clock.now(),
                    ))
                }
            }
        }
    }
    Ok(())
}
