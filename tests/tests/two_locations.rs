//! Two GHL locations of one agency (the GHL fake's two sub-accounts, each with its own Private
//! Integration Token), a Novi AMS tenant paired with the first and a Ninox table with the
//! second, both seeded with people of the first location: a person in two locations is two
//! contacts, each location's app records stay with it, no write crosses locations, and undo,
//! retry, mappings, `--ghl`, `--parallel` and `bridge pair` work per location. Everything is
//! read and edited through the fakes' documented endpoints and the `bridge` binary.

use std::collections::BTreeSet;
use std::process::Output;
use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NinoxConfig, NinoxSandbox, NoviConfig, NoviSandbox};
use bridge_tests::novi_pair::novi_list_of;
use bridge_tests::run_bridge_env;
use bridge_tests::{blocking, ghl_world::assert_success};
use serde_json::{json, Value};

const NORTH: &str = "North";
const HARBOR: &str = "Harbor";
const MEMBERS: &str = "Members";
const TABLE: &str = "Table";
const GHL_CONTACTS: usize = 30;

struct World {
    ghl: GhlSandbox,
    novi: NoviSandbox,
    ninox: Option<NinoxSandbox>,
    /// The second location's id and token.
    harbor: (String, String),
    scratch: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: GHL_CONTACTS,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let novi = NoviSandbox::start(NoviConfig {
            members: 6,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: GHL_CONTACTS,
            rate_per_second: 500,
            rate_per_minute: 30_000,
            ..NoviConfig::default()
        })
        .await
        .unwrap();
        // The table shares people (same email) with the first location, not with the second.
        let ninox = NinoxSandbox::start(NinoxConfig {
            records: 5,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: GHL_CONTACTS,
            max_concurrent: 50,
            ..NinoxConfig::default()
        })
        .await
        .unwrap();
        let harbor = ghl.second_location();
        World {
            ghl,
            novi,
            ninox: Some(ninox),
            harbor,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn ninox(&self) -> &NinoxSandbox {
        self.ninox.as_ref().unwrap()
    }

    fn bridge(&self, args: &[&str]) -> Output {
        let ninox_key = self.ninox.as_ref().map(|n| n.api_key()).unwrap_or_default();
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_GHL2", self.harbor.1.clone()),
            ("T_NOVI", self.novi.api_key()),
            ("T_NINOX", ninox_key),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let output = self.bridge(args);
        assert_success(&format!("bridge {}", args.join(" ")), &output);
        output
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.ok(args).stdout).unwrap()
    }

    fn connect(&self) {
        let url = self.ghl.base_url();
        let north = self.ghl.location_id();
        self.ok(&[
            "connect",
            "ghl",
            "--location-id",
            &north,
            "--token-env",
            "T_GHL",
            "--base-url",
            &url,
            "--name",
            NORTH,
        ]);
        self.ok(&[
            "connect",
            "novi",
            "--base-url",
            &self.novi.base_url(),
            "--api-key-env",
            "T_NOVI",
            "--rate-per-second",
            "500",
            "--name",
            MEMBERS,
        ]);
        let ninox = self.ninox();
        self.ok(&[
            "connect",
            "ninox",
            "--api-key-env",
            "T_NINOX",
            "--base-url",
            &ninox.base_url_v3(),
            "--team",
            &ninox.team_id(),
            "--database",
            &ninox.database_id(),
            "--table",
            &ninox.table_id(),
            "--name",
            TABLE,
        ]);
        self.ok(&[
            "connect",
            "ghl",
            "--location-id",
            &self.harbor.0,
            "--token-env",
            "T_GHL2",
            "--base-url",
            &url,
            "--name",
            HARBOR,
        ]);
    }

