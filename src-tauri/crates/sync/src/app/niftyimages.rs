//! A NiftyImages Custom Data Store as a push-only app side: mapped GHL contact fields are
//! written as rows (`AddRecord` upserts on the store's unique field), never read back — the
//! API has no read of records. The engine's mirror of what it wrote is the only "app side"
//! the plan sees, so a row is written when GHL's values differ from what was last written.

use bridge_connectors::http::RequestCounts;
use bridge_connectors::niftyimages::NiftyImagesClient;
use bridge_core::mapping::{Direction, FieldMapping, Mapping, ObjectKind, Owner, Transform};
use bridge_core::{BridgeError, ErrorCode};
use bridge_store::table::connections::ConnectionRow;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::{Map, Value};

use super::{AppPage, AppSide};
use crate::apply::RecordWriter;
use crate::plan::Values;

/// GHL's fields pushed into the store's fields of the same meaning, where the store has them.
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
        if fields.iter().any(|f| f == app) {
            lines.push(line(ghl, app, vec![Transform::Trim]));
        }
    }
    Mapping {
        object: ObjectKind::Contact,
        fields: lines,
    }
}

pub struct NiftyImagesSide {
    connection: ConnectionRow,
    client: NiftyImagesClient,
    /// The store's unique field: rows are keyed by its value (the remote id).
    unique: String,
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
        })
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
                .client
                .store_fields()
                .await?
                .into_iter()
                .map(|f| f.name)
                .collect())
        })
    }
}

impl RecordWriter for NiftyImagesSide {
    fn system(&self) -> &str {
        "NiftyImages"
    }

    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            let row = self.row(None, values)?;
            self.client.add_record(&row).await?;
            row.get(&self.unique)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| BridgeError::internal("a written NiftyImages row lost its key"))
        })
    }

    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            self.client
                .add_record(&self.row(Some(remote_id), changes)?)
                .await
        })
    }

    /// `AddRecord` is an upsert on the unique field: sending a create again cannot double it.
    fn find_created<'a>(
        &'a self,
        _values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async { Ok(None) })
    }
}
