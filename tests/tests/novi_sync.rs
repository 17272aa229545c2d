//! `bridge sync` between the GHL fake and the Novi AMS fake, through their documented
//! endpoints: contacts both ways, nothing written when nothing changed, no echo.

use bridge_sandbox::FaultConfig;
use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{email_of, novi_members, writes, Pair};
use serde_json::{json, Value};

const GHL_CONTACTS: usize = 30;

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

async fn ghl_get(pair: &Pair, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_sync_both_ways_then_nothing_is_written() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    let (first, second) = blocking(move || {
        p.connect();
        (p.sync(), p.sync())
    })
    .await;
    assert_eq!(first["applied"]["dead"], 0, "{first}");
    assert!(first["applied"]["done"].as_u64().unwrap() > 0);

    // Every GHL contact is a member now, and every active Novi person a GHL contact
    // (deactivated members and companies are not contacts).
    let members = novi_members(&pair).await;
    let member_emails: std::collections::BTreeSet<String> = members
        .iter()
        .filter(|m| m["FirstName"].is_string() && m["Active"] == json!(true))
        .map(|m| email_of(m, "Email"))
        .collect();
    let search: Value = reqwest::Client::new()
        .post(format!("{}/contacts/search", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"locationId": pair.ghl.location_id(), "pageLimit": 500}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ghl_emails: std::collections::BTreeSet<String> = search["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| email_of(c, "email"))
        .collect();
    // A Novi person is missing from GHL only when the match was uncertain (here: a phone
    // shared with a different GHL contact) and waits in the review queue.
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let reviewed: std::collections::BTreeSet<String> =
        bridge_store::table::match_reviews::list_open(store.conn())
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
    let p = pair.clone();
    let third = blocking(move || p.sync()).await;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_either_side_reaches_the_other_once_without_echo() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        p.sync();
    })
    .await;
    let members = novi_members(&pair).await;
    let member = members
        .iter()
        .find(|m| m["FirstName"].is_string() && m["Email"].is_string())
        .unwrap()
        .clone();
    let member_id = member["UniqueID"].as_str().unwrap().to_string();
    let email = email_of(&member, "Email");
    let duplicate = ghl_get(
        &pair,
        &format!(
            "/contacts/search/duplicate?locationId={}&email={email}",
            pair.ghl.location_id()
        ),
    )
    .await;
    let ghl_id = duplicate["contact"]["id"].as_str().unwrap().to_string();

    // GHL: a new first name.
    let renamed = reqwest::Client::new()
        .put(format!("{}/contacts/{ghl_id}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"firstName": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let (ghl_before, novi_before) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    let p = pair.clone();
    blocking(move || {
        for _ in 0..10 {
            p.sync();
        }
    })
    .await;
    let member_now: Value = reqwest::Client::new()
        .get(format!("{}/members/{member_id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(member_now["FirstName"], "Augusta");
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

    // Novi: a new last name, through Novi's own GET-merge-PUT.
    let mut edited = member_now.clone();
    edited["LastName"] = json!("Byron");
    let put = reqwest::Client::new()
        .put(format!("{}/members/{member_id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let (ghl_before, novi_before) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    let p = pair.clone();
    blocking(move || {
        for _ in 0..10 {
            p.sync();
        }
    })
    .await;
    let contact = ghl_get(&pair, &format!("/contacts/{ghl_id}")).await;
    assert_eq!(contact["contact"]["lastName"], "Byron");

    // The contact's timeline tells both stories, in time order.
    let p = pair.clone();
    let id = ghl_id.clone();
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
    assert_eq!(contact["contact"]["firstName"], "Augusta");
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_the_sync_finishes_and_retry_clears_what_is_left() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || p.connect()).await;
    // One request in ten answered 5xx, one in fifty dropped without an answer, on both sides.
    let faults = FaultConfig {
        error_rate: 0.1,
        drop_rate: 0.02,
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
    let dead: Value = serde_json::from_slice(&dead.stdout).unwrap();
    assert!(
        !dead.as_array().unwrap().is_empty(),
        "the faults should leave dead letters for --retry to clear"
    );
    for letter in dead.as_array().unwrap() {
        let message = letter["lastError"].as_str().unwrap();
        assert!(
            message.starts_with("GHL ") || message.starts_with("Novi AMS "),
            "names the system: {message}"
        );
        assert!(
            message.contains("of contact"),
            "names the record: {message}"
        );
        assert!(
            message.contains("answered"),
            "keeps the remote's answer: {message}"
        );
    }
    assert!(pair.ghl.stats().faults_injected + pair.novi.stats().faults_injected > 0);

    // The faults stop: a retry sends what is left, and the pair converges.
    pair.ghl.set_faults(FaultConfig::none());
    pair.novi.set_faults(FaultConfig::none());
    let p = pair.clone();
    let (retry, dead_after, last) = blocking(move || {
        let retry = p.bridge(&["dead-letters", "--retry"]);
        let dead_after = p.bridge(&["dead-letters", "--json"]);
        (retry, dead_after, p.sync())
    })
    .await;
    assert_success("dead-letters --retry", &retry);
    assert_eq!(
        serde_json::from_slice::<Value>(&dead_after.stdout).unwrap(),
        json!([])
    );
    assert_eq!(last["plan"]["operations"], json!([]), "converged: {last}");

    // Nothing was doubled on either side.
    let members = novi_members(&pair).await;
    let active: Vec<String> = members
        .iter()
        .filter(|m| m["Active"] == json!(true) && m["FirstName"].is_string())
        .map(|m| email_of(m, "Email"))
        .collect();
    let unique: std::collections::BTreeSet<&String> = active.iter().collect();
    assert_eq!(unique.len(), active.len(), "a member was created twice");
    let search: Value = reqwest::Client::new()
        .post(format!("{}/contacts/search", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"locationId": pair.ghl.location_id(), "pageLimit": 500}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<String> = search["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| email_of(c, "email"))
        .collect();
    let unique: std::collections::BTreeSet<&String> = emails.iter().collect();
    assert_eq!(
        unique.len(),
        emails.len(),
        "a GHL contact was created twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_review_conflict_writes_neither_side_until_one_is_kept() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        p.sync();
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

    let members = novi_members(&pair).await;
    let member = members
        .iter()
        .find(|m| {
            m["FirstName"].is_string() && m["Email"].is_string() && m["Active"] == json!(true)
        })
        .unwrap()
        .clone();
    let member_id = member["UniqueID"].as_str().unwrap().to_string();
    let email = email_of(&member, "Email");
    let duplicate = ghl_get(
        &pair,
        &format!(
            "/contacts/search/duplicate?locationId={}&email={email}",
            pair.ghl.location_id()
        ),
    )
    .await;
    let ghl_id = duplicate["contact"]["id"].as_str().unwrap().to_string();

    // Both sides rename the person differently.
    let http = reqwest::Client::new();
    let renamed = http
        .put(format!("{}/contacts/{ghl_id}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"firstName": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let mut edited = member.clone();
    edited["FirstName"] = json!("Ada B.");
    let put = http
        .put(format!("{}/members/{member_id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());

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
        ghl_get(&pair, &format!("/contacts/{ghl_id}")).await["contact"]["firstName"],
        "Augusta"
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
        ghl_get(&pair, &format!("/contacts/{ghl_id}")).await["contact"]["firstName"],
        "Ada B."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restores_what_a_run_overwrote_on_both_sides() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        p.sync();
    })
    .await;
    let members = novi_members(&pair).await;
    let member = members
        .iter()
        .find(|m| {
            m["FirstName"].is_string() && m["Email"].is_string() && m["Active"] == json!(true)
        })
        .unwrap()
        .clone();
    let member_id = member["UniqueID"].as_str().unwrap().to_string();
    let original = member["FirstName"].clone();
    let email = email_of(&member, "Email");
    let duplicate = ghl_get(
        &pair,
        &format!(
            "/contacts/search/duplicate?locationId={}&email={email}",
            pair.ghl.location_id()
        ),
    )
    .await;
    let ghl_id = duplicate["contact"]["id"].as_str().unwrap().to_string();

    let renamed = reqwest::Client::new()
        .put(format!("{}/contacts/{ghl_id}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"firstName": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let get_member = || async {
        reqwest::Client::new()
            .get(format!("{}/members/{member_id}", pair.novi.base_url()))
            .header("Authorization", format!("Basic {}", pair.novi.api_key()))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };

    // The run that carried "Augusta" to Novi…
    let p = pair.clone();
    let run = blocking(move || p.sync()).await;
    assert_eq!(get_member().await["FirstName"], "Augusta");
    let run_id = run["runId"].as_str().unwrap().to_string();

    // …is undone: Novi gets its value back at once, and the next sync brings GHL along.
    let p = pair.clone();
    let undone = blocking(move || p.bridge(&["undo", &run_id, "--json"])).await;
    assert_success("bridge undo", &undone);
    let report: Value = serde_json::from_slice(&undone.stdout).unwrap();
    assert_eq!(report["restored"], 1, "{report}");
    assert_eq!(get_member().await["FirstName"], original);
    let p = pair.clone();
    let after = blocking(move || (p.sync(), p.sync())).await;
    assert_eq!(
        ghl_get(&pair, &format!("/contacts/{ghl_id}")).await["contact"]["firstName"],
        original
    );
    assert_eq!(get_member().await["FirstName"], original);
    assert_eq!(
        after.1["plan"]["operations"],
        json!([]),
        "settled: {}",
        after.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreed_fields_and_recurring_changes_sync_every_time() {
    let pair = std::sync::Arc::new(Pair::start(GHL_CONTACTS, 10).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        p.sync();
    })
    .await;
    // A person both accounts had before the first sync, with the same email: linked, nothing
    // written, so their agreement must be remembered as the base.
    let members = novi_members(&pair).await;
    let member = members
        .iter()
        .find(|m| {
            m["FirstName"].is_string() && m["Email"].is_string() && m["Active"] == json!(true)
        })
        .unwrap()
        .clone();
    let member_id = member["UniqueID"].as_str().unwrap().to_string();
    let email = email_of(&member, "Email");
    let duplicate = ghl_get(
        &pair,
        &format!(
            "/contacts/search/duplicate?locationId={}&email={email}",
            pair.ghl.location_id()
        ),
    )
    .await;
    let ghl_id = duplicate["contact"]["id"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let edit_member = |changes: Value| {
        let http = http.clone();
        let url = format!("{}/members/{member_id}", pair.novi.base_url());
        let key = pair.novi.api_key();
        async move {
            let mut current: Value = http
                .get(&url)
                .header("Authorization", format!("Basic {key}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for (k, v) in changes.as_object().unwrap() {
                current[k] = v.clone();
            }
            let put = http
                .put(&url)
                .header("Authorization", format!("Basic {key}"))
                .json(&current)
                .send()
                .await
                .unwrap();
            assert!(put.status().is_success());
        }
    };
    let rename_in_ghl = |name: String| {
        let http = http.clone();
        let url = format!("{}/contacts/{ghl_id}", pair.ghl.base_url());
        let token = pair.ghl.private_token();
        async move {
            let put = http
                .put(&url)
                .bearer_auth(token)
                .header("Version", "2021-07-28")
                .json(&json!({"firstName": name}))
                .send()
                .await
                .unwrap();
            assert_eq!(put.status(), 200);
        }
    };
    let sync = || {
        let p = pair.clone();
        async move { blocking(move || p.sync()).await }
    };

    // The email (owned by GHL on conflict) changed only in Novi: Novi's change wins.
    edit_member(json!({"Email": "new.address@example.org"})).await;
    sync().await;
    assert_eq!(
        ghl_get(&pair, &format!("/contacts/{ghl_id}")).await["contact"]["email"],
        "new.address@example.org"
    );

    // GHL: A → B, B → A, A → B: every change reaches Novi, including the one that repeats.
    let original = member["FirstName"].as_str().unwrap().to_string();
    let member_first_name = || {
        let http = http.clone();
        let url = format!("{}/members/{member_id}", pair.novi.base_url());
        let key = pair.novi.api_key();
        async move {
            http.get(&url)
                .header("Authorization", format!("Basic {key}"))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["FirstName"]
                .clone()
        }
    };
    rename_in_ghl("Augusta".into()).await;
    sync().await;
    assert_eq!(member_first_name().await, "Augusta");
    rename_in_ghl(original.clone()).await;
    sync().await;
    assert_eq!(member_first_name().await, json!(original));
    rename_in_ghl("Augusta".into()).await;
    sync().await;
    assert_eq!(
        member_first_name().await,
        "Augusta",
        "the repeated change was sent again"
    );
}
