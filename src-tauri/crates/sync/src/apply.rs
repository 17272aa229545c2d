//! Apply: a plan's operations, sent through the journal so nothing is lost or written twice.
//!
//! 1. Every operation is journaled first, under a key derived from what it does (same change,
//!    same key), so a rerun after a crash finds what was already done.
//! 2. Before sending, an operation is marked `sent`. A create whose answer never came (crash,
//!    dropped connection) stays `sent`; the next run looks the record up before creating it
//!    again.
//! 3. The answer is stored in one transaction: the link to the remote id, the agreed base
//!    values, the timeline event and the `done` mark.
//! 4. A refusal (the remote said no) makes the operation a dead letter naming the system, the
//!    record and the remote's own message; a lost answer leaves it `sent` for the next run.

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::operations::{self, NewOperation};
use bridge_store::table::timeline::{self, TimelineEvent};
use bridge_store::table::{contacts, links, remote_records};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde::Serialize;

use crate::plan::{Action, Operation, Plan, Side, Values};

/// One side's records, as apply writes them. Values are in that side's field names.
pub trait RecordWriter: Send + Sync {
    /// How operators know the system ("GHL", "Novi AMS"), for messages and the timeline.
    fn system(&self) -> &str;
    /// Creates a record and returns its remote id.
    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>>;
    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
    /// After a create whose answer was lost: the record it made, if it made one (found by the
    /// values' match keys).
    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>>;
}

/// The two sides of the pair being applied.
pub struct Targets<'a> {
    pub ghl: &'a dyn RecordWriter,
    pub ghl_connection_id: &'a str,
    pub app: &'a dyn RecordWriter,
    pub app_connection_id: &'a str,
    /// The app's system, as the timeline names it.
    pub app_system: bridge_core::System,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub done: u64,
    /// Done by an earlier, interrupted run (found in the journal).
    pub already_done: u64,
    /// Sent without an answer: the next run checks whether they happened.
    pub unconfirmed: u64,
    pub dead: u64,
    pub cancelled: bool,
}

/// Progress after each operation: (finished, total).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

pub async fn apply(
    store: &mut Store,
    run_id: &str,
    plan: &Plan,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<ApplyReport, BridgeError> {
    let keys: Vec<String> = plan
        .operations
        .iter()
        .map(|op| op_key(targets, op))
        .collect();
    store.with_tx(|tx| {
        for (op, key) in plan.operations.iter().zip(&keys) {
            operations::enqueue(tx, &journal_entry(run_id, targets, op, key)?, clock.now())?;
        }
        Ok(())
    })?;

    let total = plan.operations.len() as u64;
    let mut report = ApplyReport::default();
    for (finished, (op, key)) in plan.operations.iter().zip(&keys).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        apply_one(store, op, key, targets, clock, &mut report).await?;
        progress(finished as u64 + 1, total);
    }
    Ok(report)
}

async fn apply_one(
    store: &mut Store,
    op: &Operation,
    key: &str,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let previous = operations::get(store.conn(), key)?;
    let state = previous
        .as_ref()
        .map(|row| row.state.as_str())
        .unwrap_or("pending");
    if state == "done" {
        report.already_done += 1;
        return Ok(());
    }
    if state == "dead" {
        report.dead += 1;
        return Ok(());
    }
    let writer = match op.target {
        Side::Ghl => targets.ghl,
        Side::App => targets.app,
    };
    let values: Values = op
        .changes
        .iter()
        .map(|change| (change.field.clone(), change.after.clone()))
        .collect();

    // A create sent before without an answer may have happened: look before sending again.
    if op.action == Action::Create && state == "sent" {
        if let Some(remote_id) = writer.find_created(&values).await? {
            return finish(store, op, key, Some(&remote_id), targets, clock, report);
        }
    }
    operations::mark(store.conn(), key, "sent", None, clock.now())?;
    let outcome = match op.action {
        Action::Create => writer.create(&values).await.map(Some),
        Action::Update => match &op.remote_id {
            Some(remote_id) => writer.update(remote_id, &values).await.map(|()| None),
            None => Err(BridgeError::internal("an update without a remote id")),
        },
    };
    match outcome {
        Ok(created) => finish(store, op, key, created.as_deref(), targets, clock, report),
        // The request may or may not have arrived: leave it `sent` for the next run to check.
        Err(e) if e.code == ErrorCode::Network => {
            operations::mark(store.conn(), key, "sent", Some(&e.message), clock.now())?;
            report.unconfirmed += 1;
            Ok(())
        }
        Err(e) => {
            let message = format!(
                "{} {} of contact {}: {}",
                writer.system(),
                match op.action {
                    Action::Create => "create",
                    Action::Update => "update",
                },
                op.remote_id.as_deref().unwrap_or(&op.local_id),
                e.message
            );
            operations::mark(store.conn(), key, "dead", Some(&message), clock.now())?;
            report.dead += 1;
            Ok(())
        }
    }
}

