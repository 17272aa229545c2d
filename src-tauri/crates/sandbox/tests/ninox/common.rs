use bridge_sandbox::{NinoxConfig, NinoxSandbox};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};

pub fn small() -> NinoxConfig {
    NinoxConfig {
        records: 10,
        ghl_contacts: 20,
        ..NinoxConfig::default()
    }
}

pub async fn start(config: NinoxConfig) -> NinoxSandbox {
    NinoxSandbox::start(config).await.expect("sandbox starts")
}

pub fn http() -> Client {
    Client::builder().no_proxy().build().expect("client")
}

/// `{base_v3}/teams/{t}/databases/{db}/tables/{tid}`
pub fn table_url(ninox: &NinoxSandbox) -> String {
    format!(
        "{}/teams/{}/databases/{}/tables/{}",
        ninox.base_url_v3(),
        ninox.team_id(),
        ninox.database_id(),
        ninox.table_id()
    )
}

/// `{root}/api/v1/workspace/{ws}/modules/{m}/tables/{t}`
pub fn v4_table_url(ninox: &NinoxSandbox) -> String {
    format!(
        "{}/api/v1/workspace/{}/modules/{}/tables/{}",
        ninox.base_url_v4(),
        ninox.workspace_id(),
        ninox.module_name(),
        ninox.table_name()
    )
}

pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (status, body)
}