    /// Every contact of a location, through GHL's documented search with that location's token.
    async fn contacts(&self, location: &str, token: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut search_after: Option<Value> = None;
        loop {
            let mut body = json!({"locationId": location, "pageLimit": 500});
            if let Some(after) = &search_after {
                body["searchAfter"] = after.clone();
            }
            let page: Value = ghl_request(
                reqwest::Client::new().post(format!("{}/contacts/search", self.ghl.base_url())),
            )
            .bearer_auth(token)
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

    async fn north(&self) -> Vec<Value> {
        self.contacts(&self.ghl.location_id(), &self.ghl.private_token())
            .await
    }

    async fn harbor(&self) -> Vec<Value> {
        self.contacts(&self.harbor.0, &self.harbor.1).await
    }

    async fn members(&self) -> Vec<Value> {
        novi_list_of(&self.novi, "members").await
    }

    fn records_url(&self) -> String {
        let ninox = self.ninox();
        format!(
            "{}/teams/{}/databases/{}/tables/{}/records",
            ninox.base_url_v3(),
            ninox.team_id(),
            ninox.database_id(),
            ninox.table_id()
        )
    }

    /// Every Ninox record as `{id, fields}` (classic API, pages of 100).
    async fn records(&self) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let page: Value = reqwest::Client::new()
                .get(format!(
                    "{}?perPage=100&page={}",
                    self.records_url(),
                    all.len() / 100
                ))
                .bearer_auth(self.ninox().api_key())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let page = page.as_array().cloned().unwrap_or_default();
            let done = page.len() < 100;
            all.extend(page);
            if done {
                return all;
            }
        }
    }

    /// An operator's edit in Ninox: POST `[{id, fields}]`.
    async fn edit_record(&self, id: &Value, fields: Value) {
        let answer = reqwest::Client::new()
            .post(self.records_url())
            .bearer_auth(self.ninox().api_key())
            .json(&json!([{ "id": id, "fields": fields }]))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "Ninox refused the edit");
    }
}

fn ghl_request(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header("Version", "2021-07-28")
}

fn emails(records: &[Value], field: &str) -> BTreeSet<String> {
    records
        .iter()
        .filter_map(|r| r[field].as_str())
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect()
}

fn ninox_emails(records: &[Value]) -> BTreeSet<String> {
    emails(
        &records
            .iter()
            .map(|r| r["fields"].clone())
            .collect::<Vec<_>>(),
        "Email",
    )
}

