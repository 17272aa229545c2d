//! A Ninox table (v3 or v4) as the app side of a pair: each row is a contact. v3 scans changes
//! since the saved sync sequence; v4 has no change feed, so every scan reads the table and the
//! content hash keeps only what changed. Tags go into a multi-choice field and the next GHL
//! appointment into an appointment field, by mapping.

use bridge_connectors::http::RequestCounts;
use bridge_connectors::ninox::{
    AppointmentValue, FieldKind, FieldMap, NinoxCursor, NinoxField, NinoxRecord, NinoxTable,
    WRITE_BATCH, WRITE_BATCH_BYTES,
};
use bridge_core::mapping::{Direction, FieldMapping, Mapping, ObjectKind, Owner, Transform};
use bridge_core::{json, BridgeError};
use bridge_store::table::connections::ConnectionRow;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use super::{AppPage, AppRecord, AppSide};
use crate::apply::{BatchAnswer, RecordWriter};
use crate::plan::Values;

/// GHL's side of the default lines, with the Ninox field names they look for (v3 captions,
/// then v4 names).
const DEFAULT_LINES: &[(&str, &[&str])] = &[
    ("email", &["Email", "email", "E-mail"]),
    ("firstName", &["First name", "first_name", "First Name"]),
    ("lastName", &["Last name", "last_name", "Last Name"]),
    ("phone", &["Phone", "phone"]),
    ("tags", &["Tags", "tags"]),
    ("nextAppointment", &["Next appointment", "next_appointment"]),
];

fn default_line(ghl: &str, app: &str) -> FieldMapping {
    let (direction, owner, transforms) = match ghl {
        "email" => (
            Direction::Both,
            Owner::Ghl,
            vec![Transform::Trim, Transform::Lower],
        ),
        "phone" => (
            Direction::Both,
            Owner::Newest,
            vec![Transform::PhoneE164 {
                default_region: crate::pair::PHONE_REGION.into(),
            }],
        ),
        // Appointments are GHL's: the field shows the next one.
        "nextAppointment" => (Direction::GhlToApp, Owner::Ghl, vec![]),
        "tags" => (Direction::Both, Owner::Newest, vec![]),
        _ => (Direction::Both, Owner::Newest, vec![Transform::Trim]),
    };
    FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction,
        owner,
        transforms,
    }
}

/// The default for a table with the given fields: each of GHL's standard fields mapped to the
/// table's field of that name, where there is one.
pub fn ninox_mapping_for(fields: &[String]) -> Mapping {
    Mapping {
        object: ObjectKind::Contact,
        fields: DEFAULT_LINES
            .iter()
            .filter_map(|(ghl, names)| {
                names
                    .iter()
                    .find(|name| fields.iter().any(|f| f == *name))
                    .map(|app| default_line(ghl, app))
            })
            .collect(),
    }
}

/// The default before the table's fields are known: the v3 captions.
pub fn default_ninox_mapping() -> Mapping {
    let fields: Vec<String> = DEFAULT_LINES
        .iter()
        .map(|(_, names)| names[0].to_string())
        .collect();
    ninox_mapping_for(&fields)
}

pub struct NinoxSide {
    connection: ConnectionRow,
    table: NinoxTable,
    /// The table's fields, read once when a write first needs them.
    schema: tokio::sync::OnceCell<Vec<NinoxField>>,
}

impl NinoxSide {
    pub fn new(connection: ConnectionRow, table: NinoxTable) -> Self {
        Self {
            connection,
            table,
            schema: tokio::sync::OnceCell::new(),
        }
    }

    async fn schema(&self) -> Result<&[NinoxField], BridgeError> {
        Ok(self.schema.get_or_try_init(|| self.table.fields()).await?)
    }

