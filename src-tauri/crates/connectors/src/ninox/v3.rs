//! The classic Ninox API (v3): `https://api.ninox.com/v1` (private cloud
//! `https://{name}.ninoxdb.de/v1`), `Authorization: Bearer <personal key>`.
//!
//! - `GET /teams`, `GET /teams/{t}/databases`, `GET /teams/{t}/databases/{db}/tables[/{tid}]`
//!   (tables with their fields: id, name, type, choice options).
//! - `GET …/tables/{tid}/records?page=&perPage=&sinceSq=` → a list of
//!   `{id, sequence, createdAt, createdBy, modifiedAt, modifiedBy, fields:{name: value}}`;
//!   `sinceSq` keeps the records created or modified after that sync sequence.
//! - `GET/DELETE …/records/{rid}`; `POST …/records` with `[{fields}]` creates and
//!   `[{id, fields}]` updates (only the fields sent change), answering the saved records.

use std::sync::Arc;

use bridge_core::BridgeError;
use futures::Stream;
use serde_json::{json, Map, Value};

use super::{excerpt, field_from_json, id_text, parse_time_value, remote, require_id, FieldMap};
use super::{NinoxField, NinoxRecord};
use crate::http::{
    paginate, AccessTokenSource, ApiRequest, Fetched, HttpClient, HttpClientBuilder, RateBudget,
};

