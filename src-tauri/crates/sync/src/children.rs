//! Tasks and notes of a pair's linked contacts, both ways; appointments one way, GHL → app.
//!
//! Each side's records live in `activities` (GHL's from the GHL pull, the app's from
//! [`pull_app_children`]). A child on one side is linked to its copy on the other by a `links`
//! row (`local_object_id` = the GHL record, `remote_id` = the app record) whose
//! `last_seen_hash` is the content both sides last agreed on. That hash is the base of a
//! record-level three-way merge: the side that differs from it changed; when both did, GHL
//! (the hub) wins. A child with no link is created on the other side. Writes go through the
//! journal like contacts: a create whose answer was lost is looked up before it is sent again.
//! Deletes are not carried over (neither side's delete reaches the other).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::activities::{self, Activity, Change};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, cursors, links, timeline};
use bridge_store::Store;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::journal::{self, Entry, Failure, Intent, Journaled};
use crate::plan::Side;
use crate::timeline::{activity_event, ActivityChange};

/// Where the last children plan stopped (the `activities.updated_at` it covered).
const PLANNED_CURSOR: &str = "children.planned";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChildKind {
    Task,
    Note,
    /// One way, GHL → app: apps that hold appointments hold them as their own events.
    Appointment,
}

impl ChildKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Note => "note",
            Self::Appointment => "appointment",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        match kind {
            "task" => Some(Self::Task),
            "note" => Some(Self::Note),
            "appointment" => Some(Self::Appointment),
            _ => None,
        }
    }
}

/// A task or note in neutral terms: what both sides compare and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildValues {
    pub title: String,
    pub body: String,
    /// A task's due date or an appointment's start, UTC to the second.
    pub due: Option<String>,
    pub completed: bool,
    /// An appointment's end and status (absent for tasks and notes, so their hashes hold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// An instant as both sides compare it.
pub fn child_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl ChildValues {
    pub fn from_activity(activity: &Activity) -> Self {
        let time = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| child_time(t.with_timezone(&Utc)))
        };
        let appointment = activity.kind == "appointment";
        Self {
            title: activity.title.trim().to_string(),
            body: activity.body.trim().to_string(),
            due: time(&activity.starts_at),
            completed: activity.completed.unwrap_or(false),
            end: appointment.then(|| time(&activity.ends_at)).flatten(),
            status: appointment.then(|| activity.status.clone()).flatten(),
        }
    }

    /// A note is its body (titles are derived from it, differently by each app).
    pub fn hash(&self, kind: ChildKind) -> String {
        match kind {
            ChildKind::Task | ChildKind::Appointment => content_hash(self),
            ChildKind::Note => content_hash(&self.body),
        }
    }
}

/// One task or note as an app holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppChild {
    pub kind: ChildKind,
    pub remote_id: String,
    /// The app record (member, row) it belongs to.
    pub parent_remote_id: String,
    pub values: ChildValues,
}

/// What an app's children can hold beyond the default (tasks and notes, both ways).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChildRules {
    /// Notes travel GHL → app only, each once as a new record: the app cannot edit what it
    /// was given (later GHL edits of a note stay in GHL) and holds no notes of its own to send.
    pub notes_to_app_once: bool,
    /// GHL's appointments go to the app (one way), as records of its own.
    pub appointments: bool,
    /// A task is created open and completed by a request of its own (Nifty): a completed
    /// task's create is two steps, the second an update of the journaled record.
    pub completes_by_update: bool,
}

/// An app's tasks and notes (and, one way, appointments), for apps that hold them per contact.
pub trait AppChildren: Send + Sync {
    fn system(&self) -> &str;
    /// Which ways its children travel (both, for tasks and notes, unless it says otherwise).
    fn rules(&self) -> ChildRules {
        ChildRules::default()
    }
    /// Every task and note, page by page (apps without a change filter on children).
    fn scan(&self) -> BoxStream<'_, Result<Vec<AppChild>, BridgeError>>;
    fn create<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<String, BridgeError>>;
    fn update<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
    /// After a create whose answer was lost: the record it made, if any — never one of
    /// `linked` (records already linked to another source: identical tasks are common).
    fn find<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>>;
}

