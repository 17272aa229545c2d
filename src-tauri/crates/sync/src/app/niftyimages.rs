//! A NiftyImages Custom Data Store as a push-only app side: mapped GHL contact fields are
//! written as rows (`AddRecord` upserts on the store's unique field), never read back — the
//! API has no read of records. The engine's mirror of what it wrote is the only "app side"
//! the plan sees, so a row is written when GHL's values differ from what was last written.
//!
//! Each value goes under the store's own field (matched ignoring case, spaces and `_`, and
//! sent with spaces as `_` as Pipedream's client does), DATE values in the field's
//! `date_input_format`. A store may expire rows after a record TTL (publicpreview.niftyimages.com
//! /DataSources); the API does not say which, so the TTL is the connection's
//! `recordTtlSeconds` setting, and a row unchanged for most of it is written again, planned
//! and journaled like every write ([`plan_keep_alive`]).

use bridge_connectors::http::RequestCounts;
use bridge_connectors::niftyimages::{
    format_date, same_field, wire_name, NiftyImagesClient, StoreField,
};
use bridge_core::mapping::{Direction, FieldMapping, Mapping, ObjectKind, Owner, Transform};
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::remote_records;
use bridge_store::Store;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use super::{AppPage, AppSide, ExpiringRows};
use crate::apply::RecordWriter;
use crate::plan::{Action, FieldChange, Operation, Plan, Side, Values};

/// GHL's fields pushed into the store's fields of the same meaning, where the store has them
/// (named as the store names them).
pub fn niftyimages_mapping_for(fields: &[String], unique: &str) -> Mapping {
    let line = |ghl: &str, app: &str, transforms: Vec<Transform>| FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction: Direction::GhlToApp,
        owner: Owner::Ghl,
        transforms,
    };
    let mut lines = vec![line(
        "email",
        unique,
        vec![Transform::Trim, Transform::Lower],
    )];
    for (ghl, app) in [("firstName", "first_name"), ("lastName", "last_name")] {
        if let Some(field) = fields.iter().find(|f| same_field(f, app)) {
            lines.push(line(ghl, field, vec![Transform::Trim]));
        }
    }
    Mapping {
        object: ObjectKind::Contact,
        fields: lines,
    }
}

/// The store's record TTL, from the connection's `recordTtlSeconds` setting.
pub fn record_ttl(connection: &ConnectionRow) -> Option<chrono::Duration> {
    connection.settings["recordTtlSeconds"]
        .as_i64()
        .filter(|s| *s > 0)
        .map(chrono::Duration::seconds)
}

pub struct NiftyImagesSide {
    connection: ConnectionRow,
    client: NiftyImagesClient,
    /// The store's unique field: rows are keyed by its value (the remote id).
    unique: String,
    /// The store's fields, read once per run.
    fields: OnceCell<Vec<StoreField>>,
}

