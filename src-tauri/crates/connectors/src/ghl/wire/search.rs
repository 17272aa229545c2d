//! POST /contacts/search. The spec leaves the body schema empty (SearchBodyV2DTO has no
//! properties); the fields below are GHL's documented ones (Search Contacts docs, ghl#31):
//! locationId and pageLimit are required, `page` is left out because page+pageLimit stop at
//! 10,000 records while `searchAfter` does not.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::contact::GhlContact;
use super::serde_helpers::null_as_default;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContactsBody {
    pub location_id: String,
    /// 1..=500.
    pub page_limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<SearchFilter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SearchSort>,
}

/// `{field, operator, value}`; operators eq, not_eq, contains, not_contains, exists,
/// not_exists, range (value `{gt|gte|lt|lte: …}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchFilter {
    pub field: String,
    pub operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSort {
    pub field: String,
    /// "asc" or "desc".
    pub direction: String,
}

/// `{contacts, total, traceId}` (observed; the spec documents no 200 body, ghl#314).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchContactsEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub contacts: Vec<GhlContact>,
    pub total: Option<Value>,
    pub trace_id: Option<String>,
}
