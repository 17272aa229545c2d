//! Apply's tests: an in-memory remote that can lose answers and refuse writes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::batch::{groups, values_weight};
use super::*;
use bridge_core::{Contact, FixedClock, System};
use bridge_store::table::operations;
use bridge_store::table::timeline;
use bridge_store::table::{contacts, links};
use chrono::{TimeZone, Utc};
use serde_json::json;

/// An in-memory remote that can lose the answer to its next create (the record is made,
/// the caller hears a network error), as a dropped connection would.
#[derive(Default)]
struct Remote {
    records: Mutex<BTreeMap<String, Values>>,
    lose_next_answer: AtomicBool,
    refuse: AtomicBool,
    writes: std::sync::atomic::AtomicU64,
    creates: std::sync::atomic::AtomicU64,
}

impl RecordWriter for Remote {
    fn system(&self) -> &str {
        "Novi AMS"
    }
    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            self.writes.fetch_add(1, Ordering::SeqCst);
            self.creates.fetch_add(1, Ordering::SeqCst);
            let mut records = self.records.lock().unwrap();
            let id = format!("r{}", records.len() + 1);
            records.insert(id.clone(), values.clone());
            if self.lose_next_answer.swap(false, Ordering::SeqCst) {
                return Err(BridgeError::new(ErrorCode::Network, "connection reset"));
            }
            Ok(id)
        })
    }
    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            self.writes.fetch_add(1, Ordering::SeqCst);
            if self.refuse.load(Ordering::SeqCst) {
                return Err(BridgeError::new(ErrorCode::Remote, "422: Email is invalid"));
            }
            let mut records = self.records.lock().unwrap();
            let record = records
                .get_mut(remote_id)
                .ok_or_else(|| BridgeError::new(ErrorCode::NotFound, "no such record"))?;
            record.extend(changes.clone());
            Ok(())
        })
    }
    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move {
            let records = self.records.lock().unwrap();
            Ok(records
                .iter()
                .find(|(_, v)| v.get("Email") == values.get("Email"))
                .map(|(id, _)| id.clone()))
        })
    }
}

struct World {
    store: Store,
    ghl_connection: String,
    app_connection: String,
    contact: String,
}

fn clock() -> FixedClock {
    FixedClock(Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap())
}

fn world() -> World {
    let store = Store::open_in_memory().unwrap();
    let connection = |system, name: &str| {
        crate::test_support::offline_connection(&store, system, name, clock().0).id
    };
    let ghl_connection = connection(System::Ghl, "ghl");
    let app_connection = connection(System::Novi, "novi");
    let contact = Contact {
        contact_id: "g1".into(),
        email: Some("ada@example.com".into()),
        ..Contact::default()
    };
    let (contact, _) = contacts::upsert_from_ghl(
        store.conn(),
        &ghl_connection,
        &contact,
        &Default::default(),
        "h",
        clock().0,
    )
    .unwrap();
    World {
        store,
        ghl_connection,
        app_connection,
        contact,
    }
}

fn create_plan(contact: &str) -> Plan {
    Plan {
        operations: vec![Operation {
            target: Side::App,
            action: Action::Create,
            local_id: contact.into(),
            remote_id: None,
            changes: vec![
                FieldChange {
                    field: "Email".into(),
                    before: None,
                    after: json!("ada@example.com"),
                },
                FieldChange {
                    field: "FirstName".into(),
                    before: None,
                    after: json!("Ada"),
                },
            ],
            reason: "exists only in GHL".into(),
            source_version: None,
            settles: [
                ("Email".to_string(), json!("ada@example.com")),
                ("FirstName".to_string(), json!("Ada")),
            ]
            .into(),
        }],
        ..Plan::default()
    }
}