fn by_email<'a>(contacts: &'a [Value], email: &str) -> Vec<&'a Value> {
    contacts
        .iter()
        .filter(|c| {
            c["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_location_keeps_its_people_and_undo_retry_and_mappings_work_per_location() {
    let world = std::sync::Arc::new(World::start().await);
    let north_before = world.north().await;
    let harbor_before = world.harbor().await;
    let members_before = world.members().await;
    let records_before = world.records().await;
    let (north_emails, harbor_emails) = (
        emails(&north_before, "email"),
        emails(&harbor_before, "email"),
    );
    let member_emails = emails(&members_before, "Email");
    let record_emails = ninox_emails(&records_before);
    assert!(
        north_emails.intersection(&harbor_emails).next().is_none(),
        "the seeds share no one between the locations"
    );
    // A person in both locations: a Ninox record's person (also in North) is added to Harbor.
    let shared = record_emails
        .intersection(&north_emails)
        .next()
        .expect("the table shares people with North")
        .clone();
    // Harbor's contact holds what the table holds (the same person, entered in both places).
    let shared_record = records_before
        .iter()
        .find(|r| {
            r["fields"]["Email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(&shared))
        })
        .unwrap();
    let created: Value =
        ghl_request(reqwest::Client::new().post(format!("{}/contacts/", world.ghl.base_url())))
            .bearer_auth(&world.harbor.1)
            .json(&json!({
                "locationId": world.harbor.0,
                "firstName": shared_record["fields"]["First name"],
                "lastName": shared_record["fields"]["Last name"],
                "email": shared,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let harbor_shared_id = created["contact"]["id"]
        .as_str()
        .expect("created in Harbor")
        .to_string();
    let north_shared = by_email(&north_before, &shared)[0].clone();

    // Both apps are connected while North is the only location: both pair with it. Harbor
    // comes second; the table moves there before it has links (no --forget-links needed).
    let w = world.clone();
    let pairs = blocking(move || {
        w.connect();
        let pairs = w.json(&["pair", "list", "--json"]);
        w.ok(&["pair", "set", TABLE, "--ghl", HARBOR]);
        (pairs, w.json(&["pair", "list", "--json"]))
    })
    .await;
    assert_eq!(pairs.0.as_array().unwrap().len(), 2);
    assert!(
        pairs
            .0
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["ghlName"] == NORTH),
        "the only location is the default: {:#?}",
        pairs.0
    );
    let location_of = |name: &str| {
        pairs
            .1
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["appName"] == name)
            .unwrap()["ghlName"]
            .clone()
    };
    assert_eq!(location_of(MEMBERS), NORTH);
    assert_eq!(location_of(TABLE), HARBOR);

    // One sync of every location: each pair reports its own.
    let w = world.clone();
    let outcomes = blocking(move || w.json(&["sync", "--json"])).await;
    let outcomes = outcomes.as_array().unwrap().clone();
    assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    for outcome in &outcomes {
        let expected = if outcome["pairName"] == MEMBERS {
            NORTH
        } else {
            HARBOR
        };
        assert_eq!(outcome["ghlName"], expected);
    }

    // Each location holds its own people and its app's, never the other's.
    let north_after = world.north().await;
    let harbor_after = world.harbor().await;
    let north_now = emails(&north_after, "email");
    let harbor_now = emails(&harbor_after, "email");
    // North: its own people and Novi's (not every member becomes a contact: companies stay in
    // Novi), never Harbor's or the table's own.
    let north_allowed: BTreeSet<String> = north_emails.union(&member_emails).cloned().collect();
    let table_only: BTreeSet<String> = record_emails
        .difference(&north_emails)
        .filter(|e| !member_emails.contains(*e))
        .cloned()
        .collect();
    assert!(!table_only.is_empty(), "the table holds people of its own");
    assert!(north_now.is_superset(&north_emails), "North lost a contact");
    assert!(
        north_now.len() > north_emails.len(),
        "Novi's own members reached North"
    );
    assert!(
        north_now.is_subset(&north_allowed),
        "North got someone neither it nor Novi held: {:?}",
        north_now.difference(&north_allowed).collect::<Vec<_>>()
    );
    assert!(north_now.is_disjoint(&harbor_emails) && north_now.is_disjoint(&table_only));
    // Harbor: its own people and the table's, never North's or Novi's own. A record whose phone
    // matches one of Harbor's contacts waits for review (the seeds share a few phones), and the
    // candidates named are Harbor's contacts only.
    let (reviews, local) = blocking({
        let w = world.clone();
        move || {
            (
                w.json(&["reviews", "--json"]),
                w.json(&["contacts", "--json"]),
            )
        }
    })
    .await;
    let location_of_contact = |id: &str| {
        local
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["ghlConnectionId"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let mut reviewed = BTreeSet::new();
    for review in reviews.as_array().unwrap() {
        let (pair, location) = if review["connectionId"] == "ninox:Table" {
            (TABLE, format!("ghl:{HARBOR}"))
        } else {
            (MEMBERS, format!("ghl:{NORTH}"))
        };
        for candidate in review["candidates"].as_array().unwrap() {
            assert_eq!(
                location_of_contact(candidate.as_str().unwrap()),
                location,
                "{pair}'s review names a contact of another location: {review}"
            );
        }
        if pair == TABLE {
            let record = records_before.iter().find(|r| {
                r["id"].as_u64().map(|id| id.to_string()).as_deref() == review["remoteId"].as_str()
            });
            if let Some(email) = record.and_then(|r| r["fields"]["Email"].as_str()) {
                reviewed.insert(email.to_lowercase());
            }
        }
    }
    let harbor_allowed: BTreeSet<String> = harbor_emails.union(&record_emails).cloned().collect();
    let north_only: BTreeSet<String> = north_emails
        .union(&member_emails)
        .filter(|e| !record_emails.contains(*e))
        .cloned()
        .collect();
    assert!(
        harbor_now.is_superset(&harbor_emails),
        "Harbor lost a contact"
    );
    for email in record_emails.difference(&reviewed) {
        assert!(
            harbor_now.contains(email),
            "the table's {email} did not reach Harbor"
        );
    }
    assert!(
        harbor_now.is_subset(&harbor_allowed) && harbor_now.is_disjoint(&north_only),
        "Harbor got someone of North's: {:?}",
        harbor_now.difference(&harbor_allowed).collect::<Vec<_>>()
    );
    for email in &north_now {
        assert_eq!(
            by_email(&north_after, email).len(),
            1,
            "{email} twice in North"
        );
    }
    for email in &harbor_now {
        assert_eq!(
            by_email(&harbor_after, email).len(),
            1,
            "{email} twice in Harbor"
        );
    }
    // The apps got their own location's people.
    let members_after = emails(&world.members().await, "Email");
    let records_after = ninox_emails(&world.records().await);
    assert!(
        members_after.is_superset(&north_emails),
        "Novi got North's people"
    );
    assert!(
        members_after.is_subset(&north_allowed) && members_after.is_disjoint(&harbor_emails),
        "Novi got someone of Harbor's: {:?}",
        members_after.difference(&north_allowed).collect::<Vec<_>>()
    );
    assert!(records_after.is_superset(&record_emails));
    assert!(
        records_after.is_subset(&harbor_allowed) && records_after.is_disjoint(&north_only),
        "Ninox got someone of North's: {:?}",
        records_after
            .difference(&harbor_allowed)
            .collect::<Vec<_>>()
    );
    // The shared person is two contacts, one per location; the Ninox record linked Harbor's.
    let local_shared: Vec<&Value> = local
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["contact"]["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(&shared))
        })
        .collect();
    assert_ne!(
        local_shared.first().map(|c| &c["ghlConnectionId"]),
        local_shared.last().map(|c| &c["ghlConnectionId"])
    );
    assert_eq!(
        local_shared.len(),
        2,
        "one contact per location: {local_shared:#?}"
    );
    // Nothing was refused: a write naming another location's contact is a 403 in the fake.
    let dead = blocking({
        let w = world.clone();
        move || w.json(&["dead-letters", "--json"])
    })
    .await;
    assert_eq!(dead.as_array().unwrap().len(), 0, "{dead:#?}");
    let north_shared_now = by_email(&north_after, &shared)[0];
    assert_eq!(north_shared_now["firstName"], north_shared["firstName"]);
    assert_eq!(
        by_email(&harbor_after, &shared)[0]["id"],
        harbor_shared_id.as_str(),
        "the table's record of the shared person linked Harbor's contact, not a new one"
    );

    let harbor_first_name = by_email(&harbor_after, &shared)[0]["firstName"].clone();
    // An edit in Ninox reaches Harbor's contact only.
    let record = world
        .records()
        .await
        .into_iter()
        .find(|r| {
            r["fields"]["Email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(&shared))
        })
        .unwrap();
    world
        .edit_record(&record["id"], json!({"First name": "Ninoxedit"}))
        .await;
    let outcomes = blocking({
        let w = world.clone();
        move || w.json(&["sync", "--json"])
    })
    .await;
    let table_run = outcomes
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["pairName"] == TABLE)
        .unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_string();
    let harbor_contact = |contacts: &[Value]| {
        contacts
            .iter()
            .find(|c| c["id"] == harbor_shared_id.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(
        harbor_contact(&world.harbor().await)["firstName"],
        "Ninoxedit"
    );
    assert_eq!(
        by_email(&world.north().await, &shared)[0]["firstName"],
        north_shared["firstName"],
        "North's contact of the same person is untouched"
    );

    // Undo of the Table's run restores Harbor's contact, and only it.
    blocking({
        let w = world.clone();
        let run = table_run.clone();
        move || w.ok(&["undo", &run])
    })
    .await;
    assert_eq!(
        harbor_contact(&world.harbor().await)["firstName"],
        harbor_first_name,
        "Harbor's contact is back to what it held before the run"
    );
    assert_eq!(
        by_email(&world.north().await, &shared)[0]["firstName"],
        north_shared["firstName"]
    );

    let w = world.clone();
    let (retried, narrowed, refused, forgot) = blocking(move || {
        // Retry syncs every location's pairs.
        let retried = w.json(&["dead-letters", "--retry", "--json"]);
        // Mappings are read and checked against each pair's own location.
        for app in [MEMBERS, TABLE] {
            let exported = w.ok(&["mapping", "export", "--connection", app]);
            let file = w.scratch.path().join(format!("{app}.json"));
            std::fs::write(&file, &exported.stdout).unwrap();
            w.ok(&[
                "mapping",
                "import",
                "--connection",
                app,
                file.to_str().unwrap(),
            ]);
        }
        // The doctor checks each location with its own token: both read their contacts.
        let doctor = w.bridge(&["doctor", "--json"]);
        let reports: Value = serde_json::from_slice(&doctor.stdout).unwrap();
        for location in [NORTH, HARBOR] {
            let report = reports
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["connection"] == location)
                .unwrap_or_else(|| panic!("doctor skipped {location}: {reports}"));
            let contacts = report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["capability"] == "contacts");
            assert!(
                contacts.is_some_and(|c| c["ok"] == true),
                "{location}: {report}"
            );
        }
        let narrowed = w.json(&["sync", "--ghl", HARBOR, "--json"]);
        // The table has links to Harbor's contacts: moving it needs --forget-links.
        let refused = w.bridge(&["pair", "set", TABLE, "--ghl", NORTH]);
        let forgot = w.ok(&["pair", "set", TABLE, "--ghl", NORTH, "--forget-links"]);
        w.ok(&["pair", "set", TABLE, "--ghl", HARBOR, "--forget-links"]);
        (retried, narrowed, refused, forgot)
    })
    .await;
    let names = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|o| o["ghlName"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&retried),
        BTreeSet::from([NORTH.to_string(), HARBOR.to_string()])
    );
    assert_eq!(names(&narrowed), BTreeSet::from([HARBOR.to_string()]));
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("--forget-links") && said.contains("linked"),
        "{said}"
    );
    let said = String::from_utf8_lossy(&forgot.stdout);
    assert!(
        said.contains("Dropped:") && said.contains("links"),
        "{said}"
    );

    // A location whose app is down is reported; the other location syncs, the exit says so.
    let Ok(mut world) = std::sync::Arc::try_unwrap(world) else {
        panic!("the world is still shared");
    };
    if let Some(ninox) = world.ninox.take() {
        ninox.shutdown().await;
    }
    let world = std::sync::Arc::new(world);
    let w = world.clone();
    let (output, runs) = blocking(move || {
        let output = w.bridge(&["sync", "--parallel", "2", "--json"]);
        (output, w.json(&["runs", "--json"]))
    })
    .await;
    assert!(
        !output.status.success(),
        "a failed location fails the exit status"
    );
    let synced: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(synced.as_array().unwrap().len(), 1);
    assert_eq!(synced[0]["pairName"], MEMBERS);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains(&format!("{HARBOR} ↔ {TABLE}")), "{said}");
    let newest_members = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["summary"]["pair"]
                .as_str()
                .is_some_and(|p| p.ends_with(MEMBERS))
        })
        .unwrap();
    assert_eq!(newest_members["status"], "succeeded");
}