/// GHL's side of children writes: the written record as the GHL pull would store it, so the
/// mirror holds what GHL now holds.
pub trait GhlChildren: Send + Sync {
    fn create<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>>;
    fn update<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>>;
    fn find<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<Activity>, BridgeError>>;
}

/// An app child as stored in `activities`.
pub(crate) fn app_activity(
    connection_id: &str,
    contact_id: &str,
    kind: ChildKind,
    remote_id: &str,
    values: &ChildValues,
) -> Activity {
    Activity {
        contact_id: contact_id.to_string(),
        connection_id: connection_id.to_string(),
        kind: kind.as_str().into(),
        remote_id: remote_id.to_string(),
        title: values.title.clone(),
        body: values.body.clone(),
        starts_at: values.due.clone(),
        ends_at: values.end.clone(),
        completed: (kind == ChildKind::Task).then_some(values.completed),
        status: values.status.clone(),
        content_hash: values.hash(kind),
    }
}

/// Reads every app task and note, keeps those of linked members, and puts what is new or
/// changed on the contact's timeline. Returns how many were read.
pub async fn pull_app_children(
    store: &mut Store,
    app: &ConnectionRow,
    children: &dyn AppChildren,
    clock: &dyn Clock,
) -> Result<u64, BridgeError> {
    let pages = children.scan();
    futures::pin_mut!(pages);
    let mut read = 0;
    let now = clock.now();
    while let Some(page) = pages.try_next().await? {
        store.with_tx(|tx| {
            for child in &page {
                read += 1;
                let Some(parent) =
                    links::find_remote(tx, &app.id, "contact", &child.parent_remote_id)?
                else {
                    continue;
                };
                store_app_child(tx, app, &parent.contact_id, child, now)?;
            }
            Ok(())
        })?;
    }
    Ok(read)
}

