//! Time as GHL writes and reads it: ISO-8601 UTC with milliseconds (`2021-07-02T05:18:26.704Z`),
//! epoch milliseconds in search cursors and filters.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

/// `t` cut to whole milliseconds, the precision GHL stores.
pub(crate) fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

pub(crate) fn iso_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An ISO-8601 date-time (any offset), a bare date (midnight UTC) or epoch milliseconds.
pub(crate) fn parse_instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        Value::String(s) => parse_instant_str(s),
        _ => None,
    }
}

pub(crate) fn parse_instant_str(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    s.parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
}

/// Appointment times keep the offset the caller wrote (`2021-06-23T03:30:00+05:30`).
pub(crate) fn parse_offset_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok()
}

pub(crate) fn offset_iso(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let t = DateTime::from_timestamp_millis(1_625_203_106_704).unwrap();
        assert_eq!(iso_ms(t), "2021-07-02T05:18:26.704Z");
    }

    #[test]
    fn parses_iso_dates_and_epoch_millis() {
        let expected = DateTime::from_timestamp_millis(1_625_203_106_704).unwrap();
        assert_eq!(
            parse_instant(&json!("2021-07-02T05:18:26.704Z")),
            Some(expected)
        );
        assert_eq!(parse_instant(&json!(1_625_203_106_704_i64)), Some(expected));
        assert_eq!(
            parse_instant(&json!("2021-07-02")),
            Some(DateTime::from_timestamp_millis(1_625_184_000_000).unwrap())
        );
        assert_eq!(parse_instant(&json!("next tuesday")), None);
    }
}
