//! Contact fields (`GET /contact-fields/`, resource ContactFieldList: `{results, links}`, each
//! field with id, display name, type and, for checkboxes, options `{id, label}`), and how an
//! export's columns are tied to them: Connectif names export columns by display name, and the
//! names change with the export `version` (support.connectif.ai article 23243787114524), so a
//! column is found by the field's id or display name, ignoring case, spaces, `_` and `-`.

use bridge_core::BridgeError;
use serde::Deserialize;
use serde_json::Value;

use super::{remote, ConnectifClient};
use crate::http::ApiRequest;

/// One option of a checkbox or radio field: contacts hold its `id`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldOption {
    pub id: String,
    #[serde(default)]
    pub label: String,
}

/// A contact field, built in (`_name`…) or custom.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContactField {
    pub id: String,
    /// The display name (the export's column header).
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub custom: bool,
    #[serde(rename = "readOnly", default)]
    pub read_only: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub options: Vec<FieldOption>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FieldOption>, D::Error> {
    Ok(Option::<Vec<FieldOption>>::deserialize(d)?.unwrap_or_default())
}

impl ContactField {
    /// The option a GHL tag stands for: its id or its label, compared as [`loose`] names.
    pub fn option_for(&self, tag: &str) -> Option<&FieldOption> {
        let wanted = loose(tag);
        self.options
            .iter()
            .find(|o| loose(&o.id) == wanted)
            .or_else(|| self.options.iter().find(|o| loose(&o.label) == wanted))
    }
}

/// A name compared loosely: lower case, without spaces, `_` or `-`.
pub fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field id a column header stands for: a field whose id or display name matches.
pub fn field_for_header<'a>(fields: &'a [ContactField], header: &str) -> Option<&'a str> {
    let wanted = loose(header);
    fields
        .iter()
        .find(|f| loose(&f.id) == wanted)
        .or_else(|| fields.iter().find(|f| loose(&f.name) == wanted))
        .map(|f| f.id.as_str())
}

impl ConnectifClient {
    /// Every contact field of the account, following `links.next` (the resource documents the
    /// links, not the paging parameters: `limit`/`skip` as Connectif's other lists take).
    pub async fn list_contact_fields(&self) -> Result<Vec<ContactField>, BridgeError> {
        let mut fields = Vec::new();
        let mut skip = 0usize;
        loop {
            let context = format!("list Connectif contact fields from {skip}");
            let body: Value = self
                .http
                .send(
                    ApiRequest::get(&["contact-fields", ""])
                        .query("limit", "100")
                        .query("skip", skip.to_string())
                        .context(context.clone()),
                )
                .await?;
            let page: Vec<ContactField> = match body.get("results") {
                Some(results) => serde_json::from_value(results.clone()).map_err(|e| {
                    remote(format!("{context}: a contact field is unreadable: {e}"))
                })?,
                None => return Err(remote(format!("{context}: the answer has no results"))),
            };
            let more = body["links"]["next"]
                .as_str()
                .is_some_and(|n| !n.is_empty());
            skip += page.len();
            fields.extend(page);
            if !more || skip == 0 {
                return Ok(fields);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, name: &str) -> ContactField {
        ContactField {
            id: id.into(),
            name: name.into(),
            kind: "text".into(),
            custom: false,
            read_only: false,
            options: Vec::new(),
        }
    }

    #[test]
    fn headers_find_fields_by_id_or_display_name() {
        let fields = vec![
            field("_name", "Name"),
            field("_mobilePhone", "Mobile phone"),
            field("ghl-tags", "GHL tags"),
        ];
        assert_eq!(
            field_for_header(&fields, "Mobile Phone"),
            Some("_mobilePhone")
        );
        assert_eq!(field_for_header(&fields, "_name"), Some("_name"));
        assert_eq!(field_for_header(&fields, "GHL tags"), Some("ghl-tags"));
        assert_eq!(field_for_header(&fields, "Origin of creation"), None);
    }

    #[test]
    fn a_tag_finds_its_option_by_id_or_label() {
        let tags = ContactField {
            options: vec![
                FieldOption {
                    id: "tag_webinar_2026".into(),
                    label: "Webinar-2026".into(),
                },
                FieldOption {
                    id: "tag_vip".into(),
                    label: "VIP".into(),
                },
            ],
            ..field("ghl-tags", "GHL tags")
        };
        assert_eq!(
            tags.option_for("vip").map(|o| o.id.as_str()),
            Some("tag_vip")
        );
        assert_eq!(
            tags.option_for("webinar-2026").map(|o| o.id.as_str()),
            Some("tag_webinar_2026")
        );
        assert!(tags.option_for("cold").is_none());
    }
}
