//! The Ninox 4 workspace API, per ../shared/specs/ninox/ninox-public-openapi-original.json:
//! base `https://go.ninox.com` (paths start `/api/v1/workspace/{workspaceId}`), bearer
//! workspace key.
//!
//! - `GET …/modules` → `{data:[{name,…}]}`; `GET …/modules/{m}/tables` → `{data:[{name,
//!   fields,…}]}`; `GET …/tables/{t}/fields` → `{data:[{name,type,options,…}]}`.
//! - `GET …/tables/{t}/records?limit(1..100)&offset&filter&sort&fields` →
//!   `{data:[{id,values}], meta, page_info:{has_more,limit,offset}}`.
//! - `POST …/records {records:[{field: value}]}` → 201 `{data:{ids}}`;
//!   `PATCH …/records {records:[{id: <integer>, field: value}]}` → `{data:{updatedIds}}`;
//!   `DELETE …/records {records:[<integer>]}` → `{data:{deletedIds}}`. All transactional.
//! - Errors `{error:{message}}`. A wrong path can answer 200 with the web app's HTML: that is an
//!   error here, never an empty list.
//!
//! The snapshot has no single-record GET and no change feed: [`NinoxV4Client::get_record`]
//! scans, and change detection is a full scan compared by content hash.

use std::sync::Arc;

use bridge_core::BridgeError;
use futures::Stream;
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::{excerpt, field_from_json, id_text, remote, require_id, FieldMap};
use super::{NinoxField, NinoxRecord};
use crate::http::{
    paginate, AccessTokenSource, ApiRequest, Fetched, HttpClient, HttpClientBuilder, RateBudget,
    RawAnswer,
};

