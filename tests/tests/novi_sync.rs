//! `bridge sync` between the GHL fake and the Novi AMS fake, through their documented
//! endpoints: contacts both ways, nothing written when nothing changed, no echo, manual
//! review, faults, undo, and the contact's timeline.

use std::collections::BTreeSet;

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
use bridge_tests::novi_pair::{
    add_novi_member, edit_ghl_contact, edit_novi_member, email_of, ghl_contact, ghl_contacts,
    ghl_id_of_email, linked_person, novi_member, novi_members, people_with_email, writes, Pair,
};
use bridge_tests::{blocking, ghl_world::assert_success};
use serde_json::{json, Value};

const GHL_CONTACTS: usize = 30;

/// A pair, connected and synced once.
async fn synced_pair() -> std::sync::Arc<Pair> {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        p.sync();
    })
    .await;
    pair
}

/// Runs `bridge sync` `times` times in a row; the last outcome.
async fn sync(pair: &std::sync::Arc<Pair>, times: usize) -> Value {
    let p = pair.clone();
    blocking(move || {
        let mut last = Value::Null;
        for _ in 0..times {
            last = p.sync();
        }
        last
    })
    .await
}

/// The emails of Novi's people (companies have no person name). Lapsed (inactive) members
/// count: they are the same person, linked and never doubled (#12).
fn person_emails(members: &[Value]) -> BTreeSet<String> {
    members
        .iter()
        .filter(|m| m["FirstName"].is_string())
        .map(|m| email_of(m, "Email"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_sync_both_ways_then_nothing_is_written() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    // Which member listings each sync sent, by the fake's request log.
    let (first, second, second_listings) = blocking(move || {
        p.connect();
        let first = p.sync();
        let from = p.novi.member_listing_filters().len();
        let second = p.sync();
        (
            first,
            second,
            p.novi.member_listing_filters()[from..].to_vec(),
        )
    })
    .await;
    assert_eq!(first["applied"]["dead"], 0, "{first}");
    assert!(first["applied"]["done"].as_u64().unwrap() > 0);

    // Every GHL contact is a member now, and every Novi person a GHL contact (lapsed members
    // included: the same person; companies are not contacts).
    let members = novi_members(&pair).await;
    let member_emails = person_emails(&members);
    let ghl_emails: BTreeSet<String> = ghl_contacts(&pair.ghl)
        .await
        .iter()
        .map(|c| email_of(c, "email"))
        .collect();
    // A Novi person is missing from GHL only when the match was uncertain (here: a phone
    // shared with a different GHL contact) and waits in the review queue.
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let reviewed: BTreeSet<String> = bridge_store::table::match_reviews::list_open(store.conn())
        .unwrap()
        .into_iter()
        .map(|r| r.remote_id)
        .collect();
    for missing in member_emails.difference(&ghl_emails) {
        let member = members
            .iter()
            .find(|m| email_of(m, "Email") == *missing)
            .unwrap();
        assert!(
            reviewed.contains(member["UniqueID"].as_str().unwrap()),
            "{missing} is neither in GHL nor in the review queue"
        );
    }
    assert!(
        ghl_emails.is_subset(&member_emails),
        "GHL contacts missing in Novi: {:?}",
        ghl_emails.difference(&member_emails).collect::<Vec<_>>()
    );

    // The second sync found nothing to do and wrote nothing, anywhere.
    assert_eq!(second["plan"]["operations"], json!([]), "{second}");
    let (ghl_writes, novi_writes) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    let listings_before = pair.novi.member_listing_filters().len();
    let third = sync(&pair, 1).await;
    assert_eq!(third["plan"]["operations"], json!([]));
    assert_eq!(
        writes(&pair.ghl.stats()),
        ghl_writes,
        "no write to GHL on a no-change sync"
    );
    assert_eq!(
        writes(&pair.novi.stats()),
        novi_writes,
        "no write to Novi on a no-change sync"
    );

    // The member cursor follows Novi's `LastUpdatedDate` (the fake's request log): the first
    // sync read every member, and the quiet sync's listing asked only for members updated
    // after a later instant than the sync before it.
    let filters = pair.novi.member_listing_filters();
    let third_listings = &filters[listings_before..];
    let instant = |f: &Option<String>| {
        let text = f.as_deref().expect("a lastModifiedDate filter");
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    };
    assert_eq!(filters[0], None, "the first sync reads every member");
    assert!(!second_listings.is_empty() && !third_listings.is_empty());
    let (before, quiet) = (&second_listings[0], &third_listings[0]);
    assert!(
        instant(quiet) > instant(before),
        "the quiet sync's lastModifiedDate {quiet:?} is not later than {before:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_either_side_reaches_the_other_once_without_echo() {
    let pair = synced_pair().await;
    let person = linked_person(&pair).await;

    // GHL: a new first name; ten syncs write it to Novi once and nothing back.
    edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({"firstName": "Augusta"})).await;
    let (ghl_before, novi_before) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    sync(&pair, 10).await;
    assert_eq!(
        novi_member(&pair, &person.member_id).await["FirstName"],
        "Augusta"
    );
    assert_eq!(
        writes(&pair.novi.stats()) - novi_before,
        1,
        "ten syncs, one write to Novi"
    );
    assert_eq!(
        writes(&pair.ghl.stats()) - ghl_before,
        0,
        "and none back to GHL"
    );

    // Novi: a new last name; ten syncs write it to GHL once and nothing back.
    edit_novi_member(&pair, &person.member_id, json!({"LastName": "Byron"})).await;
    let (ghl_before, novi_before) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    sync(&pair, 10).await;
    let contact = ghl_contact(&pair.ghl, &person.ghl_id).await;
    assert_eq!(contact["lastName"], "Byron");
    assert_eq!(contact["firstName"], "Augusta");
    assert_eq!(
        writes(&pair.ghl.stats()) - ghl_before,
        1,
        "ten syncs, one write to GHL"
    );
    assert_eq!(
        writes(&pair.novi.stats()) - novi_before,
        0,
        "and none back to Novi"
    );

    // The contact's timeline tells both stories, in time order.
    let p = pair.clone();
    let id = person.ghl_id.clone();
    let timeline: Value = blocking(move || {
        let output = p.bridge(&["timeline", &id, "--json"]);
        assert_success("timeline", &output);
        serde_json::from_slice(&output.stdout).unwrap()
    })
    .await;
    let events = timeline.as_array().unwrap();
    let has = |system: &str, title: &str| {
        events
            .iter()
            .any(|e| e["system"] == system && e["title"] == title)
    };
    assert!(has("ghl", "firstName changed"), "{timeline}");
    assert!(has("novi", "FirstName set by sync"), "{timeline}");
    assert!(has("novi", "LastName changed"), "{timeline}");
    assert!(has("ghl", "lastName set by sync"), "{timeline}");
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_writes_fail_for_now_and_the_next_plain_sync_completes_them() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || p.connect()).await;
    // A fifth of the writes answered 503 for the whole sync (every attempt), and on top one
    // request in ten answered 5xx and one in fifty dropped, on both sides.
    let faults = FaultConfig {
        error_rate: 0.1,
        drop_rate: 0.02,
        failing_writes: 0.2,
        ..FaultConfig::none()
    };
    pair.ghl.set_faults(faults.clone());
    pair.novi.set_faults(faults);
    let p = pair.clone();
    let (faulty, dead) = blocking(move || {
        let faulty = p.bridge(&["sync", "--json"]);
        (faulty, p.bridge(&["dead-letters", "--json"]))
    })
    .await;
    assert_success("a sync under faults", &faulty);
    let faulty: Value = serde_json::from_slice(&faulty.stdout).unwrap();
    assert!(
        faulty[0]["applied"]["unconfirmed"].as_u64() > Some(0),
        "some writes failed for now: {:#}",
        faulty[0]["applied"]
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&dead.stdout).unwrap(),
        json!([]),
        "transient failures are not dead letters"
    );
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let failed = bridge_store::table::operations::unfinished(store.conn()).unwrap();
    assert!(!failed.is_empty());
    for op in &failed {
        assert_eq!(op.state, "failed");
        let message = op.last_error.as_deref().unwrap_or_default();
        assert!(
            message.starts_with("GHL ") || message.starts_with("Novi AMS "),
            "names the system: {message}"
        );
        assert!(
            message.contains("of contact"),
            "names the record: {message}"
        );
        assert!(op.next_retry_at.is_some(), "has a retry time: {op:?}");
    }
    drop(store);
    assert!(pair.ghl.stats().faults_injected + pair.novi.stats().faults_injected > 0);

    // The faults stop: the next plain sync sends what is left, and the pair converges.
    pair.ghl.set_faults(FaultConfig::none());
    pair.novi.set_faults(FaultConfig::none());
    let p = pair.clone();
    let (next, dead_after, last) = blocking(move || {
        let next = p.sync();
        let dead_after = p.bridge(&["dead-letters", "--json"]);
        (next, dead_after, p.sync())
    })
    .await;
    let finished = ["applied", "childrenApplied"]
        .iter()
        .filter_map(|k| next[*k]["alreadyDone"].as_u64())
        .sum::<u64>();
    assert_eq!(
        finished,
        failed.len() as u64,
        "the failed writes were completed by id: {next:#}"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&dead_after.stdout).unwrap(),
        json!([])
    );
    assert_eq!(last["plan"]["operations"], json!([]), "converged: {last}");
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    assert!(bridge_store::table::operations::unfinished(store.conn())
        .unwrap()
        .is_empty());

    // Nothing was doubled on either side.
    let members = novi_members(&pair).await;
    let people: Vec<&Value> = members
        .iter()
        .filter(|m| m["FirstName"].is_string())
        .collect();
    assert_eq!(
        person_emails(&members).len(),
        people.len(),
        "a member was created twice"
    );
    let contacts = ghl_contacts(&pair.ghl).await;
    let unique: BTreeSet<String> = contacts.iter().map(|c| email_of(c, "email")).collect();
    assert_eq!(
        unique.len(),
        contacts.len(),
        "a GHL contact was created twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_review_conflict_writes_neither_side_until_one_is_kept() {
    let pair = synced_pair().await;
    let p = pair.clone();
    blocking(move || {
        // First names under manual review.
        let exported = p.bridge(&["mapping", "export", "--connection", "Novi 127.0.0.1"]);
        assert_success("mapping export", &exported);
        let mut mapping: Value = serde_json::from_slice(&exported.stdout).unwrap();
        for line in mapping["fields"].as_array_mut().unwrap() {
            if line["app"] == "FirstName" {
                line["owner"] = json!("manual");
            }
        }
        let file = p.scratch.path().join("mapping.json");
        std::fs::write(&file, mapping.to_string()).unwrap();
        assert_success(
            "mapping import",
            &p.bridge(&[
                "mapping",
                "import",
                "--connection",
                "Novi 127.0.0.1",
                file.to_str().unwrap(),
            ]),
        );
    })
    .await;
    let person = linked_person(&pair).await;

    // Both sides rename the person differently.
    edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({"firstName": "Augusta"})).await;
    edit_novi_member(&pair, &person.member_id, json!({"FirstName": "Ada B."})).await;
    let p = pair.clone();
    let conflicts: Value = blocking(move || {
        p.sync();
        let listed = p.bridge(&["conflicts", "--json"]);
        assert_success("conflicts", &listed);
        serde_json::from_slice(&listed.stdout).unwrap()
    })
    .await;
    let conflicts = conflicts.as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["field"], "FirstName");
    assert_eq!(conflicts[0]["ghlValue"], "\"Augusta\"");
    assert_eq!(conflicts[0]["appValue"], "\"Ada B.\"");
    // Neither side was written.
    assert_eq!(
        ghl_contact(&pair.ghl, &person.ghl_id).await["firstName"],
        "Augusta"
    );
    assert_eq!(
        novi_member(&pair, &person.member_id).await["FirstName"],
        "Ada B."
    );

    // Keep the app's value: the next sync writes it to GHL.
    let id = conflicts[0]["id"].to_string();
    let p = pair.clone();
    let left: Value = blocking(move || {
        assert_success(
            "resolve",
            &p.bridge(&["conflicts", "--resolve", &id, "--keep", "app"]),
        );
        p.sync();
        serde_json::from_slice(&p.bridge(&["conflicts", "--json"]).stdout).unwrap()
    })
    .await;
    assert_eq!(left, json!([]));
    assert_eq!(
        ghl_contact(&pair.ghl, &person.ghl_id).await["firstName"],
        "Ada B."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restores_what_a_run_overwrote_on_both_sides() {
    let pair = synced_pair().await;
    let person = linked_person(&pair).await;
    let original = person.member["FirstName"].clone();

    // The run that carried "Augusta" and a new last name to Novi…
    edit_ghl_contact(
        &pair.ghl,
        &person.ghl_id,
        json!({"firstName": "Augusta", "lastName": "Byron-King"}),
    )
    .await;
    let run = sync(&pair, 1).await;
    assert_eq!(
        novi_member(&pair, &person.member_id).await["FirstName"],
        "Augusta"
    );
    let run_id = run["runId"].as_str().unwrap().to_string();
    // …then someone edits the last name in Novi: newer work, which undo must not overwrite.
    edit_novi_member(&pair, &person.member_id, json!({"LastName": "Lovelace"})).await;

    // …is undone: Novi gets its first name back at once, the last name is a conflict, and
    // the next sync brings GHL along.
    let p = pair.clone();
    let undone = blocking(move || p.bridge(&["undo", &run_id, "--json"])).await;
    assert_success("bridge undo", &undone);
    let report: Value = serde_json::from_slice(&undone.stdout).unwrap();
    assert_eq!(report["restored"], 1, "{report}");
    let conflicts = report["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{report}");
    assert_eq!(conflicts[0]["field"], "LastName", "{report}");
    assert_eq!(conflicts[0]["now"], "Lovelace", "{report}");
    let member = novi_member(&pair, &person.member_id).await;
    assert_eq!(member["FirstName"], original);
    assert_eq!(member["LastName"], "Lovelace", "the newer value is kept");
    // The restore is journaled under the undo's own run, done.
    let undo_run = report["runId"].as_str().unwrap().to_string();
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let restores = bridge_store::table::operations::for_run(store.conn(), &undo_run).unwrap();
    assert_eq!(restores.len(), 1, "{restores:?}");
    assert_eq!(restores[0].state, "done");
    drop(store);
    // A second undo of the same run restores nothing twice.
    let novi_writes = writes(&pair.novi.stats());
    let run_id = run["runId"].as_str().unwrap().to_string();
    let p = pair.clone();
    let again = blocking(move || p.bridge(&["undo", &run_id, "--json"])).await;
    assert_success("bridge undo again", &again);
    assert_eq!(
        writes(&pair.novi.stats()),
        novi_writes,
        "no restore sent twice"
    );

    let last = sync(&pair, 2).await;
    let contact = ghl_contact(&pair.ghl, &person.ghl_id).await;
    assert_eq!(contact["firstName"], original);
    assert_eq!(
        contact["lastName"], "Lovelace",
        "the newer value travels on"
    );
    assert_eq!(
        novi_member(&pair, &person.member_id).await["FirstName"],
        original
    );
    assert_eq!(last["plan"]["operations"], json!([]), "settled: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreed_fields_and_recurring_changes_sync_every_time() {
    let pair = synced_pair().await;
    // A person both accounts had before the first sync, with the same email: linked, nothing
    // written, so their agreement must be remembered as the base.
    let person = linked_person(&pair).await;

    // The email (owned by GHL on conflict) changed only in Novi: Novi's change wins.
    edit_novi_member(
        &pair,
        &person.member_id,
        json!({"Email": "new.address@example.org"}),
    )
    .await;
    sync(&pair, 1).await;
    assert_eq!(
        ghl_contact(&pair.ghl, &person.ghl_id).await["email"],
        "new.address@example.org"
    );

    // GHL: A → B, B → A, A → B: every change reaches Novi, including the one that repeats.
    let original = person.member["FirstName"].clone();
    for name in [json!("Augusta"), original.clone(), json!("Augusta")] {
        edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({ "firstName": name })).await;
        sync(&pair, 1).await;
        assert_eq!(
            novi_member(&pair, &person.member_id).await["FirstName"],
            name,
            "each change is sent, repeats too"
        );
    }
}

/// A create whose answer is lost after Novi made the member, then the GHL contact edited (its
/// email too) before the rerun: the rerun finishes the create on the member it made (looked up
/// by the keys it sent) and carries the edit there. One member, one contact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_then_an_edit_makes_one_member_not_two() {
    let pair = synced_pair().await;
    let created: Value = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({
            "locationId": pair.ghl.location_id(),
            "firstName": "Lovelace",
            "lastName": "Byron",
            "email": "lost.answer@example.com"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ghl_id = created["contact"]["id"].as_str().unwrap().to_string();
    pair.novi.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/api/members",
        AimedKind::LoseAnswer,
        1,
    )));
    let lost = sync(&pair, 1).await;
    pair.novi.set_faults(FaultConfig::none());
    assert_eq!(lost["applied"]["unconfirmed"], 1, "{:#}", lost["applied"]);
    assert_eq!(lost["applied"]["dead"], 0);
    let made = novi_members(&pair)
        .await
        .into_iter()
        .filter(|m| email_of(m, "Email") == "lost.answer@example.com")
        .count();
    assert_eq!(made, 1, "Novi made the member; the answer was lost");

    edit_ghl_contact(
        &pair.ghl,
        &ghl_id,
        json!({"firstName": "Ada", "email": "ada.lovelace@example.com"}),
    )
    .await;
    let rerun = sync(&pair, 2).await;
    assert_eq!(rerun["applied"]["dead"], 0, "{:#}", rerun["applied"]);
    let members = novi_members(&pair).await;
    let of_person: Vec<&Value> = members
        .iter()
        .filter(|m| {
            let email = email_of(m, "Email");
            email == "lost.answer@example.com" || email == "ada.lovelace@example.com"
        })
        .collect();
    assert_eq!(of_person.len(), 1, "one member, not two: {of_person:#?}");
    assert_eq!(email_of(of_person[0], "Email"), "ada.lovelace@example.com");
    assert_eq!(of_person[0]["FirstName"], "Ada");
    let contacts: Vec<Value> = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .filter(|c| {
            let email = email_of(c, "email");
            email == "lost.answer@example.com" || email == "ada.lovelace@example.com"
        })
        .collect();
    assert_eq!(contacts.len(), 1, "one GHL contact: {contacts:#?}");
    let dead = pair.bridge(&["dead-letters", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&dead.stdout).unwrap(),
        json!([])
    );
}

