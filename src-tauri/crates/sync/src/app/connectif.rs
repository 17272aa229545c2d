//! Connectif contacts as the app side of a pair, keyed by email both ways: changes come from
//! the contacts export (the whole account each time: Connectif has no date filter for
//! contacts exports), rows newer than the cursor are kept; writes are upserts by email
//! (`PATCH /contacts/{email}`), so repeating one after a lost answer is harmless. GHL tags go
//! into a checkbox custom field; GHL tasks, notes and appointments become custom events.
//!
//! The export's columns are tied to fields by the client; a field the plan needs whose column
//! the export lacks is read with `GET /contacts/{email}` for the rows that changed, never taken
//! as cleared. A checkbox holds option ids: GHL tags are written as the ids of the options
//! whose id or label is the tag; a tag without an option is named in the operation's refusal
//! after the rest of the contact was written.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridge_connectors::connectif::{
    ConnectifClient, ContactField, ContactPatch, ExportOptions, ExportedContact,
};
use bridge_connectors::http::RequestCounts;
use bridge_core::mapping::{Direction, FieldMapping, Mapping, ObjectKind, Owner, Transform};
use bridge_core::{json, normalize, BridgeError, ErrorCode};
use bridge_store::table::activities::Activity;
use bridge_store::table::connections::ConnectionRow;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::{Map, Value};

use super::{AppPage, AppRecord, AppSide};
use crate::apply::RecordWriter;
use crate::events::ActivityPush;
use crate::plan::Values;

/// Connectif's built-in contact fields a mapping can name (ContactPatch resource).
pub const CONNECTIF_FIELDS: &[&str] = &[
    "_email",
    "_name",
    "_surname",
    "_mobilePhone",
    "_birthdate",
    NEWSLETTER_STATUS,
    SMS_STATUS,
];

/// The email newsletter and SMS subscription statuses: "subscribed, unsubscribed or none (not
/// specified yet)" (api-docs.connectif.cloud resource ContactPatch; the same three values in
/// support.connectif.ai "Importing contacts"). GHL's do-not-disturb maps onto them through
/// the `dnd_subscription` transform.
pub const NEWSLETTER_STATUS: &str = "_newsletterSubscriptionStatus";
pub const SMS_STATUS: &str = "_smsSubscriptionStatus";
const STATUS_VALUES: &[&str] = &["subscribed", "unsubscribed", "none"];

/// Records per page handed to the engine (one transaction each).
const PAGE: usize = 500;

/// The custom event types (created by the operator in Connectif) GHL's activities go to.
pub const TASK_EVENT: &str = "ghl-task";
pub const NOTE_EVENT: &str = "ghl-note";
pub const APPOINTMENT_EVENT: &str = "ghl-appointment";

/// Email (GHL's wins), names and mobile both ways; GHL's tags into the checkbox field when
/// one is named.
pub fn default_connectif_mapping(tags_field: Option<&str>) -> Mapping {
    let line = |ghl: &str, app: &str, owner: Owner, transforms: Vec<Transform>| FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction: Direction::Both,
        owner,
        transforms,
    };
    let mut fields = vec![
        line(
            "email",
            "_email",
            Owner::Ghl,
            vec![Transform::Trim, Transform::Lower],
        ),
        line("firstName", "_name", Owner::Newest, vec![Transform::Trim]),
        line("lastName", "_surname", Owner::Newest, vec![Transform::Trim]),
        line(
            "phone",
            "_mobilePhone",
            Owner::Newest,
            vec![Transform::PhoneE164 {
                default_region: crate::pair::PHONE_REGION.into(),
            }],
        ),
    ];
    // One way, GHL → Connectif: the checkbox holds only the options made in Connectif, so
    // what it shows is not a change to carry back.
    if let Some(tags) = tags_field {
        fields.push(FieldMapping {
            direction: Direction::GhlToApp,
            owner: Owner::Ghl,
            ..line("tags", tags, Owner::Ghl, vec![])
        });
    }
    Mapping {
        object: ObjectKind::Contact,
        fields,
    }
}

pub struct ConnectifSide {
    connection: ConnectionRow,
    client: ConnectifClient,
    /// The checkbox custom field GHL tags go to (its values are lists).
    tags_field: Option<String>,
    first_poll: Duration,
    /// The account's contact fields, read once per sync (the checkbox's options).
    schema: tokio::sync::OnceCell<Vec<ContactField>>,
}

impl ConnectifSide {
    pub fn new(connection: ConnectionRow, client: ConnectifClient) -> Self {
        let tags_field = connection.settings["tagsField"]
            .as_str()
            .map(str::to_string);
        let first_poll = Duration::from_millis(
            connection.settings["exportPollMs"]
                .as_u64()
                .unwrap_or(2_000),
        );
        Self {
            connection,
            client,
            tags_field,
            first_poll,
            schema: tokio::sync::OnceCell::new(),
        }
    }

