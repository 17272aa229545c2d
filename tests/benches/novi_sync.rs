//! What a two-way GHL ↔ Novi AMS sync costs: 2,000 seeded GHL contacts (with their tasks,
//! notes and appointments) and 200 people only in Novi, fakes with generous limits so the
//! engine, not the remote, is measured. Prints, for the first sync, the second (which re-reads
//! what the first wrote to GHL) and a sync with nothing changed: operations by kind, requests to
//! each side, and time — and the local cost per contact.

use std::time::Instant;

use bridge_tests::novi_pair::Pair;
use serde_json::Value;

const CONTACTS: usize = 2_000;
const NOVI_ONLY: usize = 200;

fn count(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

fn report(label: &str, outcome: &Value, seconds: f64) {
    println!(
        "  {label}: {} contact operations, {} task/note/appointment operations, {} conflicts",
        count(&outcome["plan"]["operations"]),
        count(&outcome["children"]),
        count(&outcome["plan"]["conflicts"]),
    );
    println!(
        "  {:width$}  {} requests to GHL, {} to Novi AMS, {} x 429, {seconds:.1} s",
        "",
        outcome["ghlRequests"],
        outcome["appRequests"],
        outcome["rateLimited"],
        width = label.len()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pair = runtime.block_on(Pair::start(CONTACTS, NOVI_ONLY));
    pair.connect();
    println!("GHL ↔ Novi AMS, {CONTACTS} GHL contacts and {NOVI_ONLY} Novi-only members");

    let started = Instant::now();
    let first = pair.sync();
    report("first sync ", &first, started.elapsed().as_secs_f64());

    // The second sync re-reads the GHL contacts the first one wrote (their dateUpdated moved);
    // the third shows what a sync with nothing new costs from then on.
    let started = Instant::now();
    let second = pair.sync();
    report("second sync", &second, started.elapsed().as_secs_f64());
    let started = Instant::now();
    let quiet = pair.sync();
    let seconds = started.elapsed().as_secs_f64();
    report("no changes ", &quiet, seconds);
    println!(
        "  a quiet sync costs {:.2} ms of wall time per contact",
        1000.0 * seconds / (CONTACTS + NOVI_ONLY) as f64
    );
}
