//! The plan's tests: pure, with fixed times.

use super::*;
use bridge_core::mapping::{Direction, FieldMapping, ObjectKind, Owner, Transform};
use chrono::TimeZone;
use serde_json::json;
use std::collections::BTreeSet;

fn mapping(owner: Owner) -> Mapping {
    let line = |ghl: &str, app: &str, transforms| FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction: Direction::Both,
        owner,
        transforms,
    };
    Mapping {
        object: ObjectKind::Contact,
        fields: vec![
            line("email", "Email", vec![Transform::Trim, Transform::Lower]),
            line("firstName", "FirstName", vec![]),
            line("lastName", "LastName", vec![]),
        ],
    }
}

fn at(hour: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 11, 1, hour, 0, 0).single()
}

fn snapshot(id: &str, values: Value, hour: u32) -> Snapshot {
    let values = values
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default();
    Snapshot {
        remote_id: id.into(),
        values,
        updated_at: at(hour),
    }
}

fn synced() -> RecordState {
    RecordState {
        local_id: "c1".into(),
        ghl: Some(snapshot(
            "g1",
            json!({"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}),
            1,
        )),
        app: Some(snapshot(
            "n1",
            json!({"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace"}),
            1,
        )),
        base: [
            ("Email", json!("ada@example.com")),
            ("FirstName", json!("Ada")),
            ("LastName", json!("Lovelace")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    }
}

#[test]
fn nothing_changed_plans_nothing() {
    let plan = plan(&mapping(Owner::Ghl), &[synced()], Breaker::default()).unwrap();
    assert!(plan.operations.is_empty());
    assert!(plan.conflicts.is_empty());
}

#[test]
fn a_change_on_one_side_is_written_to_the_other_with_before_after_and_reason() {
    let mut record = synced();
    record
        .ghl
        .as_mut()
        .unwrap()
        .values
        .insert("firstName".into(), json!("Augusta"));
    let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
    assert_eq!(plan.operations.len(), 1);
    let op = &plan.operations[0];
    assert_eq!((op.target, op.action), (Side::App, Action::Update));
    assert_eq!(op.remote_id.as_deref(), Some("n1"));
    assert_eq!(
        op.changes,
        vec![FieldChange {
            field: "FirstName".into(),
            before: Some(json!("Ada")),
            after: json!("Augusta")
        }]
    );
    assert_eq!(op.reason, "FirstName changed in GHL");
    assert_eq!(plan.next_base["c1"]["FirstName"], json!("Augusta"));
}

#[test]
fn app_changes_go_back_through_the_transforms() {
    let mut record = synced();
    record
        .app
        .as_mut()
        .unwrap()
        .values
        .insert("Email".into(), json!("ada@lovelace.org"));
    let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
    let op = &plan.operations[0];
    assert_eq!(op.target, Side::Ghl);
    assert_eq!(op.changes[0].field, "email");
    assert_eq!(op.changes[0].after, json!("ada@lovelace.org"));
}

#[test]
fn conflicts_follow_the_owner() {
    let mut record = synced();
    record
        .ghl
        .as_mut()
        .unwrap()
        .values
        .insert("firstName".into(), json!("Augusta"));
    record.ghl.as_mut().unwrap().updated_at = at(5);
    record
        .app
        .as_mut()
        .unwrap()
        .values
        .insert("FirstName".into(), json!("Ada B."));
    record.app.as_mut().unwrap().updated_at = at(7);

    let ghl_wins = plan(
        &mapping(Owner::Ghl),
        std::slice::from_ref(&record),
        Breaker::default(),
    )
    .unwrap();
    assert_eq!(ghl_wins.operations[0].target, Side::App);
    assert_eq!(ghl_wins.operations[0].changes[0].after, json!("Augusta"));

    let app_wins = plan(
        &mapping(Owner::App),
        std::slice::from_ref(&record),
        Breaker::default(),
    )
    .unwrap();
    assert_eq!(app_wins.operations[0].target, Side::Ghl);
    assert_eq!(app_wins.operations[0].changes[0].after, json!("Ada B."));

    let newest = plan(
        &mapping(Owner::Newest),
        std::slice::from_ref(&record),
        Breaker::default(),
    )
    .unwrap();
    assert_eq!(
        newest.operations[0].target,
        Side::Ghl,
        "the app's change is newer"
    );

    let manual = plan(
        &mapping(Owner::Manual),
        std::slice::from_ref(&record),
        Breaker::default(),
    )
    .unwrap();
    assert!(
        manual.operations.is_empty(),
        "manual review writes neither side"
    );
    assert_eq!(manual.conflicts.len(), 1);
    assert_eq!(manual.conflicts[0].field, "FirstName");
    assert_eq!(manual.conflicts[0].ghl, Some(json!("Augusta")));
    assert_eq!(manual.conflicts[0].app, Some(json!("Ada B.")));
    assert_eq!(
        manual.next_base["c1"]["FirstName"],
        json!("Ada"),
        "the base waits for the decision"
    );
}

#[test]
fn equal_values_in_different_formats_are_not_a_change() {
    let mut mapping = mapping(Owner::Ghl);
    mapping.fields.push(FieldMapping {
        ghl: "phone".into(),
        app: "Phone".into(),
        direction: Direction::Both,
        owner: Owner::Ghl,
        transforms: vec![Transform::PhoneE164 {
            default_region: "US".into(),
        }],
    });
    let mut record = synced();
    record
        .ghl
        .as_mut()
        .unwrap()
        .values
        .insert("phone".into(), json!("+15125550123"));
    record
        .app
        .as_mut()
        .unwrap()
        .values
        .insert("Phone".into(), json!("(512) 555-0123"));
    record.base.insert("Phone".into(), json!("+15125550123"));
    let plan = plan(&mapping, &[record], Breaker::default()).unwrap();
    assert!(plan.operations.is_empty(), "{:?}", plan.operations);
}

#[test]
fn a_value_cleared_on_one_side_is_cleared_on_the_other() {
    let mut record = synced();
    record.app.as_mut().unwrap().values.remove("LastName");
    let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
    let op = &plan.operations[0];
    assert_eq!(op.target, Side::Ghl);
    assert_eq!(
        op.changes,
        vec![FieldChange {
            field: "lastName".into(),
            before: Some(json!("Lovelace")),
            after: Value::Null
        }]
    );
    assert!(!plan.next_base["c1"].contains_key("LastName"));
}

#[test]
fn a_record_missing_on_one_side_is_created_there() {
    let mut record = synced();
    record.app = None;
    record.base.clear();
    let plan = plan(&mapping(Owner::Ghl), &[record], Breaker::default()).unwrap();
    assert_eq!(plan.operations.len(), 1);
    let op = &plan.operations[0];
    assert_eq!((op.target, op.action), (Side::App, Action::Create));
    assert_eq!(op.reason, "exists only in GHL");
    assert_eq!(op.changes.len(), 3);
}

#[test]
fn one_way_lines_never_write_against_their_direction() {
    let mut mapping = mapping(Owner::Ghl);
    for line in &mut mapping.fields {
        line.direction = Direction::GhlToApp;
    }
    let mut record = synced();
    record
        .app
        .as_mut()
        .unwrap()
        .values
        .insert("FirstName".into(), json!("Ada B."));
    let plan = plan(&mapping, &[record], Breaker::default()).unwrap();
    assert!(plan.operations.is_empty(), "{:?}", plan.operations);
}

#[test]
fn the_breaker_refuses_mass_overwrites() {
    let records: Vec<RecordState> = (0..30)
        .map(|i| {
            let mut r = synced();
            r.local_id = format!("c{i}");
            r.ghl
                .as_mut()
                .unwrap()
                .values
                .insert("lastName".into(), json!("Byron"));
            r
        })
        .collect();
    let err = plan(&mapping(Owner::Ghl), &records, Breaker::default()).unwrap_err();
    assert!(err.message.contains("30 of 30"), "{}", err.message);
    let allowed = plan(
        &mapping(Owner::Ghl),
        &records,
        Breaker {
            max_overwrite_share: 1.0,
            ..Breaker::default()
        },
    )
    .unwrap();
    assert_eq!(allowed.operations.len(), 30);
    // Measured against a pair of 1,000 records, 30 overwrites are 3%: allowed.
    let big_pair = plan(
        &mapping(Owner::Ghl),
        &records,
        Breaker {
            population: 1_000,
            ..Breaker::default()
        },
    )
    .unwrap();
    assert_eq!(big_pair.operations.len(), 30);
}

#[test]
fn the_breaker_counts_a_mass_re_create_and_names_it_but_not_a_first_fill() {
    // 30 contacts GHL holds and the app does not (never linked), in a pair of 40.
    let records: Vec<RecordState> = (0..30)
        .map(|i| {
            let mut r = synced();
            r.local_id = format!("c{i}");
            r.app = None;
            r.base = Values::new();
            r
        })
        .collect();
    let pair_of_40 = Breaker {
        population: 40,
        ..Breaker::default()
    };
    let mut planned = Plan::default();
    plan_part(
        &mapping(Owner::Ghl),
        &FieldOptions::default(),
        &records,
        &mut planned,
    );
    assert_eq!(planned.operations.len(), 30);
    assert!(planned
        .operations
        .iter()
        .all(|op| op.action == Action::Create));
    // Contacts first stored since the pair's last plan (another pair brought them into GHL,
    // or they are new people): the app's first fill of records it never held overwrites
    // nothing there, however many.
    let new_to_pair: BTreeSet<String> = records.iter().map(|r| r.local_id.clone()).collect();
    finish(planned.clone(), pair_of_40, 30, &new_to_pair).unwrap();
    // The same 30 creates of contacts the pair knew before (links forgotten, a mapping that no
    // longer matches): they stop the sync, which says it is re-creating.
    let err = finish(planned.clone(), pair_of_40, 30, &BTreeSet::new()).unwrap_err();
    assert!(
        err.message.starts_with(
            "stopped: 30 creates of contacts the pair knew before (re-creates) in the app would \
             exceed the 20% limit"
        ),
        "{}",
        err.message
    );
    // Re-creates and updates together count as one kind of write.
    let mut mixed = Plan::default();
    plan_part(
        &mapping(Owner::Ghl),
        &FieldOptions::default(),
        &records[..5],
        &mut mixed,
    );
    let updates: Vec<RecordState> = (30..35)
        .map(|i| {
            let mut r = synced();
            r.local_id = format!("c{i}");
            r.ghl
                .as_mut()
                .unwrap()
                .values
                .insert("lastName".into(), json!("Byron"));
            r
        })
        .collect();
    plan_part(
        &mapping(Owner::Ghl),
        &FieldOptions::default(),
        &updates,
        &mut mixed,
    );
    let small = Breaker {
        population: 40,
        min_records: 10,
        ..Breaker::default()
    };
    let err = finish(mixed.clone(), small, 10, &BTreeSet::new()).unwrap_err();
    assert!(
        err.message
            .starts_with("stopped: 10 contact writes in the app would exceed the 20% limit"),
        "{}",
        err.message
    );
    // With the five creates new to the pair, five updates of 40 pass.
    finish(mixed, small, 10, &new_to_pair).unwrap();
}

#[test]
fn the_breaker_counts_task_and_note_writes_and_names_the_kind() {
    use crate::children::{ChildAction, ChildKind, ChildOperation, ChildValues, FirstFill};
    let op = |i: usize, kind, action| ChildOperation {
        target: Side::App,
        kind,
        action,
        contact_id: format!("c{i}"),
        parent: format!("n{i}"),
        remote_id: Some(format!("t{i}")),
        source_id: format!("g{i}"),
        before: None,
        values: ChildValues {
            title: "Call".into(),
            body: String::new(),
            due: None,
            completed: false,
            end: None,
            status: None,
        },
        reason: "changed in GHL".into(),
        base: None,
        settles: Vec::new(),
        delete_id: None,
        rule: None,
    };
    let mut operations: Vec<ChildOperation> = (0..25)
        .map(|i| op(i, ChildKind::Task, ChildAction::Update))
        .collect();
    operations.extend((0..5).map(|i| op(i, ChildKind::Task, ChildAction::Delete)));
    operations.extend((0..3).map(|i| op(i, ChildKind::Note, ChildAction::Update)));
    // Links send nothing: never counted.
    operations.extend((0..40).map(|i| op(i, ChildKind::Note, ChildAction::Link)));
    let linked: BTreeMap<ChildKind, usize> =
        [(ChildKind::Task, 100), (ChildKind::Note, 100)].into();
    let none_new = FirstFill::default();
    let err = Breaker::default()
        .check_children(&operations, &linked, &none_new)
        .unwrap_err();
    assert!(
        err.message
            .starts_with("stopped: 30 task writes in the app would exceed the 20% limit"),
        "{}",
        err.message
    );
    assert!(err.message.contains("30 of 100 records"), "{}", err.message);
    // The same writes among 1,000 tasks are 3%: allowed.
    let many: BTreeMap<ChildKind, usize> =
        [(ChildKind::Task, 1_000), (ChildKind::Note, 100)].into();
    Breaker::default()
        .check_children(&operations, &many, &none_new)
        .unwrap();
    // 30 new tasks for contacts the pair held before (or made by a rule for them) count...
    let creates: Vec<ChildOperation> = (0..30)
        .map(|i| op(i, ChildKind::Task, ChildAction::Create))
        .collect();
    let err = Breaker::default()
        .check_children(&creates, &linked, &none_new)
        .unwrap_err();
    assert!(
        err.message
            .starts_with("stopped: 30 task writes in the app would exceed the 20% limit"),
        "{}",
        err.message
    );
    // ...but the tasks of contacts new to the pair fill the app with what it never held...
    let fresh = FirstFill {
        contacts: (0..30).map(|i| format!("c{i}")).collect(),
        ..FirstFill::default()
    };
    Breaker::default()
        .check_children(&creates, &linked, &fresh)
        .unwrap();
    // ...and so do tasks GHL stored since the last plan (another pair brought them, or new
    // work), but only on the side they land on.
    let arrived = |lands_on: Side| FirstFill {
        records: (0..30).map(|i| (lands_on, format!("g{i}"))).collect(),
        ..FirstFill::default()
    };
    Breaker::default()
        .check_children(&creates, &linked, &arrived(Side::App))
        .unwrap();
    assert!(Breaker::default()
        .check_children(&creates, &linked, &arrived(Side::Ghl))
        .is_err());
    // Updates count even for new contacts.
    let updates: Vec<ChildOperation> = (0..30)
        .map(|i| op(i, ChildKind::Task, ChildAction::Update))
        .collect();
    assert!(Breaker::default()
        .check_children(&updates, &linked, &fresh)
        .is_err());
}

#[test]
fn the_breaker_counts_event_pushes_except_a_first_fill() {
    // 40 pushes to a pair holding 100 contacts; the first `fills` of them are first fills.
    let pushes = |fills: usize| (0..40).map(move |i| i < fills);
    let err = Breaker::default().check_pushes(pushes(0), 100).unwrap_err();
    assert!(
        err.message
            .starts_with("stopped: 40 event pushes in the app would exceed the 20% limit"),
        "{}",
        err.message
    );
    // 25 counted of 100: still too many; with 30 of the 40 first fills, 10 counted: allowed.
    assert!(Breaker::default().check_pushes(pushes(15), 100).is_err());
    Breaker::default().check_pushes(pushes(30), 100).unwrap();
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = Option<String>> {
        prop_oneof![Just(None), "[A-Za-z]{1,6}".prop_map(Some)]
    }

    /// Writes a plan's operations into the snapshots, as apply would.
    fn applied(record: &RecordState, plan: &Plan) -> RecordState {
        let mut next = record.clone();
        for op in &plan.operations {
            let snapshot = match op.target {
                Side::Ghl => next.ghl.get_or_insert_with(|| Snapshot {
                    remote_id: "new-g".into(),
                    values: Values::new(),
                    updated_at: None,
                }),
                Side::App => next.app.get_or_insert_with(|| Snapshot {
                    remote_id: "new-a".into(),
                    values: Values::new(),
                    updated_at: None,
                }),
            };
            for change in &op.changes {
                snapshot
                    .values
                    .insert(change.field.clone(), change.after.clone());
            }
        }
        next.base = plan
            .next_base
            .get(&record.local_id)
            .cloned()
            .unwrap_or_default();
        next
    }

    proptest! {
        /// Whatever both sides did since the base, once the plan is applied a second plan
        /// has nothing to do: no echo, no ping-pong, for every owner but manual review.
        #[test]
        fn a_plan_applied_then_planned_again_is_empty(
            base in name(), ghl in name(), app in name(), ghl_hour in 0u32..12, app_hour in 0u32..12,
            owner in prop_oneof![Just(Owner::Ghl), Just(Owner::App), Just(Owner::Newest)],
        ) {
            let mapping = mapping(owner);
            let record = RecordState {
                local_id: "c1".into(),
                ghl: Some(Snapshot { remote_id: "g1".into(), values: ghl.iter().map(|v| ("firstName".to_string(), json!(v))).collect(), updated_at: at(ghl_hour) }),
                app: Some(Snapshot { remote_id: "n1".into(), values: app.iter().map(|v| ("FirstName".to_string(), json!(v))).collect(), updated_at: at(app_hour) }),
                base: base.iter().map(|v| ("FirstName".to_string(), json!(v))).collect(),
            };
            let first = plan(&mapping, std::slice::from_ref(&record), Breaker::default()).unwrap();
            let after = applied(&record, &first);
            let second = plan(&mapping, std::slice::from_ref(&after), Breaker::default()).unwrap();
            prop_assert!(second.operations.is_empty(), "second plan: {:?}", second.operations);
            // Both sides agree once a value exists on either.
            let ghl_now = after.ghl.as_ref().and_then(|s| s.values.get("firstName")).cloned();
            let app_now = after.app.as_ref().and_then(|s| s.values.get("FirstName")).cloned();
            if ghl.is_some() || app.is_some() {
                prop_assert_eq!(ghl_now.filter(|v| !v.is_null()), app_now.filter(|v| !v.is_null()));
            }
        }
    }
}

#[test]
fn an_unreadable_value_is_a_problem_of_its_record_and_field_and_the_rest_is_planned() {
    let mut mapping = mapping(Owner::Ghl);
    mapping.fields.push(FieldMapping {
        ghl: "phone".into(),
        app: "Phone".into(),
        direction: Direction::Both,
        owner: Owner::Ghl,
        transforms: vec![Transform::PhoneE164 {
            default_region: "US".into(),
        }],
    });
    let mut bad = synced();
    bad.ghl.as_mut().unwrap().values.extend([
        ("phone".to_string(), json!("call me maybe")),
        ("firstName".to_string(), json!("Augusta")),
    ]);
    let mut good = synced();
    good.local_id = "c2".into();
    good.ghl
        .as_mut()
        .unwrap()
        .values
        .insert("phone".into(), json!("+8613800138000"));
    let plan = plan(&mapping, &[bad, good], Breaker::default()).unwrap();
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    let problem = &plan.problems[0];
    assert_eq!(
        (
            problem.local_id.as_str(),
            problem.side,
            problem.field.as_str()
        ),
        ("c1", Side::Ghl, "phone")
    );
    assert_eq!(problem.remote_id.as_deref(), Some("g1"));
    assert_eq!(problem.value, json!("call me maybe"));
    assert!(
        problem.reason.contains("call me maybe"),
        "{}",
        problem.reason
    );
    // The bad record's other field is written; its phone is not, and its base is kept.
    let c1 = plan
        .operations
        .iter()
        .find(|op| op.local_id == "c1")
        .unwrap();
    assert_eq!(c1.changes.len(), 1);
    assert_eq!(c1.changes[0].field, "FirstName");
    assert!(!plan.next_base["c1"].contains_key("Phone"));
    // The other record's phone (a valid China mobile) syncs in E.164.
    let c2 = plan
        .operations
        .iter()
        .find(|op| op.local_id == "c2")
        .unwrap();
    assert_eq!(c2.changes[0].after, json!("+8613800138000"));
}

#[test]
fn tags_added_on_each_side_are_both_kept_and_ghl_gets_deltas_not_a_list() {
    let mut mapping = mapping(Owner::Ghl);
    mapping.fields.push(FieldMapping {
        ghl: "tags".into(),
        app: "Tags".into(),
        direction: Direction::Both,
        owner: Owner::Ghl,
        transforms: vec![],
    });
    let mut record = synced();
    record.base.insert("Tags".into(), json!(["member", "old"]));
    // GHL added "b" and removed "old"; the app added "a" (and still holds "old").
    record
        .ghl
        .as_mut()
        .unwrap()
        .values
        .insert("tags".into(), json!(["member", "b"]));
    record
        .app
        .as_mut()
        .unwrap()
        .values
        .insert("Tags".into(), json!(["Member", "old", "a"]));
    let plan = plan(&mapping, &[record], Breaker::default()).unwrap();
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    let to = |side: Side| {
        plan.operations
            .iter()
            .find(|op| op.target == side)
            .unwrap_or_else(|| panic!("no write to {side:?}: {:?}", plan.operations))
    };
    assert_eq!(to(Side::App).changes[0].after, json!(["a", "b", "member"]));
    assert_eq!(
        to(Side::Ghl).changes[0].after,
        json!({"add": ["a"], "remove": []}),
        "GHL is written what changed, never its whole list"
    );
    assert_eq!(plan.next_base["c1"]["Tags"], json!(["a", "b", "member"]));
}

/// #12: a GHL tag the app's multiple-choice field has no option for holds back that record's
/// tags line alone (a problem naming the tag), planned before the app could refuse the whole
/// record; tags that are options (any case) are written.
/// Connectif's writer finds a checkbox option ignoring spaces, `-` and `_`; Ninox's only case.
/// The plan holds back exactly what the writer would refuse.
#[test]
fn options_match_as_the_apps_writer_matches_them() {
    let allowed = vec!["Follow up".to_string(), "vip_member".into()];
    let strict = FieldOptions::default();
    let loose = FieldOptions {
        loose: true,
        ..FieldOptions::default()
    };
    assert!(strict.allows(&allowed, "follow up"));
    assert!(!strict.allows(&allowed, "follow-up"));
    assert!(loose.allows(&allowed, "follow-up"));
    assert!(loose.allows(&allowed, "VIP Member"));
    assert!(!loose.allows(&allowed, "renewal"));
}

#[test]
fn a_tag_without_an_option_holds_back_only_that_records_tags() {
    let mut with_tags = mapping(Owner::Ghl);
    with_tags.fields.push(FieldMapping {
        ghl: "tags".into(),
        app: "Tags".into(),
        direction: Direction::Both,
        owner: Owner::Newest,
        transforms: vec![],
    });
    let options = FieldOptions {
        system: "Ninox".into(),
        by_field: [("Tags".to_string(), vec!["VIP".to_string(), "Lead".into()])].into(),
        loose: false,
    };
    let new_in_ghl = |id: &str, tags: Value| RecordState {
        local_id: id.into(),
        ghl: Some(snapshot(
            &format!("g-{id}"),
            json!({"email": format!("{id}@example.com"), "firstName": "Ada", "tags": tags}),
            1,
        )),
        app: None,
        base: Values::new(),
    };
    let records = [
        new_in_ghl("c1", json!(["vip", "newcomer"])),
        new_in_ghl("c2", json!(["lead"])),
    ];
    let mut planned = Plan::default();
    plan_part(&with_tags, &options, &records, &mut planned);

    assert_eq!(planned.problems.len(), 1, "{:#?}", planned.problems);
    let problem = &planned.problems[0];
    assert_eq!(
        (
            problem.local_id.as_str(),
            problem.side,
            problem.field.as_str()
        ),
        ("c1", Side::Ghl, "tags")
    );
    assert_eq!(problem.remote_id.as_deref(), Some("g-c1"));
    assert_eq!(problem.value, json!(["newcomer"]));
    assert!(
        problem.reason.contains("\"newcomer\"") && problem.reason.contains("add it in Ninox"),
        "{}",
        problem.reason
    );
    let fields_of = |id: &str| -> Vec<(String, Value)> {
        planned
            .operations
            .iter()
            .find(|op| op.local_id == id)
            .map(|op| {
                op.changes
                    .iter()
                    .map(|c| (c.field.clone(), c.after.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    // c1 is created with its other fields, without tags; c2 with its tag.
    assert_eq!(
        fields_of("c1"),
        [
            ("Email".to_string(), json!("c1@example.com")),
            ("FirstName".to_string(), json!("Ada")),
        ]
    );
    assert!(fields_of("c2").contains(&("Tags".to_string(), json!(["lead"]))));
    // c1's tags keep no base: they are planned again once the option exists.
    assert!(!planned.next_base["c1"].contains_key("Tags"));

    // Without options (an app whose schema lists none) the tag is planned as before.
    let mut unchecked = Plan::default();
    plan_part(
        &with_tags,
        &FieldOptions::default(),
        &records,
        &mut unchecked,
    );
    assert!(unchecked.problems.is_empty());
}