    /// The values as the table takes them: choices named as its options are (Ninox compares
    /// them exactly; GHL keeps tags lowercase), appointments in the API's own form. A value
    /// that is no option was held back by the plan ([`AppSide::field_options`]); one that
    /// still meets this (an option taken away since the schema was read) is refused with the
    /// field and the values named, before anything is sent.
    async fn fit(&self, values: &Values, record: &str) -> Result<FieldMap, BridgeError> {
        let schema = self.schema().await?;
        let mut fields = FieldMap::new();
        for (name, value) in values {
            if is_appointment(schema, name) && self.table.is_classic() {
                let value = match AppointmentValue::from_value(name, value) {
                    Ok(Some(range)) => range.to_v3_value(),
                    Ok(None) => Value::Null,
                    Err(e) => {
                        return Err(BridgeError::invalid_input(format!(
                            "Ninox record {record}: {}",
                            e.message
                        )))
                    }
                };
                fields.insert(name.clone(), value);
                continue;
            }
            // Options are known from the v4 field list; where the API does not give them
            // (v3's table read), the values go as they are and Ninox judges them.
            let choice = schema.iter().find(|f| {
                &f.name == name && matches!(f.kind, FieldKind::MultiChoice) && !f.options.is_empty()
            });
            let value = match (choice, value) {
                (Some(field), items @ Value::Array(_)) => {
                    let mut chosen = Vec::new();
                    let mut unknown = Vec::new();
                    for item in json::strings(items) {
                        match field.options.iter().find(|o| o.eq_ignore_ascii_case(item)) {
                            Some(option) => chosen.push(Value::String(option.clone())),
                            None => unknown.push(item.to_string()),
                        }
                    }
                    if !unknown.is_empty() {
                        return Err(BridgeError::invalid_input(format!(
                            "Ninox record {record}, field {name}: {} not among the field's options; add them in Ninox",
                            unknown.join(", ")
                        )));
                    }
                    Value::Array(chosen)
                }
                _ => value.clone(),
            };
            fields.insert(name.clone(), value);
        }
        Ok(fields)
    }
}

fn is_appointment(schema: &[NinoxField], name: &str) -> bool {
    schema
        .iter()
        .any(|f| f.name == name && f.kind == FieldKind::Appointment)
}

/// A record as the engine compares it: appointments in one form (v4's `[start,end)`, the
/// form GHL's next appointment takes), whichever API sent them. What cannot be read is
/// logged naming the record and the field, and kept as sent.
fn to_record(mut record: NinoxRecord, schema: &[NinoxField]) -> AppRecord {
    for (name, value) in record.fields.iter_mut() {
        if !is_appointment(schema, name) {
            continue;
        }
        match AppointmentValue::from_value(name, value) {
            Ok(Some(range)) => *value = range.to_value(),
            Ok(None) => {}
            Err(e) => record
                .problems
                .push(format!("Ninox record {}: {}", record.id, e.message)),
        }
    }
    for problem in &record.problems {
        tracing::warn!("{problem}");
    }
    AppRecord {
        remote_id: record.id,
        values: record
            .fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
        updated_at: record.modified_at.map(bridge_store::timestamp),
    }
}

/// How often a v3 pair reads its whole table instead of the changes since its sequence:
/// deletes leave no trace in a `sinceSq` scan, so only a complete scan sees them. Its cost is
/// one read of every record (the table's size ÷ the page size in requests) a day.
pub const V3_COMPLETE_SCAN_EVERY: chrono::Duration = chrono::Duration::hours(24);

/// A v3 pair's stored cursor: `"{sinceSq}@{last complete scan, RFC 3339}"`. A cursor saved
/// before complete scans were stamped (`"{sinceSq}"`) reads as one whose scan is due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ScanCursor {
    since: Option<u64>,
    full_scan_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ScanCursor {
    fn parse(cursor: Option<&str>) -> Self {
        let Some(cursor) = cursor else {
            return Self::default();
        };
        let (since, at) = cursor.split_once('@').unwrap_or((cursor, ""));
        Self {
            since: since.trim().parse().ok(),
            full_scan_at: chrono::DateTime::parse_from_rfc3339(at.trim())
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc)),
        }
    }

    /// Whether the next scan reads the whole table: no sequence yet, or no complete scan in
    /// the last [`V3_COMPLETE_SCAN_EVERY`].
    fn complete_due(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.since.is_none()
            || self
                .full_scan_at
                .is_none_or(|at| now - at >= V3_COMPLETE_SCAN_EVERY)
    }
}

