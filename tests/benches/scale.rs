//! What an agency-sized location costs (issue #13): every figure printed, none asserted.
//!
//! `cargo bench -p bridge-tests --bench scale -- [--contacts N] [--events N] [--only PART]`
//!
//! a. GHL ↔ Ninox (v4), N GHL contacts (default 100,000; half of them in the Ninox table, and
//!    N/10 people only in Ninox), the fakes unthrottled: the first `bridge sync` (pull, plan,
//!    apply) as a child process — requests per side against the documented minimum, wall
//!    time, contacts per second and the child's peak RSS — and the engine's contact store
//!    path against a raw SQLite bulk upsert of the same rows, back to back.
//! b. A quiet sync of that location: requests per side.
//! c. One contact's timeline read from a database of `--events` events (default 1,000,000):
//!    p50 and p99 over 2,000 reads.
//!
//! d. A fleet: `--locations L` GHL locations (default 10) of `--fleet-contacts C` contacts
//!    (default 10,000), each paired with its own Ninox (v4) table, first-synced together by one
//!    `bridge sync --parallel L`, against one such location synced alone, back to back: the
//!    wall-time ratio and both peak RSS. `--latency-ms MS` makes its fakes answer each request
//!    MS later, as a real API would (default 0). `--ghl-window-ms MS` makes each location's GHL
//!    fake hold GHL's documented burst limit, 100 requests a window, over MS (GHL's own window
//!    is 10,000; the default leaves it unthrottled): the remote limit is what bounds a real
//!    agency's fleet, and each location has its own.
//!
//! `--only sync` runs a and b, `--only store` only a's store line, `--only timeline` c,
//! `--only fleet` d. Loopback only. Wall
//! times depend on the machine's load; requests, RSS and the back-to-back ratio much less.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bridge_core::{Clock, SystemClock};
use bridge_sandbox::{GhlConfig, GhlSandbox, NinoxConfig, NinoxSandbox};
use bridge_store::Store;
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::{bridge_bin, run_bridge_env};
use serde_json::Value;

#[path = "scale/store.rs"]
mod store;

struct Args {
    contacts: usize,
    events: usize,
    locations: usize,
    fleet_contacts: usize,
    /// Added by the fleet's fakes to every request (real APIs answer in tens to hundreds of
    /// milliseconds; unthrottled fakes on loopback answer at once, so without it d measures
    /// only the machine's cores).
    latency: Duration,
    /// The fleet's GHL burst window (100 requests each), when it keeps GHL's limit.
    ghl_window: Option<Duration>,
    only: Option<String>,
}

fn args() -> Args {
    let mut parsed = Args {
        contacts: 100_000,
        events: 1_000_000,
        locations: 10,
        fleet_contacts: 10_000,
        latency: Duration::ZERO,
        ghl_window: None,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match arg.as_str() {
            "--contacts" => parsed.contacts = number("--contacts"),
            "--events" => parsed.events = number("--events"),
            "--locations" => parsed.locations = number("--locations"),
            "--fleet-contacts" => parsed.fleet_contacts = number("--fleet-contacts"),
            "--latency-ms" => {
                parsed.latency = Duration::from_millis(number("--latency-ms") as u64);
            }
            "--ghl-window-ms" => {
                parsed.ghl_window = Some(Duration::from_millis(number("--ghl-window-ms") as u64));
            }
            "--only" => parsed.only = args.next(),
            // `cargo bench` passes --bench; anything else is ignored too.
            _ => {}
        }
    }
    parsed
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let runs = |part: &str| args.only.as_deref().is_none_or(|only| only == part);
    if runs("sync") {
        sync_bench(&runtime, args.contacts);
    }
    if runs("sync") || args.only.as_deref() == Some("store") {
        store::store_bench(args.contacts);
    }
    if runs("timeline") {
        timeline_bench(args.events);
    }
    if runs("fleet") {
        let conditions = Conditions {
            latency: args.latency,
            ghl_window: args.ghl_window,
        };
        fleet_bench(&runtime, args.locations, args.fleet_contacts, conditions);
    }
}

/// How the fakes answer: unthrottled and at once by default.
#[derive(Debug, Clone, Copy, Default)]
struct Conditions {
    latency: Duration,
    /// GHL's documented burst limit, 100 requests, over this window (GHL's own is 10 s).
    ghl_window: Option<Duration>,
}