/// A GHL create for a new Novi member whose request never arrived (the answer lost), then a
/// different person with the same email added in GHL before the rerun: the rerun's duplicate
/// lookup finds her, but her name is not the one we sent. Nothing is linked: a review waits
/// (reason `mismatch`), and neither person is written, however often the sync runs (#12).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ghl_create_whose_lookup_finds_someone_else_opens_a_review_and_links_nothing() {
    let pair = synced_pair().await;
    let email = "ada.mismatch@example.com";
    let member_id = add_novi_member(
        &pair,
        json!({"Name": "Ada Lovelace", "FirstName": "Ada", "LastName": "Lovelace", "Email": email}),
    )
    .await;
    // Every attempt at the create is cut before GHL handles it (client retries included).
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/contacts/",
        AimedKind::DropUnhandled,
        10,
    )));
    let lost = sync(&pair, 1).await;
    pair.ghl.set_faults(FaultConfig::none());
    assert_eq!(lost["applied"]["unconfirmed"], 1, "{:#}", lost["applied"]);
    assert!(ghl_id_of_email(&pair.ghl, email).await.is_none());

    let grace: Value = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({
            "locationId": pair.ghl.location_id(),
            "firstName": "Grace",
            "lastName": "Hopper",
            "email": email
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grace_id = grace["contact"]["id"].as_str().unwrap().to_string();
    let rerun = sync(&pair, 2).await;
    assert_eq!(rerun["applied"]["dead"], 0, "{:#}", rerun["applied"]);

    let reviews = pair.bridge(&["reviews", "--json"]);
    assert_success("bridge reviews", &reviews);
    let reviews: Value = serde_json::from_slice(&reviews.stdout).unwrap();
    let mismatch: Vec<&Value> = reviews
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"] == "mismatch")
        .collect();
    assert_eq!(mismatch.len(), 1, "{reviews:#}");
    assert_eq!(mismatch[0]["remoteId"], member_id.as_str(), "{reviews:#}");
    let summary = mismatch[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains(&grace_id) && summary.contains("Grace"),
        "{summary}"
    );
    // Neither person took the other's name, and neither was copied to the other side.
    let grace = ghl_contact(&pair.ghl, &grace_id).await;
    assert_eq!(grace["firstName"], "Grace", "{grace:#}");
    assert_eq!(novi_member(&pair, &member_id).await["FirstName"], "Ada");
    let (in_ghl, in_novi) = people_with_email(&pair, email).await;
    assert_eq!(
        (in_ghl.len(), in_novi.len()),
        (1, 1),
        "{in_ghl:#?} {in_novi:#?}"
    );
    // The member's contact is not Grace's.
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let contact_id = mismatch[0]["contactId"].as_str().unwrap();
    let contact = bridge_store::table::contacts::get(store.conn(), contact_id)
        .unwrap()
        .unwrap();
    assert_eq!(contact.contact.contact_id, "", "{contact:#?}");
}

/// The same lost GHL create, but GHL made the contact before the answer was lost: the rerun's
/// lookup finds the record we sent (same email and names), links it, and writes nothing twice:
/// one GHL contact, one member, no review (#12).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ghl_create_whose_lookup_finds_our_own_record_links_it_once() {
    let pair = synced_pair().await;
    let email = "ada.found@example.com";
    let member_id = add_novi_member(
        &pair,
        json!({"Name": "Ada Lovelace", "FirstName": "Ada", "LastName": "Lovelace", "Email": email}),
    )
    .await;
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/contacts/",
        AimedKind::LoseAnswer,
        1,
    )));
    let lost = sync(&pair, 1).await;
    pair.ghl.set_faults(FaultConfig::none());
    assert_eq!(lost["applied"]["unconfirmed"], 1, "{:#}", lost["applied"]);
    let made = ghl_id_of_email(&pair.ghl, email)
        .await
        .expect("GHL made the contact; only its answer was lost");

    let rerun = sync(&pair, 2).await;
    assert_eq!(rerun["applied"]["dead"], 0, "{:#}", rerun["applied"]);
    let reviews = pair.bridge(&["reviews", "--json"]);
    assert_success("bridge reviews", &reviews);
    let reviews: Value = serde_json::from_slice(&reviews.stdout).unwrap();
    assert!(
        reviews
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["reason"] != "mismatch" && r["remoteId"] != member_id.as_str()),
        "{reviews:#}"
    );
    let (in_ghl, in_novi) = people_with_email(&pair, email).await;
    assert_eq!(
        (in_ghl.len(), in_novi.len()),
        (1, 1),
        "{in_ghl:#?} {in_novi:#?}"
    );
    assert_eq!(in_ghl[0]["id"], made.as_str());
    assert_eq!(in_ghl[0]["firstName"], "Ada");
    // The member's contact is the one GHL made.
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let linked_to: Option<String> = store
        .conn()
        .query_row(
            "SELECT c.ghl_contact_id FROM links l JOIN contacts c ON c.id = l.contact_id
             WHERE l.object_kind = 'contact' AND l.remote_id = ?1",
            [&member_id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(linked_to.as_deref(), Some(made.as_str()));
}
