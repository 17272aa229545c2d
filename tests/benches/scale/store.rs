//! a.'s store line: the engine's contact store path against a raw SQLite bulk upsert of the
//! same rows, and the same rows stored as the pull stores a page.

use std::time::Instant;

use bridge_core::{normalize, Clock, Contact, System, SystemClock};
use bridge_store::table::connections::{self, AuthKind, NewConnection};
use bridge_store::table::contacts::{self, MatchKeys};
use bridge_store::table::timeline;
use bridge_store::Store;
use bridge_sync::timeline::contact_changes;

/// The engine's contact store path (what the pull does with each search page: one
/// transaction per 500 contacts, `contacts::upsert_from_ghl` with match keys and hash)
/// against a raw SQLite bulk upsert of the same rows into a table of the same columns, one
/// prepared statement in one transaction, same file settings. Each trial inserts then updates
/// the rows on fresh files, the engine and the raw side one right after the other; the
/// figures are the medians of `STORE_TRIALS` trials, so a burst of load on this shared machine
/// moves one trial, not the ratio.
pub fn store_bench(rows: usize) {
    const STORE_TRIALS: usize = 5;
    let people: Vec<Contact> = (0..rows)
        .map(|i| Contact {
            contact_id: format!("ghl-{i:07}"),
            email: Some(format!("person{i}@example.com")),
            first_name: Some(format!("First{i}")),
            last_name: Some(format!("Last{i}")),
            phone: Some(format!("+1555{:07}", i)),
            tags: ["member".to_string()].into(),
            date_updated: Some(SystemClock.now()),
            ..Contact::default()
        })
        .collect();
    // The rows of the insert, then of the update (another last name), made before any timing.
    let rounds: Vec<Vec<Contact>> = (0..2)
        .map(|round| {
            people
                .iter()
                .map(|person| Contact {
                    last_name: Some(format!("Last{round}")),
                    ..person.clone()
                })
                .collect()
        })
        .collect();
    let (mut engine, mut raw, mut pull) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..STORE_TRIALS {
        let scratch = tempfile::tempdir().unwrap();
        engine.push(engine_store_seconds(
            &scratch.path().join("engine.sqlite3"),
            &rounds,
        ));
        raw.push(raw_store_seconds(
            &scratch.path().join("raw.sqlite3"),
            &rounds,
        ));
        pull.push(pull_shaped(
            &mut Store::open(&scratch.path().join("pull.sqlite3")).unwrap(),
            &people,
        ));
    }
    let rate = |seconds: &mut Vec<f64>| {
        seconds.sort_by(f64::total_cmp);
        2.0 * rows as f64 / seconds[seconds.len() / 2]
    };
    let trials: Vec<String> = engine
        .iter()
        .zip(&raw)
        .map(|(e, r)| format!("{:.0}%", 100.0 * r / e))
        .collect();
    let (engine_rate, raw_rate, pull_rate) = (rate(&mut engine), rate(&mut raw), rate(&mut pull));
    println!(
        "   store: engine {engine_rate:.0} contacts/s, raw SQLite bulk upsert {raw_rate:.0} rows/s ({rows} rows inserted then updated; medians of {STORE_TRIALS} trials, each back to back) -> engine at {:.0}% of raw (trials: {})",
        100.0 * engine_rate / raw_rate,
        trials.join(", ")
    );
    println!(
        "   store as the pull stores a page (+ its read of the stored version, email/phone normalization, a timeline event per changed field; the raw side writes no timeline rows): engine {pull_rate:.0} contacts/s -> {:.0}% of raw",
        100.0 * pull_rate / raw_rate
    );
}

/// Seconds the engine's store path takes to store each round's rows (an insert, then an update).
fn engine_store_seconds(path: &std::path::Path, rounds: &[Vec<Contact>]) -> f64 {
    let clock = SystemClock;
    let mut engine = Store::open(path).unwrap();
    let connection = ghl_location(&engine);
    let started = Instant::now();
    for people in rounds {
        for page in people.chunks(500) {
            engine
                .with_tx(|tx| {
                    let mut upserts = contacts::GhlUpserts::new(tx, &connection)?;
                    for person in page {
                        let keys = MatchKeys {
                            email: person.email.clone(),
                            phone: person.phone.clone(),
                        };
                        let hash = bridge_core::hash::content_hash(person);
                        upserts.upsert(person, &keys, &hash, clock.now())?;
                    }
                    Ok(())
                })
                .unwrap();
        }
    }
    started.elapsed().as_secs_f64()
}