    async fn schema(&self) -> Result<&[ContactField], BridgeError> {
        self.schema
            .get_or_try_init(|| self.client.list_contact_fields())
            .await
            .map(Vec::as_slice)
    }

    /// The tags checkbox as the account has it: `None` when no tags field is mapped or the
    /// account has no field of that id.
    async fn tags_checkbox(&self) -> Result<Option<&ContactField>, BridgeError> {
        let Some(id) = &self.tags_field else {
            return Ok(None);
        };
        Ok(self.schema().await?.iter().find(|f| &f.id == id))
    }

    /// The fields the plan reads: the built-in ones a mapping can name and the tags field.
    fn needed(&self) -> impl Iterator<Item = &str> {
        CONNECTIF_FIELDS
            .iter()
            .copied()
            .chain(self.tags_field.as_deref())
    }

    /// One export row as a record; fields the export has no column for are read from
    /// `GET /contacts/{email}` (Connectif's documented read), so none looks cleared.
    async fn record(
        &self,
        row: ExportedContact,
        tags: Option<&ContactField>,
    ) -> Result<AppRecord, BridgeError> {
        let missing: Vec<String> = self
            .needed()
            .filter(|id| *id != "_email" && !row.fields.contains_key(*id))
            .map(str::to_string)
            .collect();
        let mut values: Map<String, Value> = Map::new();
        for (key, text) in row.fields {
            if text.is_empty() {
                continue;
            }
            let value = if Some(&key) == self.tags_field.as_ref() {
                // The export joins a checkbox's option ids with '|'.
                tag_names(tags, text.split('|').map(str::trim))
            } else {
                Value::String(text)
            };
            values.insert(key, value);
        }
        if !missing.is_empty() {
            if let Some(contact) = self.client.get_contact(&row.email).await? {
                let read = serde_json::to_value(&contact)
                    .map_err(|e| BridgeError::internal(format!("Connectif contact: {e}")))?;
                for id in &missing {
                    let value = match read.get(id) {
                        None | Some(Value::Null) => continue,
                        Some(ids @ Value::Array(_)) if Some(id) == self.tags_field.as_ref() => {
                            tag_names(tags, json::strings(ids))
                        }
                        Some(other) => other.clone(),
                    };
                    values.insert(id.clone(), value);
                }
            }
        }
        values.insert("_email".into(), Value::String(row.email.clone()));
        Ok(AppRecord {
            remote_id: row.email.trim().to_lowercase(),
            values,
            updated_at: row.updated_at.map(bridge_store::timestamp),
        })
    }

    /// The tags checkbox of `values` as a patch, and what about the tags it could not write
    /// (one sentence).
    async fn tags_patch(
        &self,
        values: &Values,
    ) -> Result<(ContactPatch, Option<String>), BridgeError> {
        let mut patch = ContactPatch::default();
        let (Some(field), Some(value)) = (
            self.tags_field.as_deref(),
            self.tags_field.as_ref().and_then(|id| values.get(id)),
        ) else {
            return Ok((patch, None));
        };
        let Some(checkbox) = self.tags_checkbox().await? else {
            return Ok((
                patch,
                Some(format!(
                    "field {field} does not exist in Connectif: create it as a checkbox field for GHL's tags (Contacts → Contact fields), or connect with another --tags-field"
                )),
            ));
        };
        let (mut ids, mut unknown) = (Vec::new(), Vec::new());
        for tag in json::strings(value) {
            match checkbox.option_for(tag) {
                Some(option) => ids.push(option.id.clone()),
                None => unknown.push(format!("'{tag}'")),
            }
        }
        patch.set_checkbox(field, &ids);
        let problem = (!unknown.is_empty()).then(|| {
            let many = unknown.len() > 1;
            format!(
                "field {field}: the checkbox has no option for the tag{} {}; add {} as option{} of {field} in Connectif (Contacts → Contact fields)",
                if many { "s" } else { "" },
                unknown.join(", "),
                if many { "them" } else { "it" },
                if many { "s" } else { "" },
            )
        });
        Ok((patch, problem))
    }

    /// Writes `values` to the contact `email`. Values it cannot write (tags without an
    /// option, a cleared mobile phone) are refused by name once the rest of the contact is
    /// written (the operation's dead letter says so).
    /// `creating`: a new contact, whose empty values are simply not sent.
    async fn write(&self, email: &str, values: &Values, creating: bool) -> Result<(), BridgeError> {
        let (mut patch, mut problems) = self.plain_patch(values, creating);
        let (tags, tag_problem) = self.tags_patch(values).await?;
        patch.custom.extend(tags.custom);
        problems.extend(tag_problem);
        self.client.upsert_contact(email, &patch).await?;
        if problems.is_empty() {
            return Ok(());
        }
        Err(BridgeError::invalid_input(format!(
            "Connectif contact {email}, {}; the contact's other fields were written",
            problems.join("; ")
        )))
    }

