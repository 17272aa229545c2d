//! Two `bridge sync` processes on one database (the window's schedule and a cron job, say):
//! one syncs, the other waits for it or says who holds the database; either way nothing is
//! duplicated or lost on either side. 1,000 GHL contacts ↔ Novi AMS.

use bridge_tests::blocking;
use std::collections::BTreeMap;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bridge_tests::novi_pair::{
    edit_ghl_contact, edit_novi_member, email_of, ghl_contact, ghl_contacts, ghl_id_of_email,
    linked_person, novi_member, novi_members, Pair,
};
use serde_json::{json, Value};

const CONTACTS: usize = 1_000;
const NOVI_ONLY: usize = 50;

/// `bridge sync --json --wait SECS`, started and left running.
fn start_sync(pair: &Pair, wait_secs: u64) -> Child {
    let secrets = pair.secrets();
    Command::new(bridge_tests::bridge_bin())
        .arg("--db")
        .arg(pair.scratch.path().join("bridge.sqlite3"))
        .arg("--log-dir")
        .arg(pair.scratch.path().join("logs"))
        .args(["sync", "--json", "--wait", &wait_secs.to_string()])
        .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
        .env("BRIDGE_SECRET_STORE", "file")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Two syncs started at the same instant; each one's pid and output.
fn two_syncs(pair: &Pair, wait_secs: u64) -> [(u32, Output); 2] {
    let (a, b) = (start_sync(pair, wait_secs), start_sync(pair, wait_secs));
    let (a_pid, b_pid) = (a.id(), b.id());
    [
        (a_pid, a.wait_with_output().unwrap()),
        (b_pid, b.wait_with_output().unwrap()),
    ]
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The pid holding the database's sync lease, once a sync has taken it.
fn lease_holder(pair: &Pair) -> Option<u32> {
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).ok()?;
    bridge_store::table::sync_lease::holder(store.conn())
        .ok()
        .flatten()
        .map(|h| h.pid)
}

/// How many records hold each email (records without one left out).
fn email_counts(records: &[Value], field: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in records {
        // Every member counts, lapsed (inactive) ones too: they are the same person and are
        // linked, never doubled. Companies (no person name) are no contacts.
        if field == "Email" && !record["FirstName"].is_string() {
            continue;
        }
        let email = email_of(record, field);
        if !email.is_empty() {
            *counts.entry(email).or_default() += 1;
        }
    }
    counts
}

fn doubled(counts: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(e, n)| (e.clone(), *n))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_syncs_at_once_on_one_database_neither_duplicate_nor_lose_anything() {
    let pair = Arc::new(Pair::start(CONTACTS, NOVI_ONLY).await);
    let p = pair.clone();
    blocking(move || p.connect()).await;
    // What the seed already holds twice (not ours to fix) is the baseline.
    let ghl_before = doubled(&email_counts(&ghl_contacts(&pair.ghl).await, "email"));
    let novi_before = doubled(&email_counts(&novi_members(&pair).await, "Email"));

    // Round 1, the first sync of 1,000 contacts, twice at once, both willing to wait: one
    // syncs, the other waits for it and says so. A third that will not wait is refused with
    // the holder's name.
    let p = pair.clone();
    let (round1, refused, holder) = blocking(move || {
        let (a, b) = (start_sync(&p, 600), start_sync(&p, 600));
        let holder = (0..600)
            .find_map(|_| {
                std::thread::sleep(Duration::from_millis(50));
                lease_holder(&p)
            })
            .expect("one of the two syncs took the lease");
        let refused = start_sync(&p, 0).wait_with_output().unwrap();
        let (a_pid, b_pid) = (a.id(), b.id());
        let round1 = [
            (a_pid, a.wait_with_output().unwrap()),
            (b_pid, b.wait_with_output().unwrap()),
        ];
        (round1, refused, holder)
    })
    .await;
    assert!(!refused.status.success(), "the third sync must not run");
    let refusal = stderr(&refused);
    assert!(
        refusal.contains(&format!(
            "another sync is running (started by cli pid {holder} on "
        )),
        "{refusal}"
    );
    for (pid, output) in &round1 {
        assert!(
            output.status.success(),
            "sync pid {pid}: {}",
            stderr(output)
        );
    }
    let pids: Vec<u32> = round1.iter().map(|(pid, _)| *pid).collect();
    assert!(
        pids.contains(&holder),
        "the lease holder {holder} is one of {pids:?}"
    );
    let waiter = pids.iter().find(|pid| **pid != holder).copied().unwrap();
    let waited = stderr(&round1.iter().find(|(pid, _)| *pid == waiter).unwrap().1);
    assert!(
        waited.contains("waited") && waited.contains(&format!("started by cli pid {holder} on ")),
        "the waiting sync says it waited, and for whom: {waited}"
    );

    // Between the rounds an operator edits both sides and adds a person on each.
    let person = linked_person(&pair).await;
    edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({"firstName": "Roundtwo"})).await;
    let in_ghl = email_counts(&ghl_contacts(&pair.ghl).await, "email");
    let other = novi_members(&pair)
        .await
        .into_iter()
        .find(|m| {
            m["Active"] == json!(true)
                && m["FirstName"].is_string()
                && in_ghl.contains_key(&email_of(m, "Email"))
                && m["UniqueID"] != person.member["UniqueID"]
        })
        .expect("another linked member");
    let other_id = other["UniqueID"].as_str().unwrap().to_string();
    let other_email = email_of(&other, "Email");
    edit_novi_member(&pair, &other_id, json!({"LastName": "Novi-Edited"})).await;
    let created = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(
            &json!({"locationId": pair.ghl.location_id(), "firstName": "Gia",
                      "lastName": "New", "email": "gia.new@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let joined = reqwest::Client::new()
        .post(format!("{}/members", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(
            &json!({"Name": "Nia Joined", "FirstName": "Nia", "LastName": "Joined",
                      "Email": "nia.joined@example.com", "Active": true}),
        )
        .send()
        .await
        .unwrap();
    assert!(joined.status().is_success(), "{}", joined.status());

    // Round 2: twice at once again, neither willing to wait. One syncs; the other, if it met
    // the first, is refused and names it.
    let p = pair.clone();
    let round2 = blocking(move || two_syncs(&p, 0)).await;
    let succeeded: Vec<u32> = round2
        .iter()
        .filter(|(_, o)| o.status.success())
        .map(|(pid, _)| *pid)
        .collect();
    assert!(!succeeded.is_empty(), "one of the two syncs ran");
    for (pid, output) in round2.iter().filter(|(_, o)| !o.status.success()) {
        let other = round2.iter().find(|(p, _)| p != pid).unwrap().0;
        let said = stderr(output);
        assert!(
            said.contains(&format!(
                "another sync is running (started by cli pid {other} on "
            )),
            "sync pid {pid} failed for another reason: {said}"
        );
    }

    // Nothing doubled on either side, and every edit and new person arrived.
    let ghl_after = ghl_contacts(&pair.ghl).await;
    let members_after = novi_members(&pair).await;
    let ghl_emails = email_counts(&ghl_after, "email");
    let novi_emails = email_counts(&members_after, "Email");
    assert_eq!(doubled(&ghl_emails), ghl_before, "duplicates in GHL");
    assert_eq!(doubled(&novi_emails), novi_before, "duplicates in Novi AMS");
    assert_eq!(novi_emails.get("gia.new@example.com"), Some(&1));
    assert_eq!(ghl_emails.get("nia.joined@example.com"), Some(&1));
    let member = novi_member(&pair, person.member_id.as_str()).await;
    assert_eq!(member["FirstName"], "Roundtwo", "the GHL edit reached Novi");
    let other_ghl = ghl_id_of_email(&pair.ghl, &other_email).await.unwrap();
    assert_eq!(
        ghl_contact(&pair.ghl, &other_ghl).await["lastName"],
        "Novi-Edited",
        "the Novi edit reached GHL"
    );
}
