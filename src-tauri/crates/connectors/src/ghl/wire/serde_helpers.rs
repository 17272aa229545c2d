//! Small serde adapters shared by the wire types.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Reads `null` (and, with `#[serde(default)]`, absence) as the type's default, e.g. an empty list.
pub(super) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Writes a time as RFC 3339 in UTC ("2020-10-25T11:00:00Z"), the spec examples' form.
pub(super) fn rfc3339<S: Serializer>(
    time: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub(super) fn rfc3339_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes an empty string as `null`: UpdateContactDto types the names, email and phone as
/// nullable strings, and `null` is how a field is cleared (an empty string is not a valid email
/// or phone, and GHL keeps a field that is left out).
pub(super) fn empty_as_null<S: Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.as_deref() {
        Some("") | None => serializer.serialize_none(),
        Some(text) => serializer.serialize_str(text),
    }
}
