//! Crash safety of the journal: `bridge sync` of a 2,000-contact pair, killed with SIGKILL at
//! 20 moments and rerun each time, must end exactly where one uninterrupted sync ends — no
//! record doubled on either side, no change lost.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use bridge_tests::novi_pair::{email_of, ghl_contacts, novi_members, Pair};
use serde_json::Value;

const CONTACTS: usize = 2_000;
const NOVI_ONLY: usize = 200;
const KILLS: usize = 20;

/// Email → (first name, last name, how many records carry it), per side.
type Side = BTreeMap<String, (String, String, usize)>;

fn tally(records: &[Value], email: &str, first: &str, last: &str) -> Side {
    let mut side = Side::new();
    for record in records {
        let entry = side.entry(email_of(record, email)).or_insert_with(|| {
            (
                record[first].as_str().unwrap_or_default().to_string(),
                record[last].as_str().unwrap_or_default().to_string(),
                0,
            )
        });
        entry.2 += 1;
    }
    side
}

async fn final_state(pair: &Pair) -> (Side, Side) {
    let ghl = ghl_contacts(&pair.ghl).await;
    let members: Vec<Value> = novi_members(pair)
        .await
        .into_iter()
        .filter(|m| m["Active"] == Value::Bool(true) && m["FirstName"].is_string())
        .collect();
    (
        tally(&ghl, "email", "firstName", "lastName"),
        tally(&members, "Email", "FirstName", "LastName"),
    )
}

/// Deterministic moments (ms) to kill at, spread over a sync's lifetime.
fn kill_moments() -> Vec<u64> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..KILLS)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            150 + state % 4_000
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_twenty_times_ends_where_an_uninterrupted_one_does() {
    // The reference: the same seeded accounts, synced without interruption.
    let reference = std::sync::Arc::new(Pair::start(CONTACTS, NOVI_ONLY).await);
    let r = reference.clone();
    tokio::task::spawn_blocking(move || {
        r.connect();
        r.sync();
    })
    .await
    .unwrap();
    let expected = final_state(&reference).await;

    let crashed = std::sync::Arc::new(Pair::start(CONTACTS, NOVI_ONLY).await);
    let c = crashed.clone();
    let finished_early = tokio::task::spawn_blocking(move || {
        c.connect();
        let secrets = c.secrets();
        let mut finished_early = 0;
        for moment in kill_moments() {
            let mut child = Command::new(bridge_tests::bridge_bin())
                .arg("--db")
                .arg(c.scratch.path().join("bridge.sqlite3"))
                .arg("--log-dir")
                .arg(c.scratch.path().join("logs"))
                .args(["sync", "--json"])
                .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
                // As every test's CLI run: secrets in the scratch file store.
                .env("BRIDGE_SECRET_STORE", "file")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(moment));
            if child.try_wait().unwrap().is_some() {
                finished_early += 1;
            }
            // SIGKILL: no cleanup, no flush, whatever the sync was doing.
            let _ = child.kill();
            let _ = child.wait();
        }
        // Then runs to completion until there is nothing left to do.
        for _ in 0..3 {
            let outcome = c.sync();
            if outcome["plan"]["operations"]
                .as_array()
                .is_some_and(Vec::is_empty)
            {
                break;
            }
        }
        finished_early
    })
    .await
    .unwrap();
    assert!(
        finished_early < KILLS,
        "every run finished before its kill: the test killed nothing"
    );

    let (ghl, novi) = final_state(&crashed).await;
    let doubled: Vec<_> = ghl
        .iter()
        .chain(novi.iter())
        .filter(|(_, (_, _, n))| *n > 1)
        .collect();
    assert!(doubled.is_empty(), "records created twice: {doubled:?}");
    assert_eq!(ghl.len(), expected.0.len(), "GHL contacts");
    assert_eq!(novi.len(), expected.1.len(), "Novi members");
    assert!(ghl == expected.0, "GHL differs from the uninterrupted run");
    assert!(
        novi == expected.1,
        "Novi differs from the uninterrupted run"
    );
}
