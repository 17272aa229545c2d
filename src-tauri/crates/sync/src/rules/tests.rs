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