/// Stores what the remote's answer settled, all in one transaction.
fn finish(
    store: &mut Store,
    op: &Operation,
    key: &str,
    created_id: Option<&str>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let now = clock.now();
    store.with_tx(|tx| {
        if let Some(remote_id) = created_id {
            match op.target {
                Side::App => links::upsert(
                    tx,
                    &links::LinkRow {
                        contact_id: op.local_id.clone(),
                        connection_id: targets.app_connection_id.to_string(),
                        object_kind: "contact".into(),
                        local_object_id: None,
                        remote_id: remote_id.to_string(),
                        last_written_hash: Some(content_hash(&op.changes)),
                        last_seen_hash: None,
                    },
                    now,
                )?,
                Side::Ghl => contacts::set_ghl_id(tx, &op.local_id, remote_id, now)?,
            }
        }
        let settled: serde_json::Map<String, serde_json::Value> =
            op.settles.clone().into_iter().collect();
        links::settle_base(tx, targets.app_connection_id, &op.local_id, &settled, now)?;
        // The local mirror of the target holds what we wrote, in the same transaction as the
        // done mark: a rerun after a crash plans from what the remote now holds.
        let written: serde_json::Map<String, serde_json::Value> = op
            .changes
            .iter()
            .map(|c| (c.field.clone(), c.after.clone()))
            .collect();
        match op.target {
            Side::App => {
                if let Some(remote_id) = created_id.or(op.remote_id.as_deref()) {
                    remote_records::merge_written(
                        tx,
                        targets.app_connection_id,
                        "contact",
                        remote_id,
                        &op.local_id,
                        &written,
                        now,
                    )?;
                }
            }
            Side::Ghl => contacts::apply_written(tx, &op.local_id, &written, now)?,
        }
        for change in &op.changes {
            timeline::append(
                tx,
                &TimelineEvent {
                    contact_id: op.local_id.clone(),
                    system: match op.target {
                        Side::Ghl => "ghl".into(),
                        Side::App => targets.app_system.as_str().into(),
                    },
                    kind: "field".into(),
                    occurred_at: bridge_store::timestamp(now),
                    title: format!("{} set by sync", change.field),
                    body: op.reason.clone(),
                    before_value: change.before.as_ref().map(|v| v.to_string()),
                    after_value: Some(change.after.to_string()),
                    subject_ref: Some(change.field.clone()),
                    run_id: None,
                },
            )?;
        }
        operations::mark(tx, key, "done", None, now)
    })?;
    report.done += 1;
    Ok(())
}

/// Same change, same key: the target, the record, the action, the values written and the
/// version of the source record they come from (so a rerun finds its own journal row, while
/// the same values changed again later are a new operation).
pub(crate) fn op_key(targets: &Targets<'_>, op: &Operation) -> String {
    let connection = match op.target {
        Side::Ghl => targets.ghl_connection_id,
        Side::App => targets.app_connection_id,
    };
    content_hash(&(
        connection,
        &op.local_id,
        op.action,
        &op.remote_id,
        &op.changes,
        &op.source_version,
    ))
}

fn journal_entry(
    run_id: &str,
    targets: &Targets<'_>,
    op: &Operation,
    key: &str,
) -> Result<NewOperation, BridgeError> {
    Ok(NewOperation {
        run_id: run_id.to_string(),
        op_key: key.to_string(),
        connection_id: match op.target {
            Side::Ghl => targets.ghl_connection_id,
            Side::App => targets.app_connection_id,
        }
        .to_string(),
        contact_id: Some(op.local_id.clone()),
        object_kind: "contact".into(),
        action: match op.action {
            Action::Create => "create",
            Action::Update => "update",
        }
        .into(),
        remote_id: op.remote_id.clone(),
        before_value: Some(to_json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.before))
                .collect::<Vec<_>>(),
        )),
        after_value: Some(to_json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.after))
                .collect::<Vec<_>>(),
        )),
        reason: op.reason.clone(),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;
    use crate::plan::FieldChange;
    use bridge_core::{Contact, FixedClock, System};
    use bridge_store::table::connections::{self, AuthKind, NewConnection};
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
    }

    impl RecordWriter for Remote {
        fn system(&self) -> &str {
            "Novi AMS"
        }
        fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>> {
            Box::pin(async move {
                self.writes.fetch_add(1, Ordering::SeqCst);
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
            connections::insert(
                store.conn(),
                &NewConnection {
                    system,
                    name: name.into(),
                    base_url: "http://127.0.0.1:1".into(),
                    auth_kind: AuthKind::ApiKey,
                    account_id: name.into(),
                    secret_ref: name.into(),
                    settings: json!({}),
                },
                clock().0,
            )
            .unwrap()
            .id
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
            bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0)
                .unwrap();
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

        // The same plan again (a rerun): the journal knows it is done; nothing is sent.
        let again = run(&mut world, &plan, &ghl, &app).await;
        assert_eq!(again.already_done, 1);
        assert_eq!(app.writes.load(Ordering::SeqCst), 1);
        assert_eq!(app.records.lock().unwrap().len(), 1);
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

        let second = run(&mut world, &plan, &ghl, &app).await;
        assert_eq!(second.done, 1);
        assert_eq!(
            app.writes.load(Ordering::SeqCst),
            1,
            "found, not created twice"
        );
        assert_eq!(app.records.lock().unwrap().len(), 1);
        assert!(
            links::find_remote(world.store.conn(), &world.app_connection, "contact", "r1")
                .unwrap()
                .is_some()
        );
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
            bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0)
                .unwrap();
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
}
