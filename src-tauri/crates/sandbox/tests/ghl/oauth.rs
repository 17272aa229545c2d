use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{create_contact, http, search, send, start, start_with, str_of, Api};

const REDIRECT: &str = "http://127.0.0.1:53682/callback";
const SCOPES: &str = "contacts.readonly contacts.write locations/customFields.readonly";

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The page's forms: (action, fields incl. the submit button's name/value).
fn forms(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    html.split("<form ")
        .skip(1)
        .map(|form| {
            let form = &form[..form.find("</form>").unwrap_or(form.len())];
            let action = attr(form, "action").unwrap_or_default();
            let fields = form
                .split('<')
                .filter(|tag| tag.starts_with("input") || tag.starts_with("button"))
                .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value")?)))
                .collect();
            (action, fields)
        })
        .collect()
}

/// Opens the choose-location page and approves `location_id`: returns the redirect URL.
async fn approve(ghl: &GhlSandbox, location_id: &str, scope: &str, state: &str) -> url::Url {
    let (client_id, _) = ghl.oauth_client();
    let page = http()
        .get(ghl.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", state),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let (action, fields) = forms(&html)
        .into_iter()
        .find(|(_, fields)| {
            fields
                .iter()
                .any(|(n, v)| n == "location_id" && v == location_id)
        })
        .expect("a form for the location");
    let redirect = http()
        .post(format!("{}{action}", ghl.base_url()))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = redirect.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap()
}

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn token(ghl: &GhlSandbox, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let (client_id, secret) = ghl.oauth_client();
    let mut form = vec![
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    form.extend_from_slice(fields);
    send(
        http()
            .post(format!("{}/oauth/token", ghl.base_url()))
            .form(&form),
    )
    .await
}

async fn location_tokens(ghl: &GhlSandbox, location_id: &str, scope: &str) -> Value {
    let redirect = approve(ghl, location_id, scope, "s").await;
    let code = query(&redirect, "code").unwrap();
    let (status, body) = token(
        ghl,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Location"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn authorize_approve_exchange_and_rotate() {
    let ghl = start(10).await;
    let location = ghl.location_id();
    let state = r#"xyz<script>alert("hi")</script>"#;

    // The page shows what the caller sent, escaped.
    let (client_id, _) = ghl.oauth_client();
    let html = http()
        .get(format!("{}/v2/oauth/chooselocation", ghl.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
            ("state", state),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "user text must be escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("Approve"));

    let redirect = approve(&ghl, &location, SCOPES, state).await;
    assert!(redirect.as_str().starts_with(REDIRECT), "{redirect}");
    assert_eq!(
        query(&redirect, "state").as_deref(),
        Some(state),
        "state comes back as given"
    );
    let code = query(&redirect, "code").expect("a code");

    let (status, body) = token(
        &ghl,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Location"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_399);
    assert_eq!(body["userType"], "Location");
    assert_eq!(body["locationId"], location.as_str());
    assert!(body["companyId"].is_string() && body["userId"].is_string());
    assert_eq!(
        body["scope"]
            .as_str()
            .unwrap()
            .split(' ')
            .collect::<std::collections::BTreeSet<_>>(),
        SCOPES.split(' ').collect()
    );
    let access = str_of(&body, "access_token").to_string();
    let refresh = str_of(&body, "refresh_token").to_string();

    let api = Api::with_token(&ghl, &access);
    let found = search(&api, &location, json!({"pageLimit": 3})).await;
    assert_eq!(found["total"], 10);

    let (status, body) = token(
        &ghl,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "codes are single use");
    // oauth.json's BadRequestDTO, not RFC 6749's `{error: "invalid_grant"}`.
    assert_eq!(body["statusCode"], 400, "{body}");
    assert!(body["message"].is_string(), "{body}");

    let (status, rotated) = token(
        &ghl,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_refresh = str_of(&rotated, "refresh_token").to_string();
    assert_ne!(new_refresh, refresh);
    assert_ne!(str_of(&rotated, "access_token"), access);

    let (status, body) = token(
        &ghl,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a spent refresh token fails"
    );
    assert_eq!(
        body["statusCode"], 400,
        "oauth.json's BadRequestDTO: {body}"
    );

    let (status, _) = token(
        &ghl,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &new_refresh),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the rotated one works once");
}

#[tokio::test]
async fn token_endpoint_validates_like_the_spec() {
    let ghl = start(5).await;
    let (status, body) = send(
        http()
            .post(format!("{}/oauth/token", ghl.base_url()))
            .form(&[
                ("client_id", "nope"),
                ("client_secret", "nope"),
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
            ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["statusCode"], 401, "UnauthorizedDTO: {body}");
    assert_eq!(body["error"], "Unauthorized");

    let (status, body) = token(
        &ghl,
        &[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("code_verifier", "v"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        json!(["property code_verifier should not exist"])
    );

    let (client_id, secret) = ghl.oauth_client();
    let (status, _) = send(http().post(format!("{}/oauth/token", ghl.base_url())).json(
        &json!({"client_id": client_id, "client_secret": secret, "grant_type": "refresh_token"}),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the body must be form-encoded"
    );

    let (client_id, _) = ghl.oauth_client();
    let bad = http()
        .get(ghl.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", "javascript:alert(1)"),
            ("scope", SCOPES),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn scopes_are_enforced() {
    let ghl = start(5).await;
    let tokens = location_tokens(&ghl, &ghl.location_id(), "contacts.readonly").await;
    let api = Api::with_token(&ghl, str_of(&tokens, "access_token"));
    search(&api, &ghl.location_id(), json!({"pageLimit": 1})).await;
    let (status, body) = send(api.post("/contacts/").json(&json!({
        "locationId": ghl.location_id(), "email": "scoped@example.com",
    })))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["message"],
        "The token is not authorized for this scope."
    );
}

#[tokio::test]
async fn access_tokens_expire() {
    let ghl = start_with(GhlConfig {
        seed_contacts: 5,
        access_token_ttl: Duration::from_millis(1_500),
        ..GhlConfig::default()
    })
    .await;
    let tokens = location_tokens(&ghl, &ghl.location_id(), SCOPES).await;
    assert_eq!(tokens["expires_in"], 1);
    let api = Api::with_token(&ghl, str_of(&tokens, "access_token"));
    search(&api, &ghl.location_id(), json!({"pageLimit": 1})).await;
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    let (status, body) = send(
        api.post("/contacts/search")
            .json(&json!({"locationId": ghl.location_id(), "pageLimit": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid JWT");
}

#[tokio::test]
async fn tokens_are_scoped_to_their_location() {
    let ghl = start(5).await;
    let page = http()
        .get(ghl.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", ghl.oauth_client().0.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other = forms(&page)
        .into_iter()
        .flat_map(|(_, fields)| fields)
        .find(|(n, v)| n == "location_id" && *v != ghl.location_id())
        .map(|(_, v)| v)
        .expect("a second location on the page");
    let tokens = location_tokens(&ghl, &other, SCOPES).await;
    let other_api = Api::with_token(&ghl, str_of(&tokens, "access_token"));
    let theirs = create_contact(&other_api, &other, "elsewhere@example.com").await;

    let ours = Api::new(&ghl);
    let (status, body) = send(ours.get(&format!("/contacts/{}", str_of(&theirs, "id")))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "The token does not have access to this location."
    );
}

#[tokio::test]
async fn agency_tokens_list_installs_and_mint_location_tokens() {
    let ghl = start(5).await;
    let scope = "oauth.readonly oauth.write contacts.readonly";
    let redirect = approve(&ghl, &ghl.location_id(), scope, "agency").await;
    let code = query(&redirect, "code").unwrap();
    let (status, company) = token(
        &ghl,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Company"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{company}");
    assert_eq!(company["userType"], "Company");
    assert!(company.get("locationId").is_none());
    let company_id = str_of(&company, "companyId").to_string();
    let agency = Api::with_token(&ghl, str_of(&company, "access_token"));

    let (status, body) = send(
        agency
            .post("/contacts/search")
            .json(&json!({"locationId": ghl.location_id(), "pageLimit": 1})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "contacts need a location token: {body}"
    );

    let app_id = ghl.oauth_client().0.split('-').next().unwrap().to_string();
    let (status, installed) = send(agency.get("/oauth/installedLocations").query(&[
        ("companyId", company_id.as_str()),
        ("appId", app_id.as_str()),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK, "{installed}");
    assert_eq!(installed["count"], 2);
    assert!(installed["locations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["_id"] == ghl.location_id().as_str()));

    let (status, minted) = send(agency.post("/oauth/locationToken").form(&[
        ("companyId", company_id.as_str()),
        ("locationId", ghl.location_id().as_str()),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    assert!(minted.get("refresh_token").is_none());
    assert_eq!(minted["locationId"], ghl.location_id().as_str());
    let api = Api::with_token(&ghl, str_of(&minted, "access_token"));
    let found = search(&api, &ghl.location_id(), json!({"pageLimit": 1})).await;
    assert_eq!(found["total"], 5);
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let ghl = start(5).await;
    let (client_id, _) = ghl.oauth_client();
    let response = http()
        .post(format!("{}/oauth/chooselocation/approve", ghl.base_url()))
        .form(&[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
            ("state", "abc"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let target = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(query(&target, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&target, "state").as_deref(), Some("abc"));
    assert_eq!(query(&target, "code"), None);
}