impl NiftyImagesSide {
    pub fn new(connection: ConnectionRow, client: NiftyImagesClient) -> Result<Self, BridgeError> {
        let unique = connection.settings["uniqueField"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                BridgeError::storage(format!(
                    "the NiftyImages connection \"{}\" lacks its unique field; reconnect it",
                    connection.name
                ))
            })?;
        Ok(Self {
            connection,
            client,
            unique,
            fields: OnceCell::new(),
        })
    }

    async fn store_fields(&self) -> Result<&[StoreField], BridgeError> {
        let fields = self
            .fields
            .get_or_try_init(|| self.client.store_fields())
            .await?;
        Ok(fields)
    }

    fn row(
        &self,
        remote_id: Option<&str>,
        values: &Values,
    ) -> Result<Map<String, Value>, BridgeError> {
        let mut row: Map<String, Value> = values
            .iter()
            // The store cannot clear a field: a cleared value is written empty.
            .map(|(k, v)| {
                (
                    k.clone(),
                    if v.is_null() {
                        Value::String(String::new())
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        if let Some(id) = remote_id {
            // Rows are keyed by the unique field: a new value there would be another row.
            if let Some(new) = row.get(&self.unique).filter(|v| v.as_str() != Some(id)) {
                return Err(BridgeError::invalid_input(format!(
                    "NiftyImages row {id}, field {}: the store keys rows by it and cannot change it to {new}",
                    self.unique
                )));
            }
            row.insert(self.unique.clone(), Value::String(id.to_string()));
        }
        match row.get(&self.unique).and_then(Value::as_str) {
            Some(key) if !key.is_empty() => Ok(row),
            _ => Err(BridgeError::new(
                ErrorCode::InvalidInput,
                format!(
                    "a NiftyImages row is keyed by its {} field: this contact has no value for it",
                    self.unique
                ),
            )),
        }
    }

    /// The row as the store takes it: each value under the store's field name, DATE values
    /// in the field's `date_input_format`. A field the store lacks is sent as named (the
    /// store's answer names it).
    async fn wire_row(&self, row: Map<String, Value>) -> Result<Map<String, Value>, BridgeError> {
        let fields = self.store_fields().await?;
        let key = row
            .get(&self.unique)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut out = Map::new();
        for (name, value) in row {
            let Some(field) = fields.iter().find(|f| same_field(&f.name, &name)) else {
                out.insert(name, value);
                continue;
            };
            let value = match (&field.date_input_format, value.as_str()) {
                (Some(format), Some(text))
                    if field.field_type.eq_ignore_ascii_case("DATE") && !text.is_empty() =>
                {
                    Value::String(format_date(&value, format).map_err(|e| {
                        BridgeError::invalid_input(format!(
                            "NiftyImages row {key}, field {}: {e} (the field takes dates as {format})",
                            field.name
                        ))
                    })?)
                }
                _ => value,
            };
            out.insert(wire_name(field), value);
        }
        Ok(out)
    }

    async fn send(&self, row: Map<String, Value>) -> Result<(), BridgeError> {
        let wire = self.wire_row(row).await?;
        self.client.add_record(&wire).await
    }
}

impl AppSide for NiftyImagesSide {
    fn connection(&self) -> &ConnectionRow {
        &self.connection
    }

    fn counts(&self) -> RequestCounts {
        self.client.http().counts()
    }

    /// Nothing to read: the API cannot list rows.
    fn changes(&self, _cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>> {
        futures::stream::empty().boxed()
    }

    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>> {
        Box::pin(async move {
            Ok(self
                .store_fields()
                .await?
                .iter()
                .map(|f| f.name.clone())
                .collect())
        })
    }

    fn expiring_rows(&self) -> Option<&dyn ExpiringRows> {
        record_ttl(&self.connection).map(|_| self as &dyn ExpiringRows)
    }
}

impl ExpiringRows for NiftyImagesSide {
    fn ttl(&self) -> Option<chrono::Duration> {
        record_ttl(&self.connection)
    }
}

impl RecordWriter for NiftyImagesSide {
    fn system(&self) -> &str {
        "NiftyImages"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let row = self.row(None, values)?;
            let key = row
                .get(&self.unique)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| BridgeError::internal("a written NiftyImages row lost its key"))?;
            self.send(row).await?;
            Ok(key)
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move { self.send(self.row(Some(remote_id), changes)?).await })
    }

    /// `AddRecord` is an upsert on the unique field: sending a create again cannot double it.
    fn find_created<'a>(
        &'a self,
        _values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async { Ok(None) })
    }
}

/// Plans a write of every row of `connection` unchanged for longer than its TTL minus a fifth
/// of it (so a daily sync keeps rows of a 5-day TTL alive), with the values it was last
/// written with. They go through the journal like every other write (previewed, counted,
/// recovered after a crash; the write is an upsert, so sending one again is harmless), and
/// the mirror's write time moves when one is done. Rows the plan writes anyway (`planned`: the
/// contacts the plan writes in the app) are left to it.
pub fn plan_keep_alive(
    store: &Store,
    connection: &ConnectionRow,
    rows: &dyn ExpiringRows,
    planned: &std::collections::BTreeSet<String>,
    plan: &mut Plan,
    clock: &dyn Clock,
) -> Result<usize, BridgeError> {
    let Some(ttl) = rows.ttl() else {
        return Ok(0);
    };
    let due = clock.now() - (ttl - ttl / 5);
    let stale = remote_records::written_before(store.conn(), &connection.id, "contact", due)?;
    let before = plan.operations.len();
    for record in stale {
        let Some(contact_id) = record.contact_id else {
            continue;
        };
        if planned.contains(&contact_id) {
            continue;
        }
        plan.operations.push(Operation {
            target: Side::App,
            action: Action::Update,
            local_id: contact_id,
            remote_id: Some(record.remote_id),
            changes: record
                .values
                .iter()
                .map(|(field, value)| FieldChange {
                    field: field.clone(),
                    before: Some(value.clone()),
                    after: value.clone(),
                })
                .collect(),
            reason: format!(
                "written again before the store's record TTL ({} s) expires it",
                ttl.num_seconds()
            ),
            settles: Values::new(),
            source_version: None,
        });
    }
    Ok(plan.operations.len() - before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_names_the_stores_own_fields_whatever_their_case_and_spaces() {
        let fields = vec!["Email".to_string(), "First Name".into(), "LAST_NAME".into()];
        let mapping = niftyimages_mapping_for(&fields, "Email");
        let apps: Vec<&str> = mapping.fields.iter().map(|l| l.app.as_str()).collect();
        assert_eq!(apps, vec!["Email", "First Name", "LAST_NAME"]);
        let bare = niftyimages_mapping_for(&["email".to_string()], "email");
        assert_eq!(bare.fields.len(), 1);
    }
}
