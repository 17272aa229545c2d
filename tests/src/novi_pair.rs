//! Two fakes side by side — GHL and Novi AMS, seeded with overlapping people — and the
//! `bridge` binary with a scratch database: what the Novi pair's tests share.

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NoviConfig, NoviSandbox, RequestStats};
use serde_json::Value;

use crate::ghl_world::assert_success;
use crate::run_bridge_env;

pub struct Pair {
    pub ghl: GhlSandbox,
    pub novi: NoviSandbox,
    pub scratch: tempfile::TempDir,
    secret_store: Option<&'static str>,
}

impl Pair {
    /// `contacts` GHL contacts (100 requests per 100 ms) and `members` people only in Novi,
    /// a tenant allowing 500 requests per second. Secrets go to the keychain when one answers.
    pub async fn start(contacts: usize, members: usize) -> Pair {
        Self::start_with(contacts, members, None).await
    }

    /// [`Pair::start`] with `bridge` told where to keep secrets (`BRIDGE_SECRET_STORE`): the
    /// crash run uses the file, as processes killed mid-call can take a keychain daemon down.
    pub async fn start_with(
        contacts: usize,
        members: usize,
        secret_store: Option<&'static str>,
    ) -> Pair {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let novi = NoviSandbox::start(NoviConfig {
            members,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: contacts,
            rate_per_second: 500,
            rate_per_minute: 30_000,
            ..NoviConfig::default()
        })
        .await
        .unwrap();
        Pair {
            ghl,
            novi,
            scratch: tempfile::tempdir().unwrap(),
            secret_store,
        }
    }

    /// Runs `bridge` (blocking) with both secrets in its environment.
    pub fn bridge(&self, args: &[&str]) -> std::process::Output {
        let secrets = self.secrets();
        let mut env: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some(store) = self.secret_store {
            env.push(("BRIDGE_SECRET_STORE", store));
        }
        run_bridge_env(self.scratch.path(), &env, args)
    }

    /// The environment `bridge` needs: the two sandbox secrets.
    pub fn secrets(&self) -> [(&'static str, String); 2] {
        [
            ("T_GHL", self.ghl.private_token()),
            ("T_NOVI", self.novi.api_key()),
        ]
    }

    pub fn connect(&self) {
        let (location, url) = (self.ghl.location_id(), self.ghl.base_url());
        assert_success(
            "connect ghl",
            &self.bridge(&[
                "connect",
                "ghl",
                "--location-id",
                &location,
                "--token-env",
                "T_GHL",
                "--base-url",
                &url,
            ]),
        );
        let url = self.novi.base_url();
        assert_success(
            "connect novi",
            &self.bridge(&[
                "connect",
                "novi",
                "--base-url",
                &url,
                "--api-key-env",
                "T_NOVI",
                "--rate-per-second",
                "500",
            ]),
        );
    }

    /// `bridge sync --json`, parsed: the outcome of the one pair.
    pub fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("bridge sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }
}

/// Requests that change something: anything but GET, and but GHL's searches (POST reads).
pub fn writes(stats: &RequestStats) -> u64 {
    stats
        .by_route
        .iter()
        .filter(|((method, path), _)| method != "GET" && !path.ends_with("/search"))
        .map(|(_, n)| n)
        .sum()
}

/// Every member of the Novi fake, through its documented list endpoint.
pub async fn novi_members(pair: &Pair) -> Vec<Value> {
    let page: Value = reqwest::Client::new()
        .get(format!(
            "{}/members?pageSize=1000&offset=0",
            pair.novi.base_url()
        ))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut members = page["Results"].as_array().cloned().unwrap_or_default();
    let total = page["TotalCount"].as_u64().unwrap_or_default() as usize;
    let mut offset = members.len();
    while offset < total {
        let next: Value = reqwest::Client::new()
            .get(format!(
                "{}/members?pageSize=1000&offset={offset}",
                pair.novi.base_url()
            ))
            .header("Authorization", format!("Basic {}", pair.novi.api_key()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = next["Results"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        offset += items.len();
        members.extend(items);
    }
    members
}

/// Every contact of the GHL fake, through its documented search (searchAfter paging).
pub async fn ghl_contacts(pair: &Pair) -> Vec<Value> {
    let mut all = Vec::new();
    let mut search_after: Option<Value> = None;
    loop {
        let mut body = serde_json::json!({"locationId": pair.ghl.location_id(), "pageLimit": 500});
        if let Some(after) = &search_after {
            body["searchAfter"] = after.clone();
        }
        let page: Value = reqwest::Client::new()
            .post(format!("{}/contacts/search", pair.ghl.base_url()))
            .bearer_auth(pair.ghl.private_token())
            .header("Version", "2021-07-28")
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let contacts = page["contacts"].as_array().cloned().unwrap_or_default();
        let done = contacts.len() < 500;
        search_after = contacts.last().map(|c| c["searchAfter"].clone());
        all.extend(contacts);
        if done {
            return all;
        }
    }
}

/// A record's email as matching compares it.
pub fn email_of(record: &Value, field: &str) -> String {
    record[field]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
}
