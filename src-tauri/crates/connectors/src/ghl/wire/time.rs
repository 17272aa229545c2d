//! Times as GHL sends them. The same field comes as an ISO string with an offset, an ISO string
//! without one ("2021-07-16 11:00:00" in the appointment examples) or epoch milliseconds (search's
//! `dateOfBirth`, ghl#314); it is kept raw and read only when converted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct RemoteTime(pub Value);

impl RemoteTime {
    /// The instant, `Ok(None)` for an empty value, or `Err` with what was sent.
    /// A time without an offset is read as UTC: GHL stores times in UTC and the spec gives no zone.
    pub fn parse(&self) -> Result<Option<DateTime<Utc>>, String> {
        match &self.0 {
            Value::Null => Ok(None),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => parse_text(text.trim())
                .map(Some)
                .ok_or_else(|| format!("'{text}' is not a time")),
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                .map(Some)
                .ok_or_else(|| format!("{n} is not a time in epoch milliseconds")),
            other => Err(format!("{other} is not a time")),
        }
    }
}

fn parse_text(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<Option<DateTime<Utc>>, String> {
        RemoteTime(value).parse()
    }

    #[test]
    fn reads_the_forms_ghl_sends() {
        let at = Utc.with_ymd_and_hms(2021, 7, 2, 5, 18, 26).unwrap()
            + chrono::Duration::milliseconds(704);
        assert_eq!(parse(json!("2021-07-02T05:18:26.704Z")), Ok(Some(at)));
        assert_eq!(parse(json!(1_625_203_106_704_i64)), Ok(Some(at)));
        assert_eq!(
            parse(json!("2021-06-23T03:30:00+05:30")),
            Ok(Some(Utc.with_ymd_and_hms(2021, 6, 22, 22, 0, 0).unwrap()))
        );
        assert_eq!(
            parse(json!("2021-07-16 11:00:00")),
            Ok(Some(Utc.with_ymd_and_hms(2021, 7, 16, 11, 0, 0).unwrap()))
        );
        assert_eq!(
            parse(json!("1990-09-25")),
            Ok(Some(Utc.with_ymd_and_hms(1990, 9, 25, 0, 0, 0).unwrap()))
        );
    }

    #[test]
    fn empty_is_none_and_garbage_is_an_error_quoting_it() {
        assert_eq!(parse(Value::Null), Ok(None));
        assert_eq!(parse(json!("")), Ok(None));
        assert_eq!(
            parse(json!("next tuesday")).unwrap_err(),
            "'next tuesday' is not a time"
        );
        assert!(parse(json!({"a": 1})).is_err());
    }
}
