#[test]
fn do_not_disturb_maps_to_a_subscription_status_and_back() {
    use serde_json::json;
    let t = [super::Transform::DndSubscription];
    let to_app = |v: serde_json::Value| super::apply(&t, &v, super::Flow::GhlToApp);
    let to_ghl = |v: serde_json::Value| super::apply(&t, &v, super::Flow::AppToGhl);
    assert_eq!(to_app(json!("active")), Ok(json!("unsubscribed")));
    assert_eq!(to_app(json!("permanent")), Ok(json!("unsubscribed")));
    assert_eq!(to_app(json!("inactive")), Ok(json!("subscribed")));
    assert_eq!(to_app(json!(true)), Ok(json!("unsubscribed")));
    assert_eq!(to_app(json!(false)), Ok(json!("subscribed")));
    assert_eq!(to_app(json!(null)), Ok(json!(null)));
    assert!(to_app(json!("maybe")).unwrap_err().contains("'maybe'"));
    assert_eq!(to_ghl(json!("unsubscribed")), Ok(json!("active")));
    assert_eq!(to_ghl(json!("subscribed")), Ok(json!("inactive")));
    assert_eq!(to_ghl(json!("none")), Ok(json!(null)));
    assert!(to_ghl(json!("bounced")).unwrap_err().contains("'bounced'"));
}

use super::*;
use serde_json::json;

fn line(
    ghl: &str,
    app: &str,
    direction: Direction,
    owner: Owner,
    transforms: Vec<Transform>,
) -> FieldMapping {
    FieldMapping {
        ghl: ghl.into(),
        app: app.into(),
        direction,
        owner,
        transforms,
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_sound_mapping_has_no_problems_and_round_trips_as_json() {
    let mapping = Mapping {
        object: ObjectKind::Contact,
        fields: vec![
            line(
                "email",
                "Email",
                Direction::Both,
                Owner::Ghl,
                vec![Transform::Trim, Transform::Lower],
            ),
            line(
                "phone",
                "Mobile",
                Direction::Both,
                Owner::Newest,
                vec![Transform::PhoneE164 {
                    default_region: "US".into(),
                }],
            ),
            line(
                "tags",
                "Groups",
                Direction::GhlToApp,
                Owner::Ghl,
                vec![Transform::TagPrefix {
                    prefix: "ghl:".into(),
                }],
            ),
        ],
    };
    let problems = mapping.validate(
        &set(&["email", "phone", "tags"]),
        &set(&["Email", "Mobile", "Groups"]),
    );
    assert!(problems.is_empty(), "{problems:?}");
    let back = Mapping::from_json(&mapping.to_json()).unwrap();
    assert_eq!(back, mapping);
}

#[test]
fn problems_name_the_line_and_field() {
    let mapping = Mapping {
        object: ObjectKind::Contact,
        fields: vec![
            line("emial", "Email", Direction::Both, Owner::Ghl, vec![]),
            line(
                "firstName",
                "Email",
                Direction::GhlToApp,
                Owner::App,
                vec![],
            ),
            line(
                "lastName",
                "Name",
                Direction::Both,
                Owner::Ghl,
                vec![Transform::SplitName {
                    part: NamePart::Last,
                }],
            ),
            line(
                "phone",
                "Phone",
                Direction::Both,
                Owner::Ghl,
                vec![Transform::PhoneE164 {
                    default_region: "Atlantis".into(),
                }],
            ),
        ],
    };
    let problems = mapping.validate(
        &set(&["firstName", "lastName", "phone"]),
        &set(&["Email", "Name", "Phone"]),
    );
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("line 1 (emial → Email)")
                && m.contains("GHL has no field 'emial'")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("line 2") && m.contains("owned by the side it comes from")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("line 2") && m.contains("line 1 writes 'Email'")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("line 3") && m.contains("split_name")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("line 4") && m.contains("Atlantis")),
        "{messages:#?}"
    );
    assert_eq!(
        problems.iter().find(|p| p.line == 0).unwrap().field,
        "emial"
    );
}