/// The fakes: by default with no limit the engine could meet (the GHL fake's headers announce
/// 10,000 requests a second, the most the budget trusts a header for, and no daily cap), or
/// with GHL's documented burst limit over `ghl_window`. `seed` makes the location (its id,
/// token and people) and the Ninox table that shares half its people.
async fn start_fakes(
    contacts: usize,
    seed: u64,
    conditions: Conditions,
) -> (GhlSandbox, NinoxSandbox) {
    let faults = bridge_sandbox::FaultConfig {
        latency: conditions.latency,
        ..bridge_sandbox::FaultConfig::default()
    };
    let (rate_window, rate_max, daily_limit) = match conditions.ghl_window {
        Some(window) => (window, 100, 200_000),
        None => (Duration::from_secs(1), 10_000, u32::MAX),
    };
    let ghl = GhlSandbox::start(GhlConfig {
        seed_contacts: contacts,
        seed,
        rate_window,
        rate_max,
        daily_limit,
        faults: faults.clone(),
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let ninox = NinoxSandbox::start(NinoxConfig {
        seed,
        records: contacts / 10,
        ghl_seed: seed,
        ghl_contacts: contacts,
        ghl_overlap: 0.5,
        max_concurrent: 50,
        faults,
    })
    .await
    .unwrap();
    (ghl, ninox)
}

struct Measured {
    /// The first pair's outcome.
    outcome: Value,
    /// Every pair's outcome.
    outcomes: Vec<Value>,
    seconds: f64,
    /// The child's peak resident set, in KiB (`/usr/bin/time -f %M`), when measurable.
    peak_rss_kib: Option<u64>,
}

/// `bridge sync --json [extra]` as a child process, its peak RSS taken by `/usr/bin/time` (GNU
/// time reads the child's rusage) where the machine has it.
fn measured_sync(scratch: &Path, env: &[(&str, &str)], extra: &[&str]) -> Measured {
    let bridge = bridge_bin();
    let time = Path::new("/usr/bin/time");
    let rss_file = scratch.join("peak-rss");
    // `SCALE_CHILD_WRAPPER="heaptrack -o /tmp/sync"` runs the child under a profiler instead
    // (its peak RSS is then not measured): how the 100,000-contact peak was traced to its source.
    let wrapper = std::env::var("SCALE_CHILD_WRAPPER").unwrap_or_default();
    let mut wrapper = wrapper.split_whitespace();
    let mut command = if let Some(program) = wrapper.next() {
        let mut c = Command::new(program);
        c.args(wrapper).arg(&bridge);
        c
    } else if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(&bridge);
        c
    } else {
        Command::new(&bridge)
    };
    command
        .env("BRIDGE_SECRET_STORE", "file")
        .envs(env.iter().copied())
        .arg("--db")
        .arg(scratch.join("bridge.sqlite3"))
        .arg("--log-dir")
        .arg(scratch.join("logs"))
        .args(["sync", "--json"])
        .args(extra)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "bridge sync failed ({status}):\n{stderr}");
    let outcomes = match serde_json::from_slice::<Value>(&stdout).unwrap() {
        Value::Array(outcomes) => outcomes,
        other => vec![other],
    };
    let outcome = outcomes.first().cloned().unwrap_or_default();
    let peak_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.trim().lines().last()?.trim().parse().ok());
    Measured {
        outcome,
        outcomes,
        seconds,
        peak_rss_kib,
    }
}

fn storage(e: rusqlite::Error) -> bridge_core::BridgeError {
    bridge_core::BridgeError::storage(e.to_string())
}

/// Record writes (POST and PATCH of a table's records) the Ninox fake answered.
fn record_writes(stats: &bridge_sandbox::RequestStats) -> u64 {
    stats
        .by_route
        .iter()
        .filter(|((method, path), _)| {
            (method == "POST" || method == "PATCH") && path.ends_with("/records")
        })
        .map(|(_, n)| n)
        .sum()
}

fn count(value: &Value) -> u64 {
    value.as_array().map_or(0, |a| a.len() as u64)
}

/// Every contact write an outcome planned (its `planned` counts: `plan.operations` holds only
/// the first 1,000).
fn contact_writes(outcome: &Value) -> u64 {
    let planned = &outcome["planned"];
    ["appCreates", "appUpdates", "ghlCreates", "ghlUpdates"]
        .iter()
        .map(|k| u(&planned[*k]))
        .sum()
}

