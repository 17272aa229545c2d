//! The location's custom field definitions (locations.json CustomFieldSchema):
//! GET /locations/{locationId}/customFields?model=contact.

use serde::Deserialize;

use super::serde_helpers::null_as_default;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomFieldDefinition {
    pub id: Option<String>,
    pub name: Option<String>,
    /// e.g. "contact.membership_level": the key contact values are mapped by.
    pub field_key: Option<String>,
    /// e.g. TEXT, LARGE_TEXT, NUMERICAL, MONETORY, CHECKBOX, MULTIPLE_OPTIONS, DATE, FILE_UPLOAD.
    pub data_type: Option<String>,
    pub placeholder: Option<String>,
    /// Strings per the spec; kept as JSON in case a location has richer options.
    #[serde(deserialize_with = "null_as_default")]
    pub picklist_options: Vec<serde_json::Value>,
    pub model: Option<String>,
}

/// `{customFields}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomFieldsEnvelope {
    #[serde(deserialize_with = "null_as_default")]
    pub custom_fields: Vec<CustomFieldDefinition>,
}
