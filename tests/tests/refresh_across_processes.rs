//! Two processes (the window and a cron job, or two `bridge` runs) whose GHL access token has
//! expired at the same moment: one refreshes, the other waits for it and uses the rotated
//! token. The GHL fake's refresh tokens are single-use, as GHL's are: a second refresh with the
//! spent token would be refused and the connection would look dead.

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bridge_auth::{FileStore, LoopbackOptions, Sensitive, TokenSet, TokenStore, SECRETS_FILE_NAME};
use bridge_core::SystemClock;
use bridge_sandbox::{FaultConfig, GhlConfig, GhlSandbox};
use bridge_store::Store;
use bridge_sync::connections::{connect_ghl_oauth, GhlOauthConnect};
use bridge_tests::browser;
use serde_json::Value;

/// `bridge doctor --json`, started and left running.
fn doctor(scratch: &std::path::Path) -> std::process::Child {
    Command::new(bridge_tests::bridge_bin())
        .arg("--db")
        .arg(scratch.join("bridge.sqlite3"))
        .arg("--log-dir")
        .arg(scratch.join("logs"))
        .args(["doctor", "--json"])
        .env("BRIDGE_SECRET_STORE", "file")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Whether a `bridge doctor --json` run got past GHL's sign-in: no failed sign-in check (a
/// refused refresh is one), and GHL answered a check.
fn signed_in(output: &Output) -> bool {
    let reports: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let checks: Vec<Value> = reports
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["checks"].as_array().cloned().unwrap_or_default())
        .collect();
    let refused = checks
        .iter()
        .any(|c| c["capability"] == "sign-in" && c["ok"] != true);
    !refused && checks.iter().any(|c| c["ok"] == true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refreshing_one_rotating_token_spend_it_once() {
    let sandbox = GhlSandbox::start(GhlConfig {
        seed_contacts: 5,
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    // Where `bridge` keeps them with BRIDGE_SECRET_STORE=file: beside its database.
    let secrets: Arc<dyn TokenStore> =
        Arc::new(FileStore::new(scratch.path().join(SECRETS_FILE_NAME)));
    let store = Store::open(&scratch.path().join("bridge.sqlite3")).unwrap();
    let (client_id, client_secret) = sandbox.oauth_client();
    let visit = Arc::new(std::sync::Mutex::new(None));
    let seen = visit.clone();
    let connection = connect_ghl_oauth(
        &store,
        secrets.clone(),
        Arc::new(SystemClock),
        GhlOauthConnect {
            name: Some("Main".into()),
            base_url: sandbox.base_url(),
            auth_url: sandbox.base_url(),
            client_id,
            client_secret: Sensitive::new(client_secret),
            loopback: LoopbackOptions {
                timeout: Duration::from_secs(30),
                ..LoopbackOptions::default()
            },
        },
        move |url: &url::Url| {
            let url = url.to_string();
            *seen.lock().unwrap() = Some(tokio::spawn(async move {
                browser::approve(&url, |callback| callback).await
            }));
            Ok(())
        },
    )
    .await
    .unwrap();
    let browsing = visit.lock().unwrap().take().unwrap();
    browsing.await.unwrap();
    drop(store);

    // The access token has expired: both processes must refresh before their first request.
    let mut tokens =
        TokenSet::from_secret_json(&secrets.get(&connection.secret_ref).unwrap().unwrap()).unwrap();
    let spent = tokens.refresh_token.clone().unwrap();
    tokens.expires_at = Some(chrono::Utc::now() - chrono::Duration::minutes(1));
    secrets
        .set(&connection.secret_ref, &tokens.to_secret_json().unwrap())
        .unwrap();
    let refreshes_before = sandbox.stats().count("POST", "/oauth/token");
    // Every answer takes a second: the second process reads the expired token while the
    // first one's refresh is still in flight, whichever starts first.
    sandbox.set_faults(FaultConfig {
        latency: Duration::from_secs(1),
        ..FaultConfig::none()
    });

    let path = scratch.path().to_path_buf();
    let (a, b) = tokio::task::spawn_blocking(move || {
        let (a, b) = (doctor(&path), doctor(&path));
        (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    for output in [&a, &b] {
        assert!(
            signed_in(output),
            "each process signed in: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(
        sandbox.stats().count("POST", "/oauth/token") - refreshes_before,
        1,
        "one refresh for both processes"
    );
    let after =
        TokenSet::from_secret_json(&secrets.get(&connection.secret_ref).unwrap().unwrap()).unwrap();
    assert_ne!(
        after.refresh_token.as_ref().map(|t| t.expose().clone()),
        Some(spent.expose().clone()),
        "the rotated refresh token was stored"
    );
}
