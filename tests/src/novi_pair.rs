//! Two fakes side by side — GHL and Novi AMS, seeded with overlapping people — and the
//! `bridge` binary with a scratch database: what the Novi pair's tests share.

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NoviConfig, NoviSandbox, RequestStats};
use serde_json::Value;

use crate::ghl_world::{assert_success, connect_ghl};
use crate::run_bridge_env;

pub struct Pair {
    pub ghl: GhlSandbox,
    pub novi: NoviSandbox,
    pub scratch: tempfile::TempDir,
}

impl Pair {
    /// `contacts` GHL contacts (100 requests per 100 ms) and `members` people only in Novi,
    /// a tenant allowing 500 requests per second.
    pub async fn start(contacts: usize, members: usize) -> Pair {
        Self::start_with(contacts, members, NoviConfig::default().activity_types).await
    }

    /// As [`Pair::start`], with the tenant's own activity types.
    pub async fn start_with(
        contacts: usize,
        members: usize,
        activity_types: Vec<bridge_sandbox::NoviActivityType>,
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
            activity_types,
            ..NoviConfig::default()
        })
        .await
        .unwrap();
        Pair {
            ghl,
            novi,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `bridge` (blocking) with both secrets in its environment.
    pub fn bridge(&self, args: &[&str]) -> std::process::Output {
        let secrets = self.secrets();
        let env: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
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
        connect_ghl(&self.ghl, |args| self.bridge(args));
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

/// Every record of one Novi listing (`members`, `activities`), through its documented
/// endpoint, page by page until `TotalCount`.
pub async fn novi_list(pair: &Pair, resource: &str) -> Vec<Value> {
    novi_list_of(&pair.novi, resource).await
}

/// [`novi_list`] of any Novi fake (a world with several locations holds its own).
pub async fn novi_list_of(novi: &NoviSandbox, resource: &str) -> Vec<Value> {
    let mut records = Vec::new();
    loop {
        let page: Value = reqwest::Client::new()
            .get(format!(
                "{}/{resource}?pageSize=1000&offset={}",
                novi.base_url(),
                records.len()
            ))
            .header("Authorization", format!("Basic {}", novi.api_key()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["Results"].as_array().cloned().unwrap_or_default();
        let total = page["TotalCount"].as_u64().unwrap_or_default() as usize;
        let done = items.is_empty();
        records.extend(items);
        if done || records.len() >= total {
            return records;
        }
    }
}

/// Every member of the Novi fake.
pub async fn novi_members(pair: &Pair) -> Vec<Value> {
    novi_list(pair, "members").await
}

/// Every contact of the GHL fake, through its documented search (searchAfter paging).
pub async fn ghl_contacts(ghl: &GhlSandbox) -> Vec<Value> {
    let mut all = Vec::new();
    let mut search_after: Option<Value> = None;
    loop {
        let mut body = serde_json::json!({"locationId": ghl.location_id(), "pageLimit": 500});
        if let Some(after) = &search_after {
            body["searchAfter"] = after.clone();
        }
        let page: Value = reqwest::Client::new()
            .post(format!("{}/contacts/search", ghl.base_url()))
            .bearer_auth(ghl.private_token())
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

/// A person both accounts hold: an active Novi member with an email, and their GHL contact.
pub struct Person {
    pub member: Value,
    pub member_id: String,
    pub ghl_id: String,
}

/// The first person of the seeded overlap (call after a first sync linked them).
pub async fn linked_person(pair: &Pair) -> Person {
    let member = novi_members(pair)
        .await
        .into_iter()
        .find(|m| {
            m["FirstName"].is_string() && m["Email"].is_string() && m["Active"] == Value::Bool(true)
        })
        .expect("an active member with an email");
    let email = email_of(&member, "Email");
    Person {
        member_id: member["UniqueID"].as_str().unwrap().to_string(),
        ghl_id: ghl_id_of_email(&pair.ghl, &email)
            .await
            .expect("their GHL contact"),
        member,
    }
}

/// The id of the GHL contact holding `email`, through GHL's duplicate search.
pub async fn ghl_id_of_email(ghl: &GhlSandbox, email: &str) -> Option<String> {
    let duplicate: Value = reqwest::Client::new()
        .get(format!("{}/contacts/search/duplicate", ghl.base_url()))
        .query(&[("locationId", ghl.location_id().as_str()), ("email", email)])
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    duplicate["contact"]["id"].as_str().map(str::to_string)
}

/// GET /contacts/{id} → the contact.
pub async fn ghl_contact(ghl: &GhlSandbox, id: &str) -> Value {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/contacts/{id}", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["contact"].clone()
}

/// An operator's edit in GHL: PUT /contacts/{id}.
pub async fn edit_ghl_contact(ghl: &GhlSandbox, id: &str, changes: Value) {
    let answer = reqwest::Client::new()
        .put(format!("{}/contacts/{id}", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&changes)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "GHL refused the edit");
}

/// GET /api/members/{id}.
pub async fn novi_member(pair: &Pair, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}/members/{id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// POST /api/members: a member the operator adds in Novi (`body` as Novi documents it); its
/// `UniqueID`.
pub async fn add_novi_member(pair: &Pair, body: Value) -> String {
    let answer = reqwest::Client::new()
        .post(format!("{}/members", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "Novi refused the member: {}",
        answer.status()
    );
    let member: Value = answer.json().await.unwrap();
    member["UniqueID"].as_str().unwrap().to_string()
}

/// The GHL contacts and the Novi members whose email is `email`.
pub async fn people_with_email(pair: &Pair, email: &str) -> (Vec<Value>, Vec<Value>) {
    let in_ghl = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .filter(|c| email_of(c, "email") == email)
        .collect();
    let in_novi = novi_members(pair)
        .await
        .into_iter()
        .filter(|m| email_of(m, "Email") == email)
        .collect();
    (in_ghl, in_novi)
}

/// An operator's edit in Novi: the whole member, changed, PUT back (Novi replaces objects).
pub async fn edit_novi_member(pair: &Pair, id: &str, changes: Value) {
    let mut member = novi_member(pair, id).await;
    for (field, value) in changes.as_object().unwrap() {
        member[field] = value.clone();
    }
    let answer = reqwest::Client::new()
        .put(format!("{}/members/{id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&member)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "Novi refused the edit: {}",
        answer.status()
    );
}