/// Seconds a raw bulk upsert takes to store the same rounds of rows.
fn raw_store_seconds(path: &std::path::Path, rounds: &[Vec<Contact>]) -> f64 {
    let clock = SystemClock;
    let raw = Store::open(path).unwrap();
    raw.conn()
        .execute_batch(
            "CREATE TABLE raw_contacts (id TEXT PRIMARY KEY, ghl_contact_id TEXT UNIQUE, email TEXT,
             first_name TEXT, last_name TEXT, phone TEXT, tags TEXT, custom_fields TEXT,
             content_hash TEXT, remote_updated_at TEXT, created_at TEXT, updated_at TEXT,
             match_email TEXT, match_phone TEXT);
             CREATE INDEX raw_match_email ON raw_contacts (match_email);
             CREATE INDEX raw_match_phone ON raw_contacts (match_phone);",
        )
        .unwrap();
    let started = Instant::now();
    for people in rounds {
        raw.conn().execute_batch("BEGIN IMMEDIATE").unwrap();
        {
            let mut upsert = raw
                .conn()
                .prepare(
                    "INSERT INTO raw_contacts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}', ?8, ?9, ?9, ?9, ?3, ?6)
                     ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name,
                       last_name = excluded.last_name, phone = excluded.phone, tags = excluded.tags,
                       content_hash = excluded.content_hash, updated_at = excluded.updated_at",
                )
                .unwrap();
            for person in people {
                let now = bridge_store::timestamp(clock.now());
                let hash = bridge_core::hash::content_hash(person);
                upsert
                    .execute(rusqlite::params![
                        person.contact_id,
                        person.contact_id,
                        person.email,
                        person.first_name,
                        person.last_name,
                        person.phone,
                        "[\"member\"]",
                        hash,
                        now
                    ])
                    .unwrap();
            }
        }
        raw.conn().execute_batch("COMMIT").unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// A GHL connection (location) in `store`, its id (the store lines and the timeline bench).
pub fn ghl_location(store: &Store) -> String {
    connections::insert(
        store.conn(),
        &NewConnection {
            system: System::Ghl,
            name: "ghl".into(),
            base_url: "http://127.0.0.1:1".into(),
            auth_kind: AuthKind::PrivateToken,
            account_id: "loc".into(),
            secret_ref: "ghl".into(),
            settings: serde_json::json!({}),
        },
        SystemClock.now(),
    )
    .unwrap()
    .id
}

/// The same rows stored as the pull stores a search page (`pull/ghl.rs`), without the network:
/// first each contact's hash and its stored version (`changed_contacts`, outside the
/// transaction), then in one transaction per page the upsert with the keys the pull makes
/// (normalized email, the phone parsed to E.164) and a timeline event per changed field of a
/// contact stored before. Inserted then updated, as `store_bench`'s engine side. Seconds.
fn pull_shaped(store: &mut Store, people: &[Contact]) -> f64 {
    let connection = ghl_location(store);
    let clock = SystemClock;
    let mut seconds = 0.0;
    for round in 0..2 {
        let started = Instant::now();
        for page in people.chunks(500) {
            let mut changed = Vec::with_capacity(page.len());
            for person in page {
                let mut person = person.clone();
                person.last_name = Some(format!("Last{round}"));
                let hash = bridge_core::hash::content_hash(&person);
                let stored =
                    contacts::get_by_ghl_id(store.conn(), &connection, &person.contact_id).unwrap();
                if stored.as_ref().is_some_and(|row| row.content_hash == hash) {
                    continue;
                }
                changed.push((person, hash, stored.map(|row| row.contact)));
            }
            store
                .with_tx(|tx| {
                    let now = clock.now();
                    let observed_at = bridge_store::timestamp(now);
                    let mut upserts = contacts::GhlUpserts::new(tx, &connection)?;
                    for (person, hash, before) in &changed {
                        let keys = MatchKeys {
                            email: person.email.as_deref().and_then(normalize::email),
                            phone: person
                                .phone
                                .as_deref()
                                .and_then(|raw| normalize::phone_e164(raw, "US").ok().flatten()),
                        };
                        let (id, _) = upserts.upsert(person, &keys, hash, now)?;
                        for event in before.iter().flat_map(|before| {
                            contact_changes(&id, "ghl", &observed_at, before, person)
                        }) {
                            timeline::append(tx, &event)?;
                        }
                    }
                    Ok(())
                })
                .unwrap();
        }
        seconds += started.elapsed().as_secs_f64();
    }
    seconds
}
