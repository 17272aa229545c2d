//! Nifty's checks: one cheap request per scope the pair uses (`project` with the sign-in, `task`,
//! `task_group`, `label`, `message`), each failure one sentence naming the scope to enable in
//! the Nifty app; and the redirect URL the app must have registered for the next sign-in.
//! Nifty answers a missing scope with 403 "Forbidden resource" (reference/api-fidelity.md).

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::nifty::{NiftyClient, TaskQuery};
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::connections::ConnectionRow;
use futures::TryStreamExt;

use super::Check;
use crate::nifty::{nifty_client, nifty_redirect_url, NIFTY_REDIRECT_PORT};

pub(super) async fn checks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    match nifty_client(connection, tokens, clock) {
        Ok(client) => scope_checks(connection, &client, &mut checks).await,
        Err(e) => checks.push(Check::failed(
            "sign-in",
            format!(
                "Reconnect Nifty with `bridge connect nifty` ({}).",
                e.message
            ),
        )),
    }
    checks.push(redirect_check(connection));
    checks
}

async fn scope_checks(connection: &ConnectionRow, client: &NiftyClient, checks: &mut Vec<Check>) {
    let project = connection.settings["projectId"].as_str().unwrap_or("");
    // The sign-in: the token is accepted and the projects can be read (the connection needs
    // its project); a sync refuses the pair while this check fails.
    checks.push(scope_check(
        "sign-in",
        "project",
        client.list_projects().await.map(|_| ()),
    ));
    let first_page = async {
        let pages = client.list_tasks(TaskQuery {
            completed: Some(false),
            page_size: 1,
            ..TaskQuery::project(project)
        });
        futures::pin_mut!(pages);
        pages.try_next().await
    }
    .await;
    let first_task = first_page
        .as_ref()
        .ok()
        .and_then(|page| page.as_ref()?.first().map(|t| t.id.clone()));
    checks.push(scope_check("tasks", "task", first_page.map(|_| ())));
    checks.push(scope_check(
        "task groups",
        "task_group",
        client.list_task_groups(project).await.map(|_| ()),
    ));
    checks.push(scope_check(
        "labels",
        "label",
        client.list_labels().await.map(|_| ()),
    ));
    checks.push(scope_check(
        "comments",
        "message",
        client.probe_messages(first_task.as_deref()).await,
    ));
}

/// OK with what the scope allows, or one sentence: enable the scope (403), sign in again
/// (401), or Nifty's own words.
fn scope_check(capability: &str, scope: &str, probe: Result<(), BridgeError>) -> Check {
    match probe {
        Ok(()) => Check::ok(capability, format!("the {scope} scope is granted")),
        Err(e) if e.code == ErrorCode::Unauthorized && e.message.contains("Forbidden") => {
            Check::failed(
                capability,
                format!(
                    "Enable the {scope} scope on your Nifty app (App Center → your app), then reconnect with `bridge connect nifty`."
                ),
            )
        }
        Err(e) if matches!(e.code, ErrorCode::Unauthorized | ErrorCode::ReconnectRequired) => {
            Check::failed(
                capability,
                format!("Reconnect Nifty with `bridge connect nifty` ({}).", e.message),
            )
        }
        Err(e) => Check::failed(
            capability,
            format!("Nifty refused the {scope} check: {}.", e.message),
        ),
    }
}

/// The redirect URL cannot be probed without a sign-in: it is stated, so the operator can
/// compare it with the app's list before the next reconnect.
fn redirect_check(connection: &ConnectionRow) -> Check {
    let url = connection.settings["redirectUrl"]
        .as_str()
        .map_or_else(|| nifty_redirect_url(NIFTY_REDIRECT_PORT), str::to_string);
    Check::ok(
        "redirect URL",
        format!("{url} must stay registered in your Nifty app to sign in again"),
    )
}
