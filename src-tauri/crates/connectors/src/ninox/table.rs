//! One Ninox table, v3 or v4, behind one interface: the engine lists changes since a cursor,
//! reads, creates, updates and deletes field maps, and reads the fields to validate mappings.

use bridge_core::BridgeError;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::v3::{NinoxV3Client, V3RecordQuery, V3TablePath};
use super::v4::{NinoxV4Client, V4RecordQuery};
use super::{remote, FieldKind, FieldMap, NinoxField, NinoxRecord};

/// Records written per request. Both APIs take arrays of records and document no count limit;
/// v4 caps a body at 6 MB ("max. 6MB payload size" on its POST and PATCH of records, in its
/// OpenAPI), which [`WRITE_BATCH_BYTES`] keeps to. v3 documents no cap at all (a guess: the
/// same as v4). 1,000 is the engine's apply chunk: a first sync of 5,000 new records is 5
/// requests, and a lost answer is looked up for at most 1,000 records in one read.
pub const WRITE_BATCH: usize = 1_000;

/// The most a batch's values may weigh as JSON, so its request body stays under v4's
/// documented 6 MB: 4 MiB leaves room for the body's framing and record ids.
pub const WRITE_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Where a change scan resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NinoxCursor {
    /// v3: records changed after this sync sequence (`sinceSq`).
    Sequence(u64),
}

/// One page of a change scan.
#[derive(Debug, Clone, PartialEq)]
pub struct NinoxPage {
    pub records: Vec<NinoxRecord>,
    /// The cursor covering every page yielded so far (v3: the largest sequence seen, or the
    /// starting cursor). Pages do not arrive in sequence order, so store the cursor of the
    /// LAST page, after the stream has ended without error. `None` for v4 (no cursor).
    pub cursor: Option<NinoxCursor>,
    /// True when the scan reads the whole table (no cursor): only then may the engine infer
    /// deletes from records it did not see, and only once the stream has ended without error.
    pub full_scan: bool,
}

#[derive(Clone)]
pub enum NinoxTable {
    V3 {
        client: NinoxV3Client,
        path: V3TablePath,
    },
    V4 {
        client: NinoxV4Client,
        module: String,
        table: String,
    },
}

impl NinoxTable {
    pub fn v3(client: NinoxV3Client, path: V3TablePath) -> Self {
        Self::V3 { client, path }
    }

    pub fn v4(client: NinoxV4Client, module: impl Into<String>, table: impl Into<String>) -> Self {
        Self::V4 {
            client,
            module: module.into(),
            table: table.into(),
        }
    }

    /// The HTTP client underneath (its request counts feed the run summary).
    pub fn http(&self) -> &crate::http::HttpClient {
        match self {
            Self::V3 { client, .. } => client.http(),
            Self::V4 { client, .. } => client.http(),
        }
    }

    /// Whether this is a classic (v3) table: its appointment values are written `start - end`
    /// ([`super::AppointmentValue::to_v3_value`]) instead of v4's `[start,end)`.
    pub fn is_classic(&self) -> bool {
        matches!(self, Self::V3 { .. })
    }

