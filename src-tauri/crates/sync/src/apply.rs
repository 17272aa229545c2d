//! Apply: a plan's contact writes, sent through the [`crate::journal`] so nothing is lost or
//! written twice.
//!
//! 1. Every operation is journaled first under its intent (pair, target, contact, action),
//!    its payload in the row.
//! 2. Before planning, [`recover`] resolves the pair's unfinished contact writes by id: a
//!    create whose answer was lost is looked up by its match keys (never changing the
//!    record) and, when found, finished as an update of that record; other writes are sent
//!    again from their payload. The planner never sees a half-made record as new.
//! 3. The answer is stored in one transaction: the link to the remote id, the agreed base
//!    values, the mirror, the timeline event and the `done` mark.
//! 4. A failure is classified by the journal: transient → `failed` (the next sync sends it
//!    again), a connection needing authorization → its work stops, a refusal → dead letter
//!    naming the system, the record and the remote's own message.

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::hash::content_hash;
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::timeline::{self, TimelineEvent};
use bridge_store::table::{contacts, links, remote_records};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::journal::{self, Entry, Failure, Intent, Journaled};
use crate::plan::{Action, FieldChange, Operation, Plan, Side, Values};

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
    /// values' match keys). Reads only.
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

impl Targets<'_> {
    fn connection_id(&self, side: Side) -> &str {
        match side {
            Side::Ghl => self.ghl_connection_id,
            Side::App => self.app_connection_id,
        }
    }

    fn writer(&self, side: Side) -> &dyn RecordWriter {
        match side {
            Side::Ghl => self.ghl,
            Side::App => self.app,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub done: u64,
    /// Unfinished writes of an earlier, interrupted run, finished before planning.
    pub already_done: u64,
    /// Not confirmed (no answer, 5xx, 429 after retries): `failed`, sent again by the next
    /// sync.
    pub unconfirmed: u64,
    pub dead: u64,
    pub cancelled: bool,
}

/// Progress after each operation: (finished, total).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

/// What the journal keeps of a contact write: enough to send it again by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub target: Side,
    pub action: Action,
    pub local_id: String,
    pub remote_id: Option<String>,
    pub changes: Vec<FieldChange>,
    pub reason: String,
    pub settles: Values,
}

impl Payload {
    fn of(op: &Operation) -> Self {
        Self {
            target: op.target,
            action: op.action,
            local_id: op.local_id.clone(),
            remote_id: op.remote_id.clone(),
            changes: op.changes.clone(),
            reason: op.reason.clone(),
            settles: op.settles.clone(),
        }
    }

    fn values(&self) -> Values {
        self.changes
            .iter()
            .map(|change| (change.field.clone(), change.after.clone()))
            .collect()
    }
}

/// The intent of a contact write.
pub(crate) fn intent<'a>(targets: &'a Targets<'_>, op: &'a Operation) -> Intent<'a> {
    Intent {
        pair: targets.app_connection_id,
        target: targets.connection_id(op.target),
        kind: "contact",
        local: &op.local_id,
        action: action_name(op.action),
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
    }
}

/// The state of the newest journaled write of `op`'s intent.
pub(crate) fn state_of(
    store: &bridge_store::Connection,
    targets: &Targets<'_>,
    op: &Operation,
) -> Result<Option<String>, BridgeError> {
    journal::state_of(store, &intent(targets, op))
}

