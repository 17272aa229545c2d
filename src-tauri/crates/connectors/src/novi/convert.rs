//! Novi records ↔ bridge-core types. Nothing is normalized here (the engine normalizes);
//! errors name the record and the field.
//!
//! Times: Novi writes ISO 8601; members' `CreatedDate`/`LastUpdatedDate` carry the tenant's
//! offset and up to seven fraction digits (`2018-10-28T13:31:52.4566667-04:00`). A time without
//! an offset is read as UTC (Novi documents no tenant time zone for the API) and we always
//! write UTC with `Z`.
//! Events carry a `TimeZone` field; converting wall-clock event times through it is not done
//! (see the module report: the zone names Novi uses are undocumented).

use bridge_core::{Appointment, BridgeError, Contact, ErrorCode, Note, Task};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::wire::{NoviActivity, NoviActivityType, NoviEvent, NoviMember};

/// How times are written to Novi: `2024-05-01T09:30:00Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a Novi time: RFC 3339, or an ISO date-time without offset (UTC), or a bare date.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

fn time_field(
    record: &str,
    field: &str,
    value: Option<&String>,
) -> Result<Option<DateTime<Utc>>, BridgeError> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => parse_time(text).map(Some).ok_or_else(|| {
            BridgeError::new(
                ErrorCode::Remote,
                format!("{record}: field {field} holds '{text}', which is not a date"),
            )
        }),
    }
}

fn required<'a>(
    record: &str,
    field: &str,
    value: Option<&'a String>,
) -> Result<&'a str, BridgeError> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::Remote,
                format!("{record}: field {field} is missing"),
            )
        })
}

/// A member as the engine sees it: the core contact (its `contact_id` empty: the engine links
/// it to a GHL contact) plus what only Novi has.
#[derive(Debug, Clone, PartialEq)]
pub struct NoviContact {
    pub unique_id: String,
    /// `Active=false` is Novi's soft delete.
    pub active: bool,
    pub member_status: Option<String>,
    /// `LastUpdatedDate` (or a field of similar name) when the member carries one.
    pub last_modified: Option<DateTime<Utc>>,
    pub contact: Contact,
}

impl NoviMember {
    pub fn to_core(&self) -> Result<NoviContact, BridgeError> {
        let id = required("Novi member", "UniqueID", self.unique_id.as_ref())?;
        let record = format!("Novi member {id}");
        let modified = ["LastUpdatedDate", "LastModifiedDate", "ModifiedDate"]
            .iter()
            .find_map(|name| {
                self.other
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            });
        let last_modified = match modified {
            Some((field, text)) => time_field(&record, &field, Some(&text))?,
            None => None,
        };
        let phone = self
            .phone
            .clone()
            .filter(|p| !p.trim().is_empty())
            .or_else(|| self.mobile.clone().filter(|m| !m.trim().is_empty()));
        Ok(NoviContact {
            unique_id: id.to_string(),
            active: self.active.unwrap_or(true),
            member_status: self.member_status.clone(),
            last_modified,
            contact: Contact {
                contact_id: String::new(),
                email: self.email.clone().filter(|e| !e.trim().is_empty()),
                first_name: self.first_name.clone(),
                last_name: self.last_name.clone(),
                phone,
                date_updated: last_modified,
                ..Contact::default()
            },
        })
    }

    /// A new (person) member from a core contact: names, `Name` as "First Last", email,
    /// phone, `Active=true`.
    pub fn from_core(contact: &Contact) -> NoviMember {
        let full_name = [contact.first_name.as_deref(), contact.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        NoviMember {
            name: (!full_name.is_empty()).then_some(full_name),
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            active: Some(true),
            ..NoviMember::default()
        }
    }
}

/// The member fields a core contact sets, for [`super::NoviClient::update_member`]. Only the
/// contact's present values are set: an absent value leaves Novi's as it is (to clear a field,
/// insert `Value::Null` under its name).
pub fn member_changes(contact: &Contact) -> Map<String, Value> {
    let mut changes = Map::new();
    let mut set = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            changes.insert(name.to_string(), Value::String(value.clone()));
        }
    };
    set("FirstName", &contact.first_name);
    set("LastName", &contact.last_name);
    set("Email", &contact.email);
    set("Phone", &contact.phone);
    changes
}

/// Which `ActivityType` values are tasks and which are notes (compared without case), and the
/// names new tasks and notes are written with. Activity types are tenant data: read them with
/// [`super::NoviClient::list_activity_types`] and resolve them with [`ActivityTypes::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityTypes {
    /// Names and slugs read as tasks; the first is written.
    pub task: Vec<String>,
    /// Names and slugs read as notes; the first is written.
    pub note: Vec<String>,
}

impl Default for ActivityTypes {
    /// The names of a tenant's built-in types, for tests and for reading before the tenant's
    /// list is known.
    fn default() -> Self {
        Self {
            task: vec!["Task".into()],
            note: vec!["Note".into()],
        }
    }
}

/// What a tenant's activity types lack for tasks and notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingActivityType {
    /// No active type has the `Task` flag.
    Task,
    /// No active, non-task type with the slug (or name) `note`.
    Note,
}

