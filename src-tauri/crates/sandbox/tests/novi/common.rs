use bridge_sandbox::{NoviConfig, NoviSandbox};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

/// A small tenant: 20 GHL contacts of which ~60% overlap, plus 10 Novi-only people.
pub fn small() -> NoviConfig {
    NoviConfig {
        members: 10,
        ghl_contacts: 20,
        ..NoviConfig::default()
    }
}

pub async fn start(config: NoviConfig) -> NoviSandbox {
    NoviSandbox::start(config).await.expect("sandbox starts")
}

pub fn http() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub struct Api {
    pub http: Client,
    pub base: String,
    pub key: String,
}

impl Api {
    pub fn new(novi: &NoviSandbox) -> Self {
        Self {
            http: http(),
            base: novi.base_url(),
            key: novi.api_key(),
        }
    }

    /// `Authorization: Basic <rawApiKey>`, as Novi wants it.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Basic {}", self.key))
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

pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (status, body)
}

/// Every member, paging with pageSize/offset.
pub async fn all_members(api: &Api) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let (status, page) =
            send(api.get(&format!("/members?pageSize=7&offset={}", out.len()))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let results = page["Results"].as_array().unwrap().clone();
        if results.is_empty() {
            break;
        }
        out.extend(results);
    }
    out
}
