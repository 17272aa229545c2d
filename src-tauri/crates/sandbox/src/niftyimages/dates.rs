//! Whether a value is written in a DATE field's `date_input_format`, a .NET custom date and
//! time format (the store's only example: `yyyy-MM-dd HH:mm`). Independent of the client's own
//! conversion on purpose: the fake checks what the client sends.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// .NET tokens and the chrono patterns that parse them, longest first.
const TOKENS: &[(&str, &str)] = &[
    ("yyyy", "%Y"),
    ("MM", "%m"),
    ("M", "%m"),
    ("dd", "%d"),
    ("d", "%d"),
    ("HH", "%H"),
    ("H", "%H"),
    ("hh", "%I"),
    ("h", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("tt", "%p"),
];

/// `text` parses under `format` and nothing is left over. A format with a token this fake
/// does not know accepts any text (Guess: better than refusing what NiftyImages may take).
pub(super) fn fits(text: &str, format: &str) -> bool {
    let Some(pattern) = pattern(format) else {
        return true;
    };
    NaiveDateTime::parse_from_str(text, &pattern).is_ok()
        || NaiveDate::parse_from_str(text, &pattern).is_ok()
        || NaiveTime::parse_from_str(text, &pattern).is_ok()
}

fn pattern(format: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some((token, pattern)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push_str(pattern);
            rest = &rest[token.len()..];
        } else if c.is_ascii_alphabetic() || c == '\'' || c == '"' || c == '\\' {
            return None;
        } else {
            if c == '%' {
                out.push('%');
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_the_fields_format_fit_and_others_do_not() {
        assert!(fits("2026-12-01 15:30", "yyyy-MM-dd HH:mm"));
        assert!(!fits("2026-12-01T15:30:00Z", "yyyy-MM-dd HH:mm"));
        assert!(!fits("12/01/2026", "yyyy-MM-dd HH:mm"));
        assert!(fits("12/1/2026", "M/d/yyyy"));
        assert!(fits("2026-12-01", "yyyy-MM-dd"));
    }
}
