//! The Nifty fake on its own: bearer check, envelopes, paging, errors, 429s and the OAuth
//! token endpoint (Basic client auth, JSON body, 201, single-use codes and refresh tokens).

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use bridge_sandbox::{FaultConfig, NiftyConfig, NiftySandbox};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};

async fn start() -> NiftySandbox {
    NiftySandbox::start(NiftyConfig {
        ghl_contacts: 30,
        extra_tasks: 12,
        ..NiftyConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn http() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })),
    )
}

fn api(nifty: &NiftySandbox, path: &str) -> String {
    format!("{}{path}", nifty.base_url())
}

#[tokio::test]
async fn refuses_requests_without_a_valid_bearer_token() {
    let nifty = start().await;
    let (status, body) = send(http().get(api(&nifty, "/tasks"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Unauthorized");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("access token"));
    let (status, _) = send(http().get(api(&nifty, "/tasks")).bearer_auth("wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        http()
            .get(api(&nifty, "/tasks"))
            .bearer_auth(nifty.access_token()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    nifty.expire_access_tokens();
    let (status, _) = send(
        http()
            .get(api(&nifty, "/tasks"))
            .bearer_auth(nifty.access_token()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn answers_the_documented_envelopes_and_pages_by_limit_and_offset() {
    let nifty = start().await;
    let token = nifty.access_token();
    let get = |path: &str| http().get(api(&nifty, path)).bearer_auth(&token);
    let (project, _) = nifty.projects()[0].clone();

    let (status, body) = send(get("/projects")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);

    let (_, groups) = send(get(&format!("/taskgroups?project_id={project}"))).await;
    assert_eq!(groups["items"].as_array().unwrap().len(), 3);
    let (status, _) = send(get("/taskgroups")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Completed tasks are left out unless asked for.
    let total = nifty
        .tasks()
        .iter()
        .filter(|t| t["project"] == project.as_str() && t["completed"] == false)
        .count();
    let mut seen = Vec::new();
    loop {
        let (status, page) = send(get(&format!(
            "/tasks?project_id={project}&limit=5&offset={}",
            seen.len()
        )))
        .await;
        assert_eq!(status, StatusCode::OK);
        let tasks = page["tasks"].as_array().unwrap().clone();
        assert!(tasks.len() <= 5);
        seen.extend(tasks);
        if page["hasMore"] == false {
            break;
        }
    }
    assert_eq!(seen.len(), total);
    assert!(seen.iter().all(|t| t["completed"] == false));
    let (_, done) = send(get(&format!("/tasks?project_id={project}&completed=true"))).await;
    let done = done["tasks"].as_array().unwrap();
    assert!(!done.is_empty() && done.iter().all(|t| t["completed"] == true));
    // At most 100 per answer, whatever the limit asked.
    let (status, big) = send(get("/tasks?limit=1000&completed=true")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(big["tasks"].as_array().unwrap().len() <= 100);
    // A task has Nifty's fields and no updated_at.
    let task = &seen[0];
    for field in [
        "id",
        "nice_id",
        "name",
        "created_at",
        "completed",
        "task_group",
        "project",
        "assignees",
        "labels",
    ] {
        assert!(task.get(field).is_some(), "missing {field}: {task}");
    }
    assert!(task.get("updated_at").is_none());

    let (status, body) = send(get("/tasks?limit=1001")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["message"],
        "limit must be between 1 and 1000"
    );
    let (status, body) = send(get("/tasks/nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Task not found");
}

#[tokio::test]
async fn seeded_tasks_name_people_the_ghl_seed_knows() {
    let nifty = start().await;
    let ghl = bridge_sandbox::GhlSandbox::start(bridge_sandbox::GhlConfig {
        seed_contacts: 30,
        ..bridge_sandbox::GhlConfig::default()
    })
    .await
    .unwrap();
    let (_, contacts) = send(
        http()
            .get(format!(
                "{}/contacts/?locationId={}&limit=100",
                ghl.base_url(),
                ghl.location_id()
            ))
            .bearer_auth(ghl.private_token())
            .header("Version", "2021-07-28"),
    )
    .await;
    let emails: Vec<String> = contacts["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_string))
        .collect();
    let mentioned = nifty
        .tasks()
        .iter()
        .filter_map(|t| t["description"].as_str().map(str::to_string))
        .filter(|d| emails.iter().any(|e| d.contains(&format!("Contact: {e}"))))
        .count();
    assert!(mentioned > 0, "no seeded Nifty task names a GHL contact");
}

#[tokio::test]
async fn injected_rate_limits_answer_429_in_nifty_s_words() {
    let nifty = start().await;
    nifty.set_faults(FaultConfig {
        rate_limited_rate: 1.0,
        ..FaultConfig::none()
    });
    let (status, body) = send(
        http()
            .get(api(&nifty, "/projects"))
            .bearer_auth(nifty.access_token()),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["message"], "Too Many Requests");
    assert_eq!(nifty.stats().rate_limited, 1);
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// Approves the consent page's form by hand: the code from the redirect.
async fn code_for(nifty: &NiftySandbox, redirect: &str) -> String {
    let (client_id, _) = nifty.oauth_client();
    let page = http()
        .get(nifty.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", redirect),
            ("scope", "task project"),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Approve"));
    let answer = http()
        .post(nifty.authorize_url() + "/approve")
        .form(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", redirect),
            ("scope", "task project"),
            ("state", "s1"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "s1");
    pairs["code"].clone()
}

#[tokio::test]
async fn token_endpoint_takes_basic_auth_and_json_and_spends_grants_once() {
    let nifty = start().await;
    let (id, secret) = nifty.oauth_client();
    let redirect = "http://127.0.0.1:9/callback";
    // Only registered redirect URLs are served.
    let (client_id, _) = nifty.oauth_client();
    let refused = http()
        .get(nifty.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("is not registered"));
    nifty.set_redirect_uris(&[redirect.to_string()]);
    let code = code_for(&nifty, redirect).await;
    let token = |body: Value, auth: String| {
        http()
            .post(nifty.token_url())
            .header("Authorization", auth)
            .json(&body)
    };
    let exchange =
        json!({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect});

    let (status, body) = send(token(exchange.clone(), basic(&id, "wrong"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, _) = send(
        http()
            .post(nifty.token_url())
            .header("Authorization", basic(&id, &secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
            ]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a form body is refused");

    let (status, issued) = send(token(exchange.clone(), basic(&id, &secret))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["scope"], "task project");
    assert!(issued["expires_in"].as_u64().unwrap() > 0);
    let (status, body) = send(token(exchange, basic(&id, &secret))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let access = issued["access_token"].as_str().unwrap();
    let (status, _) = send(http().get(api(&nifty, "/projects")).bearer_auth(access)).await;
    assert_eq!(status, StatusCode::OK);
    // The token carries the scopes asked for ("task project"): labels are forbidden.
    let (status, body) = send(http().get(api(&nifty, "/labels")).bearer_auth(access)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"message": "Forbidden resource"}));

    let refresh = json!({"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]});
    let (status, rotated) = send(token(refresh.clone(), basic(&id, &secret))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(rotated["refresh_token"], issued["refresh_token"]);
    let (status, body) = send(token(refresh, basic(&id, &secret))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a refresh token is good once"
    );
    assert_eq!(body["error"], "invalid_grant");
}
