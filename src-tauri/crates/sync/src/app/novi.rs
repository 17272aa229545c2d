//! Novi AMS members as the app side of a pair: people (`CustomerType` `Person`, not companies),
//! inactive ones too (`Active=false` is a lapsed member, still the same person: linked, never
//! doubled by a new member beside it); the change scan filters on `lastModifiedDate` against the members'
//! `LastUpdatedDate`, and updates GET, merge and PUT (Novi's PUT replaces the whole member).
//! Tasks and notes are activities whose types are the tenant's own (`/api/custom-activity-types`).

use std::sync::{Arc, Mutex};

use bridge_connectors::http::RequestCounts;
use bridge_connectors::novi::convert::{
    parse_time, ActivityKind, ActivityTypes, MissingActivityType,
};
use bridge_connectors::novi::wire::NoviMember;
use bridge_connectors::novi::NoviActivityType;
use bridge_connectors::novi::{ActivityQuery, MemberQuery, NoviActivity, NoviClient, NoviEvent};
use bridge_core::mapping::{Direction, FieldMapping, Mapping, ObjectKind, Owner, Transform};
use bridge_core::{normalize, Appointment, BridgeError, ErrorCode, Note, Task};
use bridge_store::table::connections::ConnectionRow;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use super::{AppPage, AppRecord, AppSide};
use crate::apply::RecordWriter;
use crate::children::{child_time, AppChild, AppChildren, ChildKind, ChildRules, ChildValues};
use crate::plan::Values;

/// The member fields of Novi AMS a contact mapping can name.
pub const NOVI_MEMBER_FIELDS: &[&str] = &[
    "Email",
    "FirstName",
    "LastName",
    "Name",
    "Phone",
    "Mobile",
    "JobTitle",
    "MemberStatus",
    "Notes",
];

/// Novi stamps `LastUpdatedDate` when it stores a change; a scan starts a little before the
/// newest one seen, so a change stored in the same second is not missed (the hash drops
/// what was seen already).
const CURSOR_OVERLAP_SECONDS: i64 = 10;

/// Names, email and phone both ways; GHL's email wins a conflict (it is the match key), the
/// newest change wins elsewhere.
pub fn default_novi_mapping() -> Mapping {
    let line = |ghl: &str, app: &str, owner: Owner, transforms: Vec<Transform>| FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction: Direction::Both,
        owner,
        transforms,
    };
    Mapping {
        object: ObjectKind::Contact,
        fields: vec![
            line(
                "email",
                "Email",
                Owner::Ghl,
                vec![Transform::Trim, Transform::Lower],
            ),
            line(
                "firstName",
                "FirstName",
                Owner::Newest,
                vec![Transform::Trim],
            ),
            line("lastName", "LastName", Owner::Newest, vec![Transform::Trim]),
            line(
                "phone",
                "Phone",
                Owner::Newest,
                vec![Transform::PhoneE164 {
                    default_region: crate::pair::PHONE_REGION.into(),
                }],
            ),
        ],
    }
}

pub struct NoviSide {
    connection: ConnectionRow,
    client: NoviClient,
    /// The tenant's task and note types, read once when activities are first needed.
    types: tokio::sync::OnceCell<ActivityTypes>,
}

impl NoviSide {
    pub fn new(connection: ConnectionRow, client: NoviClient) -> Self {
        Self {
            connection,
            client,
            types: tokio::sync::OnceCell::new(),
        }
    }

    pub fn client(&self) -> &NoviClient {
        &self.client
    }

    async fn activity_types(&self) -> Result<&ActivityTypes, BridgeError> {
        self.types
            .get_or_try_init(|| async {
                let types: Vec<NoviActivityType> = self.client.list_activity_types().await?;
                // One kind missing does not stop the other: its writes are refused below
                // with the advice, and a sync whose doctor check failed skips that kind.
                Ok::<_, BridgeError>(ActivityTypes::resolve_available(&types))
            })
            .await
    }
}

/// A write of `kind` to a tenant without a type for it is refused, saying what to add.
fn lacks(types: &ActivityTypes, kind: MissingActivityType) -> Result<(), BridgeError> {
    match types.missing(kind) {
        Some(missing) => Err(BridgeError::invalid_input(missing.advice())),
        None => Ok(()),
    }
}