/// Stores one app child as a record of `contact_id`; what is new or changed goes on the
/// contact's timeline.
pub(crate) fn store_app_child(
    tx: &bridge_store::Connection,
    app: &ConnectionRow,
    contact_id: &str,
    child: &AppChild,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let activity = app_activity(
        &app.id,
        contact_id,
        child.kind,
        &child.remote_id,
        &child.values,
    );
    let event = match activities::upsert(tx, &activity, now)? {
        Change::Unchanged => None,
        Change::Created => Some((ActivityChange::Created, None)),
        Change::Updated { before } => Some((ActivityChange::Updated, Some(before))),
    };
    if let Some((change, before)) = event {
        timeline::append(
            tx,
            &activity_event(
                app.system.as_str(),
                &bridge_store::timestamp(now),
                change,
                before.as_deref(),
                &activity,
            ),
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChildAction {
    Create,
    Update,
    /// Both sides already hold the same content: record it as agreed (link the two records,
    /// or refresh the link's base); nothing is sent.
    Link,
}

/// One write of a task or note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildOperation {
    pub target: Side,
    pub kind: ChildKind,
    pub action: ChildAction,
    pub contact_id: String,
    /// The target's parent: the GHL contact id or the app record id.
    pub parent: String,
    /// The record written to; `None` for a create.
    pub remote_id: Option<String>,
    /// The record the values come from, on the other side.
    pub source_id: String,
    pub before: Option<ChildValues>,
    pub values: ChildValues,
    pub reason: String,
    /// The content both sides last agreed on (the link's base): part of the journal key, so
    /// a value that comes back later (completed, reopened, completed) is a new write.
    #[serde(skip)]
    pub base: Option<String>,
}

/// Plans the children of the contacts whose tasks or notes changed on either side since the
/// last plan. Pure over the store: nothing is written.
pub fn plan_children(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    rules: ChildRules,
) -> Result<Vec<ChildOperation>, BridgeError> {
    let since = cursors::get(store.conn(), &app.id, PLANNED_CURSOR)?;
    let mut due: std::collections::BTreeSet<String> = activities::contacts_changed_since(
        store.conn(),
        [ghl_connection_id, &app.id],
        since.as_deref(),
    )?
    .into_iter()
    .collect();
    // A contact linked since then brings the children it already had.
    due.extend(links::contacts_linked_since(
        store.conn(),
        &app.id,
        since.as_deref(),
    )?);
    let mut operations = Vec::new();
    for contact_id in due {
        plan_contact(
            store,
            ghl_connection_id,
            app,
            rules,
            &contact_id,
            &mut operations,
        )?;
    }
    Ok(operations)
}

fn plan_contact(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    rules: ChildRules,
    contact_id: &str,
    operations: &mut Vec<ChildOperation>,
) -> Result<(), BridgeError> {
    let contact_links = links::for_contact(store.conn(), contact_id)?;
    let Some(app_parent) = contact_links
        .iter()
        .find(|l| l.connection_id == app.id && l.object_kind == "contact")
        .map(|l| l.remote_id.clone())
    else {
        return Ok(());
    };
    let ghl_parent = contacts::get(store.conn(), contact_id)?
        .map(|row| row.contact.contact_id)
        .filter(|id| !id.is_empty());
    type ByKey = BTreeMap<(ChildKind, String), Activity>;
    let mut ghl: ByKey = BTreeMap::new();
    let mut theirs: ByKey = BTreeMap::new();
    for activity in activities::for_contact(store.conn(), contact_id)? {
        let Some(kind) = ChildKind::parse(&activity.kind) else {
            continue;
        };
        let key = (kind, activity.remote_id.clone());
        if activity.connection_id == ghl_connection_id {
            ghl.insert(key, activity);
        } else if activity.connection_id == app.id {
            theirs.insert(key, activity);
        }
    }
    let child_links: Vec<_> = contact_links
        .iter()
        .filter(|l| l.connection_id == app.id)
        .filter_map(|l| Some((ChildKind::parse(&l.object_kind)?, l)))
        .collect();
    let mut push = |op: ChildOperation| operations.push(op);
    for (kind, link) in &child_links {
        let Some(ghl_id) = &link.local_object_id else {
            continue;
        };
        if *kind == ChildKind::Note && rules.notes_to_app_once
            || *kind == ChildKind::Appointment && !rules.appointments
        {
            continue;
        }
        let (Some(g), Some(a)) = (
            ghl.remove(&(*kind, ghl_id.clone())),
            theirs.remove(&(*kind, link.remote_id.clone())),
        ) else {
            continue;
        };
        let (gv, av) = (
            ChildValues::from_activity(&g),
            ChildValues::from_activity(&a),
        );
        let (gh, ah) = (gv.hash(*kind), av.hash(*kind));
        let base = link.last_seen_hash.as_deref();
        if gh == ah {
            // Agreed (an edit made on both sides, or a write whose answer was lost): that is
            // the new base, so the next change on one side is not taken for a conflict.
            if base != Some(gh.as_str()) {
                push(ChildOperation {
                    target: Side::App,
                    kind: *kind,
                    action: ChildAction::Link,
                    contact_id: contact_id.to_string(),
                    parent: app_parent.clone(),
                    remote_id: Some(a.remote_id.clone()),
                    source_id: g.remote_id.clone(),
                    before: None,
                    values: gv,
                    reason: format!("{} agrees on both sides", kind.as_str()),
                    base: base.map(str::to_string),
                });
            }
            continue;
        }
        let app_changed_only = Some(gh.as_str()) == base;
        if app_changed_only && *kind == ChildKind::Appointment {
            // One way: the app's copy follows GHL's, never the reverse.
            continue;
        }
        if app_changed_only {
            if let Some(parent) = &ghl_parent {
                push(ChildOperation {
                    target: Side::Ghl,
                    kind: *kind,
                    action: ChildAction::Update,
                    contact_id: contact_id.to_string(),
                    parent: parent.clone(),
                    remote_id: Some(g.remote_id.clone()),
                    source_id: a.remote_id.clone(),
                    before: Some(gv),
                    values: av,
                    reason: format!("{} changed in {}", kind.as_str(), app.system.display_name()),
                    base: base.map(str::to_string),
                });
            }
        } else {
            // GHL changed, or both did and GHL (the hub) wins.
            push(ChildOperation {
                target: Side::App,
                kind: *kind,
                action: ChildAction::Update,
                contact_id: contact_id.to_string(),
                parent: app_parent.clone(),
                remote_id: Some(a.remote_id.clone()),
                source_id: g.remote_id.clone(),
                before: Some(av),
                values: gv,
                reason: if Some(ah.as_str()) == base {
                    format!("{} changed in GHL", kind.as_str())
                } else {
                    format!(
                        "{} changed on both sides; GHL's version wins",
                        kind.as_str()
                    )
                },
                base: base.map(str::to_string),
            });
        }
    }
    // What is left has no link. The same content unlinked on both sides (created on each, or
    // our create whose answer was lost) is one record: linked, not created again.
    let linked_ghl: Vec<(ChildKind, &str)> = child_links
        .iter()
        .filter_map(|(k, l)| Some((*k, l.local_object_id.as_deref()?)))
        .collect();
    let linked_app: Vec<(ChildKind, &str)> = child_links
        .iter()
        .map(|(k, l)| (*k, l.remote_id.as_str()))
        .collect();
    let mut app_only: Vec<(ChildKind, &String, ChildValues)> = theirs
        .iter()
        .filter(|((kind, id), _)| !linked_app.contains(&(*kind, id.as_str())))
        .map(|((kind, id), a)| (*kind, id, ChildValues::from_activity(a)))
        .collect();
    for ((kind, id), g) in &ghl {
        if linked_ghl.contains(&(*kind, id.as_str()))
            || *kind == ChildKind::Appointment && !rules.appointments
        {
            continue;
        }
        let values = ChildValues::from_activity(g);
        let hash = values.hash(*kind);
        let twin = app_only
            .iter()
            .position(|(k, _, v)| k == kind && v.hash(*kind) == hash);
        let (action, remote_id, reason) = match twin {
            Some(at) => {
                let (_, app_id, _) = app_only.remove(at);
                (
                    ChildAction::Link,
                    Some(app_id.clone()),
                    format!("{} is the same on both sides", kind.as_str()),
                )
            }
            None => (
                ChildAction::Create,
                None,
                format!("{} exists only in GHL", kind.as_str()),
            ),
        };
        push(ChildOperation {
            target: Side::App,
            kind: *kind,
            action,
            contact_id: contact_id.to_string(),
            parent: app_parent.clone(),
            remote_id,
            source_id: id.clone(),
            before: None,
            values,
            reason,
            base: None,
        });
    }
    if let Some(parent) = &ghl_parent {
        for (kind, id, values) in app_only {
            if kind == ChildKind::Appointment
                || (kind == ChildKind::Note && rules.notes_to_app_once)
            {
                continue;
            }
            push(ChildOperation {
                target: Side::Ghl,
                kind,
                action: ChildAction::Create,
                contact_id: contact_id.to_string(),
                parent: parent.clone(),
                remote_id: None,
                source_id: id.clone(),
                before: None,
                values,
                reason: format!(
                    "{} exists only in {}",
                    kind.as_str(),
                    app.system.display_name()
                ),
                base: None,
            });
        }
    }
    Ok(())
}

/// What applying the children's operations did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildReport {
    pub done: u64,
    pub already_done: u64,
    pub unconfirmed: u64,
    pub dead: u64,
    pub cancelled: bool,
}

/// The two sides being written.
pub struct ChildTargets<'a> {
    pub ghl: &'a dyn GhlChildren,
    pub ghl_connection_id: &'a str,
    pub app: &'a dyn AppChildren,
    pub app_connection: &'a ConnectionRow,
}