#[test]
fn tag_groups_rename_the_tags_in_the_table_both_ways_and_pass_the_others() {
    let table = vec![Transform::TagGroups {
        groups: BTreeMap::from([("gold".to_string(), "VIP Members".to_string())]),
    }];
    let groups = apply(&table, &json!(["Gold", "lead"]), Flow::GhlToApp).unwrap();
    assert_eq!(groups, json!(["VIP Members", "lead"]));
    let tags = apply(&table, &json!(["vip members", "partner"]), Flow::AppToGhl).unwrap();
    assert_eq!(tags, json!(["gold", "partner"]));
    assert!(
        check_transform(&table[0], Direction::Both).is_err(),
        "never stored"
    );
}

#[test]
fn transforms_apply_and_undo() {
    let prefix = vec![Transform::TagPrefix {
        prefix: "ghl:".into(),
    }];
    let tags = apply(&prefix, &json!(["vip", "lead"]), Flow::GhlToApp).unwrap();
    assert_eq!(tags, json!(["ghl:vip", "ghl:lead"]));
    assert_eq!(
        apply(&prefix, &json!(["ghl:vip", "other"]), Flow::AppToGhl).unwrap(),
        json!(["vip"])
    );

    let join = vec![Transform::JoinName];
    assert_eq!(
        apply(&join, &json!(["Ada", "Lovelace"]), Flow::GhlToApp).unwrap(),
        json!("Ada Lovelace")
    );
    assert_eq!(
        apply(&join, &json!("Ada King Lovelace"), Flow::AppToGhl).unwrap(),
        json!(["Ada", "King Lovelace"])
    );

    let dates = vec![Transform::DateFormat {
        ghl: "%Y-%m-%d".into(),
        app: "%d/%m/%Y".into(),
    }];
    assert_eq!(
        apply(&dates, &json!("2026-11-23"), Flow::GhlToApp).unwrap(),
        json!("23/11/2026")
    );
    assert_eq!(
        apply(&dates, &json!("23/11/2026"), Flow::AppToGhl).unwrap(),
        json!("2026-11-23")
    );
    let err = apply(&dates, &json!("next week"), Flow::GhlToApp).unwrap_err();
    assert!(err.contains("next week"), "{err}");

    let levels = vec![Transform::ValueMap {
        values: [("gold".to_string(), "G".to_string())].into(),
    }];
    assert_eq!(
        apply(&levels, &json!("gold"), Flow::GhlToApp).unwrap(),
        json!("G")
    );
    assert_eq!(
        apply(&levels, &json!("G"), Flow::AppToGhl).unwrap(),
        json!("gold")
    );

    let chain = vec![Transform::Trim, Transform::Upper];
    assert_eq!(
        apply(&chain, &json!("  ada "), Flow::GhlToApp).unwrap(),
        json!("ADA")
    );
    let fallback = vec![Transform::DefaultValue {
        value: "n/a".into(),
    }];
    assert_eq!(
        apply(&fallback, &Value::Null, Flow::GhlToApp).unwrap(),
        json!("n/a")
    );
    let phone = vec![Transform::PhoneE164 {
        default_region: "US".into(),
    }];
    assert_eq!(
        apply(&phone, &json!("(415) 555-0132"), Flow::AppToGhl).unwrap(),
        json!("+14155550132")
    );
}

#[test]
fn an_ambiguous_value_map_cannot_go_both_ways() {
    let mapping = Mapping {
        object: ObjectKind::Contact,
        fields: vec![line(
            "customFields.contact.level",
            "Level",
            Direction::Both,
            Owner::Ghl,
            vec![Transform::ValueMap {
                values: [
                    ("gold".to_string(), "A".to_string()),
                    ("platinum".to_string(), "A".to_string()),
                ]
                .into(),
            }],
        )],
    };
    let problems = mapping.validate(&set(&["customFields.contact.level"]), &set(&["Level"]));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("ambiguous"));
}
