//! DATE fields of a data store take their values in the field's own `date_input_format`
//! (`GET /Store` lists it per field; Pipedream components/niftyimages add-data-store-record
//! describes each DATE input as "Must be a date in the `<format>` format"). The formats are
//! .NET custom date and time format strings (NiftyImages runs on ASP.NET; the example seen is
//! `yyyy-MM-dd HH:mm`).
//!
//! Values come from GHL as RFC 3339 instants, plain dates (`2026-12-01`), or the engine's
//! `[start,end)` appointment ranges (the start is written). Stores hold no zone: instants are
//! written in UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// The chrono pattern of a .NET custom format, or why it cannot be used.
pub fn chrono_pattern(net_format: &str) -> Result<String, String> {
    // Longest token first: "yyyy" before "yy", "MM" before "M".
    const TOKENS: &[(&str, &str)] = &[
        ("yyyy", "%Y"),
        ("yy", "%y"),
        ("MMMM", "%B"),
        ("MMM", "%b"),
        ("MM", "%m"),
        ("M", "%-m"),
        ("dddd", "%A"),
        ("ddd", "%a"),
        ("dd", "%d"),
        ("d", "%-d"),
        ("HH", "%H"),
        ("H", "%-H"),
        ("hh", "%I"),
        ("h", "%-I"),
        ("mm", "%M"),
        ("m", "%-M"),
        ("ss", "%S"),
        ("s", "%-S"),
        ("tt", "%p"),
        ("fff", "%3f"),
    ];
    if net_format.trim().is_empty() {
        return Err("the date format is empty".into());
    }
    let mut out = String::new();
    let mut rest = net_format;
    while let Some(c) = rest.chars().next() {
        if let Some((token, pattern)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push_str(pattern);
            rest = &rest[token.len()..];
        } else if c == '\'' || c == '"' {
            // A quoted literal.
            let inner = &rest[1..];
            let end = inner
                .find(c)
                .ok_or_else(|| format!("an unclosed quote in the date format '{net_format}'"))?;
            out.push_str(&inner[..end].replace('%', "%%"));
            rest = &inner[end + 1..];
        } else if c == '\\' {
            let escaped = rest[1..]
                .chars()
                .next()
                .ok_or_else(|| format!("a trailing \\ in the date format '{net_format}'"))?;
            push_literal(&mut out, escaped);
            rest = &rest[1 + escaped.len_utf8()..];
        } else if c.is_ascii_alphabetic() {
            return Err(format!(
                "the date format '{net_format}' uses '{c}', which Contact Bridge cannot write"
            ));
        } else {
            push_literal(&mut out, c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

/// `value` written in the .NET format `net_format`.
pub fn format_date(value: &Value, net_format: &str) -> Result<String, String> {
    let pattern = chrono_pattern(net_format)?;
    let text = value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| format!("{value} is not a date"))?;
    let at = read_instant(text).ok_or_else(|| format!("'{text}' is not a date"))?;
    Ok(at.format(&pattern).to_string())
}

/// An instant from the forms GHL values take.
fn read_instant(text: &str) -> Option<NaiveDateTime> {
    let start = text
        .strip_prefix('[')
        .and_then(|range| range.split(',').next())
        .unwrap_or(text)
        .trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(start) {
        return Some(at.with_timezone(&Utc).naive_utc());
    }
    for pattern in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(start, pattern) {
            return Some(at);
        }
    }
    NaiveDate::parse_from_str(start, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn net_formats_become_chrono_patterns() {
        assert_eq!(
            chrono_pattern("yyyy-MM-dd HH:mm").unwrap(),
            "%Y-%m-%d %H:%M"
        );
        assert_eq!(
            chrono_pattern("M/d/yyyy h:mm tt").unwrap(),
            "%-m/%-d/%Y %-I:%M %p"
        );
        assert_eq!(
            chrono_pattern("dd.MM.yyyy 'at' HH").unwrap(),
            "%d.%m.%Y at %H"
        );
        assert!(chrono_pattern("").is_err());
        assert!(chrono_pattern("yyyy-MM-dd gg").unwrap_err().contains("'g'"));
    }

    #[test]
    fn values_are_written_in_the_fields_format() {
        let format = |v: Value, f: &str| format_date(&v, f).unwrap();
        assert_eq!(
            format(json!("2026-12-01T15:30:00Z"), "yyyy-MM-dd HH:mm"),
            "2026-12-01 15:30"
        );
        assert_eq!(
            format(json!("2026-12-01T10:30:00-05:00"), "yyyy-MM-dd HH:mm"),
            "2026-12-01 15:30"
        );
        assert_eq!(format(json!("2026-12-01"), "MM/dd/yyyy"), "12/01/2026");
        assert_eq!(
            format(
                json!("[2026-12-01T09:00:00Z,2026-12-01T10:00:00Z)"),
                "M/d/yyyy h:mm tt"
            ),
            "12/1/2026 9:00 AM"
        );
        assert!(format_date(&json!("next Tuesday"), "yyyy-MM-dd").is_err());
        assert!(format_date(&json!(17), "yyyy-MM-dd").is_err());
    }
}
