//! Tasks and notes of a pair's linked contacts, both ways; appointments one way, GHL → app.
//!
//! Each side's records live in `activities` (GHL's from the GHL pull, the app's from
//! [`pull_app_children`]). A child on one side is linked to its copy on the other by a `links`
//! row (`local_object_id` = the GHL record, `remote_id` = the app record) whose
//! `last_seen_hash` is the content both sides last agreed on. That hash is the base of a
//! record-level three-way merge: the side that differs from it changed; when both did, GHL
//! (the hub) wins. A child with no link is created on the other side. Writes go through the
//! journal like contacts: a create whose answer was lost is looked up before it is sent again.
//!
//! Deletes are seen, never guessed: GHL's from a "not found" or a contact's complete list
//! (`pull/ghl.rs`), the app's from its complete scan (`pull.rs`), either from a write that met
//! "not found". A linked record deleted on one side is no longer synced; its surviving copy
//! waits for the operator — in the delete queue where the pair carries deletes (an approved
//! delete is carried through the journal), else in the review queue (`deletes.rs`).

mod apply;
mod deletes;
mod ghl;
mod merge;
mod parents;
mod plan;
mod pull;

use bridge_core::hash::content_hash;
use bridge_core::BridgeError;
use bridge_store::table::activities::Activity;
use bridge_store::table::connections::ConnectionRow;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::plan::Side;

pub use apply::{apply_children, recover, recover_rules};
pub use deletes::{record_seen_deletes, SeenDelete};
pub use ghl::GhlChildWriter;
pub use plan::{mark_planned, plan_children, ChildPlan, FirstFill};
pub use pull::{pull_app_children, ChildPull};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// How an app's children name their contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parents {
    /// By a record of the app (a Novi member) linked to the contact.
    Records,
    /// By the contact's email (Nifty, which holds no contacts: a marker line in the task); the
    /// contact's link to the app is made with the email as its remote id.
    Emails,
}

/// An app's tasks and notes (and, one way, appointments), for apps that hold them per contact.
pub trait AppChildren: Send + Sync {
    fn system(&self) -> &str;
    /// Which ways its children travel (both, for tasks and notes, unless it says otherwise).
    fn rules(&self) -> ChildRules {
        ChildRules::default()
    }
    /// How its children name their contact.
    fn parents(&self) -> Parents {
        Parents::Records
    }
    /// The child as the record of `contact` (Nifty drops a "— <contact's name>" suffix from a
    /// task's name).
    fn for_contact(&self, child: AppChild, _contact: &bridge_core::Contact) -> AppChild {
        child
    }
    /// Every task and note, page by page (apps without a change filter on children).
    fn scan(&self) -> BoxStream<'_, Result<Vec<AppChild>, BridgeError>>;
    /// The kinds a finished [`Self::scan`] lists completely: a stored record of these kinds
    /// the scan did not list was deleted in the app.
    fn scanned_kinds(&self) -> &'static [ChildKind] {
        &[ChildKind::Task, ChildKind::Note]
    }
    /// Deletes one record (an approved delete carried from GHL). "Not found" means it is
    /// gone already.
    fn delete<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
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
    /// Deletes one task or note of `contact` (an approved delete carried from the app).
    fn delete<'a>(
        &'a self,
        kind: ChildKind,
        contact: &'a str,
        remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChildAction {
    Create,
    Update,
    /// Both sides already hold the same content: record it as agreed (link the two records,
    /// or refresh the link's base); nothing is sent.
    Link,
    /// Its counterpart was deleted and the operator approved carrying the delete.
    Delete,
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
    /// The fields whose base the write settles once done (those the other side already holds
    /// with the written value); empty: every field (creates, links, appointments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settles: Vec<String>,
    /// A delete: the approved row of the delete queue it carries out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_id: Option<i64>,
    /// The rule that made this write, when no person did ("by rule: welcome note"): its
    /// source is the rule, not a record of the other side, so no link is made for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<crate::rules::RuleName>,
}

/// What applying the children's operations did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildReport {
    pub done: u64,
    pub already_done: u64,
    pub unconfirmed: u64,
    pub dead: u64,
    /// Updates that met "not found": the record was deleted meanwhile; left for the operator.
    pub gone: u64,
    pub cancelled: bool,
}

impl ChildReport {
    /// Both reports' figures together (a cancel in either is a cancel).
    pub fn plus(self, other: ChildReport) -> ChildReport {
        ChildReport {
            done: self.done + other.done,
            already_done: self.already_done + other.already_done,
            unconfirmed: self.unconfirmed + other.unconfirmed,
            dead: self.dead + other.dead,
            gone: self.gone + other.gone,
            cancelled: self.cancelled || other.cancelled,
        }
    }
}

/// The intent of a child write (pair, target connection, kind, source record, action): what
/// the journal keys it by.
pub(crate) fn child_intent<'a>(
    pair: &'a str,
    target: &'a str,
    op: &'a ChildOperation,
) -> crate::journal::Intent<'a> {
    crate::journal::Intent {
        pair,
        target,
        kind: op.kind.as_str(),
        local: &op.source_id,
        action: apply::action_name(op.action),
    }
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
