//! A GHL fake plus a scratch database, driven through the real `bridge` binary: what the
//! cross-crate tests and the pull benchmark share.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox};
use serde_json::Value;

use crate::run_bridge_env;

/// The environment variable the tests hand the Private Integration Token through.
pub const TOKEN_ENV: &str = "BRIDGE_TEST_GHL_TOKEN";

pub struct GhlWorld {
    pub sandbox: GhlSandbox,
    pub scratch: tempfile::TempDir,
}

impl GhlWorld {
    /// A fake location of `contacts` seeded contacts whose limit is 100 requests per `window`.
    pub async fn start(contacts: usize, window: Duration) -> GhlWorld {
        let sandbox = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: window,
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        GhlWorld {
            sandbox,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.scratch().join("bridge.sqlite3")
    }

    /// Runs `bridge` (blocking: call from `spawn_blocking` or a plain thread).
    pub fn bridge(&self, args: &[&str]) -> Output {
        run_bridge_with_token(self.scratch(), &self.sandbox.private_token(), args)
    }

    /// `bridge connect ghl` with the fake's Private Integration Token.
    pub fn connect(&self) -> Output {
        let url = self.sandbox.base_url();
        let location = self.sandbox.location_id();
        self.bridge(&[
            "connect",
            "ghl",
            "--location-id",
            &location,
            "--token-env",
            TOKEN_ENV,
            "--base-url",
            &url,
            "--name",
            "Main",
        ])
    }

    /// `bridge pull ghl --json`, parsed: the report of the one connection.
    pub fn pull(&self) -> Value {
        let output = self.bridge(&["pull", "ghl", "--json"]);
        assert_success("bridge pull ghl", &output);
        let reports: Value = serde_json::from_slice(&output.stdout).unwrap();
        reports[0].clone()
    }
}

/// Runs `bridge` with the token in [`TOKEN_ENV`] and secrets kept beside the scratch database
/// (or in the keychain the test command provides).
pub fn run_bridge_with_token(scratch: &Path, token: &str, args: &[&str]) -> Output {
    run_bridge_env(scratch, &[(TOKEN_ENV, token)], args)
}

/// `bridge connect ghl` with the fake's Private Integration Token read from `T_GHL` (the
/// variable the pair worlds set), through the world's own `bridge` runner.
pub fn connect_ghl(ghl: &bridge_sandbox::GhlSandbox, bridge: impl Fn(&[&str]) -> Output) {
    let (location, url) = (ghl.location_id(), ghl.base_url());
    assert_success(
        "connect ghl",
        &bridge(&[
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
}

pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Pages a search of `contacts` records costs at GHL's 500 per page: a page shorter than the
/// limit ends the search, so an exact multiple costs one more (empty) page.
pub fn search_pages(contacts: u64) -> u64 {
    contacts / 500 + 1
}

/// The location's calendar ids, through the documented list (`GET /calendars/`).
pub async fn calendar_ids(ghl: &GhlSandbox) -> Vec<String> {
    let calendars: Value = reqwest::Client::new()
        .get(format!("{}/calendars/", ghl.base_url()))
        .query(&[("locationId", ghl.location_id())])
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-04-15")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    calendars["calendars"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect()
}

/// Books an appointment for a contact through the documented endpoint
/// (`POST /calendars/events/appointments`; times in ISO 8601); GHL's answer, which refuses a
/// taken slot.
pub async fn book_appointment(
    ghl: &GhlSandbox,
    calendar: &str,
    contact: &str,
    (start, end): (&str, &str),
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/calendars/events/appointments", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-04-15")
        .json(&serde_json::json!({
            "calendarId": calendar, "locationId": ghl.location_id(),
            "contactId": contact, "title": "Annual review",
            "startTime": start, "endTime": end,
        }))
        .send()
        .await
        .unwrap()
}
