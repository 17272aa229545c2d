//! The Nifty client against response bodies written in Nifty's documented formats
//! (tests/fixtures/nifty/, sources in its README): a full page with `hasMore`, the last page of
//! completed tasks, a create answer without `name`, the older `{projects}` envelope, and the
//! 403 of a missing scope.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use bridge_connectors::nifty::{rate_budget, NewNiftyTask, NiftyClient, TaskQuery};
use bridge_core::ErrorCode;
use futures::TryStreamExt;
use serde_json::Value;
use support::{fast_retries, FixedToken, MockServer, Recorded, Reply};

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/nifty")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn client(server: &MockServer) -> NiftyClient {
    let http = NiftyClient::http_builder(
        &server.url,
        Arc::new(FixedToken("token".into())),
        Arc::new(rate_budget("fixtures")),
    )
    .retry_policy(fast_retries())
    .build()
    .unwrap();
    NiftyClient::with_http(http)
}

fn query(request: &Recorded, name: &str) -> Option<String> {
    request
        .query_pairs()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn a_scan_follows_has_more_then_reads_the_completed_tasks() {
    let server = MockServer::start(|request, _| {
        let completed = query(request, "completed").unwrap_or_default();
        let offset = query(request, "offset").unwrap_or_default();
        match (completed.as_str(), offset.as_str()) {
            ("false", "0") => Reply::json(200, fixture("tasks_open_page.json")),
            ("false", "100") => {
                Reply::json(200, serde_json::json!({"tasks": [], "hasMore": false}))
            }
            ("true", "0") => Reply::json(200, fixture("tasks_completed_last_page.json")),
            _ => Reply::json(400, serde_json::json!({"message": "unexpected page"})),
        }
    })
    .await;
    let tasks: Vec<_> = client(&server)
        .list_tasks(TaskQuery::project("Pj00000001"))
        .try_collect()
        .await
        .unwrap();
    let tasks = tasks.concat();
    assert_eq!(tasks.len(), 102);
    assert_eq!(tasks.iter().filter(|t| t.completed).count(), 2);
    // A bare date is midnight UTC; a null date is none.
    assert_eq!(
        tasks[100].due_date.unwrap().to_rfc3339(),
        "2026-11-28T00:00:00+00:00"
    );
    assert!(tasks[101].due_date.is_none());
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests
        .iter()
        .all(|r| query(r, "limit").as_deref() == Some("100")));
    assert!(requests
        .iter()
        .all(|r| query(r, "project_id").as_deref() == Some("Pj00000001")));
}

#[tokio::test]
async fn a_create_answer_without_a_name_keeps_the_name_sent() {
    let server = MockServer::sequence(vec![Reply::json(201, fixture("task_created.json"))]).await;
    let created = client(&server)
        .create_task(&NewNiftyTask {
            name: "Call Ann Lee".into(),
            task_group_id: "Tg00000001".into(),
            ..NewNiftyTask::default()
        })
        .await
        .unwrap();
    assert_eq!(created.id, "Tk99999999");
    assert_eq!(created.name, "Call Ann Lee");
    assert_eq!(created.other["message"], "Successfully created");
}

#[tokio::test]
async fn the_older_projects_envelope_is_read_and_a_missing_scope_is_named() {
    let server =
        MockServer::sequence(vec![Reply::json(200, fixture("projects_legacy.json"))]).await;
    let projects = client(&server).list_projects().await.unwrap();
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[0].name, "Client follow-ups");
    // A short page without hasMore is the last.
    assert_eq!(server.requests().len(), 1);

    let server = MockServer::sequence(vec![Reply::json(403, fixture("forbidden.json"))]).await;
    let err = client(&server).list_labels().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("Forbidden resource"),
        "{}",
        err.message
    );
}
