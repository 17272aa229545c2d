//! A pair's contacts are planned, applied and settled a chunk of 1,000 at a time, each chunk's
//! journal rows in their own transaction (issue #13: memory bounded by the chunk, no
//! transaction holding the write lock for a whole plan). A `bridge sync` killed once its
//! first chunk is committed, while its second chunk's write is in flight, leaves the first
//! chunk done, the second journaled as sent and nothing of the third; the rerun finds the
//! second chunk's records (Ninox made them) and resumes them as ONE batched update, creates
//! the third's, and makes nothing twice. The plan is never held whole: its outcome shows the
//! first 1,000 operations and exact counts.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig, GhlConfig, GhlSandbox};
use bridge_sandbox::{NinoxConfig, NinoxSandbox};
use bridge_tests::ninox_pair::{Api, NinoxPair};
use serde_json::Value;

/// Three chunks of app creates: 1,000, 1,000 and 500 (Ninox takes 1,000 records a request).
const CONTACTS: usize = 2_500;

/// Requests that write Ninox records (a create or an update, one record or many).
fn record_writes(stats: &bridge_sandbox::RequestStats) -> u64 {
    stats
        .by_route
        .iter()
        .filter(|((method, path), _)| method != "GET" && path.contains("/records"))
        .map(|(_, n)| n)
        .sum()
}

/// Journaled contact writes, by state.
fn journal_states(pair: &NinoxPair) -> Vec<(String, i64)> {
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let mut statement = store
        .conn()
        .prepare(
            "SELECT state, count(*) FROM operations WHERE object_kind = 'contact'
             GROUP BY state ORDER BY state",
        )
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_in_its_second_chunk_finishes_on_rerun_and_writes_nothing_twice() {
    let ghl = GhlSandbox::start(GhlConfig {
        seed_contacts: CONTACTS,
        rate_window: Duration::from_millis(100),
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    // Nobody in Ninox yet: every GHL contact is an app create.
    let ninox = NinoxSandbox::start(NinoxConfig {
        records: 0,
        ghl_seed: GhlConfig::default().seed,
        ghl_contacts: CONTACTS,
        ghl_overlap: 0.0,
        max_concurrent: 50,
        ..NinoxConfig::default()
    })
    .await
    .unwrap();
    let pair = NinoxPair {
        ghl,
        ninox,
        api: Api::V4,
        scratch: tempfile::tempdir().unwrap(),
    };
    pair.connect();
    assert!(pair.records().await.is_empty());

    // A dry run of 2,500 creates shows the first 1,000 operations and counts them all.
    let preview = pair.bridge(&["sync", "--dry-run", "--json"]);
    assert!(preview.status.success(), "{preview:?}");
    let preview: Value = serde_json::from_slice::<Value>(&preview.stdout).unwrap()[0].clone();
    assert_eq!(
        preview["plan"]["operations"].as_array().map(Vec::len),
        Some(1_000),
        "a bounded sample of the plan"
    );
    assert_eq!(
        preview["planned"]["appCreates"], CONTACTS,
        "{:#}",
        preview["planned"]
    );
    assert!(pair.records().await.is_empty(), "a dry run writes nothing");

    // Ninox carries out the second write of records and holds its answer: the sync waits
    // exactly there, where it is killed.
    pair.ninox.set_faults(FaultConfig::aimed(
        AimedFault::new("POST", "/records", AimedKind::HoldAnswer, 1).after(1),
    ));
    let mut child = pair.spawn_sync();
    let started = Instant::now();
    loop {
        if pair.records().await.len() >= 2 * 1_000 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before its second write of records"
        );
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the second write of records never came"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGKILL: no cleanup, whatever the sync was doing.
    child.kill().unwrap();
    child.wait().unwrap();
    pair.ninox.set_faults(FaultConfig::none());

    assert_eq!(
        journal_states(&pair),
        vec![("done".to_string(), 1_000), ("sent".to_string(), 1_000)],
        "the first chunk done, the second journaled as sent, the third not journaled"
    );

    let writes_before = record_writes(&pair.ninox.stats());
    let rerun = pair.sync();
    assert_eq!(
        rerun["applied"]["alreadyDone"], 1_000,
        "the second chunk's records are found, not made again: {:#}",
        rerun["applied"]
    );
    // The 1,000 found records are updated in one request, the third chunk's 500 created in
    // another.
    let stats = pair.ninox.stats();
    assert_eq!(
        record_writes(&stats) - writes_before,
        2,
        "one batched update and one batched create: {:?}",
        stats.by_route
    );
    assert_eq!(
        rerun["planned"]["appCreates"], 500,
        "{:#}",
        rerun["planned"]
    );
    let planned = rerun["plan"]["operations"].as_array().unwrap();
    assert!(
        planned.iter().all(|op| op["target"] == "app"),
        "only app writes"
    );
    let written = 2_000 + planned.len();

    let email_field = pair.field("Email");
    let records = pair.records().await;
    let emails: BTreeSet<String> = records
        .iter()
        .map(|r| {
            r["fields"][&email_field]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
        })
        .collect();
    assert_eq!(records.len(), written, "one record per write");
    assert_eq!(emails.len(), records.len(), "no person twice in Ninox");
    assert_eq!(
        journal_states(&pair),
        vec![("done".to_string(), written as i64)],
        "every write done once"
    );

    let quiet = pair.sync();
    let empty = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
    assert!(
        empty(&quiet["plan"]["operations"]),
        "nothing left to write: {:#}",
        quiet["plan"]
    );
    assert_eq!(pair.records().await.len(), written);
}
