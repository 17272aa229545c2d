//! GHL webhooks as hints. The receiver (`bridge_sync::webhooks`, served by
//! `bridge webhooks serve`) checks each delivery's signature over the raw bytes, refuses
//! replays and stale events, and stores what it accepts before answering 200; the next sync
//! reads the records an event names. Events are signed with the GHL fake's test keys
//! (`bridge_sandbox::WebhookSigning`), and in the sync tests sent by the fake itself.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bridge_core::SystemClock;
use bridge_sandbox::{WebhookSigning, TEST_ED25519_PUBLIC_KEY_PEM, TEST_RSA_PUBLIC_KEY_PEM};
use bridge_store::table::{contacts, cursors, webhook_events};
use bridge_store::Store;
use bridge_sync::webhooks::{self, Receiver, WebhookKeys};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{novi_list, Pair};
use serde_json::{json, Value};

/// A receiver on an ephemeral loopback port, trusting the fake's two test keys and GHL's
/// published one, over a database file the test reads with a connection of its own.
struct TestReceiver {
    url: String,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TestReceiver {
    async fn start() -> TestReceiver {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bridge.sqlite3");
        let mut keys = WebhookKeys::ghl_published().unwrap();
        keys.add_pem(TEST_RSA_PUBLIC_KEY_PEM).unwrap();
        keys.add_pem(TEST_ED25519_PUBLIC_KEY_PEM).unwrap();
        let receiver = Receiver::new(Store::open(&db).unwrap(), keys, Arc::new(SystemClock));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}{}",
            listener.local_addr().unwrap(),
            webhooks::PATH
        );
        tokio::spawn(async move { axum::serve(listener, webhooks::router(receiver)).await });
        TestReceiver { url, db, _dir: dir }
    }

    /// Posts `body` with the given headers; the answer's status and text.
    async fn post(&self, body: &[u8], headers: &[(&str, String)]) -> (u16, String) {
        let mut request = reqwest::Client::new()
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let answer = request.send().await.unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    async fn post_signed(&self, body: &[u8], signing: WebhookSigning) -> (u16, String) {
        let (header, signature) = signing.sign(body).unwrap();
        self.post(body, &[(header, signature)]).await
    }

    fn stored(&self) -> Vec<webhook_events::WebhookEvent> {
        webhook_events::list(Store::open(&self.db).unwrap().conn()).unwrap()
    }
}

