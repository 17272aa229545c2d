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
use bridge_store::table::operations::{self, NewOperation};
use bridge_store::table::{contacts, cursors, links, timeline};
use bridge_store::Store;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::TryStreamExt;
use serde::Serialize;

use crate::plan::Side;
use crate::timeline::{activity_event, ActivityChange};

/// Where the last children plan stopped (the `activities.updated_at` it covered).
const PLANNED_CURSOR: &str = "children.planned";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// An app's tasks and notes, for apps whose API holds them per contact.
pub trait AppChildren: Send + Sync {
    fn system(&self) -> &str;
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
    /// After a create whose answer was lost: the record it made, if any.
    fn find<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
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
    ) -> BoxFuture<'a, Result<Option<Activity>, BridgeError>>;
}

/// An app child as stored in `activities`.
fn app_activity(
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
                let activity = app_activity(
                    &app.id,
                    &parent.contact_id,
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
            }
            Ok(())
        })?;
    }
    Ok(read)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChildAction {
    Create,
    Update,
}

/// One write of a task or note.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

/// Plans the children of the contacts whose tasks or notes changed on either side since the
/// last plan. Pure over the store: nothing is written.
pub fn plan_children(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
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
        plan_contact(store, ghl_connection_id, app, &contact_id, &mut operations)?;
    }
    Ok(operations)
}