/// Resolves the pair's unfinished contact writes by id, before anything is planned.
pub async fn recover(
    store: &mut Store,
    run_id: &str,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<ApplyReport, BridgeError> {
    let mut report = ApplyReport::default();
    let open = journal::open_for_pair(
        store.conn(),
        targets.app_connection_id,
        &["contact"],
        clock.now(),
    )?;
    for row in open {
        let mut op = Journaled::from(&row);
        let payload: Payload = journal::payload(&row)?;
        let before = report.done;
        send(
            store,
            run_id,
            &payload,
            &mut op,
            targets,
            clock,
            &mut report,
        )
        .await?;
        if report.done > before {
            report.done -= 1;
            report.already_done += 1;
        }
    }
    Ok(report)
}

pub async fn apply(
    store: &mut Store,
    run_id: &str,
    plan: &Plan,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<ApplyReport, BridgeError> {
    let now = clock.now();
    let mut journaled = store.with_tx(|tx| {
        plan.operations
            .iter()
            .map(|op| journal::record(tx, run_id, &intent(targets, op), journal_entry(op)?, now))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let total = plan.operations.len() as u64;
    let mut report = ApplyReport::default();
    for (finished, (op, journaled)) in plan.operations.iter().zip(&mut journaled).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        let payload = Payload::of(op);
        send(
            store,
            run_id,
            &payload,
            journaled,
            targets,
            clock,
            &mut report,
        )
        .await?;
        progress(finished as u64 + 1, total);
    }
    Ok(report)
}

/// Sends one write and records how it ended. A create that may already have happened is
/// looked up first, and a found record is updated instead of created again. Stops (an error)
/// when the target's connection must be authorized again.
async fn send(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &mut Journaled,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let writer = targets.writer(payload.target);
    let values = payload.values();
    let may_exist = op.may_exist();
    journal::begin(store.conn(), op, run_id, clock.now())?;
    let outcome = match (payload.action, &payload.remote_id) {
        (Action::Create, _) => {
            create_or_resume(store.conn(), op, writer, &values, may_exist, clock).await
        }
        (Action::Update, Some(remote_id)) => writer.update(remote_id, &values).await.map(|()| None),
        (Action::Update, None) => Err(BridgeError::internal("an update without a remote id")),
    };
    // A link that would re-point another record's is refused by the store: the operation
    // becomes a dead letter naming both records, and the run goes on.
    let outcome = match outcome {
        Ok(created) => {
            match finish(
                store,
                run_id,
                payload,
                op,
                created.as_deref(),
                targets,
                clock,
            ) {
                Ok(()) => Ok(()),
                Err(e) if e.code == ErrorCode::Conflict => Err(e),
                Err(e) => return Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            report.done += 1;
            Ok(())
        }
        Err(e) => {
            let message = format!(
                "{} {} of contact {}: {}",
                writer.system(),
                action_name(payload.action),
                payload.remote_id.as_deref().unwrap_or(&payload.local_id),
                e.message
            );
            match journal::fail(store.conn(), op, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    let target = targets.connection_id(payload.target);
                    return Err(reconnect(
                        store.conn(),
                        target,
                        writer.system(),
                        &e,
                        clock.now(),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// A create, or the update of the record an earlier attempt made (its id stored in the
/// journal, or found by the values' match keys).
async fn create_or_resume(
    conn: &bridge_store::Connection,
    op: &mut Journaled,
    writer: &dyn RecordWriter,
    values: &Values,
    may_exist: bool,
    clock: &dyn Clock,
) -> Result<Option<String>, BridgeError> {
    let known = match &op.remote_id {
        Some(id) => Some(id.clone()),
        None if may_exist => writer.find_created(values).await?,
        None => None,
    };
    match known {
        Some(id) => {
            writer.update(&id, values).await?;
            Ok(Some(id))
        }
        None => {
            let id = writer.create(values).await?;
            journal::created(conn, op, &id, clock.now())?;
            Ok(Some(id))
        }
    }
}

/// Stops a connection's work until the operator reconnects it: its status says so, its
/// unfinished writes stay as they are for the next sync, and the run ends with this error
/// (never "succeeded").
pub(crate) fn reconnect(
    conn: &bridge_store::Connection,
    connection_id: &str,
    system: &str,
    error: &BridgeError,
    now: chrono::DateTime<chrono::Utc>,
) -> BridgeError {
    let status = bridge_store::table::connections::set_status(
        conn,
        connection_id,
        "reconnect_required",
        now,
    );
    if let Err(e) = status {
        return e;
    }
    BridgeError::new(
        ErrorCode::ReconnectRequired,
        format!(
            "{system} refused this sync's authorization; reconnect it (its unfinished writes are kept and sent by the next sync): {}",
            error.message
        ),
    )
}

/// After a sync that went through: connections that needed reconnecting work again.
pub(crate) fn reconnected(
    conn: &bridge_store::Connection,
    connections: &[&bridge_store::table::connections::ConnectionRow],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    for connection in connections {
        if connection.status == "reconnect_required" {
            bridge_store::table::connections::set_status(conn, &connection.id, "connected", now)?;
        }
    }
    Ok(())
}

/// Stores what the remote's answer settled, all in one transaction.
fn finish(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &Journaled,
    created_id: Option<&str>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let now = clock.now();
    let local_id = &payload.local_id;
    store.with_tx(|tx| {
        if let Some(remote_id) = created_id {
            match payload.target {
                Side::App => links::insert_or_verify(
                    tx,
                    &links::LinkRow {
                        contact_id: local_id.clone(),
                        connection_id: targets.app_connection_id.to_string(),
                        object_kind: "contact".into(),
                        local_object_id: None,
                        remote_id: remote_id.to_string(),
                        last_written_hash: Some(content_hash(&payload.changes)),
                        last_seen_hash: None,
                    },
                    now,
                )?,
                Side::Ghl => contacts::set_ghl_id(tx, local_id, remote_id, now)?,
            }
        }
        let settled: serde_json::Map<String, serde_json::Value> =
            payload.settles.clone().into_iter().collect();
        links::settle_base(tx, targets.app_connection_id, local_id, &settled, now)?;
        // The local mirror of the target holds what we wrote, in the same transaction as the
        // done mark: a rerun after a crash plans from what the remote now holds.
        let written: serde_json::Map<String, serde_json::Value> =
            payload.values().into_iter().collect();
        match payload.target {
            Side::App => {
                if let Some(remote_id) = created_id.or(payload.remote_id.as_deref()) {
                    remote_records::merge_written(
                        tx,
                        targets.app_connection_id,
                        "contact",
                        remote_id,
                        local_id,
                        &written,
                        now,
                    )?;
                }
            }
            Side::Ghl => contacts::apply_written(tx, local_id, &written, now)?,
        }
        for change in &payload.changes {
            timeline::append(
                tx,
                &TimelineEvent {
                    contact_id: local_id.clone(),
                    system: match payload.target {
                        Side::Ghl => "ghl".into(),
                        Side::App => targets.app_system.as_str().into(),
                    },
                    kind: "field".into(),
                    occurred_at: bridge_store::timestamp(now),
                    title: format!("{} set by sync", change.field),
                    body: payload.reason.clone(),
                    before_value: change.before.as_ref().map(|v| v.to_string()),
                    after_value: Some(change.after.to_string()),
                    subject_ref: Some(change.field.clone()),
                    run_id: Some(run_id.to_string()),
                },
            )?;
        }
        journal::done(tx, op, run_id, now)
    })
}

/// Journals one write outside a plan (an undo's restore) under `intent` and sends it. True
/// when it is done.
pub(crate) async fn journal_and_send(
    store: &mut Store,
    run_id: &str,
    intent: &Intent<'_>,
    payload: &Payload,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<bool, BridgeError> {
    let entry = Entry {
        contact_id: Some(payload.local_id.clone()),
        remote_id: payload.remote_id.clone(),
        before: Some(journal::json(
            &payload
                .changes
                .iter()
                .map(|c| (&c.field, &c.before))
                .collect::<Vec<_>>(),
        )?),
        after: Some(journal::json(
            &payload
                .changes
                .iter()
                .map(|c| (&c.field, &c.after))
                .collect::<Vec<_>>(),
        )?),
        reason: payload.reason.clone(),
        payload: journal::json(payload)?,
    };
    let mut op = journal::record(store.conn(), run_id, intent, entry, clock.now())?;
    let mut report = ApplyReport::default();
    send(store, run_id, payload, &mut op, targets, clock, &mut report).await?;
    Ok(report.done == 1)
}

fn journal_entry(op: &Operation) -> Result<Entry, BridgeError> {
    Ok(Entry {
        contact_id: Some(op.local_id.clone()),
        remote_id: op.remote_id.clone(),
        before: Some(journal::json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.before))
                .collect::<Vec<_>>(),
        )?),
        after: Some(journal::json(
            &op.changes
                .iter()
                .map(|c| (&c.field, &c.after))
                .collect::<Vec<_>>(),
        )?),
        reason: op.reason.clone(),
        payload: journal::json(&Payload::of(op))?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;
    use bridge_core::{Contact, FixedClock, System};
    use bridge_store::table::connections::{self, AuthKind, NewConnection};
    use bridge_store::table::operations;
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

        // A rerun: nothing is unfinished, so recovery sends nothing.
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
        let again = recover(&mut world.store, &run_id, &targets, &clock())
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
            bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0)
                .unwrap();
        let targets = Targets {
            ghl: &ghl,
            ghl_connection_id: &world.ghl_connection,
            app: &app,
            app_connection_id: &world.app_connection,
            app_system: System::Novi,
        };
        let recovered = recover(&mut world.store, &run_id, &targets, &clock())
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
            bridge_store::table::sync_runs::start(world.store.conn(), "cli", false, clock().0)
                .unwrap();
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
