//! The Nifty client against the Nifty fake: every call, paging of a full project scan, the
//! error envelope, 429 retries, and the OAuth sign-in + refresh end to end.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bridge_auth::nifty_oauth::nifty_provider;
use bridge_auth::{LoopbackOptions, MemoryStore, OAuthClient, Sensitive, TokenManager, TokenStore};
use bridge_connectors::http::AccessTokenSource;
use bridge_connectors::nifty::{
    rate_budget, NewNiftyLabel, NewNiftyTask, NiftyClient, NiftyTaskUpdate, TaskQuery,
};
use bridge_core::{ErrorCode, SystemClock};
use bridge_sandbox::{FaultConfig, NiftyConfig, NiftySandbox};
use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use support::{fast_retries, FixedToken};
use url::Url;

fn small() -> NiftyConfig {
    NiftyConfig {
        ghl_contacts: 40,
        ghl_overlap: 0.5,
        extra_tasks: 25,
        ..NiftyConfig::default()
    }
}

fn client_with(nifty: &NiftySandbox, tokens: Arc<dyn AccessTokenSource>) -> NiftyClient {
    let http = NiftyClient::http_builder(&nifty.base_url(), tokens, Arc::new(rate_budget("test")))
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    NiftyClient::with_http(http)
}

fn client(nifty: &NiftySandbox) -> NiftyClient {
    client_with(nifty, Arc::new(FixedToken(nifty.access_token())))
}

async fn follow_ups(nifty: &NiftySandbox) -> (String, String, String) {
    let (project, name) = nifty.projects()[0].clone();
    assert_eq!(name, "Client follow-ups");
    let groups = nifty.task_groups(&project);
    (project, groups[0].0.clone(), groups[2].0.clone())
}

#[tokio::test]
async fn lists_projects_and_task_groups_for_the_operator() {
    let nifty = NiftySandbox::start(small()).await.unwrap();
    let client = client(&nifty);
    let projects = client.list_projects().await.unwrap();
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Client follow-ups", "Internal"]);
    let groups = client.list_task_groups(&projects[0].id).await.unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["To do", "In progress", "Done"]);
    assert!(groups
        .iter()
        .all(|g| g.project.as_deref() == Some(projects[0].id.as_str())));
    let err = client.list_task_groups("nope").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_full_project_scan_reads_open_then_completed_tasks_following_has_more() {
    let nifty = NiftySandbox::start(NiftyConfig {
        // More than one of Nifty's pages of 100 in each scan.
        extra_tasks: 450,
        ..small()
    })
    .await
    .unwrap();
    let (project, _, _) = follow_ups(&nifty).await;
    let in_project: Vec<_> = nifty
        .tasks()
        .into_iter()
        .filter(|t| t["project"] == project.as_str())
        .collect();
    let ids = |completed: bool| -> HashSet<String> {
        in_project
            .iter()
            .filter(|t| t["completed"] == completed)
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (open, completed) = (ids(false), ids(true));
    assert!(open.len() > 100 && completed.len() > 100, "seed too small");

    let client = client(&nifty);
    let pages: Vec<_> = client
        .list_tasks(TaskQuery::project(&project))
        .try_collect()
        .await
        .unwrap();
    assert!(pages.iter().all(|p| p.len() <= 100));
    let seen: Vec<String> = pages.iter().flatten().map(|t| t.id.clone()).collect();
    let seen_set: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), seen_set.len(), "no task is read twice");
    assert_eq!(
        seen_set,
        &open | &completed,
        "open and completed tasks alike"
    );
    // Open tasks first, then the completed ones; one request per page of 100, none empty.
    assert!(seen[..open.len()].iter().all(|id| open.contains(id)));
    let requests = nifty.stats().count("GET", "/api/v1.0/tasks") as usize;
    assert_eq!(
        requests,
        open.len().div_ceil(100) + completed.len().div_ceil(100)
    );

    // A filter narrows the scan to one completion state.
    let only_open: Vec<_> = client
        .list_tasks(TaskQuery {
            completed: Some(false),
            page_size: 7,
            ..TaskQuery::project(&project)
        })
        .try_collect()
        .await
        .unwrap();
    assert!(only_open.iter().all(|p| p.len() <= 7));
    let only_open: HashSet<String> = only_open.concat().into_iter().map(|t| t.id).collect();
    assert_eq!(only_open, open);
}

