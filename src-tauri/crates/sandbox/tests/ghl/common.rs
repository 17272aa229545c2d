//! Request helpers: headers as GHL wants them, nothing more. Requests are written by hand
//! in each test from the docs.

use bridge_sandbox::{GhlConfig, GhlSandbox};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

pub const V_CONTACTS: &str = "2021-07-28";
pub const V_CALENDARS: &str = "2021-04-15";

pub async fn start(seed_contacts: usize) -> GhlSandbox {
    start_with(GhlConfig {
        seed_contacts,
        ..GhlConfig::default()
    })
    .await
}

pub async fn start_with(config: GhlConfig) -> GhlSandbox {
    GhlSandbox::start(config).await.expect("sandbox starts")
}

/// A plain HTTP client: no proxy (loopback only), no redirect following.
pub fn http() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Requests to one sandbox with one bearer token and one `Version`.
#[derive(Clone)]
pub struct Api {
    pub http: Client,
    pub base: String,
    pub token: String,
    pub version: &'static str,
}

impl Api {
    pub fn new(sandbox: &GhlSandbox) -> Self {
        Self::with_token(sandbox, &sandbox.private_token())
    }

    pub fn with_token(sandbox: &GhlSandbox, token: &str) -> Self {
        Self {
            http: http(),
            base: sandbox.base_url(),
            token: token.to_string(),
            version: V_CONTACTS,
        }
    }

    pub fn calendars(&self) -> Self {
        Self {
            version: V_CALENDARS,
            ..self.clone()
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Version", self.version)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }
}

/// Sends and reads the JSON answer.
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response: Response = request.send().await.expect("an answer");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (status, body)
}

/// POST /contacts/search, expecting 200.
pub async fn search(api: &Api, location_id: &str, body: Value) -> Value {
    let mut body = body;
    body["locationId"] = json!(location_id);
    let (status, answer) = send(api.post("/contacts/search").json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

/// Some seeded contact.
pub async fn any_contact(api: &Api, location_id: &str) -> Value {
    let answer = search(api, location_id, json!({"pageLimit": 1})).await;
    answer["contacts"][0].clone()
}

/// POST /contacts/ with a fresh email, expecting 201.
pub async fn create_contact(api: &Api, location_id: &str, email: &str) -> Value {
    let (status, answer) = send(api.post("/contacts/").json(&json!({
        "locationId": location_id,
        "firstName": "Test",
        "lastName": "Person",
        "email": email,
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["contact"].clone()
}

pub fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {value}"))
}
