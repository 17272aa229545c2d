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
    /// Whether this push brings the app what arrived since the last push plan (a version GHL
    /// stored since, or any version of a contact new to the pair): a first fill, which the
    /// breaker does not count. A version that was already there and not sent then is a re-send
    /// (a refused kind allowed again, a reset cursor), and counts.
    #[serde(skip)]
    pub first_fill: bool,
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
            // Judged when it was first planned; sent again only to finish it.
            first_fill: true,
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
    let fresh_contacts =
        links::contacts_first_linked_since(store.conn(), &app.id, since.as_deref())?;
    let fresh_versions = match &since {
        Some(since) => activities::ids_changed_since(store.conn(), ghl_connection_id, since)?,
        // The first plan: every contact is new to the pair.
        None => std::collections::BTreeSet::new(),
    };
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
                first_fill: fresh_contacts.contains(&contact_id)
                    || fresh_versions.contains(&activity.remote_id),
                activity,
            });
        }
    }
    Ok(PushPlan {
        pushes,
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

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::{Contact, System};
    use bridge_store::table::contacts::{self, MatchKeys};
    use bridge_store::table::links::LinkRow;
    use chrono::TimeZone;

    fn at(hour: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 1, hour, 0, 0)
            .unwrap()
    }

    /// A GHL contact linked to `app` at `linked`, with one task stored at `stored`.
    fn linked_contact_with_task(
        store: &Store,
        ghl: &ConnectionRow,
        app: &ConnectionRow,
        name: &str,
        linked: u32,
        task: (&str, u32),
    ) -> String {
        let email = format!("{name}@example.com");
        let contact = Contact {
            contact_id: format!("ghl-{name}"),
            email: Some(email.clone()),
            ..Contact::default()
        };
        let keys = MatchKeys {
            email: Some(email),
            phone: None,
        };
        let (id, _) =
            contacts::upsert_from_ghl(store.conn(), &ghl.id, &contact, &keys, name, at(1)).unwrap();
        let link = LinkRow {
            contact_id: id.clone(),
            connection_id: app.id.clone(),
            object_kind: "contact".into(),
            local_object_id: None,
            remote_id: format!("app-{name}"),
            last_written_hash: None,
            last_seen_hash: None,
        };
        links::insert_or_verify(store.conn(), &link, at(linked)).unwrap();
        let (task_id, stored) = task;
        let activity = Activity {
            contact_id: id.clone(),
            connection_id: ghl.id.clone(),
            kind: "task".into(),
            remote_id: task_id.into(),
            title: format!("Call {name}"),
            body: String::new(),
            starts_at: None,
            ends_at: None,
            completed: Some(false),
            status: None,
            content_hash: task_id.into(),
        };
        activities::upsert(store.conn(), &activity, at(stored)).unwrap();
        id
    }

    /// The last push plan read through 3 o'clock. What GHL stored after it (another pair's
    /// tasks, new work) and every task of a contact linked after it are a first fill; a task
    /// stored before it and never sent is a re-send, which the breaker counts.
    #[test]
    fn a_push_is_a_first_fill_when_its_version_or_its_contact_arrived_since_the_last_plan() {
        let store = Store::open_in_memory().unwrap();
        let ghl = crate::test_support::offline_connection(&store, System::Ghl, "Main", at(1));
        let app =
            crate::test_support::offline_connection(&store, System::Connectif, "Connectif", at(1));
        let known = linked_contact_with_task(&store, &ghl, &app, "ada", 2, ("t-old", 2));
        let newcomer = linked_contact_with_task(&store, &ghl, &app, "grace", 4, ("t-had", 2));
        cursors::set(
            store.conn(),
            &app.id,
            PUSHED_CURSOR,
            &bridge_store::timestamp(at(3)),
            at(3),
        )
        .unwrap();
        // A task another pair brought into GHL after that plan, for the known contact.
        let mut brought = activities::for_contact(store.conn(), &known).unwrap()[0].clone();
        brought.remote_id = "t-new".into();
        brought.content_hash = "t-new".into();
        activities::upsert(store.conn(), &brought, at(5)).unwrap();

        let plan = plan_pushes(&store, &ghl.id, &app).unwrap();
        let first_fill = |ghl_id: &str| {
            plan.pushes
                .iter()
                .find(|p| p.ghl_id == ghl_id)
                .unwrap_or_else(|| panic!("{ghl_id} is planned: {:?}", plan.pushes))
                .first_fill
        };
        assert!(first_fill("t-new"), "stored since the last plan");
        assert!(first_fill("t-had"), "its contact is new to the pair");
        assert!(
            !first_fill("t-old"),
            "there before the last plan, never sent"
        );
        assert_eq!(plan.pushes.len(), 3);
        assert!(plan
            .pushes
            .iter()
            .all(|p| p.contact_id == known || p.contact_id == newcomer));
    }
}