#[tokio::test]
async fn task_lifecycle_labels_and_comments() {
    let nifty = NiftySandbox::start(small()).await.unwrap();
    let (project, todo, done) = follow_ups(&nifty).await;
    let client = client(&nifty);
    let due = Utc.with_ymd_and_hms(2030, 5, 1, 9, 0, 0).unwrap();

    let created = client
        .create_task(&NewNiftyTask {
            name: "Call Ann Lee".into(),
            task_group_id: todo.clone(),
            description: Some("Contact: ann@example.org".into()),
            due_date: Some(due),
            ..NewNiftyTask::default()
        })
        .await
        .unwrap();
    assert_eq!(created.project.as_deref(), Some(project.as_str()));
    // Nifty's create answer carries no name: the client keeps the one it sent.
    assert_eq!(created.name, "Call Ann Lee");
    assert_eq!(created.due_date, Some(due));
    assert!(!created.completed);
    // The create answer's own "message" aside, it is the task as Nifty now has it.
    let mut as_read = created.clone();
    assert_eq!(
        as_read.other.remove("message"),
        Some("Successfully created".into())
    );
    assert_eq!(client.get_task(&created.id).await.unwrap(), as_read);

    let updated = client
        .update_task(
            &created.id,
            &NiftyTaskUpdate {
                name: Some("Call Ann Lee back".into()),
                due_date: Some(None),
                task_group_id: Some(done.clone()),
                ..NiftyTaskUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Call Ann Lee back");
    assert_eq!(updated.due_date, None);
    assert_eq!(updated.task_group.as_deref(), Some(done.as_str()));
    assert_eq!(
        updated.description.as_deref(),
        Some("Contact: ann@example.org")
    );

    client.complete_task(&created.id).await.unwrap();
    let completed = client.get_task(&created.id).await.unwrap();
    assert!(completed.completed);
    assert!(completed.completed_on.is_some());
    client.uncomplete_task(&created.id).await.unwrap();
    assert!(!client.get_task(&created.id).await.unwrap().completed);

    let label = client
        .create_label(&NewNiftyLabel {
            name: "From GHL".into(),
            color: None,
        })
        .await
        .unwrap();
    assert!(client.list_labels().await.unwrap().contains(&label));
    client
        .add_task_labels(&created.id, std::slice::from_ref(&label.id))
        .await
        .unwrap();
    assert_eq!(
        client.get_task(&created.id).await.unwrap().labels,
        vec![label.id.clone()]
    );
    client
        .remove_task_labels(&created.id, std::slice::from_ref(&label.id))
        .await
        .unwrap();
    assert!(client
        .get_task(&created.id)
        .await
        .unwrap()
        .labels
        .is_empty());
    let unknown = client
        .add_task_labels(&created.id, &["no-such-label".into()])
        .await
        .unwrap_err();
    assert!(
        unknown
            .message
            .contains("label no-such-label does not exist"),
        "{}",
        unknown.message
    );

    let comment = client
        .create_task_message(&created.id, "Left a voicemail")
        .await
        .unwrap();
    assert_eq!(comment.text, "Left a voicemail");
    let comments = client.list_task_messages(&created.id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].id, comment.id);
    assert!(comments[0].author_id().is_some());

    client.delete_task(&created.id).await.unwrap();
    let gone = client.get_task(&created.id).await.unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound);
    assert!(gone.message.contains("Task not found"), "{}", gone.message);
}

