//! `bridge doctor` on a NiftyImages data store: OK per mapped field on a healthy store; with
//! one prerequisite taken away at a time (a DATE field's input format, then a mapped field)
//! the failing check names it in one sentence and the doctor exits non-zero. (A store's API key
//! has no scopes.)

use bridge_tests::doctor::{assert_one_sentence, checks_of};
use bridge_tests::niftyimages_world::{World, STORE};
use bridge_tests::{blocking, ghl_world::assert_success};

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_names_a_missing_field_or_date_format_in_one_sentence() {
    let world = std::sync::Arc::new(World::start(5, None).await);
    let w = world.clone();
    let healthy = blocking(move || {
        w.connect(&[]);
        w.map_next_appointment();
        w.bridge(&["doctor", "--connection", STORE, "--json"])
    })
    .await;
    assert_success("doctor on a healthy store", &healthy);
    let (_, checks) = checks_of(&healthy, "niftyimages");
    for capability in ["field email", "field first_name", "field next_appointment"] {
        let check = checks
            .iter()
            .find(|(c, _, _)| c == capability)
            .unwrap_or_else(|| panic!("no {capability} check: {checks:?}"));
        assert!(check.1, "{check:?}");
    }

    let failing = |world: &std::sync::Arc<World>| {
        let w = world.clone();
        async move { blocking(move || w.bridge(&["doctor", "--connection", STORE])).await }
    };
    world.store.set_date_format("next_appointment", None);
    let output = failing(&world).await;
    world
        .store
        .set_date_format("next_appointment", Some("yyyy-MM-dd HH:mm"));
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("next_appointment") && lines[0].contains("date input format"),
        "{}",
        lines[0]
    );
    assert_one_sentence(lines[0]);

    world.store.remove_field("first_name");
    let output = failing(&world).await;
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("FAIL field first_name:") && lines[0].contains("Add a field named"),
        "{}",
        lines[0]
    );
    assert_one_sentence(lines[0]);
}
