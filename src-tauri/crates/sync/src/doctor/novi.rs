//! Novi AMS's checks: the key reads members ("sign-in", one page of one member), and the
//! tenant's activity types (`/api/custom-activity-types`, one request) include a task type
//! ("tasks") and a note type ("notes"), which tasks and notes are written as.

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::novi::convert::{ActivityTypes, MissingActivityType};
use bridge_connectors::novi::MemberQuery;
use bridge_store::table::connections::ConnectionRow;
use futures::TryStreamExt;

use super::Check;
use crate::connections::novi_client;

pub(super) async fn checks(connection: &ConnectionRow, tokens: Arc<dyn TokenStore>) -> Vec<Check> {
    let client = match novi_client(connection, tokens) {
        Ok(client) => client,
        Err(e) => {
            return vec![Check::sign_in_failed(
                &e,
                "Check the API key in Novi AMS and reconnect",
            )]
        }
    };
    let pages = client.list_members(MemberQuery {
        modified_since: None,
        page_size: 1,
    });
    futures::pin_mut!(pages);
    let sign_in = Check::from_probe(
        "sign-in",
        pages.try_next().await,
        "the key is accepted and members can be read",
        "Check the API key in Novi AMS and reconnect",
    );
    if !sign_in.ok {
        return vec![sign_in];
    }
    let types = match client.list_activity_types().await {
        Ok(types) => types,
        Err(e) => {
            let failed = |capability: &str| {
                Check::failed(
                    capability,
                    format!(
                        "Let the API key read activity types in Novi AMS (Settings > API Keys), then run doctor again ({}).",
                        e.message
                    ),
                )
            };
            return vec![sign_in, failed("tasks"), failed("notes")];
        }
    };
    let check = |capability: &str, kind: MissingActivityType| match ActivityTypes::resolve_one(
        &types, kind,
    ) {
        Some(name) => Check::ok(
            capability,
            format!("written as the activity type \"{name}\""),
        ),
        None => Check::failed(capability, kind.advice()),
    };
    // Association events (GHL appointments become them): `GET /api/events` is not paged, so
    // one request proves the key may read them.
    let events = Check::from_probe(
        "events",
        client.list_events().await,
        "association events can be read",
        "Let the API key read and write events in Novi AMS (Settings > API Keys), then run doctor again",
    );
    vec![
        sign_in,
        check("tasks", MissingActivityType::Task),
        check("notes", MissingActivityType::Note),
        events,
    ]
}