async fn run(world: &mut World, plan: &Plan, ghl: &Remote, app: &Remote) -> ApplyReport {
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let targets = Targets {
        ghl,
        ghl_connection_id: &world.ghl_connection,
        app,
        app_connection_id: &world.app_connection,
        app_system: System::Novi,
    };
    let mut seen = Vec::new();
    let report = apply(
        &mut world.store,
        &run_id,
        plan,
        &targets,
        &clock(),
        &mut |done, total| seen.push((done, total)),
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert_eq!(
        seen.len() as u64,
        report.done + report.already_done + report.unconfirmed + report.dead
    );
    report
}

#[tokio::test]
async fn a_create_links_the_record_settles_the_base_and_is_not_repeated() {
    let mut world = world();
    let (ghl, app) = (Remote::default(), Remote::default());
    let plan = create_plan(&world.contact);
    let report = run(&mut world, &plan, &ghl, &app).await;
    assert_eq!(report.done, 1);
    let link = links::find_remote(world.store.conn(), &world.app_connection, "contact", "r1")
        .unwrap()
        .unwrap();
    assert_eq!(link.contact_id, world.contact);
    let base = links::base(world.store.conn(), &world.app_connection, &world.contact).unwrap();
    assert_eq!(base["FirstName"], json!("Ada"));
    assert!(!timeline::for_contact(world.store.conn(), &world.contact)
        .unwrap()
        .is_empty());

    // A rerun: nothing is unfinished, so recovery sends nothing.
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app: &app,
        app_connection_id: &world.app_connection,
        app_system: System::Novi,
    };
    let again = recover(
        &mut world.store,
        &run_id,
        &targets,
        &clock(),
        &crate::journal::none_wait,
    )
    .await
    .unwrap();
    assert_eq!(again, ApplyReport::default());
    assert_eq!(app.writes.load(Ordering::SeqCst), 1);
    // The same create planned again (a stale plan) cannot re-point the link.
    let err = apply(
        &mut world.store,
        &run_id,
        &plan,
        &targets,
        &clock(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert_eq!(err.dead, 1);
    let letter = &operations::dead_letters(world.store.conn()).unwrap()[0];
    let message = letter.last_error.clone().unwrap_or_default();
    assert!(
        message.contains("r1") && message.contains("r2"),
        "{message}"
    );
    let link = links::find_remote(world.store.conn(), &world.app_connection, "contact", "r1")
        .unwrap()
        .unwrap();
    assert_eq!(link.contact_id, world.contact);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_looked_up_not_sent_again() {
    let mut world = world();
    let (ghl, app) = (Remote::default(), Remote::default());
    app.lose_next_answer.store(true, Ordering::SeqCst);
    let plan = create_plan(&world.contact);
    let first = run(&mut world, &plan, &ghl, &app).await;
    assert_eq!(first.unconfirmed, 1);
    assert_eq!(
        app.records.lock().unwrap().len(),
        1,
        "the remote made it anyway"
    );
    let failed = operations::unfinished(world.store.conn()).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].state, "failed", "transient, not a dead letter");

    // The source changed before the rerun: recovery resolves the create by id first.
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app: &app,
        app_connection_id: &world.app_connection,
        app_system: System::Novi,
    };
    let recovered = recover(
        &mut world.store,
        &run_id,
        &targets,
        &clock(),
        &crate::journal::none_wait,
    )
    .await
    .unwrap();
    assert_eq!(recovered.already_done, 1);
    assert_eq!(
        app.creates.load(Ordering::SeqCst),
        1,
        "found, not created twice"
    );
    assert_eq!(app.records.lock().unwrap().len(), 1);
    let link = links::find_remote(world.store.conn(), &world.app_connection, "contact", "r1")
        .unwrap()
        .unwrap();
    assert_eq!(link.contact_id, world.contact);
    let done = operations::for_run(world.store.conn(), &run_id).unwrap();
    assert_eq!(done.len(), 1, "listed under the run that completed it");
    assert_eq!(done[0].state, "done");
    assert!(operations::unfinished(world.store.conn())
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_refused_authorization_stops_the_work_and_kills_nothing() {
    let mut world = world();
    struct Revoked;
    impl RecordWriter for Revoked {
        fn system(&self) -> &str {
            "Novi AMS"
        }
        fn create<'a>(&'a self, _: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
            Box::pin(async { Err(BridgeError::new(ErrorCode::Unauthorized, "401 revoked")) })
        }
        fn update<'a>(
            &'a self,
            _: &'a str,
            _: &'a Values,
        ) -> BoxFuture<'a, Result<(), BridgeError>> {
            Box::pin(async { Err(BridgeError::new(ErrorCode::Unauthorized, "401 revoked")) })
        }
        fn find_created<'a>(
            &'a self,
            _: &'a Values,
        ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
            Box::pin(async { Ok(None) })
        }
    }
    let ghl = Remote::default();
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app: &Revoked,
        app_connection_id: &world.app_connection,
        app_system: System::Novi,
    };
    let err = apply(
        &mut world.store,
        &run_id,
        &create_plan(&world.contact),
        &targets,
        &clock(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
    assert!(operations::dead_letters(world.store.conn())
        .unwrap()
        .is_empty());
    assert_eq!(operations::unfinished(world.store.conn()).unwrap().len(), 1);
}

#[tokio::test]
async fn a_refusal_is_a_dead_letter_naming_system_record_and_message() {
    let mut world = world();
    let (ghl, app) = (Remote::default(), Remote::default());
    app.records
        .lock()
        .unwrap()
        .insert("r7".into(), Values::new());
    app.refuse.store(true, Ordering::SeqCst);
    let plan = Plan {
        operations: vec![Operation {
            target: Side::App,
            action: Action::Update,
            local_id: world.contact.clone(),
            remote_id: Some("r7".into()),
            changes: vec![FieldChange {
                field: "Email".into(),
                before: None,
                after: json!("not-an-email"),
            }],
            reason: "email changed in GHL".into(),
            settles: Values::new(),
            source_version: None,
        }],
        ..Plan::default()
    };
    let report = run(&mut world, &plan, &ghl, &app).await;
    assert_eq!(report.dead, 1);
    let dead = operations::dead_letters(world.store.conn()).unwrap();
    assert_eq!(dead.len(), 1);
    let message = dead[0].last_error.clone().unwrap();
    assert!(
        message.contains("Novi AMS")
            && message.contains("r7")
            && message.contains("422: Email is invalid"),
        "{message}"
    );
}

#[tokio::test]
async fn cancel_stops_before_the_next_operation() {
    let mut world = world();
    let (ghl, app) = (Remote::default(), Remote::default());
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app: &app,
        app_connection_id: &world.app_connection,
        app_system: System::Novi,
    };
    let cancelled = AtomicBool::new(true);
    let report = apply(
        &mut world.store,
        &run_id,
        &create_plan(&world.contact),
        &targets,
        &clock(),
        &mut |_, _| {},
        &cancelled,
    )
    .await
    .unwrap();
    assert!(report.cancelled);
    assert_eq!(app.writes.load(Ordering::SeqCst), 0);
    assert_eq!(
        operations::unfinished(world.store.conn()).unwrap().len(),
        1,
        "journaled, to be resumed"
    );
}

