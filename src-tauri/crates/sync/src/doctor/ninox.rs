//! Ninox's checks: the key reads the table's fields ("sign-in"), every field the contact
//! mapping names exists in the table ("contact fields"), and the multiple-choice field tags go
//! to has an option for every tag GHL's contacts carry ("tag options"). One request: the
//! table's fields (v3 reads the database schema too when the table read names no options).

use std::collections::BTreeSet;
use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::ninox::{FieldKind, NinoxField};
use bridge_core::mapping::Mapping;
use bridge_store::table::connections::ConnectionRow;

use super::Check;
use crate::connections::ninox_table;

/// What the checks compare the table against: the pair's contact mapping and the tags GHL's
/// contacts carry.
pub(super) struct Wanted {
    pub mapping: Mapping,
    pub ghl_tags: BTreeSet<String>,
}

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    wanted: &Wanted,
) -> Vec<Check> {
    let fields = match ninox_table(connection, tokens) {
        Ok(table) => table.fields().await,
        Err(e) => Err(e),
    };
    let fields = match fields {
        Ok(fields) => fields,
        Err(e) => {
            return vec![Check::sign_in_failed(
                &e,
                "Check the API key and the table in Ninox, then reconnect",
            )]
        }
    };
    let mut checks = vec![Check::ok(
        "sign-in",
        format!(
            "the key is accepted and the table's {} fields can be read",
            fields.len()
        ),
    )];
    checks.push(contact_fields(&fields, &wanted.mapping));
    if let Some(line) = wanted.mapping.fields.iter().find(|l| l.ghl == "tags") {
        checks.push(tag_options(&fields, &line.app, &wanted.ghl_tags));
    }
    checks
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn contact_fields(fields: &[NinoxField], mapping: &Mapping) -> Check {
    let missing: Vec<&str> = mapping
        .fields
        .iter()
        .map(|l| l.app.as_str())
        .filter(|app| !fields.iter().any(|f| f.name == *app))
        .collect();
    if missing.is_empty() {
        Check::ok(
            "contact fields",
            format!(
                "all {} mapped fields exist in the table",
                mapping.fields.len()
            ),
        )
    } else {
        Check::failed(
            "contact fields",
            format!(
                "Add the field{} {} to the Ninox table (or remove {} from the mapping), then run doctor again.",
                if missing.len() == 1 { "" } else { "s" },
                quoted(&missing),
                if missing.len() == 1 { "it" } else { "them" }
            ),
        )
    }
}

fn tag_options(fields: &[NinoxField], name: &str, ghl_tags: &BTreeSet<String>) -> Check {
    let Some(field) = fields.iter().find(|f| f.name == name) else {
        return Check::failed(
            "tag options",
            format!("Add a multiple-choice field \"{name}\" to the Ninox table for GHL's tags, then run doctor again."),
        );
    };
    if field.kind != FieldKind::MultiChoice {
        return Check::failed(
            "tag options",
            format!("Make the Ninox field \"{name}\" a multiple-choice field (it is {}), then run doctor again.", field.type_name),
        );
    }
    let missing: Vec<&str> = ghl_tags
        .iter()
        .map(String::as_str)
        .filter(|tag| !field.options.iter().any(|o| o.eq_ignore_ascii_case(tag)))
        .collect();
    if missing.is_empty() {
        Check::ok(
            "tag options",
            format!(
                "\"{name}\" is a multiple-choice field with an option for each of GHL's {} tags",
                ghl_tags.len()
            ),
        )
    } else {
        Check::failed(
            "tag options",
            format!(
                "Add the option{} {} to the multiple-choice field \"{name}\" in Ninox, then run doctor again.",
                if missing.len() == 1 { "" } else { "s" },
                quoted(&missing)
            ),
        )
    }
}