impl MissingActivityType {
    /// One sentence saying what to do in Novi.
    pub fn advice(self) -> &'static str {
        match self {
            Self::Task => {
                "Novi AMS has no active activity type marked as a task: add one (or mark one as \
                 a task) under Settings > Activity Types in Novi, then run doctor again."
            }
            Self::Note => {
                "Novi AMS has no active activity type with the slug \"note\": add a Note \
                 activity type under Settings > Activity Types in Novi, then run doctor again."
            }
        }
    }
}

impl ActivityTypes {
    /// The tenant's task types (active, `Task` flag; built-in ones first) and note type (the
    /// active non-task type with slug or name `note`). The source documents the flags, not
    /// which type is "the" note type: the slug `note` is our reading of Novi's built-in type.
    pub fn resolve(types: &[NoviActivityType]) -> Result<Self, MissingActivityType> {
        let task = names_of(types, MissingActivityType::Task);
        if task.is_empty() {
            return Err(MissingActivityType::Task);
        }
        let note = names_of(types, MissingActivityType::Note);
        if note.is_empty() {
            return Err(MissingActivityType::Note);
        }
        Ok(Self { task, note })
    }

    /// The tenant's types as they are, one kind possibly missing: activities of the kind
    /// the tenant has are still read and written (a sync skips the missing kind, which its
    /// doctor check names), and [`ActivityTypes::missing`] says what is lacking.
    pub fn resolve_available(types: &[NoviActivityType]) -> Self {
        Self {
            task: names_of(types, MissingActivityType::Task),
            note: names_of(types, MissingActivityType::Note),
        }
    }

    /// The kind of type the tenant lacks for `kind`, if it lacks it.
    pub fn missing(&self, kind: MissingActivityType) -> Option<MissingActivityType> {
        let names = match kind {
            MissingActivityType::Task => &self.task,
            MissingActivityType::Note => &self.note,
        };
        names.is_empty().then_some(kind)
    }

    /// The name `kind` (tasks or notes) is written as, or `None` when the tenant has no such
    /// type.
    pub fn resolve_one(types: &[NoviActivityType], kind: MissingActivityType) -> Option<String> {
        names_of(types, kind).into_iter().next()
    }

    /// The `ActivityType` new tasks are written with.
    pub fn task_name(&self) -> &str {
        self.task.first().map_or("Task", String::as_str)
    }

    /// The `ActivityType` new notes are written with.
    pub fn note_name(&self) -> &str {
        self.note.first().map_or("Note", String::as_str)
    }
}

/// The names and slugs of the tenant's active types of one kind, the one to write first.
fn names_of(types: &[NoviActivityType], kind: MissingActivityType) -> Vec<String> {
    let mut chosen: Vec<&NoviActivityType> = types
        .iter()
        .filter(|t| t.active != Some(false))
        .filter(|t| match kind {
            MissingActivityType::Task => t.task == Some(true),
            MissingActivityType::Note => {
                t.task != Some(true)
                    && [t.slug.as_deref(), t.name.as_deref()]
                        .into_iter()
                        .flatten()
                        .any(|n| n.trim().eq_ignore_ascii_case("note"))
            }
        })
        .collect();
    // Built-in first: it is the one written.
    chosen.sort_by_key(|t| t.system_type != Some(true));
    chosen
        .iter()
        .flat_map(|t| [t.name.clone(), t.slug.clone()])
        .flatten()
        .filter(|n| !n.trim().is_empty())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Task,
    Note,
    /// Calls, meetings, custom types: not synced as tasks or notes.
    Other,
}

impl NoviActivity {
    pub fn kind(&self, types: &ActivityTypes) -> ActivityKind {
        let Some(kind) = self.activity_type.as_deref().map(str::trim) else {
            return ActivityKind::Other;
        };
        let is = |names: &[String]| names.iter().any(|n| n.trim().eq_ignore_ascii_case(kind));
        if is(&types.task) {
            ActivityKind::Task
        } else if is(&types.note) {
            ActivityKind::Note
        } else {
            ActivityKind::Other
        }
    }

    fn record(&self) -> Result<(String, String), BridgeError> {
        let id = required("Novi activity", "UniqueID", self.unique_id.as_ref())?;
        Ok((id.to_string(), format!("Novi activity {id}")))
    }

    /// `contact_id` is the GHL contact the activity's member is linked to.
    pub fn to_task(&self, contact_id: &str) -> Result<Task, BridgeError> {
        let (id, record) = self.record()?;
        Ok(Task {
            id,
            contact_id: contact_id.to_string(),
            title: self.subject.clone().unwrap_or_default(),
            body: self.notes.clone().filter(|n| !n.is_empty()),
            due_date: time_field(&record, "Date", self.date.as_ref())?,
            completed: self.task_complete.unwrap_or(false),
        })
    }

    pub fn to_note(&self, contact_id: &str) -> Result<Note, BridgeError> {
        let (id, record) = self.record()?;
        let body = match (self.notes.as_deref(), self.subject.as_deref()) {
            (Some(notes), _) if !notes.trim().is_empty() => notes.to_string(),
            (_, Some(subject)) => subject.to_string(),
            _ => String::new(),
        };
        Ok(Note {
            id,
            contact_id: contact_id.to_string(),
            body,
            date_added: time_field(&record, "Date", self.date.as_ref())?,
        })
    }