impl std::fmt::Display for ScanCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(since) = self.since {
            write!(f, "{since}")?;
        }
        if let Some(at) = self.full_scan_at {
            write!(
                f,
                "@{}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )?;
        }
        Ok(())
    }
}

impl AppSide for NinoxSide {
    fn connection(&self) -> &ConnectionRow {
        &self.connection
    }

    fn counts(&self) -> RequestCounts {
        self.table.http().counts()
    }

    fn changes(&self, cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>> {
        // A v3 cursor is the sync sequence and when the last complete scan ran; v4 has none
        // and always reads the whole table.
        let saved = ScanCursor::parse(cursor.as_deref());
        let now = chrono::Utc::now();
        let complete = saved.complete_due(now);
        let since = (!complete).then_some(saved.since).flatten();
        let full_scan_at = if complete {
            Some(now)
        } else {
            saved.full_scan_at
        };
        // The table's fields first: they say which values are appointments.
        futures::stream::once(self.schema())
            .map_ok(move |schema| {
                self.table
                    .changed_since(since.map(NinoxCursor::Sequence))
                    .map_ok(move |page| AppPage {
                        cursor: page.cursor.map(|NinoxCursor::Sequence(sq)| {
                            ScanCursor {
                                since: Some(sq),
                                full_scan_at,
                            }
                            .to_string()
                        }),
                        records: page
                            .records
                            .into_iter()
                            .map(|r| to_record(r, schema))
                            .collect(),
                    })
            })
            .try_flatten()
            .boxed()
    }

    /// Both APIs' record lists page through the whole table (v4 always, v3 without
    /// `sinceSq`); a v3 change scan lists changed records only, so a v3 pair reads its whole
    /// table once every [`V3_COMPLETE_SCAN_EVERY`] (its first sync, then once a day): a record
    /// deleted in Ninox is seen within a day.
    fn complete_scan(&self, cursor: Option<&str>) -> bool {
        !self.table.incremental() || ScanCursor::parse(cursor).complete_due(chrono::Utc::now())
    }

    /// `GET …/records/{id}` (both APIs) answering 404.
    fn is_gone<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<bool, BridgeError>> {
        Box::pin(async move { Ok(self.table.get(remote_id).await?.is_none()) })
    }

    /// The multiple-choice fields' options (v4's field list, v3's database schema): a tag
    /// that is no option holds back that record's tags line alone, when planning.
    fn field_options(&self) -> BoxFuture<'_, Result<crate::plan::FieldOptions, BridgeError>> {
        Box::pin(async move {
            let by_field = self
                .schema()
                .await?
                .iter()
                .filter(|f| f.kind == FieldKind::MultiChoice && !f.options.is_empty())
                .map(|f| (f.name.clone(), f.options.clone()))
                .collect();
            Ok(crate::plan::FieldOptions {
                system: "Ninox".into(),
                by_field,
                loose: false,
            })
        })
    }

    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>> {
        Box::pin(async move {
            Ok(self
                .table
                .fields()
                .await?
                .into_iter()
                .map(|f| f.name)
                .collect())
        })
    }
}

