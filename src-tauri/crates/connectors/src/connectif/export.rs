//! The contacts export, as one stream of contacts: start the job, poll it with a growing
//! interval until it is finished (bounded in total), download the CSV and read it as it
//! arrives, one record at a time.

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_core::BridgeError;
use chrono::{DateTime, NaiveDateTime, Utc};
use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::json;

use super::export_csv::{self, CsvError, Record};
use super::fields::{field_for_header, loose, ContactField};
use super::wire::ExportJob;
use super::{remote, ConnectifClient};
use crate::http::ApiRequest;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// ',' or ';' (the two Connectif offers).
    pub delimiter: char,
    /// Only the contacts of this segment.
    pub segment_id: Option<String>,
    /// The first wait between polls; each next wait doubles, up to `max_poll`.
    pub first_poll: Duration,
    pub max_poll: Duration,
    /// Give up when the job is not finished after this long.
    pub max_wait: Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            delimiter: ',',
            segment_id: None,
            first_poll: Duration::from_secs(2),
            max_poll: Duration::from_secs(30),
            max_wait: Duration::from_secs(30 * 60),
        }
    }
}

/// One row of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedContact {
    /// The row in the file (the header is row 1), for messages.
    pub row: u64,
    pub email: String,
    /// From the last-update column when the file has one.
    pub updated_at: Option<DateTime<Utc>>,
    /// Every column, keyed by the id of the contact field it holds (`_name`, a custom field's
    /// id) or, for a column no field matches, by its header. A field whose column the file
    /// lacks is absent (not empty): a caller must not read that as a cleared value.
    pub fields: BTreeMap<String, String>,
}

/// Where the columns we read are: each header tied to its field (by id or display name), the
/// email and last-update columns found by field id or, failing that, by their likely names.
struct Columns {
    names: Vec<String>,
    keys: Vec<String>,
    email: usize,
    updated: Option<usize>,
}

impl Columns {
    fn from_header(names: Vec<String>, fields: &[ContactField]) -> Result<Self, BridgeError> {
        let keys: Vec<String> = names
            .iter()
            .map(|h| field_for_header(fields, h).unwrap_or(h).to_string())
            .collect();
        let find = |id: &str, wanted: &[&str]| {
            keys.iter().position(|k| k == id).or_else(|| {
                names
                    .iter()
                    .position(|n| wanted.contains(&loose(n).as_str()))
            })
        };
        let email = find("_email", &["email"]).ok_or_else(|| {
            remote(format!(
                "the Connectif export has no email column (its columns: {})",
                names.join(", ")
            ))
        })?;
        let updated = find(
            "_updatedAt",
            &["updatedat", "lastupdate", "dateoflastupdate", "lastupdated"],
        );
        Ok(Self {
            names,
            keys,
            email,
            updated,
        })
    }

    fn contact(&self, row: u64, record: Vec<String>) -> Result<ExportedContact, BridgeError> {
        let at = |index: usize| record.get(index).map(|v| v.trim()).unwrap_or("");
        let email = at(self.email);
        if email.is_empty() {
            return Err(csv_error(CsvError {
                row,
                column: Some(format!("'{}'", self.names[self.email])),
                problem: "no email".into(),
            }));
        }
        let updated_at = match self.updated.map(|i| (i, at(i))) {
            None | Some((_, "")) => None,
            Some((index, text)) => Some(parse_instant(text).ok_or_else(|| {
                csv_error(CsvError {
                    row,
                    column: Some(format!("'{}'", self.names[index])),
                    problem: format!("'{text}' is not an ISO 8601 instant"),
                })
            })?),
        };
        Ok(ExportedContact {
            row,
            email: email.to_string(),
            updated_at,
            fields: self.keys.iter().cloned().zip(record).collect(),
        })
    }
}

pub(super) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

pub(super) fn csv_error(error: CsvError) -> BridgeError {
    if error.row == 0 {
        // The download broke off (or its reader stopped): worth reading again later.
        return BridgeError::new(
            bridge_core::ErrorCode::Network,
            format!("the Connectif export download broke off: {}", error.problem),
        );
    }
    remote(format!(
        "the Connectif contacts export is unreadable at {error}"
    ))
}

/// One record as a contact, or `None` for the header (it sets the columns) and for rows
/// older than `since`.
fn take_contact(
    (row, record): Record,
    columns: &mut Option<Columns>,
    fields: &[ContactField],
    since: Option<DateTime<Utc>>,
) -> Result<Option<ExportedContact>, BridgeError> {
    let Some(columns) = columns else {
        *columns = Some(Columns::from_header(record, fields)?);
        return Ok(None);
    };
    let contact = columns.contact(row, record)?;
    // A row without a last-update time is kept: it cannot be shown unchanged.
    Ok(since
        .is_none_or(|since| contact.updated_at.is_none_or(|at| at >= since))
        .then_some(contact))
}