/// NoteCreate as documented (webhook-events/NoteCreate.md) with the envelope of
/// WebhookAuthentication.md, sent `age` ago.
fn note_create(webhook_id: &str, age: chrono::Duration) -> Vec<u8> {
    let sent = chrono::Utc::now() - age;
    json!({
        "type": "NoteCreate",
        "locationId": "ve9EPM428h8vShlRW1KT",
        "id": "otg8dTQqGLh3Q6iQI55w",
        "body": "Loram ipsum",
        "contactId": "CWBf1PR9LvvBkcYqiXlc",
        "dateAdded": "2021-11-26T12:41:02.193Z",
        "timestamp": sent.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "webhookId": webhook_id,
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_signed_with_rsa_or_ed25519_is_stored_then_answered_200() {
    let receiver = TestReceiver::start().await;
    let rsa = note_create("w-rsa", chrono::Duration::seconds(2));
    assert_eq!(
        receiver.post_signed(&rsa, WebhookSigning::TestRsa).await.0,
        200
    );
    let ed = note_create("w-ed", chrono::Duration::zero());
    assert_eq!(
        receiver
            .post_signed(&ed, WebhookSigning::TestEd25519)
            .await
            .0,
        200
    );
    let stored = receiver.stored();
    let ids: Vec<&str> = stored.iter().map(|e| e.webhook_id.as_str()).collect();
    assert_eq!(stored.len(), 2, "{ids:?}");
    let rsa_row = stored.iter().find(|e| e.webhook_id == "w-rsa").unwrap();
    assert_eq!(rsa_row.event_type, "NoteCreate");
    assert_eq!(rsa_row.contact_id.as_deref(), Some("CWBf1PR9LvvBkcYqiXlc"));
    assert_eq!(rsa_row.record_id.as_deref(), Some("otg8dTQqGLh3Q6iQI55w"));
    assert_eq!(
        rsa_row.body.as_bytes(),
        rsa.as_slice(),
        "the raw body, as signed"
    );
    assert_eq!(rsa_row.read_at, None, "a pending hint");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_altered_body_a_wrong_key_and_no_signature_are_refused_401_and_stored_nowhere() {
    let receiver = TestReceiver::start().await;
    let body = note_create("w1", chrono::Duration::zero());

    // Signed, then one byte changed (the note's body): the signature no longer verifies.
    let (header, signature) = WebhookSigning::TestRsa.sign(&body).unwrap();
    let altered = String::from_utf8(body.clone())
        .unwrap()
        .replace("Loram ipsum", "Loram ipsun")
        .into_bytes();
    let (status, text) = receiver.post(&altered, &[(header, signature)]).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature"), "{text}");
    let (header, signature) = WebhookSigning::TestEd25519.sign(&body).unwrap();
    let (status, _) = receiver.post(&altered, &[(header, signature)]).await;
    assert_eq!(status, 401);

    // Signed with an RSA key the receiver does not trust.
    let (status, text) = receiver.post_signed(&body, WebhookSigning::OtherRsa).await;
    assert_eq!(status, 401, "{text}");

    // Not signed at all, and a signature under the wrong header (an RSA one as Ed25519).
    let (status, text) = receiver.post(&body, &[]).await;
    assert_eq!(status, 401);
    assert!(text.contains("x-wh-signature"), "{text}");
    let (_, rsa_signature) = WebhookSigning::TestRsa.sign(&body).unwrap();
    let (status, _) = receiver
        .post(&body, &[("x-ghl-signature", rsa_signature)])
        .await;
    assert_eq!(status, 401);

    assert!(receiver.stored().is_empty(), "{:?}", receiver.stored());
    // The same event, correctly signed, is still accepted: nothing of it was recorded.
    assert_eq!(
        receiver.post_signed(&body, WebhookSigning::TestRsa).await.0,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_webhook_id_is_refused_409_and_stored_once() {
    let receiver = TestReceiver::start().await;
    let body = note_create("w-replayed", chrono::Duration::zero());
    assert_eq!(
        receiver.post_signed(&body, WebhookSigning::TestRsa).await.0,
        200
    );
    // The same delivery again, and a new body reusing the webhookId, signed with the other key.
    let (status, text) = receiver.post_signed(&body, WebhookSigning::TestRsa).await;
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("w-replayed"), "{text}");
    let other = note_create("w-replayed", chrono::Duration::seconds(1));
    assert_eq!(
        receiver
            .post_signed(&other, WebhookSigning::TestEd25519)
            .await
            .0,
        409
    );
    let stored = receiver.stored();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].body.as_bytes(), body.as_slice(), "the first one");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timestamp_outside_five_minutes_is_refused_and_stored_nowhere() {
    let receiver = TestReceiver::start().await;
    for (id, age) in [
        ("w-old", chrono::Duration::minutes(6)),
        ("w-future", chrono::Duration::minutes(-6)),
    ] {
        let body = note_create(id, age);
        let (status, text) = receiver.post_signed(&body, WebhookSigning::TestRsa).await;
        assert_eq!(status, 401, "{id}: {text}");
        assert!(text.contains("5 minutes"), "{text}");
    }
    // A signed body that is no event (no webhookId) is refused naming the field.
    let body = json!({"type": "NoteCreate", "locationId": "l",
                      "timestamp": chrono::Utc::now().to_rfc3339()})
    .to_string()
    .into_bytes();
    let (status, text) = receiver.post_signed(&body, WebhookSigning::TestRsa).await;
    assert_eq!(status, 400);
    assert!(text.contains("webhookId"), "{text}");
    assert!(receiver.stored().is_empty());
}

/// `bridge webhooks serve` for the pair's database, trusting the fake's RSA test key; killed
/// when dropped.
struct Serve {
    child: Child,
    url: String,
    _key: tempfile::NamedTempFile,
}

impl Serve {
    fn start(pair: &Pair, extra: &[&str]) -> Serve {
        let key = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(key.path(), TEST_RSA_PUBLIC_KEY_PEM).unwrap();
        let secrets = pair.secrets();
        let mut child = Command::new(bridge_tests::bridge_bin())
            .env("BRIDGE_SECRET_STORE", "file")
            .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
            .arg("--db")
            .arg(pair.scratch.path().join("bridge.sqlite3"))
            .arg("--log-dir")
            .arg(pair.scratch.path().join("logs"))
            .args(["webhooks", "serve", "--port", "0", "--public-key"])
            .arg(key.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_string();
        Serve {
            child,
            url,
            _key: key,
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The linked contacts the next sync's rotation reads (as `reconcile_children` picks them).
fn next_rotation(db: &std::path::Path, ghl_connection: &str) -> Vec<String> {
    let store = Store::open(db).unwrap();
    let after = cursors::get(store.conn(), ghl_connection, "children.reconcile").unwrap();
    let mut due =
        contacts::linked_after(store.conn(), ghl_connection, after.as_deref(), 25).unwrap();
    if due.len() < 25 && after.is_some() {
        let more = contacts::linked_after(store.conn(), ghl_connection, None, 25).unwrap();
        due.extend(more.into_iter().take(25 - due.len()));
    }
    due.into_iter().map(|row| row.contact.contact_id).collect()
}

/// Every linked contact (GHL ids) and the GHL connection's id.
fn linked_contacts(db: &std::path::Path) -> (String, Vec<String>) {
    let store = Store::open(db).unwrap();
    let ghl = bridge_store::table::connections::list(store.conn())
        .unwrap()
        .into_iter()
        .find(|c| c.system == bridge_core::System::Ghl)
        .unwrap();
    let linked = contacts::linked_after(store.conn(), &ghl.id, None, 10_000)
        .unwrap()
        .into_iter()
        .map(|row| row.contact.contact_id)
        .collect();
    (ghl.id, linked)
}

/// Adds a note through the fake's documented endpoint.
async fn add_note(pair: &Pair, contact: &str, body: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/contacts/{contact}/notes", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({ "body": body }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "GHL refused the note");
}

/// Waits until the fake has delivered `n` webhooks (it sends them right after answering).
async fn delivered(pair: &Pair, n: usize) -> Vec<bridge_sandbox::WebhookDelivery> {
    for _ in 0..300 {
        let deliveries = pair.ghl.webhook_deliveries();
        if deliveries.len() >= n {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the fake delivered {:?}", pair.ghl.webhook_deliveries());
}

async fn novi_notes_with(pair: &Pair, text: &str) -> Vec<Value> {
    novi_list(pair, "activities")
        .await
        .into_iter()
        .filter(|a| a["ActivityType"] == "Note" && a["Notes"] == text)
        .collect()
}

/// A first sync links the contacts, a second settles them; returns the GHL connection id and
/// two linked contacts outside the next sync's rotation.
async fn linked_pair_outside_rotation() -> (Pair, String, String, String) {
    let pair = Pair::start(60, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    // The second sync re-reads (children too) the GHL contacts the first one wrote: their
    // dateUpdated moved. After it, only the rotation and the hints read notes.
    pair.sync();
    let db = pair.scratch.path().join("bridge.sqlite3");
    let (ghl_connection, linked) = linked_contacts(&db);
    let rotation = next_rotation(&db, &ghl_connection);
    let outside: Vec<&String> = linked.iter().filter(|c| !rotation.contains(c)).collect();
    assert!(
        outside.len() >= 2,
        "{} linked contacts, {} in the next rotation: too few outside it",
        linked.len(),
        rotation.len()
    );
    let (hinted, other) = (outside[0].clone(), outside[1].clone());
    (pair, ghl_connection, hinted, other)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_create_outside_the_rotation_makes_the_next_sync_read_that_contacts_notes() {
    let (pair, _, hinted, other) = linked_pair_outside_rotation().await;
    let serve = Serve::start(&pair, &["--no-sync"]);
    pair.ghl
        .send_webhooks_to(&serve.url, WebhookSigning::TestRsa);

    let text = "Asked about the gala tickets.";
    add_note(&pair, &hinted, text).await;
    let deliveries = delivered(&pair, 1).await;
    assert_eq!(deliveries[0].event_type, "NoteCreate");
    assert_eq!(deliveries[0].status, 200, "{deliveries:?}");

    let notes_of = |id: &str| {
        pair.ghl
            .stats()
            .count_path("GET", &format!("/contacts/{id}/notes"))
    };
    let (hinted_before, other_before) = (notes_of(&hinted), notes_of(&other));
    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    assert_eq!(
        notes_of(&hinted),
        hinted_before + 1,
        "the hinted contact's notes are read once"
    );
    assert_eq!(
        notes_of(&other),
        other_before,
        "a contact outside the rotation and not hinted is not read"
    );
    assert_eq!(
        novi_notes_with(&pair, text).await.len(),
        1,
        "the note reached Novi AMS in that sync"
    );

    // The hint was read: the next sync does not read that contact for it again.
    let db = pair.scratch.path().join("bridge.sqlite3");
    let stored = webhook_events::list(Store::open(&db).unwrap().conn()).unwrap();
    let event = stored
        .iter()
        .find(|e| e.webhook_id == deliveries[0].webhook_id)
        .unwrap();
    assert!(event.read_at.is_some(), "{event:?}");
    assert_eq!(event.contact_id.as_deref(), Some(hinted.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_starts_a_hinted_sync_within_seconds_of_an_event() {
    let (pair, _, hinted, _) = linked_pair_outside_rotation().await;
    let serve = Serve::start(&pair, &["--sync-after", "1"]);
    pair.ghl
        .send_webhooks_to(&serve.url, WebhookSigning::TestRsa);
    let text = "Will bring two guests.";
    add_note(&pair, &hinted, text).await;
    assert_eq!(delivered(&pair, 1).await[0].status, 200);
    // No `bridge sync` is run here: the one `serve` starts carries the note to Novi.
    for _ in 0..240 {
        if novi_notes_with(&pair, text).await.len() == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no hinted sync carried the note to Novi AMS within two minutes");
}