impl RecordWriter for NinoxSide {
    fn system(&self) -> &str {
        "Ninox"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move { self.table.create(&self.fit(values, "(new)").await?).await })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            self.table
                .update(remote_id, &self.fit(changes, remote_id).await?)
                .await
        })
    }

    /// Both APIs take arrays of records: a first sync of 5,000 contacts is some 5 requests.
    fn batch(&self) -> usize {
        WRITE_BATCH
    }

    /// v4 caps a request body at 6 MB.
    fn batch_bytes(&self) -> usize {
        WRITE_BATCH_BYTES
    }

    /// A record whose values do not fit the table is refused alone, before anything is sent.
    fn create_many<'a>(&'a self, values: &'a [Values]) -> BoxFuture<'a, BatchAnswer<String>> {
        Box::pin(async move {
            let mut fitted = Vec::with_capacity(values.len());
            for v in values {
                fitted.push(self.fit(v, "(new)").await);
            }
            let sendable: Vec<FieldMap> = fitted.iter().filter_map(|f| f.clone().ok()).collect();
            let mut ids = if sendable.is_empty() {
                Vec::new()
            } else {
                self.table.create_many(&sendable).await?
            }
            .into_iter();
            Ok(fitted
                .into_iter()
                .map(|f| {
                    f.and_then(|_| {
                        ids.next()
                            .ok_or_else(|| BridgeError::internal("Ninox answered too few ids"))
                    })
                })
                .collect())
        })
    }

    fn update_many<'a>(
        &'a self,
        records: &'a [(&'a str, Values)],
    ) -> BoxFuture<'a, BatchAnswer<()>> {
        Box::pin(async move {
            let mut fitted = Vec::with_capacity(records.len());
            for (id, changes) in records {
                fitted.push(self.fit(changes, id).await.map(|f| (id.to_string(), f)));
            }
            let sendable: Vec<(String, FieldMap)> =
                fitted.iter().filter_map(|f| f.clone().ok()).collect();
            if !sendable.is_empty() {
                self.table.update_many(&sendable).await?;
            }
            Ok(fitted.into_iter().map(|f| f.map(|_| ())).collect())
        })
    }

    /// Ninox has no search by value through both APIs alike: read the table and find the row
    /// holding every value the lost create sent. Rare (only after an answer was lost).
    /// Ninox v3: `DELETE …/tables/{tid}/records/{rid}` (shared/reference/target-apps.md,
    /// "Ninox v3"); v4: `DELETE …/tables/{table}/records` with `{"records":[id]}`, 404 for a
    /// record that does not exist (shared/specs/ninox, `RowsV1Controller_deleteRows`). One
    /// record a request: v4 rolls a whole batch back when one id is gone, and an approved
    /// delete is a handful of records, not a bulk job.
    fn delete<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move { self.table.delete(remote_id).await })
    }

    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            Ok(self
                .find_created_many(std::slice::from_ref(values))
                .await?
                .pop()
                .flatten())
        })
    }

    /// One read of the table finds every record of a lost batch.
    fn find_created_many<'a>(
        &'a self,
        values: &'a [Values],
    ) -> BoxFuture<'a, Result<Vec<Option<String>>, BridgeError>> {
        Box::pin(async move {
            let wanted: Vec<Map<String, Value>> = values
                .iter()
                .map(|values| {
                    values
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .collect();
            let mut found: Vec<Option<String>> = vec![None; wanted.len()];
            if wanted.iter().all(Map::is_empty) {
                return Ok(found);
            }
            let pages = self.changes(None);
            futures::pin_mut!(pages);
            while let Some(page) = pages.try_next().await? {
                for record in page.records {
                    let matches = |w: &Map<String, Value>| {
                        !w.is_empty() && w.iter().all(|(k, v)| record.values.get(k) == Some(v))
                    };
                    let slot = wanted
                        .iter()
                        .zip(found.iter_mut())
                        .find(|(w, f)| f.is_none() && matches(w));
                    if let Some((_, f)) = slot {
                        *f = Some(record.remote_id.clone());
                    }
                }
                if found
                    .iter()
                    .zip(&wanted)
                    .all(|(f, w)| f.is_some() || w.is_empty())
                {
                    break;
                }
            }
            Ok(found)
        })
    }
}

#[cfg(test)]
mod scan_cursor_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_v3_cursor_asks_for_a_complete_scan_once_a_day() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        assert!(ScanCursor::parse(None).complete_due(now), "first sync");
        assert!(
            ScanCursor::parse(Some("57")).complete_due(now),
            "a cursor from before the stamp"
        );
        let fresh = ScanCursor {
            since: Some(57),
            full_scan_at: Some(now - chrono::Duration::hours(23)),
        };
        let text = fresh.to_string();
        assert_eq!(text, "57@2026-12-01T10:00:00Z");
        assert_eq!(ScanCursor::parse(Some(&text)), fresh);
        assert!(!fresh.complete_due(now), "within the day: changes only");
        let stale = ScanCursor {
            full_scan_at: Some(now - V3_COMPLETE_SCAN_EVERY),
            ..fresh
        };
        assert!(stale.complete_due(now), "a day on: the whole table");
    }
}
