//! The activities export: what contacts did (emails opened, email links clicked, custom
//! events collected…), from `fromDate` to `toDate`, optionally of some activity types only.
//!
//! Sources: api-docs.connectif.cloud exports/create-export (`exportType` "activities";
//! `filters.fromDate` and `filters.toDate` required for it, "The range between fromDate and
//! toDate cannot be greater than 31 days"; `filters.activityTypes` optional, "If it is not
//! provided, no filter will be applied"); support.connectif.ai article 360016806179 "Events
//! that use up your Activity allowance" (the activity type names: `email-opened`,
//! `email-link-clicked`, `custom-event`, …); article 23243787114524 (activity columns are
//! named by display name and change with `version`).
//!
//! // Guess: the columns. No document lists an activities file's columns; the fake writes
//! "Activity ID", "Activity type", "Date", "Email" and "Custom event" (the alias, for
//! `custom-event` rows), and the client finds its columns by several likely names.
//! // Guess: a custom event received through the API is listed as a `custom-event` activity
//! (the allowance article counts "custom event collected" among activities).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::data::{time, Account};

/// One activity of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectifActivity {
    pub id: String,
    /// The activity type, e.g. `email-opened`.
    pub kind: String,
    pub email: String,
    pub at: DateTime<Utc>,
    /// For a `custom-event`: its type's alias.
    pub custom_event: Option<String>,
}

/// The documented limit of one activities export's date range.
const MAX_RANGE_DAYS: i64 = 31;

/// What an activities export asks for: from, to, and the activity types (every type when
/// empty).
pub(crate) type Asked = (DateTime<Utc>, DateTime<Utc>, Vec<String>);

/// The activities export's filters, checked as create-export documents them: the problems
/// (path, reason) of a 422, or what it asks for.
pub(crate) fn filters(
    filters: Option<&Map<String, Value>>,
) -> Result<Asked, Vec<(String, String)>> {
    let date = |key: &str| {
        filters
            .and_then(|f| f.get(key))
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let mut problems = Vec::new();
    let (from, to) = (date("fromDate"), date("toDate"));
    for (key, value) in [("fromDate", from), ("toDate", to)] {
        if value.is_none() {
            problems.push((
                format!("/filters/{key}"),
                "is required for the activities export type and must be an ISO 8601 date-time"
                    .into(),
            ));
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(problems);
    };
    if to < from || to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(vec![(
            "/filters/toDate".into(),
            "The range between fromDate and toDate cannot be greater than 31 days".into(),
        )]);
    }
    let types = filters
        .and_then(|f| f.get("activityTypes"))
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok((from, to, types))
}

/// The account's activities from `from` to `to` (`types` empty: every type) as a CSV file,
/// oldest first, and how many rows it has.
pub(crate) fn activities_csv(
    account: &Account,
    delimiter: char,
    (from, to, types): &Asked,
) -> (String, usize) {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record([
        "Activity ID",
        "Activity type",
        "Date",
        "Email",
        "Custom event",
    ]);
    let mut rows: Vec<&ConnectifActivity> = account
        .activities
        .iter()
        .filter(|a| a.at >= *from && a.at <= *to)
        .filter(|a| types.is_empty() || types.contains(&a.kind))
        .collect();
    rows.sort_by_key(|a| a.at);
    for a in &rows {
        // Writing to memory fails only on a bug: the row is left out, and the file shows it.
        let _ = writer.write_record([
            a.id.as_str(),
            a.kind.as_str(),
            &time(a.at),
            a.email.as_str(),
            a.custom_event.as_deref().unwrap_or(""),
        ]);
    }
    let out = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    (out, rows.len())
}