fn u(value: &Value) -> u64 {
    value.as_u64().unwrap_or_default()
}

fn sync_bench(runtime: &tokio::runtime::Runtime, contacts: usize) {
    let (ghl, ninox) = runtime.block_on(start_fakes(
        contacts,
        GhlConfig::default().seed,
        Conditions::default(),
    ));
    let scratch = tempfile::tempdir().unwrap();
    let (token, key) = (ghl.private_token(), ninox.workspace_api_key());
    let env = [("T_GHL", token.as_str()), ("T_NINOX", key.as_str())];
    let bridge = |args: &[&str]| run_bridge_env(scratch.path(), &env, args);
    connect_ghl(&ghl, bridge);
    connect_ninox(&ninox, "T_NINOX", None, bridge);
    let (ghl_before, ninox_before) = (ghl.stats(), ninox.stats());
    let first = measured_sync(scratch.path(), &env, &[]);
    let (ghl_after, ninox_after) = (ghl.stats(), ninox.stats());
    let o = &first.outcome;
    let pull = &o["ghlPull"];

    println!(
        "a. first sync, GHL ({contacts} contacts) <-> Ninox v4 ({} records), fakes unthrottled",
        contacts / 2 + contacts / 10
    );
    // The documented minimum of a first pull: the contact search pages, one notes read per
    // contact (GHL has no other read of notes), the location task search pages for their
    // tasks, the calendar list and each calendar's events.
    // The sync reads each calendar's window a slice at a time (bounded memory); GHL's API
    // would answer each calendar's whole window in one request, and that is the minimum.
    let event_reads =
        ghl_after.count("GET", "/calendars/events") - ghl_before.count("GET", "/calendars/events");
    let calendars = event_reads / bridge_sync::pull::ghl_appointments::WINDOW_SLICES;
    let minimum_pull = u(&pull["searchPages"])
        + u(&pull["contactsChanged"])
        + u(&pull["tasks"]).div_ceil(100).max(1)
        + 1
        + calendars;
    println!(
        "   GHL pull: {} requests for {} contacts = {:.3} per contact; documented minimum {minimum_pull} ({} search pages + {} notes reads + {} task search pages + 1 calendar list + {calendars} calendar event reads; the sync read the events in {event_reads} slices) -> {:.3}x the minimum",
        u(&pull["requests"]),
        u(&pull["contactsChanged"]),
        u(&pull["requests"]) as f64 / u(&pull["contactsChanged"]).max(1) as f64,
        u(&pull["searchPages"]),
        u(&pull["contactsChanged"]),
        u(&pull["tasks"]).div_ceil(100).max(1),
        u(&pull["requests"]) as f64 / minimum_pull.max(1) as f64,
    );
    let by_route = |stats: &bridge_sandbox::RequestStats, before: &bridge_sandbox::RequestStats| {
        stats
            .by_route
            .iter()
            .map(|(route, n)| {
                (
                    route.clone(),
                    n - before.by_route.get(route).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .map(|((method, path), n)| format!("{method} {path} x{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "   GHL, whole sync: {} requests ({})",
        u(&o["ghlRequests"]),
        by_route(&ghl_after, &ghl_before)
    );
    let applied = &o["applied"];
    // The plan's exact counts: `plan.operations` is only its first 1,000 (a bounded sample).
    let planned = &o["planned"];
    let app_creates = u(&planned["appCreates"]);
    let app_updates = u(&planned["appUpdates"]);
    let ninox_writes = record_writes(&ninox_after) - record_writes(&ninox_before);
    println!(
        "   Ninox: {} requests ({}); {} records written ({app_creates} created, {app_updates} updated) in {} write requests = {:.2} write requests per 100 records ({:.2} requests of any kind per 100 records written)",
        u(&o["appRequests"]),
        by_route(&ninox_after, &ninox_before),
        app_creates + app_updates,
        ninox_writes,
        100.0 * ninox_writes as f64 / (app_creates + app_updates).max(1) as f64,
        100.0 * u(&o["appRequests"]) as f64 / (app_creates + app_updates).max(1) as f64
    );
    println!(
        "   plan: {} contact writes ({} done, {} unconfirmed, {} dead), {} child writes",
        contact_writes(o),
        u(&applied["done"]),
        u(&applied["unconfirmed"]),
        u(&applied["dead"]),
        count(&o["children"]),
    );
    println!(
        "   wall {:.1} s (machine shared with other builds), {:.0} contacts/s, peak RSS {}",
        first.seconds,
        contacts as f64 / first.seconds,
        first
            .peak_rss_kib
            .map_or("n/a (no /usr/bin/time)".to_string(), |k| format!(
                "{:.1} MiB",
                k as f64 / 1024.0
            ))
    );

    // The second sync settles what the first wrote; the third has nothing to do.
    let second = measured_sync(scratch.path(), &env, &[]);
    let (ghl_before, ninox_before) = (ghl.stats(), ninox.stats());
    let quiet = measured_sync(scratch.path(), &env, &[]);
    let (ghl_after, ninox_after) = (ghl.stats(), ninox.stats());
    println!(
        "b. second sync: {} GHL requests, {} Ninox requests, {} contact writes, {:.1} s",
        u(&second.outcome["ghlRequests"]),
        u(&second.outcome["appRequests"]),
        contact_writes(&second.outcome),
        second.seconds
    );
    println!(
        "   quiet sync: GHL {} requests ({}), Ninox {} requests ({}), {} writes, {:.1} s",
        u(&quiet.outcome["ghlRequests"]),
        by_route(&ghl_after, &ghl_before),
        u(&quiet.outcome["appRequests"]),
        by_route(&ninox_after, &ninox_before),
        contact_writes(&quiet.outcome) + count(&quiet.outcome["children"]),
        quiet.seconds
    );
    runtime.block_on(async {
        ghl.shutdown().await;
        ninox.shutdown().await;
    });
}

/// Connects a Ninox (v4) table whose key is in `key_env`, named `name` when given.
fn connect_ninox(
    ninox: &NinoxSandbox,
    key_env: &str,
    name: Option<&str>,
    bridge: impl Fn(&[&str]) -> std::process::Output,
) {
    let (url, workspace) = (ninox.base_url_v4(), ninox.workspace_id());
    let (module, table) = (ninox.module_name(), ninox.table_name());
    let mut args = vec![
        "connect",
        "ninox",
        "--api-key-env",
        key_env,
        "--base-url",
        &url,
        "--workspace",
        &workspace,
        "--module",
        &module,
        "--table",
        &table,
    ];
    if let Some(name) = name {
        args.extend(["--name", name]);
    }
    assert_success("connect ninox", &bridge(&args));
}

/// d. `locations` locations of `contacts` contacts, each with its own Ninox table, in one
/// database: their first sync by one `bridge sync --parallel` against one such location alone
/// (its own database and fakes), back to back. Every location's fakes run in this process,
/// so the fakes' work grows with the fleet as the engine's does.
fn fleet_bench(
    runtime: &tokio::runtime::Runtime,
    locations: usize,
    contacts: usize,
    conditions: Conditions,
) {
    let base = GhlConfig::default().seed + 1_000;
    // One alone: the first location's twin (same seed, own fakes and database).
    let alone = {
        let (ghl, ninox) = runtime.block_on(start_fakes(contacts, base, conditions));
        let scratch = tempfile::tempdir().unwrap();
        let (token, key) = (ghl.private_token(), ninox.workspace_api_key());
        let env = [("T_GHL", token.as_str()), ("T_NINOX", key.as_str())];
        let bridge = |args: &[&str]| run_bridge_env(scratch.path(), &env, args);
        connect_ghl(&ghl, bridge);
        connect_ninox(&ninox, "T_NINOX", None, bridge);
        let measured = measured_sync(scratch.path(), &env, &[]);
        runtime.block_on(async {
            ghl.shutdown().await;
            ninox.shutdown().await;
        });
        measured
    };

    let fakes: Vec<(GhlSandbox, NinoxSandbox)> = (0..locations)
        .map(|i| runtime.block_on(start_fakes(contacts, base + i as u64, conditions)))
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    let secrets: Vec<(String, String)> = fakes
        .iter()
        .enumerate()
        .flat_map(|(i, (ghl, ninox))| {
            [
                (format!("T_GHL{i}"), ghl.private_token()),
                (format!("T_NINOX{i}"), ninox.workspace_api_key()),
            ]
        })
        .collect();
    let env: Vec<(&str, &str)> = secrets
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bridge = |args: &[&str]| run_bridge_env(scratch.path(), &env, args);
    for (i, (ghl, ninox)) in fakes.iter().enumerate() {
        let (location, table) = (format!("Location{i}"), format!("Table{i}"));
        let (id, url) = (ghl.location_id(), ghl.base_url());
        let token_env = format!("T_GHL{i}");
        assert_success(
            "connect ghl",
            &bridge(&[
                "connect",
                "ghl",
                "--location-id",
                &id,
                "--token-env",
                &token_env,
                "--base-url",
                &url,
                "--name",
                &location,
            ]),
        );
        connect_ninox(ninox, &format!("T_NINOX{i}"), Some(&table), bridge);
        assert_success(
            "pair set",
            &bridge(&["pair", "set", &table, "--ghl", &location]),
        );
    }
    let parallel = locations.to_string();
    let fleet = measured_sync(scratch.path(), &env, &["--parallel", &parallel]);
    let synced: u64 = fleet
        .outcomes
        .iter()
        .map(|o| u(&o["ghlPull"]["contactsChanged"]))
        .sum();
    let rss = |m: &Measured| {
        m.peak_rss_kib.map_or("n/a".to_string(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    println!(
        "d. fleet: {locations} locations x {contacts} contacts, each with its own Ninox v4 table, first sync with --parallel {locations}, fakes adding {} ms a request, GHL {}",
        conditions.latency.as_millis(),
        conditions.ghl_window.map_or("unthrottled".to_string(), |w| format!(
            "at its documented burst limit of 100 requests per {} ms window per location",
            w.as_millis()
        )),
    );
    println!(
        "   one alone: {:.1} s, peak RSS {}; {locations} together: {:.1} s ({} pairs, {synced} contacts pulled), peak RSS {} (machine shared with other builds)",
        alone.seconds,
        rss(&alone),
        fleet.seconds,
        fleet.outcomes.len(),
        rss(&fleet),
    );
    println!(
        "   wall-time ratio, {locations} together / one alone: {:.2}x",
        fleet.seconds / alone.seconds.max(f64::EPSILON)
    );
    runtime.block_on(async {
        for (ghl, ninox) in fakes {
            ghl.shutdown().await;
            ninox.shutdown().await;
        }
    });
}

/// A database of `events` timeline events over `events / 10` contacts, then 2,000 reads of
/// one contact's timeline (what the window's timeline asks for), p50 and p99.
fn timeline_bench(events: usize) {
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("timeline.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let clock = SystemClock;
    let contacts = (events / 10).max(1);
    let connection = store::ghl_location(&store);
    let started = Instant::now();
    let now = bridge_store::timestamp(clock.now());
    store
        .with_tx(|tx| {
            let mut contact = tx
                .prepare(
                    "INSERT INTO contacts (id, ghl_connection_id, ghl_contact_id, content_hash, created_at, updated_at)
                     VALUES (?1, ?2, ?1, '', ?3, ?3)",
                )
                .map_err(storage)?;
            let mut event = tx
                .prepare(
                    "INSERT INTO timeline_events (contact_id, system, kind, occurred_at, title, body)
                     VALUES (?1, 'ghl', ?2, ?3, ?4, ?5)",
                )
                .map_err(storage)?;
            for c in 0..contacts {
                let id = format!("c{c:07}");
                contact
                    .execute(rusqlite::params![id, connection, now])
                    .map_err(storage)?;
            }
            // Events arrive interleaved across contacts, as syncs write them.
            for e in 0..events {
                let id = format!("c{:07}", (e * 7919) % contacts);
                let kind = ["task", "note", "field", "appointment"][e % 4];
                let at = format!("2026-{:02}-{:02}T10:{:02}:00.000Z", 1 + e % 12, 1 + e % 28, e % 60);
                event
                    .execute(rusqlite::params![
                        id,
                        kind,
                        at,
                        format!("Event {e}"),
                        format!("Body of event {e} with some words to index")
                    ])
                    .map_err(storage)?;
            }
            Ok(())
        })
        .unwrap();
    println!(
        "c. timeline: {events} events over {contacts} contacts written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(store);
    let store = Store::open(&path).unwrap();
    let mut times = Vec::with_capacity(2_000);
    let mut read = 0;
    for i in 0..2_000usize {
        let id = format!("c{:07}", (i * 104_729) % contacts);
        let started = Instant::now();
        read += bridge_store::table::timeline::for_contact(store.conn(), &id)
            .unwrap()
            .len();
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "   one contact's timeline ({} events on average): p50 {:.3} ms, p99 {:.3} ms",
        read / times.len(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );
}