pub const DEFAULT_BASE_URL: &str = "https://api.ninox.com/v1";
pub const DEFAULT_PER_PAGE: u32 = 100;
pub const MAX_PER_PAGE: u32 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NinoxTeam {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NinoxDatabase {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Table {
    pub id: String,
    pub name: String,
    pub fields: Vec<NinoxField>,
}

/// Where a v3 table is: team, database, table ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3TablePath {
    pub team: String,
    pub database: String,
    pub table: String,
}

impl V3TablePath {
    fn segments(&self) -> Result<Vec<String>, BridgeError> {
        Ok(vec![
            "teams".into(),
            require_id("team id", &self.team)?.into(),
            "databases".into(),
            require_id("database id", &self.database)?.into(),
            "tables".into(),
            require_id("table id", &self.table)?.into(),
        ])
    }

    fn records(&self) -> Result<Vec<String>, BridgeError> {
        let mut segments = self.segments()?;
        segments.push("records".into());
        Ok(segments)
    }

    fn label(&self) -> String {
        format!(
            "Ninox table {} of database {} (team {})",
            self.table, self.database, self.team
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V3RecordQuery {
    /// Only records created or modified after this sync sequence (`sinceSq`).
    pub since_sequence: Option<u64>,
    /// Records per page, clamped to 1..=[`MAX_PER_PAGE`].
    pub per_page: u32,
}

impl Default for V3RecordQuery {
    fn default() -> Self {
        Self {
            since_sequence: None,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

#[derive(Clone)]
pub struct NinoxV3Client {
    http: HttpClient,
}

impl NinoxV3Client {
    pub fn new(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Ok(Self::with_http(
            Self::http_builder(base_url, api_key, budget).build()?,
        ))
    }

    /// `Authorization: Bearer <key>` (the shared client's default).
    pub fn http_builder(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("Ninox", base_url, api_key, budget)
    }

    pub fn with_http(http: HttpClient) -> Self {
        Self { http }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn get_list(
        &self,
        segments: &[String],
        context: String,
    ) -> Result<Vec<Value>, BridgeError> {
        let body: Value = self
            .http
            .send(ApiRequest::get(segments).context(context.clone()))
            .await?;
        match body {
            Value::Array(items) => Ok(items),
            other => Err(remote(format!(
                "{context}: Ninox answered {} instead of a list",
                excerpt(&other)
            ))),
        }
    }

    pub async fn list_teams(&self) -> Result<Vec<NinoxTeam>, BridgeError> {
        let items = self
            .get_list(&["teams".to_string()], "list Ninox teams".into())
            .await?;
        Ok(items
            .iter()
            .filter_map(|t| {
                Some(NinoxTeam {
                    id: id_text(t.get("id")?)?,
                    name: t.get("name").and_then(Value::as_str).unwrap_or("").into(),
                })
            })
            .collect())
    }

    pub async fn list_databases(&self, team: &str) -> Result<Vec<NinoxDatabase>, BridgeError> {
        let team = require_id("team id", team)?;
        let items = self
            .get_list(
                &["teams".into(), team.into(), "databases".into()],
                format!("list the databases of Ninox team {team}"),
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|d| {
                Some(NinoxDatabase {
                    id: id_text(d.get("id")?)?,
                    name: d.get("name").and_then(Value::as_str).unwrap_or("").into(),
                })
            })
            .collect())
    }

    /// The database's tables with their fields.
    pub async fn list_tables(
        &self,
        team: &str,
        database: &str,
    ) -> Result<Vec<V3Table>, BridgeError> {
        let (team, database) = (
            require_id("team id", team)?,
            require_id("database id", database)?,
        );
        let context = format!("list the tables of Ninox database {database}");
        let items = self
            .get_list(
                &[
                    "teams".into(),
                    team.into(),
                    "databases".into(),
                    database.into(),
                    "tables".into(),
                ],
                context.clone(),
            )
            .await?;
        items.iter().map(|t| table_from_json(t, &context)).collect()
    }

    pub async fn get_table(&self, path: &V3TablePath) -> Result<V3Table, BridgeError> {
        let context = format!("get {}", path.label());
        let body: Value = self
            .http
            .send(ApiRequest::get(&path.segments()?).context(context.clone()))
            .await?;
        table_from_json(&body, &context)
    }

    /// The table's fields as the database schema describes them (`GET …/databases/{db}`:
    /// `schema.types[table].fields`, keyed by field id), with the options of choice fields,
    /// which the table read does not carry.
    pub async fn schema_fields(&self, path: &V3TablePath) -> Result<Vec<NinoxField>, BridgeError> {
        let context = format!("read the schema of {}", path.label());
        let segments = path.segments()?;
        let body: Value = self
            .http
            .send(ApiRequest::get(&segments[..4]).context(context.clone()))
            .await?;
        let table = body
            .pointer(&format!("/schema/types/{}", path.table.trim()))
            .ok_or_else(|| {
                remote(format!(
                    "{context}: the schema has no table {}",
                    path.table.trim()
                ))
            })?;
        let mut described = table.clone();
        if let Some(object) = described.as_object_mut() {
            object.insert("id".into(), Value::String(path.table.trim().to_string()));
        }
        Ok(table_from_json(&described, &context)?.fields)
    }

    /// Streams the table's records (changed since `query.since_sequence` when given), one
    /// page per request, until a page shorter than `perPage`. Pages are not in sequence order:
    /// advance a `sinceSq` cursor to the largest sequence seen only after the stream ends.
    pub fn list_records(
        &self,
        path: &V3TablePath,
        query: V3RecordQuery,
    ) -> impl Stream<Item = Result<Vec<NinoxRecord>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let path = path.clone();
        let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
        paginate(0u32, move |page| {
            let client = client.clone();
            let path = path.clone();
            async move {
                client
                    .records_page(&path, query.since_sequence, per_page, page)
                    .await
            }
        })
    }

    async fn records_page(
        &self,
        path: &V3TablePath,
        since: Option<u64>,
        per_page: u32,
        page: u32,
    ) -> Result<Fetched<Vec<NinoxRecord>, u32>, BridgeError> {
        let context = format!("list the records of {} (page {page})", path.label());
        let mut request = ApiRequest::get(&path.records()?)
            .query("page", page.to_string())
            .query("perPage", per_page.to_string());
        if let Some(since) = since {
            request = request.query("sinceSq", since.to_string());
        }
        let body: Value = self.http.send(request.context(context.clone())).await?;
        let Value::Array(items) = body else {
            return Err(remote(format!(
                "{context}: Ninox answered {} instead of a list of records",
                excerpt(&body)
            )));
        };
        let records = items
            .iter()
            .map(|item| record_from_json(item, &context))
            .collect::<Result<Vec<_>, _>>()?;
        let next = (records.len() as u32 >= per_page).then_some(page + 1);
        Ok(Fetched {
            page: records,
            next,
        })
    }

    /// `None` when the record does not exist (404).
    pub async fn get_record(
        &self,
        path: &V3TablePath,
        id: &str,
    ) -> Result<Option<NinoxRecord>, BridgeError> {
        let id = require_id("record id", id)?;
        let context = format!("get record {id} of {}", path.label());
        let mut segments = path.records()?;
        segments.push(id.into());
        match self
            .http
            .send::<Value>(ApiRequest::get(&segments).context(context.clone()))
            .await
        {
            Ok(body) => record_from_json(&body, &context).map(Some),
            Err(e) if e.code == bridge_core::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// POST `[{fields}]`: creates the records, answering them as saved (with ids).
    pub async fn create_records(
        &self,
        path: &V3TablePath,
        records: &[FieldMap],
    ) -> Result<Vec<NinoxRecord>, BridgeError> {
        let body: Vec<Value> = records.iter().map(|f| json!({ "fields": f })).collect();
        self.save(
            path,
            body,
            format!("create {} record(s) in {}", records.len(), path.label()),
            false,
        )
        .await
    }

    /// POST `[{id, fields}]`: sets the given fields of existing records (others unchanged).
    pub async fn update_records(
        &self,
        path: &V3TablePath,
        records: &[(String, FieldMap)],
    ) -> Result<Vec<NinoxRecord>, BridgeError> {
        let mut body = Vec::with_capacity(records.len());
        for (id, fields) in records {
            let id = require_id("record id", id)?;
            body.push(json!({ "id": record_id_value(id), "fields": fields }));
        }
        let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
        self.save(
            path,
            body,
            format!("update record(s) {} of {}", ids.join(", "), path.label()),
            true,
        )
        .await
    }

    async fn save(
        &self,
        path: &V3TablePath,
        body: Vec<Value>,
        context: String,
        idempotent: bool,
    ) -> Result<Vec<NinoxRecord>, BridgeError> {
        let answer: Value = self
            .http
            .send(
                ApiRequest::post(&path.records()?)
                    .json(&body)?
                    .idempotent(idempotent)
                    .context(context.clone()),
            )
            .await?;
        match answer {
            Value::Array(items) => items
                .iter()
                .map(|item| record_from_json(item, &context))
                .collect(),
            Value::Object(_) => Ok(vec![record_from_json(&answer, &context)?]),
            other => Err(remote(format!(
                "{context}: Ninox answered {} instead of the saved records",
                excerpt(&other)
            ))),
        }
    }

    pub async fn delete_record(&self, path: &V3TablePath, id: &str) -> Result<(), BridgeError> {
        let id = require_id("record id", id)?;
        let mut segments = path.records()?;
        segments.push(id.into());
        self.http
            .send_raw(
                ApiRequest::delete(&segments)
                    .context(format!("delete record {id} of {}", path.label())),
            )
            .await?;
        Ok(())
    }
}

/// Ninox v3 record ids are numbers: send a numeric id as a number.
fn record_id_value(id: &str) -> Value {
    id.parse::<u64>()
        .map_or_else(|_| Value::String(id.to_string()), Value::from)
}

fn table_from_json(value: &Value, context: &str) -> Result<V3Table, BridgeError> {
    let id = value.get("id").and_then(id_text).ok_or_else(|| {
        remote(format!(
            "{context}: a table without an id: {}",
            excerpt(value)
        ))
    })?;
    let name = value
        .get("name")
        .or_else(|| value.get("caption"))
        .and_then(Value::as_str)
        .unwrap_or(&id)
        .to_string();
    let fields = match value.get("fields") {
        Some(Value::Array(list)) => list.iter().filter_map(field_from_json).collect(),
        // The database schema form: fields as an object keyed by field id.
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(fid, f)| {
                let mut field = field_from_json(f)?;
                field.id.get_or_insert_with(|| fid.clone());
                Some(field)
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(V3Table { id, name, fields })
}

pub(crate) fn record_from_json(value: &Value, context: &str) -> Result<NinoxRecord, BridgeError> {
    let id = value.get("id").and_then(id_text).ok_or_else(|| {
        remote(format!(
            "{context}: a record without an id: {}",
            excerpt(value)
        ))
    })?;
    let record = format!("{context}: record {id}");
    let fields = match value.get("fields") {
        Some(Value::Object(fields)) => fields.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(remote(format!(
                "{record}: `fields` is {}, not an object",
                excerpt(other)
            )))
        }
    };
    // An unreadable time is a problem of this record and field; the record and the page go on.
    let mut problems = Vec::new();
    let mut time = |name: &str| match value.get(name) {
        None | Some(Value::Null) => None,
        Some(v) => {
            let parsed = parse_time_value(v);
            if parsed.is_none() {
                problems.push(format!("{record}: field {name} holds {v}, not a time"));
            }
            parsed
        }
    };
    let (created_at, modified_at) = (time("createdAt"), time("modifiedAt"));
    let sequence = match value.get("sequence") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| remote(format!("{record}: sequence {v} is not a number")))?,
        ),
    };
    Ok(NinoxRecord {
        id,
        sequence,
        created_at,
        modified_at,
        fields: fields.into_iter().collect(),
        problems,
    })
}
