//! NiftyImages's checks: the key reads the store's fields (`GET /Store`, one request), every
//! field the mapping writes exists there, and every mapped DATE field has a
//! `date_input_format` Contact Bridge can write.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::niftyimages::{chrono_pattern, same_field, StoreField};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::Store;

use super::Check;
use crate::connections::niftyimages_client;

pub(super) async fn checks(
    store: &Store,
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
) -> Vec<Check> {
    let fields = match niftyimages_client(connection, tokens) {
        Ok(client) => client.store_fields().await,
        Err(e) => Err(e),
    };
    let fields = match fields {
        Ok(fields) => fields,
        Err(e) => {
            return vec![Check::sign_in_failed(
                &e,
                "Check the data store's API key in NiftyImages and reconnect",
            )]
        }
    };
    let mapped = match crate::pair::contact_mapping(store, connection) {
        Ok(mapping) => mapping
            .fields
            .into_iter()
            .map(|l| l.app)
            .collect::<Vec<_>>(),
        Err(e) => return vec![Check::failed("mapping", e.message)],
    };
    let mut checks = vec![Check::ok(
        "sign-in",
        "the key is accepted and the store's fields can be read",
    )];
    checks.extend(mapped.iter().map(|name| field_check(name, &fields)));
    checks
}

/// The mapped field `name`: present, and for a DATE field, a format we can write.
fn field_check(name: &str, fields: &[StoreField]) -> Check {
    let capability = format!("field {name}");
    let Some(field) = fields.iter().find(|f| same_field(&f.name, name)) else {
        return Check::failed(
            capability,
            format!(
                "Add a field named \"{name}\" to the NiftyImages data store, or take it out of \
                 the mapping."
            ),
        );
    };
    if !field.field_type.eq_ignore_ascii_case("DATE") {
        return Check::ok(capability, format!("{} field", field.field_type));
    }
    match field.date_input_format.as_deref().map(chrono_pattern) {
        Some(Ok(_)) => Check::ok(
            capability,
            format!(
                "DATE field written as {}",
                field.date_input_format.as_deref().unwrap_or_default()
            ),
        ),
        Some(Err(e)) => Check::failed(
            capability,
            format!(
                "Change the date input format of \"{}\" in NiftyImages: {e}.",
                field.name
            ),
        ),
        None => Check::failed(
            capability,
            format!(
                "Set a date input format on the DATE field \"{}\" in NiftyImages.",
                field.name
            ),
        ),
    }
}