    /// A new activity of type `activity_type` for member `member_id` from a core task.
    pub fn from_task(
        task: &Task,
        member_id: &str,
        activity_type: &str,
        now: DateTime<Utc>,
    ) -> NoviActivity {
        NoviActivity {
            member_unique_id: Some(member_id.to_string()),
            activity_type: Some(activity_type.to_string()),
            subject: Some(task.title.clone()),
            notes: task.body.clone(),
            date: Some(format_time(task.due_date.unwrap_or(now))),
            task_complete: Some(task.completed),
            task_completed_date: task.completed.then(|| format_time(now)),
            ..NoviActivity::default()
        }
    }

    /// A new activity from a core note: `Subject` is the note's first line (at most 100
    /// characters), `Notes` the whole body.
    pub fn from_note(
        note: &Note,
        member_id: &str,
        activity_type: &str,
        now: DateTime<Utc>,
    ) -> NoviActivity {
        NoviActivity {
            member_unique_id: Some(member_id.to_string()),
            activity_type: Some(activity_type.to_string()),
            subject: Some(note_subject(&note.body)),
            notes: Some(note.body.clone()),
            date: Some(format_time(note.date_added.unwrap_or(now))),
            ..NoviActivity::default()
        }
    }
}

fn note_subject(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(100)
        .collect()
}

/// Sets a task's fields into its activity object (for GET-merge-PUT). `TaskCompletedDate` is
/// stamped with `now` only when the activity was not complete yet, and cleared on reopen.
pub fn apply_task(object: &mut Map<String, Value>, task: &Task, now: DateTime<Utc>) {
    let was_complete = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("TaskComplete"))
        .and_then(|(_, v)| v.as_bool())
        .unwrap_or(false);
    let mut changes = Map::new();
    changes.insert("Subject".into(), Value::String(task.title.clone()));
    changes.insert(
        "Notes".into(),
        task.body.clone().map_or(Value::Null, Value::String),
    );
    if let Some(due) = task.due_date {
        changes.insert("Date".into(), Value::String(format_time(due)));
    }
    changes.insert("TaskComplete".into(), Value::Bool(task.completed));
    if task.completed && !was_complete {
        changes.insert("TaskCompletedDate".into(), Value::String(format_time(now)));
    } else if !task.completed {
        changes.insert("TaskCompletedDate".into(), Value::Null);
    }
    super::merge_fields(object, &changes);
}

/// Sets a note's body into its activity object (for GET-merge-PUT).
pub fn apply_note(object: &mut Map<String, Value>, note: &Note) {
    let mut changes = Map::new();
    changes.insert("Subject".into(), Value::String(note_subject(&note.body)));
    changes.insert("Notes".into(), Value::String(note.body.clone()));
    if let Some(date) = note.date_added {
        changes.insert("Date".into(), Value::String(format_time(date)));
    }
    super::merge_fields(object, &changes);
}

impl NoviEvent {
    /// `contact_id` is the GHL contact the event belongs to (Novi events are association
    /// events; the link to a contact is kept by the engine). `Active=false` reads as status
    /// "cancelled".
    pub fn to_core(&self, contact_id: &str) -> Result<Appointment, BridgeError> {
        let id = required("Novi event", "EventUniqueId", self.event_unique_id.as_ref())?;
        let record = format!("Novi event {id}");
        Ok(Appointment {
            id: id.to_string(),
            contact_id: contact_id.to_string(),
            calendar_id: None,
            title: self.name.clone(),
            status: (self.active == Some(false)).then(|| "cancelled".to_string()),
            start_time: time_field(&record, "StartDate", self.start_date.as_ref())?,
            end_time: time_field(&record, "EndDate", self.end_date.as_ref())?,
        })
    }

    /// A new event from a core appointment (times in UTC).
    pub fn from_core(appointment: &Appointment) -> NoviEvent {
        NoviEvent {
            name: appointment.title.clone(),
            start_date: appointment.start_time.map(format_time),
            end_date: appointment.end_time.map(format_time),
            active: Some(appointment.status.as_deref() != Some("cancelled")),
            ..NoviEvent::default()
        }
    }
}

/// Sets an appointment's title and times into its event object (for GET-merge-PUT).
pub fn apply_appointment(object: &mut Map<String, Value>, appointment: &Appointment) {
    let mut changes = Map::new();
    if let Some(title) = &appointment.title {
        changes.insert("Name".into(), Value::String(title.clone()));
    }
    if let Some(start) = appointment.start_time {
        changes.insert("StartDate".into(), Value::String(format_time(start)));
    }
    if let Some(end) = appointment.end_time {
        changes.insert("EndDate".into(), Value::String(format_time(end)));
    }
    // A cancelled appointment is an inactive event (as `from_core` creates it).
    changes.insert(
        "Active".into(),
        Value::Bool(appointment.status.as_deref() != Some("cancelled")),
    );
    super::merge_fields(object, &changes);
}
