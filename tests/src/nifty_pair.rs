//! The GHL fake and the Nifty fake side by side — Nifty's "Client follow-ups" project holding
//! copies of a share of GHL's seeded tasks — and the `bridge` binary with a scratch database:
//! what the Nifty pair's tests share. Nifty is connected by OAuth through the binary, the test
//! playing the operator's browser on the fake's consent page.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NiftyConfig, NiftySandbox, RequestStats};
use serde_json::{json, Value};

use crate::ghl_world::{assert_success, connect_ghl};
use crate::{bridge_bin, browser, run_bridge_env};

pub const VERSION: (&str, &str) = ("Version", "2021-07-28");

pub struct NiftyPair {
    pub ghl: GhlSandbox,
    pub nifty: NiftySandbox,
    pub scratch: tempfile::TempDir,
}

/// Requests that change something: anything but GET, GHL's searches (POST reads) and token
/// calls.
pub fn writes(stats: &RequestStats) -> u64 {
    stats
        .by_route
        .iter()
        .filter(|((method, path), _)| {
            method != "GET" && !path.ends_with("/search") && !path.starts_with("/oauth")
        })
        .map(|(_, n)| n)
        .sum()
}

impl NiftyPair {
    /// `contacts` GHL contacts; `overlap` of them have their tasks copied into Nifty.
    pub async fn start(contacts: usize, overlap: f64) -> NiftyPair {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let nifty = NiftySandbox::start(NiftyConfig {
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: contacts,
            ghl_overlap: overlap,
            ..NiftyConfig::default()
        })
        .await
        .unwrap();
        NiftyPair {
            ghl,
            nifty,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    pub fn secrets(&self) -> [(&'static str, String); 2] {
        [
            ("T_GHL", self.ghl.private_token()),
            ("T_NIFTY_SECRET", self.nifty.oauth_client().1),
        ]
    }

    /// Runs `bridge` (blocking) with both secrets in its environment.
    pub fn bridge(&self, args: &[&str]) -> Output {
        let secrets = self.secrets();
        let env: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    pub fn follow_ups(&self) -> String {
        self.nifty.projects()[0].0.clone()
    }

    /// `bridge connect ghl` by token, then `bridge connect nifty --oauth`, approving on the
    /// consent page the binary prints. Returns the Nifty connect's stdout.
    pub async fn connect(&self) -> String {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        let (client_id, _) = self.nifty.oauth_client();
        let project = self.follow_ups();
        // Nifty takes only registered redirect URLs: a free port of this machine, registered in
        // the fake's app as the operator registers theirs (tests run side by side, so not the
        // CLI's default port).
        let port = free_port();
        self.nifty
            .set_redirect_uris(&[format!("http://127.0.0.1:{port}/callback")]);
        let port = port.to_string();
        let mut child = Command::new(bridge_bin())
            .env("BRIDGE_SECRET_STORE", "file")
            .envs(self.secrets().iter().map(|(k, v)| (*k, v.clone())))
            // No browser of this machine opens the page: the test is the browser.
            .env("BROWSER", "true")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(self.scratch.path().join("bridge.sqlite3"))
            .arg("--log-dir")
            .arg(self.scratch.path().join("logs"))
            .args([
                "connect",
                "nifty",
                "--oauth",
                "--client-id",
                &client_id,
                "--client-secret-env",
                "T_NIFTY_SECRET",
                "--base-url",
                &self.nifty.base_url(),
                "--auth-url",
                &self.nifty.authorize_url(),
                "--token-url",
                &self.nifty.token_url(),
                "--project",
                &project,
                "--redirect-port",
                &port,
                // The fake has no limit of its own.
                "--rate-per-second",
                "500",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (url, stderr_rest) = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stderr).lines();
            let mut seen = Vec::new();
            for line in lines.by_ref() {
                let line = line.unwrap();
                if line.trim().starts_with("http") && line.contains("/authorize") {
                    return (line.trim().to_string(), lines);
                }
                seen.push(line);
            }
            panic!("bridge connect nifty printed no sign-in address: {seen:?}");
        })
        .await
        .unwrap();
        let visit = browser::approve(&url, |callback| callback).await;
        assert_eq!(visit.callback_status, 200, "{}", visit.callback_body);
        let (output, rest) = tokio::task::spawn_blocking(move || {
            let rest: Vec<String> = stderr_rest.map_while(Result::ok).collect();
            (child.wait_with_output().unwrap(), rest)
        })
        .await
        .unwrap();
        assert!(
            output.status.success(),
            "bridge connect nifty failed: {rest:?}"
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `bridge sync --json`, parsed: the outcome of the one pair.
    pub fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("bridge sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }

    /// Every task of the Nifty fake in the follow-ups project.
    pub fn nifty_tasks(&self) -> Vec<Value> {
        let project = self.follow_ups();
        self.nifty
            .tasks()
            .into_iter()
            .filter(|t| t["project"] == project.as_str())
            .collect()
    }

    /// A request to Nifty's API with the fake's pre-issued token.
    pub async fn nifty_call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = reqwest::Client::new()
            .request(method.clone(), format!("{}{path}", self.nifty.base_url()))
            .bearer_auth(self.nifty.access_token());
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        assert!(
            answer.status().is_success(),
            "Nifty refused {method} {path}: {}",
            answer.status()
        );
        answer.json().await.unwrap_or(Value::Null)
    }

    /// A request to GHL's API with the location's token.
    pub async fn ghl_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = reqwest::Client::new()
            .request(method.clone(), format!("{}{path}", self.ghl.base_url()))
            .bearer_auth(self.ghl.private_token())
            .header(VERSION.0, VERSION.1);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        assert!(
            answer.status().is_success(),
            "GHL refused {method} {path}: {}",
            answer.status()
        );
        answer.json().await.unwrap_or(Value::Null)
    }

    /// The `skip`-th seeded GHL contact with an email, as the fake lists them: its id and
    /// its email (trimmed, lower case).
    pub async fn some_contact(&self, skip: usize) -> (String, String) {
        let page = self
            .ghl_call(
                reqwest::Method::POST,
                "/contacts/search",
                Some(json!({"locationId": self.ghl.location_id(), "pageLimit": 100})),
            )
            .await;
        let contact = page["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["email"].is_string())
            .nth(skip)
            .unwrap()
            .clone();
        (
            contact["id"].as_str().unwrap().to_string(),
            contact["email"].as_str().unwrap().trim().to_lowercase(),
        )
    }

    /// Every GHL task of the location: (contact id, task).
    pub async fn ghl_tasks(&self) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let page = self
                .ghl_call(
                    reqwest::Method::POST,
                    &format!("/locations/{}/tasks/search", self.ghl.location_id()),
                    Some(json!({"skip": all.len(), "limit": 500})),
                )
                .await;
            let tasks = page["tasks"].as_array().cloned().unwrap_or_default();
            let done = tasks.len() < 500;
            all.extend(tasks);
            if done {
                return all;
            }
        }
    }

    /// The comments of one Nifty task.
    pub async fn comments(&self, task_id: &str) -> Vec<String> {
        let answer = self
            .nifty_call(
                reqwest::Method::GET,
                &format!("/messages?task_id={task_id}"),
                Value::Null,
            )
            .await;
        answer["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m["text"].as_str().map(str::to_string))
            .collect()
    }
}

/// The email a Nifty task's description names (`Contact: <email>`), if any.
pub fn marker_email(task: &Value) -> Option<String> {
    task["description"]
        .as_str()?
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Contact: "))
        .map(|e| e.trim().to_lowercase())
}

/// A loopback port free right now (the OS picks it; the listener is closed at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}