/// When the member last changed: `LastUpdatedDate` (documented; tenant-local with an offset),
/// else `LastModifiedDate` (older payloads).
fn modified_at(member: &NoviMember) -> Option<DateTime<Utc>> {
    ["LastUpdatedDate", "LastModifiedDate"]
        .iter()
        .find_map(|name| member.other.get(*name).and_then(Value::as_str))
        .and_then(parse_time)
}

/// Companies are `CustomerType: Company`; without the field, a member with no person name.
fn is_company(member: &NoviMember) -> bool {
    match member.other.get("CustomerType").and_then(Value::as_str) {
        Some(kind) => kind.trim().eq_ignore_ascii_case("Company"),
        None => member.first_name.is_none() && member.last_name.is_none(),
    }
}

/// A member as a record, or `None` for what is not a contact to sync (companies). An inactive
/// member is a record like any other: the same person, matched and linked; whether a sync
/// reactivates it is the pair's [`REACTIVATE_INACTIVE`] switch.
fn to_record(member: &NoviMember) -> Result<Option<AppRecord>, BridgeError> {
    let remote_id = member.unique_id.clone().ok_or_else(|| {
        BridgeError::new(
            ErrorCode::Remote,
            format!(
                "Novi AMS returned a member without UniqueID (name: {})",
                member.name.as_deref().unwrap_or("none")
            ),
        )
    })?;
    if is_company(member) {
        return Ok(None);
    }
    let values: Map<String, Value> = match serde_json::to_value(member) {
        Ok(Value::Object(object)) => object.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    };
    Ok(Some(AppRecord {
        remote_id,
        values,
        updated_at: modified_at(member).map(bridge_store::timestamp),
    }))
}

impl AppSide for NoviSide {
    fn connection(&self) -> &ConnectionRow {
        &self.connection
    }

    fn counts(&self) -> RequestCounts {
        self.client.http().counts()
    }

    fn changes(&self, cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>> {
        let saved = cursor
            .and_then(|saved| DateTime::parse_from_rfc3339(&saved).ok())
            .map(|t| t.with_timezone(&Utc));
        let since = saved.map(|t| t - chrono::Duration::seconds(CURSOR_OVERLAP_SECONDS));
        // The cursor is the newest LastUpdatedDate Novi reported: its clock, not ours.
        let newest: Arc<Mutex<Option<DateTime<Utc>>>> = Arc::new(Mutex::new(saved));
        let ceiling = super::cursor_ceiling();
        self.client
            .list_members(MemberQuery {
                modified_since: since,
                page_size: 100,
            })
            .map(move |page| {
                let page = page?;
                let mut records = Vec::with_capacity(page.items.len());
                let mut newest = newest
                    .lock()
                    .map_err(|_| BridgeError::internal("the Novi AMS cursor lock was poisoned"))?;
                for member in &page.items {
                    *newest = (*newest).max(modified_at(member));
                    records.extend(to_record(member)?);
                }
                Ok(AppPage {
                    records,
                    cursor: newest.map(|t| bridge_store::timestamp(t.min(ceiling))),
                })
            })
            .boxed()
    }

    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>> {
        Box::pin(async { Ok(NOVI_MEMBER_FIELDS.iter().map(|f| f.to_string()).collect()) })
    }

    fn children(&self) -> Option<&dyn AppChildren> {
        Some(self)
    }

    fn tag_sets(&self) -> Option<&dyn super::TagSets> {
        Some(self)
    }
}

impl super::TagSets for NoviSide {
    /// Committee seats ↔ the GHL tags of the tag groups rule's table, when the rule is on.
    fn merge_tags<'a>(
        &'a self,
        store: &'a mut bridge_store::Store,
        run: super::TagRun<'a>,
    ) -> BoxFuture<'a, Result<Option<crate::nifty::LabelReport>, BridgeError>> {
        Box::pin(async move {
            let Some(table) = crate::rules::tag_groups_table(store, run.app)? else {
                return Ok(None);
            };
            crate::rules::CommitteeSync {
                ghl: run.ghl,
                ghl_connection: run.ghl_connection,
                novi: &self.client,
                app: run.app,
                run_id: run.run_id,
                clock: run.clock,
                breaker: run.breaker,
                table: &table,
            }
            .run(store)
            .await
            .map(Some)
        })
    }
}

