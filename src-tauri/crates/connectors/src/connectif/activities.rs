//! The activities export: what contacts did between two instants (at most 31 days apart),
//! optionally of some activity types only, read into [`ExportedActivity`] rows.
//!
//! Documented (api-docs.connectif.cloud exports/create-export): `exportType` "activities",
//! `filters.fromDate` and `filters.toDate` required for it and at most 31 days apart,
//! `filters.activityTypes` optional. Activity type names (support.connectif.ai article
//! 360016806179): `email-opened`, `email-link-clicked`, `custom-event`, …
//!
//! // Guess: the file's columns. No document lists them (article 23243787114524 only says
//! columns are display names that change with `version`), so each column is found by several
//! likely names ([`COLUMNS`]); a file without an email, type or date column is refused naming
//! the columns it has, and a row that cannot be read is handed back as an
//! [`UnreadableActivity`] (row, column, value, reason).

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Duration, Utc};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use super::export::{parse_instant, ExportOptions};
use super::export_csv::{self, CsvError};
use super::fields::loose;
use super::{remote, ConnectifClient};

/// The longest range one activities export may cover (documented).
pub const MAX_ACTIVITY_RANGE: Duration = Duration::days(31);

/// One row of the activities export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedActivity {
    /// The row in the file (the header is row 1), for messages.
    pub row: u64,
    /// The activity's own id, when the file has an id column.
    pub id: Option<String>,
    /// The activity type, e.g. `email-opened`.
    pub kind: String,
    pub email: String,
    pub at: DateTime<Utc>,
    /// A custom event's type (its alias or name), when the file says it.
    pub custom_event: Option<String>,
}

/// What one export held: its readable rows, and each row it could not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityExport {
    pub activities: Vec<ExportedActivity>,
    pub unreadable: Vec<UnreadableActivity>,
}

/// A row of the activities export that could not be read: where it is, what it held that
/// names it, and which column failed how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableActivity {
    /// The row in the file (the header is row 1).
    pub row: u64,
    /// The activity's id and the contact's email, when the row has them.
    pub id: Option<String>,
    pub email: Option<String>,
    /// The column, by the file's own name (or what was looked for, when it has none).
    pub field: String,
    /// The cell as it was (empty when missing).
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for UnreadableActivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {}: '{}' in '{}' {}",
            self.row, self.value, self.field, self.reason
        )
    }
}

/// // Guess: the likely names of each column we read, compared loosely (case, spaces, `-` and
/// `_` ignored): the id, the type, the date, the email and the custom event's type.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("id", &["activityid", "id", "activity"]),
    ("type", &["activitytype", "type", "eventtype"]),
    (
        "date",
        &[
            "date",
            "activitydate",
            "createdat",
            "occurredat",
            "timestamp",
        ],
    ),
    ("email", &["email", "contactemail", "_email"]),
    (
        "event",
        &[
            "customevent",
            "customeventalias",
            "customeventname",
            "eventalias",
            "eventname",
        ],
    ),
];

struct Columns {
    names: Vec<String>,
    at: [Option<usize>; 5],
}

impl Columns {
    fn from_header(names: Vec<String>) -> Result<Self, BridgeError> {
        let mut at = [None; 5];
        for (slot, (_, wanted)) in at.iter_mut().zip(COLUMNS) {
            *slot = names
                .iter()
                .position(|n| wanted.iter().any(|w| loose(w) == loose(n)));
        }
        for (index, what) in [(1, "activity type"), (2, "date"), (3, "email")] {
            if at[index].is_none() {
                return Err(remote(format!(
                    "the Connectif activities export has no {what} column (its columns: {})",
                    names.join(", ")
                )));
            }
        }
        Ok(Self { names, at })
    }