/// A remote that takes `size` records a request, as Ninox does: a request holding a record it
/// refuses is refused whole (Ninox writes a batch in one transaction).
struct BatchRemote {
    remote: Remote,
    size: usize,
    requests: std::sync::atomic::AtomicU64,
    lose_next_answer: AtomicBool,
}

impl BatchRemote {
    fn new(size: usize) -> Self {
        Self {
            remote: Remote::default(),
            size,
            requests: Default::default(),
            lose_next_answer: AtomicBool::new(false),
        }
    }
}

fn refused(values: &Values) -> bool {
    values.get("Email") == Some(&json!("not-an-email"))
}

impl RecordWriter for BatchRemote {
    fn system(&self) -> &str {
        "Ninox"
    }
    fn batch(&self) -> usize {
        self.size
    }
    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move {
            self.requests.fetch_add(1, Ordering::SeqCst);
            if refused(values) {
                return Err(BridgeError::new(ErrorCode::Remote, "400: Email is invalid"));
            }
            self.remote.create(values).await
        })
    }
    fn create_many<'a>(&'a self, values: &'a [Values]) -> BoxFuture<'a, BatchAnswer<String>> {
        Box::pin(async move {
            self.requests.fetch_add(1, Ordering::SeqCst);
            if values.iter().any(refused) {
                return Err(BridgeError::new(ErrorCode::Remote, "400: Email is invalid"));
            }
            let mut ids = Vec::new();
            for v in values {
                ids.push(self.remote.create(v).await);
            }
            if self.lose_next_answer.swap(false, Ordering::SeqCst) {
                return Err(BridgeError::new(ErrorCode::Network, "connection reset"));
            }
            Ok(ids)
        })
    }
    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        self.remote.update(remote_id, changes)
    }
    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        self.remote.find_created(values)
    }
}

/// `n` more GHL contacts, each planned as a create in the app (one with a refused email).
fn batch_plan(world: &World, n: usize, refused_at: Option<usize>) -> Plan {
    let mut operations = Vec::new();
    for i in 0..n {
        let contact = Contact {
            contact_id: format!("gb{i}"),
            email: Some(format!("p{i}@example.com")),
            ..Contact::default()
        };
        let (local, _) = contacts::upsert_from_ghl(
            world.store.conn(),
            &world.ghl_connection,
            &contact,
            &Default::default(),
            "h",
            clock().0,
        )
        .unwrap();
        let mut op = create_plan(&local).operations.remove(0);
        let email = if refused_at == Some(i) {
            json!("not-an-email")
        } else {
            json!(format!("p{i}@example.com"))
        };
        op.changes[0].after = email.clone();
        op.settles.insert("Email".into(), email);
        operations.push(op);
    }
    Plan {
        operations,
        ..Plan::default()
    }
}