/// An activity as a task or note of its member; `None` for other activity types (calls,
/// meetings) and activities of no member.
fn to_child(
    activity: &NoviActivity,
    types: &ActivityTypes,
) -> Result<Option<AppChild>, BridgeError> {
    let (Some(id), Some(member)) = (&activity.unique_id, &activity.member_unique_id) else {
        return Ok(None);
    };
    let (kind, values) = match activity.kind(types) {
        ActivityKind::Task => {
            let task = activity.to_task("")?;
            (
                ChildKind::Task,
                ChildValues {
                    title: task.title.trim().to_string(),
                    body: task.body.unwrap_or_default().trim().to_string(),
                    due: task.due_date.map(child_time),
                    completed: task.completed,
                    end: None,
                    status: None,
                },
            )
        }
        ActivityKind::Note => {
            let note = activity.to_note("")?;
            (
                ChildKind::Note,
                ChildValues {
                    title: note
                        .body
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                    body: note.body.trim().to_string(),
                    due: None,
                    completed: false,
                    end: None,
                    status: None,
                },
            )
        }
        ActivityKind::Other => return Ok(None),
    };
    Ok(Some(AppChild {
        kind,
        remote_id: id.clone(),
        parent_remote_id: member.clone(),
        values,
    }))
}

fn core_task(values: &ChildValues) -> Task {
    Task {
        id: String::new(),
        contact_id: String::new(),
        title: values.title.clone(),
        body: (!values.body.is_empty()).then(|| values.body.clone()),
        due_date: values
            .due
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        completed: values.completed,
    }
}

fn instant(text: &Option<String>) -> Option<DateTime<Utc>> {
    text.as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn core_appointment(values: &ChildValues) -> Appointment {
    Appointment {
        id: String::new(),
        contact_id: String::new(),
        calendar_id: None,
        title: Some(values.title.clone()),
        status: values.status.clone(),
        start_time: instant(&values.due),
        end_time: instant(&values.end),
    }
}

fn core_note(values: &ChildValues) -> Note {
    Note {
        id: String::new(),
        contact_id: String::new(),
        body: values.body.clone(),
        date_added: None,
    }
}

impl AppChildren for NoviSide {
    fn system(&self) -> &str {
        "Novi AMS"
    }

    /// Appointments become association events.
    fn rules(&self) -> ChildRules {
        ChildRules {
            appointments: true,
            ..ChildRules::default()
        }
    }

    /// Tasks and notes are activities: one DELETE each (an event is not deleted from here).
    fn delete<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task | ChildKind::Note => self.client.delete_activity(remote_id).await,
                ChildKind::Appointment => Err(BridgeError::invalid_input(format!(
                    "Novi AMS event {remote_id}: appointments go one way, GHL → Novi AMS"
                ))),
            }
        })
    }

    /// Novi's activity list filters on the activity's own date, not on when it changed, so
    /// every scan reads them all (pages of 1,000) and the content hash keeps what changed.
    fn scan(&self) -> BoxStream<'_, Result<Vec<AppChild>, BridgeError>> {
        // The tenant's types first: they say which activities are tasks and notes.
        futures::stream::once(self.activity_types())
            .map_ok(move |types| {
                self.client
                    .list_activities(ActivityQuery {
                        page_size: 1000,
                        ..ActivityQuery::default()
                    })
                    .map(move |page| {
                        let mut children = Vec::new();
                        for activity in &page?.items {
                            children.extend(to_child(activity, types)?);
                        }
                        Ok(children)
                    })
            })
            .try_flatten()
            .boxed()
    }

    fn create<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let now = Utc::now();
            let activity = match kind {
                ChildKind::Task => {
                    let types = self.activity_types().await?;
                    lacks(types, MissingActivityType::Task)?;
                    let task_type = types.task_name();
                    NoviActivity::from_task(&core_task(values), parent, task_type, now)
                }
                ChildKind::Note => {
                    let types = self.activity_types().await?;
                    lacks(types, MissingActivityType::Note)?;
                    let note_type = types.note_name();
                    NoviActivity::from_note(&core_note(values), parent, note_type, now)
                }
                // Novi events belong to the association: the appointment becomes one.
                ChildKind::Appointment => {
                    let created = self
                        .client
                        .create_event(&NoviEvent::from_core(&core_appointment(values)))
                        .await?;
                    return created.event_unique_id.ok_or_else(|| {
                        BridgeError::new(
                            ErrorCode::Remote,
                            "Novi AMS created an event without EventUniqueId",
                        )
                    });
                }
            };
            self.client.create_activity(&activity).await
        })
    }

    fn update<'a>(
        &'a self,
        kind: ChildKind,
        remote_id: &'a str,
        values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            match kind {
                ChildKind::Task => {
                    self.client
                        .update_task_activity(remote_id, &core_task(values), Utc::now())
                        .await?;
                }
                ChildKind::Note => {
                    self.client
                        .update_note_activity(remote_id, &core_note(values))
                        .await?;
                }
                ChildKind::Appointment => {
                    self.client
                        .update_event_from_appointment(remote_id, &core_appointment(values))
                        .await?;
                }
            }
            Ok(())
        })
    }

    fn find<'a>(
        &'a self,
        kind: ChildKind,
        parent: &'a str,
        values: &'a ChildValues,
        linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            if kind == ChildKind::Appointment {
                // Events are not the member's: find the one with this name and start.
                let start = instant(&values.due);
                return Ok(self
                    .client
                    .list_events()
                    .await?
                    .into_iter()
                    .filter(|e| {
                        e.event_unique_id
                            .as_ref()
                            .is_none_or(|id| !linked.contains(id))
                    })
                    .find(|e| {
                        e.name.as_deref() == Some(values.title.as_str())
                            && e.start_date.as_deref().and_then(parse_time) == start
                    })
                    .and_then(|e| e.event_unique_id));
            }
            let wanted = values.hash(kind);
            let pages = AppChildren::scan(self);
            futures::pin_mut!(pages);
            while let Some(page) = pages.try_next().await? {
                if let Some(found) = page.into_iter().find(|c| {
                    c.kind == kind
                        && c.parent_remote_id == parent
                        && c.values.hash(kind) == wanted
                        && !linked.contains(&c.remote_id)
                }) {
                    return Ok(Some(found.remote_id));
                }
            }
            Ok(None)
        })
    }
}

