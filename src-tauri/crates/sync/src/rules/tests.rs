use super::*;

#[test]
fn settings_with_an_unknown_placeholder_or_field_are_refused_by_name() {
    let placeholder = config::check(RuleName::Welcome, r#"{"note":"Hi {nickname}"}"#).unwrap_err();
    assert!(
        placeholder.message.contains("{nickname}"),
        "{}",
        placeholder.message
    );
    let field = config::check(RuleName::Welcome, r#"{"notes":"Hi"}"#).unwrap_err();
    assert!(field.message.contains("notes"), "{}", field.message);
    let untitled = config::check(
        RuleName::Welcome,
        r#"{"starterTasks":[{"title":" ","dueInDays":1}]}"#,
    )
    .unwrap_err();
    assert!(
        untitled.message.contains("starter task 1"),
        "{}",
        untitled.message
    );
    let stored = config::check(
        RuleName::Welcome,
        r#"{"starterTasks":[{"title":"Call","dueInDays":3}],"note":"Hi {firstName} {lastName}"}"#,
    )
    .unwrap();
    let back: WelcomeConfig = config::read(RuleName::Welcome, &stored).unwrap();
    assert_eq!(back.starter_tasks[0].due_in_days, 3);
}

#[test]
fn a_template_fills_what_is_known_and_leaves_nothing_for_what_is_not() {
    let text = render_template("Welcome {firstName} {lastName} to {app}", &|f| match f {
        "firstName" => Some("Ada".into()),
        "app" => Some("Novi AMS".into()),
        _ => None,
    });
    assert_eq!(text, "Welcome Ada  to Novi AMS");
}

#[test]
fn rules_are_named_by_their_name_or_their_label() {
    assert_eq!(RuleName::parse("welcome").unwrap(), RuleName::Welcome);
    assert_eq!(RuleName::parse("summary note").unwrap(), RuleName::Summary);
    assert!(RuleName::parse("nope")
        .unwrap_err()
        .message
        .contains("welcome, summary"));
}

#[test]
fn a_previewed_summary_note_is_recognised_in_its_apply_and_other_rule_writes_stay_apart() {
    let previewed = source_id(RuleName::Summary, "contact-1", "planned");
    let applied = source_id(RuleName::Summary, "contact-1", "op42");
    assert_ne!(previewed, applied, "the journal keys differ");
    assert_eq!(preview_identity(&previewed), preview_identity(&applied));
    assert_ne!(
        preview_identity(&applied),
        preview_identity(&source_id(RuleName::Summary, "contact-2", "op42")),
        "another contact's summary is another write"
    );
    let first = source_id(RuleName::Welcome, "contact-1", "task0");
    let second = source_id(RuleName::Welcome, "contact-1", "task1");
    assert_eq!(preview_identity(&first), first);
    assert_ne!(preview_identity(&first), preview_identity(&second));
}

/// The tag groups table applies to the plans made outside a sync too: the mapping editor's
/// preview (the GHL tag goes as its group) and a review's resolution (which plans with the
/// sync's mapping, so it is refused where the sync would be).
#[test]
fn the_tag_groups_table_applies_when_a_review_makes_a_contact_and_in_the_mappings_preview() {
    use bridge_core::{Contact, FixedClock};
    use bridge_store::table::contacts::{self, MatchKeys};
    use bridge_store::table::match_reviews::{self, NewReview};
    use bridge_store::table::{links, remote_records};
    use chrono::TimeZone;
    use serde_json::json;

    let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bridge.db")).unwrap();
    let ghl = crate::test_support::offline_connection(&store, System::Ghl, "Main", clock.0);
    let ninox = crate::test_support::offline_connection(&store, System::Ninox, "Ninox", clock.0);
    configure(
        &store,
        &ninox,
        RuleName::TagGroups,
        r#"{"groups":{"gold":"VIP"}}"#,
        &clock,
    )
    .unwrap();
    switch(&store, &ninox, RuleName::TagGroups, true, &clock).unwrap();

    // A GHL contact tagged gold, and a Ninox record in review (its email is Ada's too).
    let ada = Contact {
        contact_id: "g1".into(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        tags: ["gold".to_string()].into_iter().collect(),
        ..Contact::default()
    };
    let keys = MatchKeys {
        email: Some("ada@example.com".into()),
        phone: None,
    };
    let ada_id = contacts::upsert_from_ghl(store.conn(), &ghl.id, &ada, &keys, "g1", clock.0)
        .unwrap()
        .0;
    let values: serde_json::Map<String, serde_json::Value> = [
        ("Email".to_string(), json!("ada@example.com")),
        ("Tags".to_string(), json!(["VIP", "lead"])),
    ]
    .into_iter()
    .collect();
    remote_records::upsert(
        store.conn(),
        &remote_records::RemoteRecord {
            connection_id: ninox.id.clone(),
            object_kind: "contact".into(),
            remote_id: "r1".into(),
            contact_id: None,
            content_hash: bridge_core::hash::content_hash(&values),
            values,
            remote_updated_at: None,
        },
        clock.0,
    )
    .unwrap();
    match_reviews::open(
        store.conn(),
        &NewReview {
            connection_id: &ninox.id,
            object_kind: "contact",
            remote_id: "r1",
            reason: match_reviews::AMBIGUOUS,
            match_key: "email",
            candidates: std::slice::from_ref(&ada_id),
            contact_id: None,
            summary: "",
        },
        clock.0,
    )
    .unwrap();
    let review = match_reviews::list_open(store.conn()).unwrap()[0].id;

    // The window's preview of the pair's mapping shows GHL's gold going to Ninox as VIP.
    let mapping = crate::pair::contact_mapping(&store, &ninox).unwrap();
    let shown = crate::preview::preview(&store, &ghl.id, &ninox, &mapping, None).unwrap();
    let cell = shown
        .iter()
        .find(|r| r.contact_id == ada_id)
        .and_then(|r| r.cells.iter().find(|c| c.field == "Tags"))
        .expect("the tags line's cell for Ada");
    assert_eq!(cell.source.as_deref(), Some(r#"["gold"]"#));
    assert_eq!(cell.after.as_deref(), Some(r#"["VIP"]"#));

    // A resolution plans with the table too: with no tags line for it to go on, it is refused
    // by name, as the pair's sync is (the mapping editor's preview shows such a mapping as is).
    let mut untagged = mapping.clone();
    untagged.fields.retain(|line| line.ghl != "tags");
    bridge_store::table::mappings::save(
        store.conn(),
        &ninox.id,
        "contact",
        &serde_json::to_value(&untagged).unwrap(),
        clock.0,
    )
    .unwrap();
    assert!(
        !crate::preview::preview(&store, &ghl.id, &ninox, &untagged, None)
            .unwrap()
            .is_empty()
    );
    let refused = crate::reviews::resolve_review(
        &mut store,
        review,
        &crate::reviews::Resolution::Create,
        &clock,
    )
    .unwrap_err();
    assert!(refused.message.contains("tags line"), "{}", refused.message);
    assert!(links::find_remote(store.conn(), &ninox.id, "contact", "r1")
        .unwrap()
        .is_none());

    // With the tags line back, resolved by making a contact of its own, which the next sync
    // creates in GHL.
    bridge_store::table::mappings::save(
        store.conn(),
        &ninox.id,
        "contact",
        &serde_json::to_value(&mapping).unwrap(),
        clock.0,
    )
    .unwrap();
    crate::reviews::resolve_review(
        &mut store,
        review,
        &crate::reviews::Resolution::Create,
        &clock,
    )
    .unwrap();
    let link = links::find_remote(store.conn(), &ninox.id, "contact", "r1")
        .unwrap()
        .unwrap();
    let made = contacts::get(store.conn(), &link.contact_id)
        .unwrap()
        .unwrap();
    assert_ne!(made.id, ada_id);
    assert_eq!(made.contact.email.as_deref(), Some("ada@example.com"));
}