fn plan_contact(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
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
        if gh == ah {
            continue;
        }
        let base = link.last_seen_hash.as_deref();
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
            });
        }
    }
    // What is left has no link: it exists on one side only.
    let linked_ghl: Vec<(ChildKind, &str)> = child_links
        .iter()
        .filter_map(|(k, l)| Some((*k, l.local_object_id.as_deref()?)))
        .collect();
    for ((kind, id), g) in &ghl {
        if linked_ghl.contains(&(*kind, id.as_str())) {
            continue;
        }
        push(ChildOperation {
            target: Side::App,
            kind: *kind,
            action: ChildAction::Create,
            contact_id: contact_id.to_string(),
            parent: app_parent.clone(),
            remote_id: None,
            source_id: id.clone(),
            before: None,
            values: ChildValues::from_activity(g),
            reason: format!("{} exists only in GHL", kind.as_str()),
        });
    }
    let linked_app: Vec<(ChildKind, &str)> = child_links
        .iter()
        .map(|(k, l)| (*k, l.remote_id.as_str()))
        .collect();
    if let Some(parent) = &ghl_parent {
        for ((kind, id), a) in &theirs {
            if linked_app.contains(&(*kind, id.as_str())) || *kind == ChildKind::Appointment {
                continue;
            }
            push(ChildOperation {
                target: Side::Ghl,
                kind: *kind,
                action: ChildAction::Create,
                contact_id: contact_id.to_string(),
                parent: parent.clone(),
                remote_id: None,
                source_id: id.clone(),
                before: None,
                values: ChildValues::from_activity(a),
                reason: format!(
                    "{} exists only in {}",
                    kind.as_str(),
                    app.system.display_name()
                ),
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

/// Same write, same key: a rerun after a crash finds its journal row.
fn op_key(targets: &ChildTargets<'_>, op: &ChildOperation) -> String {
    content_hash(&(
        targets.connection_id(op.target),
        op.kind,
        op.action,
        &op.source_id,
        &op.remote_id,
        &op.values,
    ))
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
    let keys: Vec<String> = operations.iter().map(|op| op_key(targets, op)).collect();
    store.with_tx(|tx| {
        for (op, key) in operations.iter().zip(&keys) {
            operations::enqueue(
                tx,
                &NewOperation {
                    run_id: run_id.to_string(),
                    op_key: key.clone(),
                    connection_id: targets.connection_id(op.target).to_string(),
                    contact_id: Some(op.contact_id.clone()),
                    object_kind: op.kind.as_str().into(),
                    action: match op.action {
                        ChildAction::Create => "create",
                        ChildAction::Update => "update",
                    }
                    .into(),
                    remote_id: op.remote_id.clone(),
                    before_value: op.before.as_ref().map(json),
                    after_value: Some(json(&op.values)),
                    reason: op.reason.clone(),
                },
                clock.now(),
            )?;
        }
        Ok(())
    })?;
    let mut report = ChildReport::default();
    for (finished, (op, key)) in operations.iter().zip(&keys).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        apply_one(store, op, key, targets, clock, &mut report).await?;
        progress(finished as u64 + 1);
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

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The record a write left on the target side, as its mirror stores it.
async fn send(
    op: &ChildOperation,
    targets: &ChildTargets<'_>,
    looked_up_first: bool,
) -> Result<Option<Activity>, BridgeError> {
    let app_id = &targets.app_connection.id;
    let mirror =
        |remote_id: &str| app_activity(app_id, &op.contact_id, op.kind, remote_id, &op.values);
    match (op.target, op.action, &op.remote_id) {
        (Side::Ghl, ChildAction::Create, _) => {
            if looked_up_first {
                if let Some(found) = targets.ghl.find(op.kind, &op.parent, &op.values).await? {
                    return Ok(Some(found));
                }
            }
            Ok(Some(
                targets.ghl.create(op.kind, &op.parent, &op.values).await?,
            ))
        }
        (Side::Ghl, ChildAction::Update, Some(id)) => Ok(Some(
            targets
                .ghl
                .update(op.kind, &op.parent, id, &op.values)
                .await?,
        )),
        (Side::App, ChildAction::Create, _) => {
            if looked_up_first {
                if let Some(found) = targets.app.find(op.kind, &op.parent, &op.values).await? {
                    return Ok(Some(mirror(&found)));
                }
            }
            let id = targets.app.create(op.kind, &op.parent, &op.values).await?;
            Ok(Some(mirror(&id)))
        }
        (Side::App, ChildAction::Update, Some(id)) => {
            targets.app.update(op.kind, id, &op.values).await?;
            Ok(Some(mirror(id)))
        }
        (_, ChildAction::Update, None) => Err(BridgeError::internal(
            "a task or note update without a remote id",
        )),
    }
}

async fn apply_one(
    store: &mut Store,
    op: &ChildOperation,
    key: &str,
    targets: &ChildTargets<'_>,
    clock: &dyn Clock,
    report: &mut ChildReport,
) -> Result<(), BridgeError> {
    let state = operations::get(store.conn(), key)?
        .map(|row| row.state)
        .unwrap_or_else(|| "pending".into());
    match state.as_str() {
        "done" => {
            report.already_done += 1;
            return Ok(());
        }
        "dead" => {
            report.dead += 1;
            return Ok(());
        }
        _ => {}
    }
    // A create sent before without an answer may have happened: look before sending again.
    let look_first = op.action == ChildAction::Create && state == "sent";
    operations::mark(store.conn(), key, "sent", None, clock.now())?;
    match send(op, targets, look_first).await {
        Ok(Some(written)) => {
            finish(store, op, key, &written, targets, clock)?;
            report.done += 1;
        }
        Ok(None) => {}
        Err(e) if e.code == ErrorCode::Network => {
            operations::mark(store.conn(), key, "sent", Some(&e.message), clock.now())?;
            report.unconfirmed += 1;
        }
        Err(e) => {
            let message = format!(
                "{} {} of {} {} of contact {}: {}",
                targets.system(op.target),
                match op.action {
                    ChildAction::Create => "create",
                    ChildAction::Update => "update",
                },
                op.kind.as_str(),
                op.remote_id.as_deref().unwrap_or(&op.source_id),
                op.contact_id,
                e.message
            );
            operations::mark(store.conn(), key, "dead", Some(&message), clock.now())?;
            report.dead += 1;
        }
    }
    Ok(())
}

fn finish(
    store: &mut Store,
    op: &ChildOperation,
    key: &str,
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
        links::upsert(
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
        timeline::append(
            tx,
            &activity_event(
                match op.target {
                    Side::Ghl => "ghl",
                    Side::App => targets.app_connection.system.as_str(),
                },
                &bridge_store::timestamp(now),
                match op.action {
                    ChildAction::Create => ActivityChange::Created,
                    ChildAction::Update => ActivityChange::Updated,
                },
                before.as_ref(),
                &mirror,
            ),
        )?;
        operations::mark(tx, key, "done", None, now)
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
            Ok(found.into_iter().find(|a| {
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