/// The pair setting (app connection settings, default off): a sync that writes to an inactive
/// member makes it active again.
pub const REACTIVATE_INACTIVE: &str = "reactivateInactive";

impl NoviSide {
    fn reactivates(&self) -> bool {
        self.connection
            .settings
            .get(REACTIVATE_INACTIVE)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

impl RecordWriter for NoviSide {
    fn system(&self) -> &str {
        "Novi AMS"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let mut object: Map<String, Value> = values.clone().into_iter().collect();
            object.insert("Active".into(), Value::Bool(true));
            // Novi requires a display name on create.
            if !object.contains_key("Name") {
                let name = ["FirstName", "LastName"]
                    .iter()
                    .filter_map(|f| object.get(*f).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                let name = if name.is_empty() {
                    object
                        .get("Email")
                        .and_then(Value::as_str)
                        .unwrap_or("Contact")
                        .to_string()
                } else {
                    name
                };
                object.insert("Name".into(), Value::String(name));
            }
            let member: NoviMember = serde_json::from_value(Value::Object(object))
                .map_err(|e| BridgeError::invalid_input(format!("Novi AMS member: {e}")))?;
            let created = self.client.create_member(&member).await?;
            created.unique_id.ok_or_else(|| {
                BridgeError::new(
                    ErrorCode::Remote,
                    "Novi AMS created a member without UniqueID",
                )
            })
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            let mut changes: Map<String, Value> = changes.clone().into_iter().collect();
            // Novi's PUT keeps the member's Active as it is unless the pair reactivates.
            if self.reactivates() {
                changes.insert("Active".into(), Value::Bool(true));
            }
            self.client.update_member(remote_id, &changes).await?;
            Ok(())
        })
    }

    /// Novi AMS documents no DELETE of a member; its reference says to set `Active=false`
    /// (shared/reference/target-apps.md, "Novi AMS": "no DELETE (set Active=false)", by the
    /// whole-object PUT, which writes `Active`): the member is deactivated, not erased.
    fn delete<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            self.client.deactivate_member(remote_id).await?;
            Ok(())
        })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            // Novi has no email search: scan the members changed in the last hour.
            let Some(email) = values
                .get("Email")
                .and_then(Value::as_str)
                .and_then(normalize::email)
            else {
                return Ok(None);
            };
            let since = Utc::now() - chrono::Duration::hours(1);
            let pages = self.client.list_members(MemberQuery {
                modified_since: Some(since),
                page_size: 100,
            });
            futures::pin_mut!(pages);
            while let Some(page) = pages.try_next().await? {
                if let Some(found) = page.items.iter().find(|m| {
                    m.email.as_deref().and_then(normalize::email).as_deref() == Some(email.as_str())
                }) {
                    return Ok(found.unique_id.clone());
                }
            }
            Ok(None)
        })
    }
}