    /// Every field but the tags checkbox, and what it cannot send (one sentence each).
    fn plain_patch(&self, values: &Values, creating: bool) -> (ContactPatch, Vec<String>) {
        let text = |v: &Value| v.as_str().map(str::to_string);
        // A cleared text field is sent empty: a field left out keeps its value.
        let text_or_clear = |v: &Value| Some(text(v).unwrap_or_default());
        let mut patch = ContactPatch::default();
        let mut problems = Vec::new();
        for (field, value) in values {
            match field.as_str() {
                "_email" => {}
                "_name" => patch.name = text_or_clear(value),
                "_surname" => patch.surname = text_or_clear(value),
                // The field takes a number "in international format" (ContactPatch), and phone
                // fields cannot be empty ("Importing contacts"): Connectif documents no way to
                // empty one, so a cleared phone is left as it is and named.
                "_mobilePhone" => match text(value).filter(|p| !p.trim().is_empty()) {
                    Some(phone) => patch.mobile_phone = Some(phone),
                    None if creating => {}
                    None => problems.push(
                        "field _mobilePhone: Connectif's API cannot empty a mobile phone (it takes only a number in international format); clear it in Connectif if it should go".to_string(),
                    ),
                },
                "_birthdate" => patch.birthdate = text(value),
                NEWSLETTER_STATUS | SMS_STATUS => match text(value) {
                    // No status known: nothing to write ("none" is Connectif's "not specified").
                    None => {}
                    Some(status) if STATUS_VALUES.contains(&status.as_str()) => {
                        if field == NEWSLETTER_STATUS {
                            patch.newsletter_subscription_status = Some(status);
                        } else {
                            patch.sms_subscription_status = Some(status);
                        }
                    }
                    Some(other) => problems.push(format!(
                        "field {field}: '{other}' is not a Connectif subscription status ({})",
                        STATUS_VALUES.join(", ")
                    )),
                },
                other if Some(other) == self.tags_field.as_deref() => {}
                other => {
                    patch.custom.insert(other.to_string(), value.clone());
                }
            }
        }
        (patch, problems)
    }
}

impl AppSide for ConnectifSide {
    fn connection(&self) -> &ConnectionRow {
        &self.connection
    }

    fn counts(&self) -> RequestCounts {
        self.client.http().counts()
    }

    fn changes(&self, cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>> {
        let saved = cursor
            .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
            .map(|t| t.with_timezone(&Utc));
        // The cursor is the newest `_updatedAt` Connectif reported (its clock), less a
        // margin for changes stored in the same second; the content hash drops repeats.
        let since = saved.map(|t| t - chrono::Duration::seconds(10));
        let newest: Arc<Mutex<Option<DateTime<Utc>>>> = Arc::new(Mutex::new(saved));
        let ceiling = super::cursor_ceiling();
        let options = ExportOptions {
            first_poll: self.first_poll,
            ..ExportOptions::default()
        };
        self.client
            .export_contacts(since, options)
            .chunks(PAGE)
            .then(move |rows| {
                let newest = newest.clone();
                async move {
                    let tags = self.tags_checkbox().await?;
                    let mut records = Vec::with_capacity(rows.len());
                    let mut stamps = Vec::with_capacity(rows.len());
                    for row in rows {
                        let row = row?;
                        stamps.push(row.updated_at);
                        records.push(self.record(row, tags).await?);
                    }
                    let mut newest = newest.lock().map_err(|_| {
                        BridgeError::internal("the Connectif cursor lock was poisoned")
                    })?;
                    for stamp in stamps {
                        *newest = (*newest).max(stamp);
                    }
                    Ok(AppPage {
                        records,
                        cursor: newest.map(|t| bridge_store::timestamp(t.min(ceiling))),
                    })
                }
            })
            .boxed()
    }

    /// The tags checkbox's options (by id or label, as [`Self::tags_patch`] finds them): a GHL
    /// tag without one holds back that contact's tags line alone, as a listed problem, instead
    /// of a dead letter on every write of the contact.
    fn field_options(&self) -> BoxFuture<'_, Result<crate::plan::FieldOptions, BridgeError>> {
        Box::pin(async move {
            let mut by_field = BTreeMap::new();
            if let Some(checkbox) = self.tags_checkbox().await? {
                let names = checkbox
                    .options
                    .iter()
                    .flat_map(|o| [o.id.clone(), o.label.clone()])
                    .collect();
                by_field.insert(checkbox.id.clone(), names);
            }
            Ok(crate::plan::FieldOptions {
                system: "Connectif".into(),
                by_field,
                loose: true,
            })
        })
    }

    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>> {
        Box::pin(async move {
            let mut fields: Vec<String> = CONNECTIF_FIELDS.iter().map(|f| f.to_string()).collect();
            fields.extend(self.tags_field.clone());
            Ok(fields)
        })
    }

