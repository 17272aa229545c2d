//! One-way pushes of GHL's tasks, notes and appointments to apps that take them as events on
//! a contact (Connectif's custom events) but cannot be read back.
//!
//! Each GHL record version is pushed once: its journal key is the connection, the record and
//! its content hash, so an unchanged record is never sent again and a changed one is sent as
//! a new event. A push whose answer was lost is sent again on the next run (an app without
//! read-back cannot be asked; a repeated event beats a lost one).

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::activities::{self, Activity};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::operations::{self, NewOperation};
use bridge_store::table::{cursors, links, timeline};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde::Serialize;

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

fn op_key(app: &ConnectionRow, activity: &Activity) -> String {
    content_hash(&(
        &app.id,
        "push",
        &activity.kind,
        &activity.remote_id,
        &activity.content_hash,
    ))
}

/// GHL's activities stored or changed since the last push, of contacts linked to the app.
pub fn plan_pushes(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
) -> Result<Vec<PushOperation>, BridgeError> {
    let since = cursors::get(store.conn(), &app.id, PUSHED_CURSOR)?;
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
            let done = operations::get(store.conn(), &op_key(app, &activity))?
                .is_some_and(|row| row.state == "done");
            if done {
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
    Ok(pushes)
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
        let key = op_key(app, &push.activity);
        operations::enqueue(
            store.conn(),
            &NewOperation {
                run_id: run_id.to_string(),
                op_key: key.clone(),
                connection_id: app.id.clone(),
                contact_id: Some(push.contact_id.clone()),
                object_kind: push.kind.clone(),
                action: "create".into(),
                remote_id: None,
                before_value: None,
                after_value: Some(push.title.clone()),
                reason: format!("GHL {} sent as an event", push.kind),
            },
            clock.now(),
        )?;
        match operations::get(store.conn(), &key)?.map(|row| row.state) {
            Some(state) if state == "done" => {
                report.already_done += 1;
                continue;
            }
            Some(state) if state == "dead" => {
                report.dead += 1;
                continue;
            }
            _ => {}
        }
        operations::mark(store.conn(), &key, "sent", None, clock.now())?;
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
                            run_id: None,
                        },
                    )?;
                    operations::mark(tx, &key, "done", None, now)
                })?;
                report.done += 1;
            }
            Err(e) if e.code == ErrorCode::Network => {
                operations::mark(store.conn(), &key, "sent", Some(&e.message), clock.now())?;
                report.unconfirmed += 1;
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
                operations::mark(store.conn(), &key, "dead", Some(&message), clock.now())?;
                report.dead += 1;
            }
        }
    }
    if !report.cancelled && report.dead == 0 && report.unconfirmed == 0 {
        cursors::set(
            store.conn(),
            &app.id,
            PUSHED_CURSOR,
            &bridge_store::timestamp(clock.now()),
            clock.now(),
        )?;
    }
    Ok(report)
}