impl ConnectifClient {
    /// Every contact (or one segment's) updated at or after `updated_since` (all when `None`),
    /// read from a fresh export, its columns tied to the account's contact fields (one
    /// `GET /contact-fields/` first). The whole account is exported each time (Connectif has no
    /// date filter for contacts exports); rows are filtered as they are read, never all held.
    pub fn export_contacts(
        &self,
        updated_since: Option<DateTime<Utc>>,
        options: ExportOptions,
    ) -> impl Stream<Item = Result<ExportedContact, BridgeError>> + Send + 'static {
        let client = self.clone();
        async_stream::try_stream! {
            let delimiter = u8::try_from(options.delimiter)
                .ok()
                .filter(|d| matches!(d, b',' | b';'))
                .ok_or_else(|| BridgeError::invalid_input(format!(
                    "Connectif exports use ',' or ';' as delimiter, not '{}'", options.delimiter
                )))?;
            let fields = client.list_contact_fields().await?;
            let file_url = client.finished_export(&options).await?;
            let response = client.open_download(&file_url).await?;
            let mut body = response
                .bytes_stream()
                .map_err(|e| e.without_url().to_string())
                .boxed();
            // A zipped export is told by its first bytes; the chunk goes back in front.
            let first = body.try_next().await.map_err(|e| BridgeError::new(
                bridge_core::ErrorCode::Network,
                format!("the Connectif export download broke off: {e}"),
            ))?;
            if first.as_ref().is_some_and(|chunk| chunk.starts_with(b"PK\x03\x04")) {
                Err(remote("the Connectif export file is a ZIP archive; zipped exports are not read yet"))?;
            }
            let body = futures::stream::iter(first.map(Ok)).chain(body);
            let records = export_csv::records(body.boxed(), delimiter);
            futures::pin_mut!(records);
            let mut columns: Option<Columns> = None;
            while let Some(record) = records.next().await {
                if let Some(contact) = take_contact(record.map_err(csv_error)?, &mut columns, &fields, updated_since)? {
                    yield contact;
                }
            }
            if columns.is_none() {
                Err(remote("the Connectif contacts export is empty (not even a header row)"))?;
            }
        }
    }

    /// GETs the export file (a signed URL: no API key), checking the status.
    pub(super) async fn open_download(
        &self,
        file_url: &str,
    ) -> Result<reqwest::Response, BridgeError> {
        let response = self.download.get(file_url).send().await.map_err(|e| {
            BridgeError::new(
                bridge_core::ErrorCode::Network,
                format!(
                    "could not download the Connectif export: {}",
                    e.without_url()
                ),
            )
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(remote(format!(
            "downloading the Connectif export answered {status}: {}",
            crate::http::remote_error::remote_message(body.as_bytes()).unwrap_or_default()
        )))
    }

    /// Starts a contacts export and polls it until it is finished: its file's URL.
    async fn finished_export(&self, options: &ExportOptions) -> Result<String, BridgeError> {
        let mut body = json!({
            "exportType": "contacts",
            "delimiter": options.delimiter.to_string(),
            "dateFormat": "ISO",
        });
        if let Some(segment) = &options.segment_id {
            body["filters"] = json!({ "segmentId": segment });
        }
        self.finished_export_of(&body, options).await
    }

    /// Starts the export `body` asks for and polls it until it is finished: its file's URL.
    pub(super) async fn finished_export_of(
        &self,
        body: &serde_json::Value,
        options: &ExportOptions,
    ) -> Result<String, BridgeError> {
        let kind = body["exportType"].as_str().unwrap_or("contacts");
        let mut job: ExportJob = self
            .http
            .send(
                ApiRequest::post(&["exports", ""])
                    .json(body)?
                    .context(format!("start a Connectif {kind} export")),
            )
            .await?;
        let id = job.id.clone();
        let started = tokio::time::Instant::now();
        let mut wait = options.first_poll;
        loop {
            match job.status.as_str() {
                "finished" => {
                    return job
                        .file_url
                        .filter(|u| !u.trim().is_empty())
                        .ok_or_else(|| {
                            remote(format!(
                                "Connectif export {id} is finished but has no fileUrl"
                            ))
                        })
                }
                "error" | "failed" | "cancelled" => {
                    return Err(remote(format!(
                        "Connectif export {id} ended with status '{}'",
                        job.status
                    )))
                }
                _ => {}
            }
            if started.elapsed() + wait > options.max_wait {
                return Err(remote(format!(
                    "Connectif export {id} is not finished after {} s (status '{}', {} of {} rows)",
                    options.max_wait.as_secs(),
                    job.status,
                    job.progress.unwrap_or(0),
                    job.total.map_or_else(|| "?".to_string(), |t| t.to_string()),
                )));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(options.max_poll);
            job = self
                .http
                .send(
                    ApiRequest::get(&["exports", &id])
                        .context(format!("check Connectif export {id}")),
                )
                .await?;
        }
    }
}