    fn activity_push(&self) -> Option<&dyn ActivityPush> {
        Some(self)
    }

    fn engagements(&self) -> Option<&dyn super::Engagements> {
        Some(self)
    }
}

impl super::Engagements for ConnectifSide {
    fn engagements<'a>(
        &'a self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        kinds: &'a [String],
    ) -> BoxFuture<'a, Result<bridge_connectors::connectif::ActivityExport, BridgeError>> {
        Box::pin(async move {
            let options = ExportOptions {
                first_poll: self.first_poll,
                ..ExportOptions::default()
            };
            self.client
                .export_activities(from, to, kinds, &options)
                .await
        })
    }

    fn max_range(&self) -> chrono::Duration {
        bridge_connectors::connectif::MAX_ACTIVITY_RANGE
    }
}

/// A checkbox's option ids as GHL tag names: each option's label (its id when it has none,
/// or the value itself when the checkbox has no such option).
fn tag_names<'a>(checkbox: Option<&ContactField>, ids: impl Iterator<Item = &'a str>) -> Value {
    ids.filter(|id| !id.is_empty())
        .map(|id| {
            let option = checkbox.and_then(|c| c.options.iter().find(|o| o.id == id));
            let name = option
                .map(|o| if o.label.is_empty() { &o.id } else { &o.label })
                .map_or(id, String::as_str);
            Value::String(name.to_string())
        })
        .collect()
}

fn email_of(values: &Values) -> Result<String, BridgeError> {
    values
        .get("_email")
        .and_then(Value::as_str)
        .and_then(normalize::email)
        .ok_or_else(|| {
            BridgeError::invalid_input(
                "a Connectif contact is keyed by its email: this contact has none (field _email)",
            )
        })
}

impl RecordWriter for ConnectifSide {
    fn system(&self) -> &str {
        "Connectif"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let email = email_of(values)?;
            self.write(&email, values, true).await?;
            Ok(email)
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            // Connectif keys a contact by its email: a new email is another contact there.
            if let Some(email) = changes.get("_email") {
                let same = email.as_str().and_then(normalize::email).as_deref() == Some(remote_id);
                if !same {
                    return Err(BridgeError::invalid_input(format!(
                        "Connectif contact {remote_id}, field _email: Connectif keys contacts by email and cannot change it to {email}; change it in Connectif (or map email one way, Connectif → GHL)"
                    )));
                }
            }
            self.write(remote_id, changes, false).await
        })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            let email = email_of(values)?;
            Ok(self.client.get_contact(&email).await?.map(|_| email))
        })
    }
}

impl ActivityPush for ConnectifSide {
    fn system(&self) -> &str {
        "Connectif"
    }

    fn push<'a>(
        &'a self,
        email: &'a str,
        activity: &'a Activity,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            let text = |s: &str| Value::String(s.to_string());
            let optional = |s: &Option<String>| s.as_deref().map_or(Value::Null, text);
            let (alias, fields): (&str, BTreeMap<&str, Value>) = match activity.kind.as_str() {
                "task" => (
                    TASK_EVENT,
                    [
                        ("email", text(email)),
                        ("title", text(&activity.title)),
                        ("body", text(&activity.body)),
                        ("dueDate", optional(&activity.starts_at)),
                        (
                            "completed",
                            Value::Bool(activity.completed.unwrap_or(false)),
                        ),
                    ]
                    .into(),
                ),
                "note" => (
                    NOTE_EVENT,
                    [
                        ("email", text(email)),
                        ("title", text(&activity.title)),
                        ("body", text(&activity.body)),
                        ("occurredAt", optional(&activity.starts_at)),
                    ]
                    .into(),
                ),
                "appointment" => (
                    APPOINTMENT_EVENT,
                    [
                        ("email", text(email)),
                        ("title", text(&activity.title)),
                        ("start", optional(&activity.starts_at)),
                        ("end", optional(&activity.ends_at)),
                        ("status", optional(&activity.status)),
                    ]
                    .into(),
                ),
                other => {
                    return Err(BridgeError::new(
                        ErrorCode::InvalidInput,
                        format!("no Connectif event carries a GHL {other}"),
                    ))
                }
            };
            let fields: Map<String, Value> = fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            self.client.send_custom_event(alias, false, &fields).await?;
            Ok(())
        })
    }
}
