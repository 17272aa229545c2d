//! GHL and a Ninox table side by side — seeded with overlapping people — and the `bridge`
//! binary with a scratch database: what the Ninox pair's tests share. Records are read and
//! edited through each fake's documented endpoints, never through our clients.

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NinoxConfig, NinoxSandbox};
use serde_json::{json, Value};

use crate::ghl_world::{assert_success, connect_ghl};
use crate::run_bridge_env;

/// Which Ninox API the pair speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V3,
    V4,
}

pub struct NinoxPair {
    pub ghl: GhlSandbox,
    pub ninox: NinoxSandbox,
    pub api: Api,
    pub scratch: tempfile::TempDir,
}

impl NinoxPair {
    /// `contacts` GHL contacts, half of them also in the Ninox table, plus `own` people only
    /// in Ninox.
    pub async fn start(api: Api, contacts: usize, own: usize) -> NinoxPair {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let ninox = NinoxSandbox::start(NinoxConfig {
            records: own,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: contacts,
            max_concurrent: 50,
            ..NinoxConfig::default()
        })
        .await
        .unwrap();
        NinoxPair {
            ghl,
            ninox,
            api,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    pub fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [("T_GHL", self.ghl.private_token()), ("T_NINOX", self.key())];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    /// `bridge sync --json` started in the background, its output dropped: a crash test
    /// kills it at the step it waits for.
    pub fn spawn_sync(&self) -> std::process::Child {
        std::process::Command::new(crate::bridge_bin())
            .arg("--db")
            .arg(self.scratch.path().join("bridge.sqlite3"))
            .arg("--log-dir")
            .arg(self.scratch.path().join("logs"))
            .args(["sync", "--json"])
            .env("T_GHL", self.ghl.private_token())
            .env("T_NINOX", self.key())
            .env("BRIDGE_SECRET_STORE", "file")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start bridge: {e}"))
    }

    fn key(&self) -> String {
        match self.api {
            Api::V3 => self.ninox.api_key(),
            Api::V4 => self.ninox.workspace_api_key(),
        }
    }

    /// The field names records are keyed by: v3 captions, v4 names.
    pub fn field(&self, caption: &str) -> String {
        match self.api {
            Api::V3 => caption.to_string(),
            Api::V4 => caption.to_lowercase().replace(' ', "_"),
        }
    }

    pub fn connect(&self) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        let output = match self.api {
            Api::V3 => self.bridge(&[
                "connect",
                "ninox",
                "--api-key-env",
                "T_NINOX",
                "--base-url",
                &self.ninox.base_url_v3(),
                "--team",
                &self.ninox.team_id(),
                "--database",
                &self.ninox.database_id(),
                "--table",
                &self.ninox.table_id(),
            ]),
            Api::V4 => self.bridge(&[
                "connect",
                "ninox",
                "--api-key-env",
                "T_NINOX",
                "--base-url",
                &self.ninox.base_url_v4(),
                "--workspace",
                &self.ninox.workspace_id(),
                "--module",
                &self.ninox.module_name(),
                "--table",
                &self.ninox.table_name(),
            ]),
        };
        assert_success("connect ninox", &output);
    }

    /// `bridge sync --json`, parsed: the outcome of the one pair.
    pub fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("bridge sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }

    fn records_url(&self) -> String {
        match self.api {
            Api::V3 => format!(
                "{}/teams/{}/databases/{}/tables/{}/records",
                self.ninox.base_url_v3(),
                self.ninox.team_id(),
                self.ninox.database_id(),
                self.ninox.table_id()
            ),
            Api::V4 => format!(
                "{}/api/v1/workspace/{}/modules/{}/tables/{}/records",
                self.ninox.base_url_v4(),
                self.ninox.workspace_id(),
                self.ninox.module_name(),
                self.ninox.table_name()
            ),
        }
    }

    /// Every record as `{id, fields}`, through the documented list endpoint.
    pub async fn records(&self) -> Vec<Value> {
        let client = reqwest::Client::new();
        let mut all = Vec::new();
        loop {
            let url = match self.api {
                Api::V3 => format!(
                    "{}?perPage=100&page={}",
                    self.records_url(),
                    all.len() / 100
                ),
                Api::V4 => format!("{}?limit=100&offset={}", self.records_url(), all.len()),
            };
            let body: Value = client
                .get(url)
                .bearer_auth(self.key())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let page: Vec<Value> = match self.api {
                Api::V3 => body.as_array().cloned().unwrap_or_default(),
                Api::V4 => body["data"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| json!({"id": r["id"], "fields": r["values"]}))
                    .collect(),
            };
            let done = page.len() < 100;
            all.extend(page);
            if done {
                return all;
            }
        }
    }

    /// The record holding `email`.
    pub async fn record_by_email(&self, email: &str) -> Option<Value> {
        let field = self.field("Email");
        self.records().await.into_iter().find(|r| {
            r["fields"][&field]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// An operator's delete in Ninox: DELETE `…/records/{id}` (v3) or DELETE `{records: [id]}`
    /// (v4).
    pub async fn delete_record(&self, id: &Value) {
        let client = reqwest::Client::new();
        let id = id.to_string().trim_matches('"').to_string();
        let request = match self.api {
            Api::V3 => client.delete(format!("{}/{id}", self.records_url())),
            Api::V4 => client
                .delete(self.records_url())
                .json(&json!({ "records": [id] })),
        };
        let answer = request.bearer_auth(self.key()).send().await.unwrap();
        let status = answer.status();
        assert!(
            status.is_success(),
            "Ninox refused the delete: {status} {}",
            answer.text().await.unwrap_or_default()
        );
    }

    /// An operator's edit in Ninox: POST `[{id, fields}]` (v3) or PATCH `{records}` (v4).
    pub async fn edit_record(&self, id: &Value, fields: Value) {
        let client = reqwest::Client::new();
        let request = match self.api {
            Api::V3 => client
                .post(self.records_url())
                .json(&json!([{ "id": id, "fields": fields }])),
            Api::V4 => {
                let mut record = fields;
                record["id"] = id.clone();
                client
                    .patch(self.records_url())
                    .json(&json!({ "records": [record] }))
            }
        };
        let answer = request.bearer_auth(self.key()).send().await.unwrap();
        let status = answer.status();
        assert!(
            status.is_success(),
            "Ninox refused the edit: {status} {}",
            answer.text().await.unwrap_or_default()
        );
    }
}
