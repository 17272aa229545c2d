//! How a `bridge pull ghl` spends GHL's rate limit: 1,000 seeded contacts with their tasks,
//! notes and appointments, against the fake with its window shortened to 100 requests per
//! second (its headers say so, as GHL's would). Prints the requests spent against what GHL's
//! documented page sizes predict, the 429s met, and the share of the allowed rate kept.

use std::time::{Duration, Instant};

use bridge_tests::ghl_world::{assert_success, search_pages, GhlWorld};

const CONTACTS: u64 = 1_000;
const WINDOW: Duration = Duration::from_secs(1);
const MAX_PER_WINDOW: f64 = 100.0;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let world = runtime.block_on(GhlWorld::start(CONTACTS as usize, WINDOW));
    // The fake serves on the runtime's threads while the CLI runs as a child process here.
    let connect = world.connect();
    assert_success("bridge connect ghl", &connect);

    let started = Instant::now();
    let first = world.pull();
    let first_time = started.elapsed();
    let started = Instant::now();
    let second = world.pull();
    let second_time = started.elapsed();

    // The documented minimum of the first pull: the search pages, one notes read per contact,
    // the location task search pages (100 tasks each, per page of contacts) and the
    // appointment read (the calendar list and each calendar's events; both pulls read it).
    let stats = world.sandbox.stats();
    let task_pages = stats.count("POST", "/locations/{locationId}/tasks/search");
    let calendar_reads =
        (stats.count("GET", "/calendars/") + stats.count("GET", "/calendars/events")) / 2;
    let expected_first = search_pages(CONTACTS) + CONTACTS + task_pages + calendar_reads;
    let spent = first["requests"].as_u64().unwrap_or_default();
    let rate = spent as f64 / first_time.as_secs_f64();
    let allowed = MAX_PER_WINDOW / WINDOW.as_secs_f64();
    println!("GHL pull of {CONTACTS} contacts, limit {MAX_PER_WINDOW} requests per {WINDOW:?}");
    println!(
        "  first pull:  {spent} requests (expected {expected_first}: {} search pages + {CONTACTS} notes reads + {task_pages} task search pages + {calendar_reads} calendar reads), {} x 429, {:.1} s",
        search_pages(CONTACTS),
        first["rateLimited"],
        first_time.as_secs_f64()
    );
    println!(
        "               {rate:.1} requests/s of {allowed:.0} allowed = {:.1}% of the allowed rate",
        100.0 * rate / allowed
    );
    println!(
        "  second pull: {} requests ({} search pages), {} contacts changed, {} x 429, {:.2} s",
        second["requests"],
        second["searchPages"],
        second["contactsChanged"],
        second["rateLimited"],
        second_time.as_secs_f64()
    );
    println!(
        "  the fake counted {} requests and sent {} x 429",
        stats.total, stats.rate_limited
    );
    runtime.block_on(world.sandbox.shutdown());
}