    fn activity(
        &self,
        row: u64,
        record: &[String],
    ) -> Result<ExportedActivity, Box<UnreadableActivity>> {
        let cell = |slot: usize| {
            self.at[slot]
                .and_then(|i| record.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let unreadable = |slot: usize, value: &str, reason: &str| {
            Box::new(UnreadableActivity {
                row,
                id: cell(0).map(str::to_string),
                email: cell(3).map(str::to_lowercase),
                field: self.at[slot]
                    .map_or_else(|| COLUMNS[slot].0.to_string(), |i| self.names[i].clone()),
                value: value.to_string(),
                reason: reason.to_string(),
            })
        };
        let kind = cell(1).ok_or_else(|| unreadable(1, "", "is empty: no activity type"))?;
        let email = cell(3).ok_or_else(|| unreadable(3, "", "is empty: no email"))?;
        let text = cell(2).ok_or_else(|| unreadable(2, "", "is empty: no date"))?;
        let at =
            parse_instant(text).ok_or_else(|| unreadable(2, text, "is not an ISO 8601 instant"))?;
        Ok(ExportedActivity {
            row,
            id: cell(0).map(str::to_string),
            kind: kind.to_string(),
            email: email.to_lowercase(),
            at,
            custom_event: cell(4).map(str::to_string),
        })
    }
}

fn download_error(error: CsvError) -> BridgeError {
    if error.row == 0 {
        return BridgeError::new(
            ErrorCode::Network,
            format!("the Connectif export download broke off: {}", error.problem),
        );
    }
    remote(format!(
        "the Connectif activities export is unreadable at {error}"
    ))
}

impl ConnectifClient {
    /// The activities from `from` to `to` (at most [`MAX_ACTIVITY_RANGE`] apart) of the
    /// activity types `types` (every type when empty), from a fresh activities export.
    pub async fn export_activities(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        types: &[String],
        options: &ExportOptions,
    ) -> Result<ActivityExport, BridgeError> {
        if to < from || to - from > MAX_ACTIVITY_RANGE {
            return Err(BridgeError::invalid_input(format!(
                "a Connectif activities export covers at most 31 days, not {from} to {to}"
            )));
        }
        let delimiter = u8::try_from(options.delimiter)
            .ok()
            .filter(|d| matches!(d, b',' | b';'))
            .ok_or_else(|| {
                BridgeError::invalid_input(format!(
                    "Connectif exports use ',' or ';' as delimiter, not '{}'",
                    options.delimiter
                ))
            })?;
        let mut filters = json!({
            "fromDate": from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "toDate": to.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        if !types.is_empty() {
            filters["activityTypes"] = json!(types);
        }
        if let Some(segment) = &options.segment_id {
            filters["segmentId"] = json!(segment);
        }
        let body = json!({
            "exportType": "activities",
            "delimiter": options.delimiter.to_string(),
            "dateFormat": "ISO",
            "filters": filters,
        });
        let file_url = self.finished_export_of(&body, options).await?;
        let response = self.open_download(&file_url).await?;
        let body = response
            .bytes_stream()
            .map_err(|e| e.without_url().to_string())
            .boxed();
        let records = export_csv::records(body, delimiter);
        futures::pin_mut!(records);
        let mut columns: Option<Columns> = None;
        let mut export = ActivityExport::default();
        while let Some(record) = records.next().await {
            let (row, record) = record.map_err(download_error)?;
            let Some(columns) = &columns else {
                columns = Some(Columns::from_header(record)?);
                continue;
            };
            match columns.activity(row, &record) {
                Ok(activity) => export.activities.push(activity),
                Err(problem) => export.unreadable.push(*problem),
            }
        }
        if columns.is_none() {
            return Err(remote(
                "the Connectif activities export is empty (not even a header row)",
            ));
        }
        Ok(export)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn columns_are_found_by_likely_names_and_a_missing_one_is_named() {
        let columns =
            Columns::from_header(header(&["Email", "Activity Type", "Date", "Event name"]))
                .unwrap();
        let row = header(&[
            "Ann@Example.com",
            "custom-event",
            "2026-03-01T10:00:00Z",
            "webinar",
        ]);
        let activity = columns.activity(2, &row).unwrap();
        assert_eq!(activity.email, "ann@example.com");
        assert_eq!(activity.kind, "custom-event");
        assert_eq!(activity.custom_event.as_deref(), Some("webinar"));
        assert_eq!(activity.id, None);
        let bad = header(&["ann@example.com", "email-opened", "yesterday", ""]);
        let problem = columns.activity(3, &bad).unwrap_err();
        assert_eq!(
            (problem.row, problem.field.as_str(), problem.value.as_str()),
            (3, "Date", "yesterday")
        );
        assert_eq!(problem.email.as_deref(), Some("ann@example.com"));
        let text = problem.to_string();
        assert!(text.contains("row 3") && text.contains("'Date'"), "{text}");

        let missing = Columns::from_header(header(&["Email", "When"]))
            .err()
            .unwrap();
        assert!(
            missing.message.contains("activity type"),
            "{}",
            missing.message
        );
        assert!(
            missing.message.contains("Email, When"),
            "{}",
            missing.message
        );
    }
}