impl ChildTargets<'_> {
    fn connection_id(&self, side: Side) -> &str {
        match side {
            Side::Ghl => self.ghl_connection_id,
            Side::App => &self.app_connection.id,
        }
    }

    fn system(&self, side: Side) -> &str {
        match side {
            Side::Ghl => "GHL",
            Side::App => self.app.system(),
        }
    }
}

/// The intent of a child write: the source record, the target and the action.
fn intent<'a>(targets: &'a ChildTargets<'_>, op: &'a ChildOperation) -> Intent<'a> {
    Intent {
        pair: &targets.app_connection.id,
        target: targets.connection_id(op.target),
        kind: op.kind.as_str(),
        local: &op.source_id,
        action: action_name(op.action),
    }
}

fn action_name(action: ChildAction) -> &'static str {
    match action {
        ChildAction::Create => "create",
        // Links are recorded without the journal: nothing is sent.
        ChildAction::Update | ChildAction::Link => "update",
    }
}

/// Resolves the pair's unfinished task, note and appointment writes by id, before the
/// children are planned: a create that may have happened is finished on the record it made
/// (its id stored, or looked up), so the planner never sees that record as new.
pub async fn recover(
    store: &mut Store,
    run_id: &str,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<ChildReport, BridgeError> {
    let mut report = ChildReport::default();
    let open = journal::open_for_pair(
        store.conn(),
        &targets.app_connection.id,
        &["task", "note", "appointment"],
        clock.now(),
    )?;
    for row in open {
        let mut journaled = Journaled::from(&row);
        let op: ChildOperation = journal::payload(&row)?;
        let mut one = ChildReport::default();
        send_one(store, run_id, &op, &mut journaled, targets, clock, &mut one).await?;
        report.already_done += one.done;
        report.unconfirmed += one.unconfirmed;
        report.dead += one.dead;
    }
    Ok(report)
}

/// Journals every operation, then sends them one by one; each answer is stored with its link,
/// mirror, timeline event and done mark in one transaction.
pub async fn apply_children(
    store: &mut Store,
    run_id: &str,
    operations: &[ChildOperation],
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<ChildReport, BridgeError> {
    let (agreed, operations): (Vec<&ChildOperation>, Vec<&ChildOperation>) = operations
        .iter()
        .partition(|op| op.action == ChildAction::Link);
    record_agreed(store, &agreed, targets, clock)?;
    let now = clock.now();
    let mut journaled = store.with_tx(|tx| {
        operations
            .iter()
            .map(|op| {
                let entry = Entry {
                    contact_id: Some(op.contact_id.clone()),
                    remote_id: op.remote_id.clone(),
                    before: op.before.as_ref().map(journal::json).transpose()?,
                    after: Some(journal::json(&op.values)?),
                    reason: op.reason.clone(),
                    payload: journal::json(op)?,
                };
                journal::record(tx, run_id, &intent(targets, op), entry, now)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut report = ChildReport::default();
    for (finished, (op, journaled)) in operations.iter().zip(&mut journaled).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        send_one(store, run_id, op, journaled, targets, clock, &mut report).await?;
        progress(agreed.len() as u64 + finished as u64 + 1);
    }
    // While anything is unfinished the cursor stays, so the next sync plans those contacts
    // again (the journal keeps what was done from being sent twice).
    if !report.cancelled && report.dead == 0 && report.unconfirmed == 0 {
        cursors::set(
            store.conn(),
            &targets.app_connection.id,
            PLANNED_CURSOR,
            &bridge_store::timestamp(clock.now()),
            clock.now(),
        )?;
    }
    Ok(report)
}

/// Links records that already agree, and refreshes the base of links whose sides came to
/// agree: one transaction, nothing sent.
fn record_agreed(
    store: &mut Store,
    agreed: &[&ChildOperation],
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    store.with_tx(|tx| {
        for op in agreed {
            let Some(app_id) = &op.remote_id else {
                continue;
            };
            let hash = op.values.hash(op.kind);
            links::insert_or_verify(
                tx,
                &links::LinkRow {
                    contact_id: op.contact_id.clone(),
                    connection_id: targets.app_connection.id.clone(),
                    object_kind: op.kind.as_str().into(),
                    local_object_id: Some(op.source_id.clone()),
                    remote_id: app_id.clone(),
                    last_written_hash: None,
                    last_seen_hash: Some(hash),
                },
                now,
            )?;
        }
        Ok(())
    })
}

/// The target's records of this contact and kind already linked: a lookup skips them.
fn linked_records(
    store: &Store,
    op: &ChildOperation,
    targets: &ChildTargets<'_>,
) -> Result<Vec<String>, BridgeError> {
    Ok(links::for_contact(store.conn(), &op.contact_id)?
        .into_iter()
        .filter(|l| {
            l.connection_id == targets.app_connection.id && l.object_kind == op.kind.as_str()
        })
        .filter_map(|l| match op.target {
            Side::App => Some(l.remote_id),
            Side::Ghl => l.local_object_id,
        })
        .collect())
}

/// Sends one write and records how it ended; an error only when the target's connection must
/// be authorized again (its work stops) or the store fails.
async fn send_one(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &mut Journaled,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    report: &mut ChildReport,
) -> Result<(), BridgeError> {
    let may_exist = journaled.may_exist();
    let linked = if op.action == ChildAction::Create && may_exist {
        linked_records(store, op, targets)?
    } else {
        Vec::new()
    };
    journal::begin(store.conn(), journaled, run_id, clock.now())?;
    let written = Writing {
        op,
        targets,
        may_exist,
        linked: &linked,
        clock,
    }
    .send(store, journaled)
    .await;
    // A link that would re-point another record's is refused by the store: the operation
    // becomes a dead letter naming both records, and the run goes on.
    let written = match written {
        Ok(written) => match finish(store, run_id, op, journaled, &written, targets, clock) {
            Ok(()) => Ok(()),
            Err(e) if e.code == ErrorCode::Conflict => Err(e),
            Err(e) => return Err(e),
        },
        Err(e) => Err(e),
    };
    match written {
        Ok(()) => {
            report.done += 1;
        }
        Err(e) => {
            let message = format!(
                "{} {} of {} {} of contact {}: {}",
                targets.system(op.target),
                action_name(op.action),
                op.kind.as_str(),
                op.remote_id.as_deref().unwrap_or(&op.source_id),
                op.contact_id,
                e.message
            );
            match journal::fail(store.conn(), journaled, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    return Err(crate::apply::reconnect(
                        store.conn(),
                        targets.connection_id(op.target),
                        targets.system(op.target),
                        &e,
                        clock.now(),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// One child write on its way out.
struct Writing<'w> {
    op: &'w ChildOperation,
    targets: &'w ChildTargets<'w>,
    /// Sent before without an answer: the record may exist.
    may_exist: bool,
    linked: &'w [String],
    clock: &'w dyn Clock,
}

impl Writing<'_> {
    /// The record the write left on the target side, as its mirror stores it.
    async fn send(
        &self,
        store: &Store,
        journaled: &mut Journaled,
    ) -> Result<Activity, BridgeError> {
        let op = self.op;
        match (op.action, &op.remote_id) {
            (ChildAction::Create, _) => match self.made_before(journaled).await? {
                Some(id) => self.resume(&id).await,
                None => self.create(store, journaled).await,
            },
            (ChildAction::Update | ChildAction::Link, Some(id)) => self.update(id).await,
            (_, None) => Err(BridgeError::internal(
                "a task or note update without a remote id",
            )),
        }
    }

    /// The record an earlier attempt of this create made: its id as the journal stored it,
    /// else looked up (reads only).
    async fn made_before(&self, journaled: &Journaled) -> Result<Option<String>, BridgeError> {
        if let Some(id) = &journaled.remote_id {
            return Ok(Some(id.clone()));
        }
        if !self.may_exist {
            return Ok(None);
        }
        let op = self.op;
        Ok(match op.target {
            Side::Ghl => self
                .targets
                .ghl
                .find(op.kind, &op.parent, &op.values, self.linked)
                .await?
                .map(|found| found.remote_id),
            Side::App => {
                self.targets
                    .app
                    .find(op.kind, &op.parent, &op.values, self.linked)
                    .await?
            }
        })
    }

    /// Finishes a create on the record it made. A task may have stopped halfway (created,
    /// not yet completed) and is updated to the values; notes and appointments are made in
    /// one request and found by their content, so they are kept as they are.
    async fn resume(&self, id: &str) -> Result<Activity, BridgeError> {
        if self.op.kind == ChildKind::Task {
            return self.update(id).await;
        }
        Ok(self.mirror(id))
    }

    async fn create(
        &self,
        store: &Store,
        journaled: &mut Journaled,
    ) -> Result<Activity, BridgeError> {
        let op = self.op;
        match op.target {
            Side::Ghl => {
                let written = self
                    .targets
                    .ghl
                    .create(op.kind, &op.parent, &op.values)
                    .await?;
                journal::created(
                    store.conn(),
                    journaled,
                    &written.remote_id,
                    self.clock.now(),
                )?;
                Ok(written)
            }
            Side::App => {
                // An app that completes a task by a request of its own: created open, its id
                // journaled, then completed as an update of that record.
                let two_steps = op.kind == ChildKind::Task
                    && op.values.completed
                    && self.targets.app.rules().completes_by_update;
                let first = ChildValues {
                    completed: op.values.completed && !two_steps,
                    ..op.values.clone()
                };
                let id = self.targets.app.create(op.kind, &op.parent, &first).await?;
                journal::created(store.conn(), journaled, &id, self.clock.now())?;
                if two_steps {
                    return self.update(&id).await;
                }
                Ok(self.mirror(&id))
            }
        }
    }

    async fn update(&self, id: &str) -> Result<Activity, BridgeError> {
        let op = self.op;
        match op.target {
            Side::Ghl => {
                self.targets
                    .ghl
                    .update(op.kind, &op.parent, id, &op.values)
                    .await
            }
            Side::App => {
                self.targets.app.update(op.kind, id, &op.values).await?;
                Ok(self.mirror(id))
            }
        }
    }

    fn mirror(&self, remote_id: &str) -> Activity {
        let op = self.op;
        app_activity(
            &self.targets.app_connection.id,
            &op.contact_id,
            op.kind,
            remote_id,
            &op.values,
        )
    }
}

fn finish(
    store: &mut Store,
    run_id: &str,
    op: &ChildOperation,
    journaled: &Journaled,
    written: &Activity,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let agreed = op.values.hash(op.kind);
    let (ghl_id, app_id) = match op.target {
        Side::Ghl => (written.remote_id.clone(), op.source_id.clone()),
        Side::App => (op.source_id.clone(), written.remote_id.clone()),
    };
    let mut mirror = written.clone();
    mirror.contact_id = op.contact_id.clone();
    mirror.connection_id = targets.connection_id(op.target).to_string();
    store.with_tx(|tx| {
        links::insert_or_verify(
            tx,
            &links::LinkRow {
                contact_id: op.contact_id.clone(),
                connection_id: targets.app_connection.id.clone(),
                object_kind: op.kind.as_str().into(),
                local_object_id: Some(ghl_id.clone()),
                remote_id: app_id.clone(),
                last_written_hash: Some(agreed.clone()),
                last_seen_hash: Some(agreed.clone()),
            },
            now,
        )?;
        let before = activities::get(tx, &mirror.connection_id, &mirror.kind, &mirror.remote_id)?;
        activities::upsert(tx, &mirror, now)?;
        let mut event = activity_event(
            match op.target {
                Side::Ghl => "ghl",
                Side::App => targets.app_connection.system.as_str(),
            },
            &bridge_store::timestamp(now),
            match op.action {
                ChildAction::Create => ActivityChange::Created,
                ChildAction::Update | ChildAction::Link => ActivityChange::Updated,
            },
            before.as_ref(),
            &mirror,
        );
        event.run_id = Some(run_id.to_string());
        timeline::append(tx, &event)?;
        journal::done(tx, journaled, run_id, now)
    })
}

/// GHL's tasks and notes, written through its contact endpoints.
pub struct GhlChildWriter<'a> {
    pub client: &'a bridge_connectors::ghl::GhlClient,
    pub clock: &'a dyn Clock,
}

fn due_of(values: &ChildValues) -> Option<DateTime<Utc>> {
    values
        .due
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn task_activity(
    contact: &str,
    task: bridge_connectors::ghl::wire::GhlTask,
) -> Result<Activity, BridgeError> {
    let task = task.to_core(contact)?;
    Ok(crate::pull::ghl::activity(
        "task",
        task.id,
        task.title,
        task.body.unwrap_or_default(),
        task.due_date,
        None,
        Some(task.completed),
        None,
    ))
}

fn note_activity(
    contact: &str,
    note: bridge_connectors::ghl::wire::GhlNote,
) -> Result<Activity, BridgeError> {
    let note = note.to_core(contact)?;
    Ok(crate::pull::ghl::activity(
        "note",
        note.id,
        crate::pull::ghl::note_title(&note.body),
        note.body,
        note.date_added,
        None,
        None,
        None,
    ))
}

fn one_way() -> BridgeError {
    BridgeError::internal("appointments go one way, GHL → app: none is written to GHL")
}

impl GhlChildren for GhlChildWriter<'_> {
    fn create<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>> {
        use bridge_connectors::ghl::wire::{NewNote, NewTask};
        Box::pin(async move {
            match kind {
                ChildKind::Task => {
                    let task = NewTask {
                        title: values.title.clone(),
                        body: (!values.body.is_empty()).then(|| values.body.clone()),
                        // GHL requires a due date; a task without one is due now.
                        due_date: due_of(values).unwrap_or_else(|| self.clock.now()),
                        completed: values.completed,
                        assigned_to: None,
                    };
                    task_activity(contact, self.client.create_task(contact, &task).await?)
                }
                ChildKind::Appointment => Err(one_way()),
                ChildKind::Note => {
                    let note = NewNote {
                        body: values.body.clone(),
                        user_id: None,
                        title: None,
                        color: None,
                        pinned: None,
                    };
                    note_activity(contact, self.client.create_note(contact, &note).await?)
                }
            }
        })
    }

    fn update<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<Activity, BridgeError>> {
        use bridge_connectors::ghl::wire::{NoteUpdate, TaskUpdate};
        Box::pin(async move {
            match kind {
                ChildKind::Task => {
                    let update = TaskUpdate {
                        title: Some(values.title.clone()),
                        body: Some(values.body.clone()),
                        due_date: due_of(values),
                        completed: Some(values.completed),
                        assigned_to: None,
                    };
                    task_activity(
                        contact,
                        self.client.update_task(contact, remote_id, &update).await?,
                    )
                }
                ChildKind::Appointment => Err(one_way()),
                ChildKind::Note => {
                    let update = NoteUpdate {
                        body: Some(values.body.clone()),
                        ..NoteUpdate::default()
                    };
                    note_activity(
                        contact,
                        self.client.update_note(contact, remote_id, &update).await?,
                    )
                }
            }
        })
    }

    fn find<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<Activity>, BridgeError>> {
        Box::pin(async move {
            let wanted = values.hash(kind);
            let found: Vec<Activity> = match kind {
                ChildKind::Appointment => return Err(one_way()),
                ChildKind::Task => self
                    .client
                    .list_tasks(contact)
                    .await?
                    .into_iter()
                    .filter_map(|t| task_activity(contact, t).ok())
                    .collect(),
                ChildKind::Note => self
                    .client
                    .list_notes(contact)
                    .await?
                    .into_iter()
                    .filter_map(|n| note_activity(contact, n).ok())
                    .collect(),
            };
            Ok(found
                .into_iter()
                .filter(|a| !linked.contains(&a.remote_id))
                .find(|a| {
                    let mut candidate = ChildValues::from_activity(a);
                    // A task created without a due date got one from GHL.
                    if values.due.is_none() {
                        candidate.due = None;
                    }
                    candidate.hash(kind) == wanted
                }))
        })
    }
}