    /// Whether changes can be read incrementally (v3 `sinceSq`); v4 scans the whole table
    /// every time and the engine keeps what changed by content hash.
    pub fn incremental(&self) -> bool {
        matches!(self, Self::V3 { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            Self::V3 { path, .. } => format!(
                "Ninox table {} of database {} (team {})",
                path.table, path.database, path.team
            ),
            Self::V4 { module, table, .. } => format!("Ninox table {module}/{table}"),
        }
    }

    pub async fn fields(&self) -> Result<Vec<NinoxField>, BridgeError> {
        match self {
            Self::V3 { client, path } => {
                let mut fields = client.get_table(path).await?.fields;
                // The table read names no options; the database schema does.
                if fields
                    .iter()
                    .any(|f| f.kind == FieldKind::MultiChoice && f.options.is_empty())
                {
                    let schema = client.schema_fields(path).await?;
                    for field in fields.iter_mut().filter(|f| f.options.is_empty()) {
                        if let Some(described) = schema
                            .iter()
                            .find(|s| s.id == field.id || s.name == field.name)
                        {
                            field.options = described.options.clone();
                        }
                    }
                }
                Ok(fields)
            }
            Self::V4 {
                client,
                module,
                table,
            } => client.get_fields(module, table).await,
        }
    }

    /// The records changed since `cursor` (v3), or every record (v4, or v3 without a cursor),
    /// page by page.
    pub fn changed_since(
        &self,
        cursor: Option<NinoxCursor>,
    ) -> BoxStream<'static, Result<NinoxPage, BridgeError>> {
        match self {
            Self::V3 { client, path } => {
                let since = cursor.map(|NinoxCursor::Sequence(sq)| sq);
                let full_scan = since.is_none();
                let mut highest = since;
                client
                    .list_records(
                        path,
                        V3RecordQuery {
                            since_sequence: since,
                            ..V3RecordQuery::default()
                        },
                    )
                    .map(move |page| {
                        let records = page?;
                        for sq in records.iter().filter_map(|r| r.sequence) {
                            highest = Some(highest.map_or(sq, |h| h.max(sq)));
                        }
                        Ok(NinoxPage {
                            records,
                            cursor: highest.map(NinoxCursor::Sequence),
                            full_scan,
                        })
                    })
                    .boxed()
            }
            Self::V4 {
                client,
                module,
                table,
            } => client
                .list_records(module, table, V4RecordQuery::default())
                .map(|page| {
                    Ok(NinoxPage {
                        records: page?,
                        cursor: None,
                        full_scan: true,
                    })
                })
                .boxed(),
        }
    }

    /// `None` when there is no such record.
    pub async fn get(&self, id: &str) -> Result<Option<NinoxRecord>, BridgeError> {
        match self {
            Self::V3 { client, path } => client.get_record(path, id).await,
            Self::V4 {
                client,
                module,
                table,
            } => client.get_record(module, table, id).await,
        }
    }

    /// Creates one record; answers its id.
    pub async fn create(&self, fields: &FieldMap) -> Result<String, BridgeError> {
        let ids = self.create_many(std::slice::from_ref(fields)).await?;
        ids.into_iter().next().ok_or_else(|| {
            remote(format!(
                "create a record in {}: Ninox answered no id; the record may exist: look it up \
                 before creating again",
                self.describe()
            ))
        })
    }

    /// Creates these records in one request (both APIs take an array of records; v4 caps the
    /// body at 6 MB, see [`WRITE_BATCH`]); answers their ids in order.
    pub async fn create_many(&self, records: &[FieldMap]) -> Result<Vec<String>, BridgeError> {
        let ids = match self {
            Self::V3 { client, path } => client
                .create_records(path, records)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            Self::V4 {
                client,
                module,
                table,
            } => client.create_records(module, table, records).await?,
        };
        if ids.len() != records.len() {
            return Err(remote(format!(
                "create {} records in {}: Ninox answered {} id(s); the records may exist: look \
                 them up before creating again",
                records.len(),
                self.describe(),
                ids.len()
            )));
        }
        Ok(ids)
    }

    /// Sets `fields` of record `id` (fields not given keep their values).
    pub async fn update(&self, id: &str, fields: &FieldMap) -> Result<(), BridgeError> {
        self.update_many(&[(id.to_string(), fields.clone())]).await
    }

    /// Sets the given fields of these records in one request (v4's PATCH is transactional:
    /// one refused record and none is changed).
    pub async fn update_many(&self, records: &[(String, FieldMap)]) -> Result<(), BridgeError> {
        match self {
            Self::V3 { client, path } => {
                client.update_records(path, records).await?;
            }
            Self::V4 {
                client,
                module,
                table,
            } => {
                client.update_records(module, table, records).await?;
            }
        }
        Ok(())
    }

    pub async fn delete(&self, id: &str) -> Result<(), BridgeError> {
        match self {
            Self::V3 { client, path } => client.delete_record(path, id).await,
            Self::V4 {
                client,
                module,
                table,
            } => {
                client
                    .delete_records(module, table, &[id.to_string()])
                    .await?;
                Ok(())
            }
        }
    }
}