#[tokio::test]
async fn refusals_carry_nifty_s_own_words() {
    let nifty = NiftySandbox::start(small()).await.unwrap();
    let client = client(&nifty);
    // A create without a valid task group: 400 with the listed problems.
    let err = client
        .create_task(&NewNiftyTask {
            name: "Orphan".into(),
            task_group_id: "missing-group".into(),
            ..NewNiftyTask::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(
        err.message
            .contains("Validation failed: task group missing-group does not exist"),
        "{}",
        err.message
    );
    // Our own checks refuse before a request.
    let before = nifty.stats().total;
    assert_eq!(
        client.get_task(" ").await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(nifty.stats().total, before);

    // A scope the app no longer grants: 403 in Nifty's words, the other scopes still work.
    nifty.revoke_scope("label");
    let err = client.list_labels().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("Forbidden resource"),
        "{}",
        err.message
    );
    assert_eq!(client.list_projects().await.unwrap().len(), 2);

    let stranger = client_with(&nifty, Arc::new(FixedToken("not-a-token".into())));
    let err = stranger.list_projects().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("token is missing, invalid or expired"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn rate_limited_answers_are_retried() {
    let nifty = NiftySandbox::start(small()).await.unwrap();
    nifty.set_faults(FaultConfig {
        rate_limited_rate: 0.4,
        ..FaultConfig::none()
    });
    let http = NiftyClient::http_builder(
        &nifty.base_url(),
        Arc::new(FixedToken(nifty.access_token())),
        Arc::new(rate_budget("test")),
    )
    .retry_policy(bridge_connectors::http::RetryPolicy {
        max_attempts: 10,
        ..fast_retries()
    })
    .build()
    .unwrap();
    let patient = NiftyClient::with_http(http);
    for _ in 0..10 {
        assert_eq!(patient.list_projects().await.unwrap().len(), 2);
    }
    assert!(nifty.stats().rate_limited > 0);
    assert!(patient.http().counts().rate_limited > 0);
}

/// Plays the browser: opens the consent page, submits Approve, follows the redirect to our
/// loopback callback.
fn approving_browser(
    visit: &mut Option<tokio::task::JoinHandle<String>>,
) -> impl FnOnce(&Url) -> Result<(), bridge_core::BridgeError> + '_ {
    move |url| {
        let url = url.clone();
        *visit = Some(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let page = http
                .get(url.clone())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let approve = page.split("<form ").nth(1).unwrap();
            let fields: Vec<(String, String)> = approve
                .split("<input ")
                .skip(1)
                .map(|tag| {
                    let attr = |name: &str| {
                        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                        let end = start + tag[start..].find('"').unwrap();
                        tag[start..end]
                            .replace("&amp;", "&")
                            .replace("&quot;", "\"")
                    };
                    (attr("name"), attr("value"))
                })
                .chain([("decision".to_string(), "approve".to_string())])
                .collect();
            let action = url.join("/authorize/approve").unwrap();
            let redirect = http.post(action).form(&fields).send().await.unwrap();
            assert_eq!(redirect.status(), 302);
            let callback = redirect.headers()["location"].to_str().unwrap().to_string();
            http.get(callback)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
                .to_string()
        }));
        Ok(())
    }
}

/// Plays a browser that opens the consent page and gets no further: the page's text.
fn refusing_browser(
    visit: &mut Option<tokio::task::JoinHandle<String>>,
) -> impl FnOnce(&Url) -> Result<(), bridge_core::BridgeError> + '_ {
    move |url| {
        let url = url.clone();
        *visit = Some(tokio::spawn(async move {
            let answer = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(url)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 400);
            answer.text().await.unwrap()
        }));
        Ok(())
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn oauth_sign_in_then_a_rejected_token_is_refreshed_once() {
    let nifty = NiftySandbox::start(small()).await.unwrap();
    let (client_id, client_secret) = nifty.oauth_client();
    let provider = nifty_provider(
        Url::parse(&nifty.authorize_url()).unwrap(),
        Url::parse(&nifty.token_url()).unwrap(),
        client_id,
        Sensitive::new(client_secret),
        vec![
            "task".into(),
            "project".into(),
            "label".into(),
            "message".into(),
        ],
        false,
    );
    let oauth = Arc::new(OAuthClient::new(provider, Arc::new(SystemClock)).unwrap());
    let loopback = |port: u16| LoopbackOptions {
        timeout: Duration::from_secs(20),
        port,
    };
    // A redirect URL the app did not register is refused on Nifty's page: nothing comes back.
    let unregistered = free_port();
    let mut visit = None;
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        oauth.sign_in(
            &LoopbackOptions {
                timeout: Duration::from_secs(3),
                ..loopback(unregistered)
            },
            refusing_browser(&mut visit),
        ),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{}", err.message);
    let page = visit.take().unwrap().await.unwrap();
    assert!(page.contains("is not registered for this app"), "{page}");

    let port = free_port();
    nifty.set_redirect_uris(&[format!("http://127.0.0.1:{port}/callback")]);
    let tokens = oauth
        .sign_in(&loopback(port), approving_browser(&mut visit))
        .await
        .unwrap();
    assert_eq!(visit.unwrap().await.unwrap(), "200");
    assert_eq!(tokens.scope.as_deref(), Some("task project label message"));
    let first_refresh = tokens.refresh_token.clone().unwrap();

    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = Arc::new(TokenManager::new(
        store.clone(),
        "nifty:test",
        "Nifty \"Sandbox\"",
        oauth.clone(),
        Arc::new(SystemClock),
    ));
    manager.save(&tokens).await.unwrap();
    let client = client_with(&nifty, manager.clone());
    assert_eq!(client.list_projects().await.unwrap().len(), 2);

    // The token dies: the client refreshes once, stores the rotated pair, and goes on.
    nifty.expire_access_tokens();
    assert_eq!(client.list_projects().await.unwrap().len(), 2);
    let stored = manager.current().await.unwrap();
    assert_ne!(stored.access_token.expose(), tokens.access_token.expose());
    let second_refresh = stored.refresh_token.clone().unwrap();
    assert_ne!(second_refresh.expose(), first_refresh.expose());
    assert_eq!(client.http().counts().retried, 1);

    // The spent refresh token is refused: that connection must sign in again.
    let err = oauth.refresh(&tokens).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired, "{}", err.message);
    // The rotated one still works.
    assert!(oauth.refresh(&stored).await.is_ok());
}