async fn run_batched(world: &mut World, plan: &Plan, app: &BatchRemote) -> ApplyReport {
    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let ghl = Remote::default();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app,
        app_connection_id: &world.app_connection,
        app_system: System::Ninox,
    };
    let mut last = (0, 0);
    let report = apply(
        &mut world.store,
        &run_id,
        plan,
        &targets,
        &clock(),
        &mut |done, total| last = (done, total),
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert_eq!(
        last,
        (plan.operations.len() as u64, plan.operations.len() as u64)
    );
    report
}

#[tokio::test]
async fn app_creates_go_several_a_request_and_a_refused_batch_is_resent_record_by_record() {
    let mut world = world();
    let app = BatchRemote::new(3);
    let plan = batch_plan(&world, 7, None);
    let report = run_batched(&mut world, &plan, &app).await;
    assert_eq!(report.done, 7);
    // 7 creates, 3 a request.
    assert_eq!(app.requests.load(Ordering::SeqCst), 3);
    for op in &plan.operations {
        assert_eq!(
            links::for_contact(world.store.conn(), &op.local_id)
                .unwrap()
                .len(),
            1,
            "every record is linked"
        );
    }

    // One refused record in a batch: its batch is sent again record by record; only that
    // record is a dead letter, naming the app's reason.
    let mut world = self::world();
    let app = BatchRemote::new(3);
    let plan = batch_plan(&world, 7, Some(4));
    let report = run_batched(&mut world, &plan, &app).await;
    assert_eq!((report.done, report.dead), (6, 1), "{report:?}");
    // Batches [0,1,2] and [6], the refused [3,4,5] then its three records alone.
    assert_eq!(app.requests.load(Ordering::SeqCst), 2 + 1 + 3);
    assert_eq!(app.remote.records.lock().unwrap().len(), 6);
    let letters = operations::dead_letters(world.store.conn()).unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0].op.contact_id.as_deref(),
        Some(plan.operations[4].local_id.as_str())
    );
    assert!(
        letters[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("Email is invalid"),
        "{letters:?}"
    );
}

#[tokio::test]
async fn a_batch_whose_answer_was_lost_is_looked_up_record_by_record_not_sent_again() {
    let mut world = world();
    let app = BatchRemote::new(10);
    app.lose_next_answer.store(true, Ordering::SeqCst);
    let plan = batch_plan(&world, 4, None);
    let first = run_batched(&mut world, &plan, &app).await;
    assert_eq!(first.unconfirmed, 4, "{first:?}");
    assert_eq!(app.remote.records.lock().unwrap().len(), 4, "made anyway");

    let run_id =
        bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0).unwrap();
    let ghl = Remote::default();
    let targets = Targets {
        ghl: &ghl,
        ghl_connection_id: &world.ghl_connection,
        app: &app,
        app_connection_id: &world.app_connection,
        app_system: System::Ninox,
    };
    let recovered = recover(
        &mut world.store,
        &run_id,
        &targets,
        &clock(),
        &crate::journal::none_wait,
    )
    .await
    .unwrap();
    assert_eq!(recovered.already_done, 4, "{recovered:?}");
    assert_eq!(
        app.remote.creates.load(Ordering::SeqCst),
        4,
        "found by their values, none created twice"
    );
    for op in &plan.operations {
        assert_eq!(
            links::for_contact(world.store.conn(), &op.local_id)
                .unwrap()
                .len(),
            1
        );
    }
}

/// App creates go as many to a request as the app takes, by count and by weight: a batch
/// closes before the record that would take its values past the app's body limit.
#[test]
fn batches_close_at_the_record_count_or_the_body_limit() {
    let op = create_plan("c1").operations.remove(0);
    let weight = values_weight(&op.changes);
    let ops: Vec<Operation> = (0..5).map(|_| op.clone()).collect();
    let journaled: Vec<Journaled> = (0..5)
        .map(|i| Journaled {
            id: i,
            state: "pending".into(),
            remote_id: None,
            payload: None,
        })
        .collect();
    let sizes = |limit| {
        groups(&ops, &journaled, limit)
            .iter()
            .map(|g| g.members.len())
            .collect::<Vec<_>>()
    };
    let by_count = BatchLimit {
        records: 2,
        bytes: usize::MAX,
    };
    assert_eq!(sizes(by_count), vec![2, 2, 1]);
    let by_bytes = BatchLimit {
        records: 1_000,
        bytes: 3 * weight,
    };
    assert_eq!(sizes(by_bytes), vec![3, 2]);
    let heavier_than_the_limit = BatchLimit {
        records: 1_000,
        bytes: weight / 2,
    };
    assert_eq!(
        sizes(heavier_than_the_limit),
        vec![1; 5],
        "a record alone goes alone"
    );
}
