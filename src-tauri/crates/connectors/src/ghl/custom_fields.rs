//! The location's contact custom fields: GET /locations/{locationId}/customFields?model=contact.
//! Contacts carry values by field id only; this list gives each id its key, name and type.

use std::collections::HashMap;

use bridge_core::BridgeError;

use super::wire::{CustomFieldDefinition, CustomFieldsEnvelope};
use super::GhlClient;
use crate::http::ApiRequest;

impl GhlClient {
    pub async fn list_custom_fields(&self) -> Result<Vec<CustomFieldDefinition>, BridgeError> {
        let location = self.location_id().to_string();
        let envelope: CustomFieldsEnvelope = self
            .send(
                ApiRequest::get(&["locations", &location, "customFields"])
                    .query("model", "contact")
                    .context(format!(
                        "list the contact custom fields of GHL location {location}"
                    )),
            )
            .await?;
        Ok(envelope.custom_fields)
    }

    pub async fn custom_field_index(&self) -> Result<CustomFieldIndex, BridgeError> {
        Ok(CustomFieldIndex::new(&self.list_custom_fields().await?))
    }
}

/// Custom field ids ↔ keys of one location.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomFieldIndex {
    key_by_id: HashMap<String, String>,
    id_by_key: HashMap<String, String>,
}

impl CustomFieldIndex {
    /// Definitions without both an id and a key cannot be mapped and are left out.
    pub fn new(definitions: &[CustomFieldDefinition]) -> Self {
        let mut index = Self::default();
        for definition in definitions {
            if let (Some(id), Some(key)) = (&definition.id, &definition.field_key) {
                index.key_by_id.insert(id.clone(), key.clone());
                index.id_by_key.insert(key.clone(), id.clone());
            }
        }
        index
    }

    pub fn key_of(&self, id: &str) -> Option<&str> {
        self.key_by_id.get(id).map(String::as_str)
    }

    pub fn id_of(&self, key: &str) -> Option<&str> {
        self.id_by_key.get(key).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.key_by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.key_by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ids_and_keys_both_ways_and_skips_incomplete_definitions() {
        let index = CustomFieldIndex::new(&[
            CustomFieldDefinition {
                id: Some("f1".into()),
                field_key: Some("contact.level".into()),
                ..Default::default()
            },
            CustomFieldDefinition {
                id: Some("f2".into()),
                ..Default::default()
            },
        ]);
        assert_eq!(index.len(), 1);
        assert_eq!(index.key_of("f1"), Some("contact.level"));
        assert_eq!(index.id_of("contact.level"), Some("f1"));
        assert_eq!(index.key_of("f2"), None);
    }
}
