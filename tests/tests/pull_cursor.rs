//! A change scan's cursor moves only as far as what it read: a record changed while the scan
//! pages on, after its page was read, is read again by the next scan.

use std::sync::Arc;

use bridge_auth::{MemoryStore, Sensitive, TokenStore};
use bridge_core::System;
use bridge_store::table::connections::{AuthKind, ConnectionRow};
use bridge_sync::app::{app_side, AppPage};
use bridge_tests::novi_pair::{edit_novi_member, Pair};
use futures::TryStreamExt;
use serde_json::json;

/// Novi AMS members, read 100 a page.
const MEMBERS: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_changed_after_its_page_was_read_is_read_again_by_the_next_scan() {
    let pair = Pair::start(10, MEMBERS).await;
    let tokens = Arc::new(MemoryStore::new());
    tokens
        .set("connection/novi", &Sensitive::new(pair.novi.api_key()))
        .unwrap();
    let connection = ConnectionRow {
        id: "novi-1".into(),
        system: System::Novi,
        name: "Novi".into(),
        base_url: pair.novi.base_url(),
        auth_kind: AuthKind::ApiKey,
        account_id: "tenant".into(),
        secret_ref: "connection/novi".into(),
        settings: json!({"requestsPerSecond": 500}),
        status: "ok".into(),
        created_at: String::new(),
        updated_at: String::new(),
    };
    let side = app_side(
        &connection,
        tokens,
        std::sync::Arc::new(bridge_core::SystemClock),
    )
    .unwrap();

    // The first scan: page one is read, then one of its members changes, then the rest.
    let scan = side.changes(None);
    futures::pin_mut!(scan);
    let first: AppPage = scan.try_next().await.unwrap().expect("a first page");
    let changed = first.records[0].remote_id.clone();
    edit_novi_member(&pair, &changed, json!({"LastName": "Changed-Mid-Scan"})).await;
    // A scan is long with many pages: past the overlap each scan re-reads (10 s), so a cursor
    // set to the scan's end would pass the change.
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let mut cursor = first.cursor;
    let mut pages = 1;
    while let Some(page) = scan.try_next().await.unwrap() {
        pages += 1;
        cursor = page.cursor.or(cursor);
    }
    assert!(pages > 1, "the change happened between pages");
    assert!(cursor.is_some(), "the scan saved a cursor");

    // The next scan, from that cursor, reads it again with its change.
    let next: Vec<AppPage> = side.changes(cursor).try_collect().await.unwrap();
    let again = next
        .iter()
        .flat_map(|page| &page.records)
        .find(|record| record.remote_id == changed)
        .expect("the member changed mid-scan is read again");
    assert_eq!(again.values["LastName"], "Changed-Mid-Scan");
}