pub const DEFAULT_BASE_URL: &str = "https://go.ninox.com";
/// The spec's maximum `limit`.
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Table {
    pub name: String,
    pub label: Option<String>,
    pub fields: Vec<NinoxField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct V4RecordQuery {
    /// Rows per page, clamped to 1..=100 (default 100).
    pub limit: Option<u32>,
    /// The spec's `filter`: conditions as a JSON string, e.g. `{"email":"a@b.c"}`.
    pub filter: Option<String>,
    /// The field to sort by.
    pub sort: Option<String>,
    /// Only these fields (sent comma-separated).
    pub fields: Vec<String>,
}

#[derive(Clone)]
pub struct NinoxV4Client {
    http: HttpClient,
    workspace: Arc<str>,
}

impl NinoxV4Client {
    pub fn new(
        base_url: &str,
        workspace: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Self::with_http(
            Self::http_builder(base_url, api_key, budget).build()?,
            workspace,
        )
    }

    pub fn http_builder(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("Ninox", base_url, api_key, budget)
    }

    /// The workspace id is 12 lowercase letters and digits (the spec's pattern).
    pub fn with_http(http: HttpClient, workspace: &str) -> Result<Self, BridgeError> {
        let workspace = workspace.trim();
        if workspace.len() != 12
            || !workspace
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(BridgeError::invalid_input(format!(
                "Ninox workspace id '{workspace}' must be 12 lowercase letters and digits"
            )));
        }
        Ok(Self {
            http,
            workspace: workspace.into(),
        })
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    fn path(&self, rest: &[&str]) -> Vec<String> {
        let mut segments: Vec<String> = vec![
            "api".into(),
            "v1".into(),
            "workspace".into(),
            self.workspace.to_string(),
        ];
        segments.extend(rest.iter().map(|s| s.to_string()));
        segments
    }

    fn records_path(&self, module: &str, table: &str) -> Result<Vec<String>, BridgeError> {
        Ok(self.path(&[
            "modules",
            require_id("module name", module)?,
            "tables",
            require_id("table name", table)?,
            "records",
        ]))
    }

    /// Sends and reads the answer as JSON, refusing HTML (a wrong path answers the web app
    /// with 200) and `{error:{message}}` envelopes whatever their status.
    async fn send(&self, request: ApiRequest, context: &str) -> Result<Value, BridgeError> {
        let answer = self.http.send_raw(request.context(context)).await?;
        read_answer(&answer, context)
    }

    pub async fn list_modules(&self) -> Result<Vec<String>, BridgeError> {
        let context = format!("list the modules of Ninox workspace {}", self.workspace);
        let body = self
            .send(ApiRequest::get(&self.path(&["modules"])), &context)
            .await?;
        Ok(data_list(body, &context)?
            .iter()
            .filter_map(|m| m.get("name").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    /// The module's tables with their fields.
    pub async fn list_tables(&self, module: &str) -> Result<Vec<V4Table>, BridgeError> {
        let module = require_id("module name", module)?;
        let context = format!("list the tables of Ninox module {module}");
        let body = self
            .send(
                ApiRequest::get(&self.path(&["modules", module, "tables"])),
                &context,
            )
            .await?;
        Ok(data_list(body, &context)?
            .iter()
            .filter_map(|t| {
                let object = t.as_object()?;
                let name = object.get("name")?.as_str()?.to_string();
                let label = object
                    .get("labels")
                    .and_then(|l| l.get(""))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let fields = object
                    .get("fields")
                    .and_then(Value::as_array)
                    .map(|list| list.iter().filter_map(field_from_json).collect())
                    .unwrap_or_default();
                Some(V4Table {
                    name,
                    label,
                    fields,
                })
            })
            .collect())
    }

    /// `GET …/tables/{t}/fields`.
    pub async fn get_fields(
        &self,
        module: &str,
        table: &str,
    ) -> Result<Vec<NinoxField>, BridgeError> {
        let (module, table) = (
            require_id("module name", module)?,
            require_id("table name", table)?,
        );
        let context = format!("list the fields of Ninox table {module}/{table}");
        let body = self
            .send(
                ApiRequest::get(&self.path(&["modules", module, "tables", table, "fields"])),
                &context,
            )
            .await?;
        Ok(data_list(body, &context)?
            .iter()
            .filter_map(field_from_json)
            .collect())
    }

    /// Streams the table's rows, page by page by `offset`, until `page_info.has_more` is false.
    pub fn list_records(
        &self,
        module: &str,
        table: &str,
        query: V4RecordQuery,
    ) -> impl Stream<Item = Result<Vec<NinoxRecord>, BridgeError>> + Send + 'static {
        let client = self.clone();
        let (module, table) = (module.to_string(), table.to_string());
        let limit = query.limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
        paginate(0u64, move |offset| {
            let client = client.clone();
            let (module, table, query) = (module.clone(), table.clone(), query.clone());
            async move {
                client
                    .records_page(&module, &table, &query, limit, offset)
                    .await
            }
        })
    }

    async fn records_page(
        &self,
        module: &str,
        table: &str,
        query: &V4RecordQuery,
        limit: u32,
        offset: u64,
    ) -> Result<Fetched<Vec<NinoxRecord>, u64>, BridgeError> {
        let context =
            format!("list the records of Ninox table {module}/{table} from offset {offset}");
        let mut request = ApiRequest::get(&self.records_path(module, table)?)
            .query("limit", limit.to_string())
            .query("offset", offset.to_string());
        if let Some(filter) = &query.filter {
            request = request.query("filter", filter.clone());
        }
        if let Some(sort) = &query.sort {
            request = request.query("sort", sort.clone());
        }
        if !query.fields.is_empty() {
            request = request.query("fields", query.fields.join(","));
        }
        let body = self.send(request, &context).await?;
        let Value::Object(mut envelope) = body else {
            return Err(remote(format!(
                "{context}: Ninox answered {} instead of {{data, page_info}}",
                excerpt(&body)
            )));
        };
        let rows = match envelope.remove("data") {
            Some(Value::Array(rows)) => rows,
            other => {
                return Err(remote(format!(
                    "{context}: Ninox answered without a `data` list (got {})",
                    other.as_ref().map_or("nothing".to_string(), excerpt)
                )))
            }
        };
        let records = rows
            .iter()
            .map(|row| row_to_record(row, &context))
            .collect::<Result<Vec<_>, _>>()?;
        let page_info = envelope.get("page_info");
        let has_more = match page_info.and_then(|p| p.get("has_more")) {
            Some(Value::Bool(more)) => *more,
            _ => {
                return Err(remote(format!(
                    "{context}: Ninox answered without page_info.has_more, so the end of the \
                     table cannot be told"
                )))
            }
        };
        let next = (has_more && !records.is_empty()).then_some(offset + records.len() as u64);
        Ok(Fetched {
            page: records,
            next,
        })
    }

    /// Finds one record by id. The spec has no single-record read, so this pages through the
    /// table (cost: one request per 100 rows up to the record).
    pub async fn get_record(
        &self,
        module: &str,
        table: &str,
        id: &str,
    ) -> Result<Option<NinoxRecord>, BridgeError> {
        use futures::StreamExt;
        let id = require_id("record id", id)?.to_string();
        let stream = self.list_records(module, table, V4RecordQuery::default());
        futures::pin_mut!(stream);
        while let Some(page) = stream.next().await {
            if let Some(found) = page?.into_iter().find(|r| r.id == id) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// `POST {records:[{field: value}]}`; answers the new ids in order.
    pub async fn create_records(
        &self,
        module: &str,
        table: &str,
        records: &[FieldMap],
    ) -> Result<Vec<String>, BridgeError> {
        let context = format!(
            "create {} record(s) in Ninox table {module}/{table}",
            records.len()
        );
        let body = json!({ "records": records });
        let answer = self
            .send(
                ApiRequest::post(&self.records_path(module, table)?).json(&body)?,
                &context,
            )
            .await?;
        let ids = data_ids(&answer, "ids", &context)?;
        if ids.len() != records.len() {
            return Err(remote(format!(
                "{context}: Ninox answered {} id(s) for {} record(s)",
                ids.len(),
                records.len()
            )));
        }
        Ok(ids)
    }

    /// `PATCH {records:[{id, field: value}]}`: sets the given fields (others unchanged).
    /// Ids must be positive integers (the spec's type).
    pub async fn update_records(
        &self,
        module: &str,
        table: &str,
        records: &[(String, FieldMap)],
    ) -> Result<Vec<String>, BridgeError> {
        let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
        let context = format!(
            "update record(s) {} of Ninox table {module}/{table}",
            ids.join(", ")
        );
        let mut rows = Vec::with_capacity(records.len());
        for (id, fields) in records {
            let mut row: Map<String, Value> =
                fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            row.insert("id".into(), Value::from(integer_id(id, &context)?));
            rows.push(Value::Object(row));
        }
        let answer = self
            .send(
                ApiRequest::new(Method::PATCH, &self.records_path(module, table)?)
                    .json(&json!({ "records": rows }))?
                    // Setting the same values twice does no harm.
                    .idempotent(true),
                &context,
            )
            .await?;
        data_ids(&answer, "updatedIds", &context)
    }

    /// `DELETE {records:[id…]}`.
    pub async fn delete_records(
        &self,
        module: &str,
        table: &str,
        ids: &[String],
    ) -> Result<Vec<String>, BridgeError> {
        let context = format!(
            "delete record(s) {} of Ninox table {module}/{table}",
            ids.join(", ")
        );
        let numbers = ids
            .iter()
            .map(|id| integer_id(id, &context))
            .collect::<Result<Vec<_>, _>>()?;
        let answer = self
            .send(
                ApiRequest::delete(&self.records_path(module, table)?)
                    .json(&json!({ "records": numbers }))?,
                &context,
            )
            .await?;
        data_ids(&answer, "deletedIds", &context)
    }
}

fn integer_id(id: &str, context: &str) -> Result<u64, BridgeError> {
    id.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            BridgeError::invalid_input(format!(
                "{context}: record id '{id}' is not a positive integer"
            ))
        })
}

/// A successful v4 answer as JSON. HTML (by content type or body) and `{error:{message}}` are
/// errors that keep the remote's words.
pub(crate) fn read_answer(answer: &RawAnswer, context: &str) -> Result<Value, BridgeError> {
    let content_type = answer
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = String::from_utf8_lossy(&answer.body);
    let trimmed = text.trim_start();
    if content_type.contains("html") || trimmed.starts_with('<') {
        return Err(remote(format!(
            "{context}: Ninox answered {} with an HTML page instead of JSON: the base URL or the \
             workspace, module or table name is wrong (the API lives under /api/v1/workspace/…)",
            answer.status
        )));
    }
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|e| {
        remote(format!(
            "{context}: Ninox answered {} with a body we could not read: {e}",
            answer.status
        ))
    })?;
    if let Some(error) = value.get("error") {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| excerpt(error), str::to_string);
        return Err(remote(format!("{context}: Ninox answered: {message}")));
    }
    Ok(value)
}

fn data_list(body: Value, context: &str) -> Result<Vec<Value>, BridgeError> {
    match body.get("data") {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(remote(format!(
            "{context}: Ninox answered {} instead of {{data:[…]}}",
            excerpt(&body)
        ))),
    }
}

fn data_ids(body: &Value, key: &str, context: &str) -> Result<Vec<String>, BridgeError> {
    match body.get("data").and_then(|d| d.get(key)) {
        Some(Value::Array(ids)) => Ok(ids.iter().filter_map(id_text).collect()),
        _ => Err(remote(format!(
            "{context}: Ninox answered {} without data.{key}",
            excerpt(body)
        ))),
    }
}

fn row_to_record(row: &Value, context: &str) -> Result<NinoxRecord, BridgeError> {
    let id = row
        .get("id")
        .and_then(id_text)
        .ok_or_else(|| remote(format!("{context}: a row without an id: {}", excerpt(row))))?;
    let fields = match row.get("values") {
        Some(Value::Object(values)) => values.clone().into_iter().collect(),
        None | Some(Value::Null) => FieldMap::new(),
        Some(other) => {
            return Err(remote(format!(
                "{context}: row {id}: `values` is {}, not an object",
                excerpt(other)
            )))
        }
    };
    Ok(NinoxRecord {
        id,
        sequence: None,
        created_at: None,
        modified_at: None,
        fields,
        problems: Vec::new(),
    })
}
