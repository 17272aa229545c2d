//! Every read and write of our GHL client, judged by GHL's own OpenAPI files: Prism validates
//! each request (path, method, required parameters and headers, body schema) and answers 4xx
//! to anything the spec rejects.

use std::sync::Arc;

use bridge_auth::{MemoryStore, Sensitive, StaticToken, TokenStore};
use bridge_connectors::ghl::wire::{
    AppointmentUpdate, ContactFields, CustomFieldInput, NewAppointment, NewContact, NewNote,
    NewTask, NoteUpdate, TaskUpdate,
};
use bridge_connectors::ghl::{ChangedContactsQuery, GhlClient};
use bridge_connectors::http::RateBudget;
use bridge_tests::spec_mock::SpecMock;
use futures::StreamExt;

fn client(base_url: &str) -> GhlClient {
    let keychain: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    keychain
        .set(
            "connection/ghl:spec",
            &Sensitive::new("pit-spec-token".to_string()),
        )
        .unwrap();
    let token = StaticToken::new(keychain, "connection/ghl:spec", "GHL connection \"spec\"");
    GhlClient::new(
        base_url,
        "ve9EPM428h8vShlRW1KT",
        Arc::new(token),
        Arc::new(RateBudget::ghl("ve9EPM428h8vShlRW1KT")),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_request_is_valid_under_the_official_spec() {
    let mock = SpecMock::start().await;
    let ghl = client(mock.base_url());
    let contact = "seD4PfOuKoVMLkEZqohJ";
    let when = chrono::Utc::now();
    let fields = ContactFields {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: Some("ada@example.com".into()),
        phone: Some("+14155550100".into()),
        tags: Some(vec!["vip".into()]),
        custom_fields: Some(vec![CustomFieldInput::by_id(
            "6dvNaf7VhkQ9snc5vnjJ",
            "gold".into(),
        )]),
        ..ContactFields::default()
    };
    let new_contact = NewContact {
        fields: fields.clone(),
        ..NewContact::default()
    };

    // Each call's own answer is not judged here (Prism invents it); its request is.
    let _ = ghl.get_contact(contact).await;
    let _ = ghl.create_contact(&new_contact).await;
    let _ = ghl.update_contact(contact, &fields).await;
    let _ = ghl.upsert_contact(&new_contact, Some(true)).await;
    let _ = ghl.find_duplicate(Some("ada@example.com"), None).await;
    let _ = ghl.find_duplicate(None, Some("+14155550100")).await;
    let _ = ghl.delete_contact(contact).await;
    let _ = Box::pin(ghl.search_changed_contacts(ChangedContactsQuery {
        updated_since: Some(when),
        page_limit: 100,
    }))
    .next()
    .await;
    let _ = Box::pin(ghl.contacts_of_business("641c094001436dbc2081e642"))
        .next()
        .await;
    let _ = ghl.add_tags(contact, &["vip".into()]).await;
    let _ = ghl.remove_tags(contact, &["vip".into()]).await;
    let _ = ghl.list_tasks(contact).await;
    let _ = ghl.search_location_tasks(0, Some(false)).await;
    let _ = ghl.get_task(contact, "task1").await;
    let _ = ghl
        .create_task(
            contact,
            &NewTask {
                title: "Call back".into(),
                body: Some("About the renewal".into()),
                due_date: when,
                completed: false,
                assigned_to: None,
            },
        )
        .await;
    let _ = ghl
        .update_task(
            contact,
            "task1",
            &TaskUpdate {
                title: Some("Call back today".into()),
                due_date: Some(when),
                ..TaskUpdate::default()
            },
        )
        .await;
    let _ = ghl.set_task_completed(contact, "task1", true).await;
    let _ = ghl.delete_task(contact, "task1").await;
    let _ = ghl.list_notes(contact).await;
    let _ = ghl.get_note(contact, "note1").await;
    let _ = ghl
        .create_note(
            contact,
            &NewNote {
                body: "Renewal discussed".into(),
                ..NewNote::default()
            },
        )
        .await;
    let _ = ghl
        .update_note(
            contact,
            "note1",
            &NoteUpdate {
                body: Some("Renewal agreed".into()),
                ..NoteUpdate::default()
            },
        )
        .await;
    let _ = ghl.delete_note(contact, "note1").await;
    let _ = ghl.contact_appointments(contact).await;
    let _ = ghl.get_appointment("evt1").await;
    let _ = ghl
        .create_appointment(&NewAppointment {
            calendar_id: "CVokAlI8fgw4WYWoCtQz".into(),
            contact_id: contact.into(),
            start_time: when,
            end_time: Some(when + chrono::Duration::minutes(30)),
            title: Some("Renewal call".into()),
            meeting_location_type: None,
            meeting_location_id: None,
            override_location_config: None,
            appointment_status: None,
            assigned_user_id: None,
            description: None,
            address: None,
            ignore_date_range: None,
            to_notify: None,
            ignore_free_slot_validation: None,
            rrule: None,
        })
        .await;
    let _ = ghl
        .update_appointment(
            "evt1",
            &AppointmentUpdate {
                title: Some("Renewal call (moved)".into()),
                start_time: Some(when + chrono::Duration::hours(1)),
                ..AppointmentUpdate::default()
            },
        )
        .await;
    let _ = ghl.delete_appointment("evt1").await;
    let _ = ghl.list_custom_fields().await;

    let exchanges = mock.take_exchanges();
    let routes: std::collections::BTreeSet<String> = exchanges
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(
        routes.len() >= 28,
        "every call reached the mock: {routes:#?}"
    );
    let rejected: Vec<_> = exchanges
        .iter()
        .filter(|e| (400..500).contains(&e.status))
        .collect();
    assert!(
        rejected.is_empty(),
        "requests the official spec rejects:\n{rejected:#?}"
    );
    // A 5xx from Prism means its own invented answer broke the spec's response schema;
    // anything else would be a failure to reach it.
    for e in exchanges.iter().filter(|e| e.status >= 500) {
        assert!(
            e.detail.to_lowercase().contains("response"),
            "unexpected server error for {} {}: {}",
            e.method,
            e.path,
            e.detail
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_outside_the_spec_is_caught() {
    // The check above can fail: a field GHL does not accept is rejected by the same mock.
    let mock = SpecMock::start().await;
    let http = reqwest::Client::new();
    let answer = http
        .put(format!("{}/contacts/seD4PfOuKoVMLkEZqohJ", mock.base_url()))
        .bearer_auth("pit-spec-token")
        .header("Version", "2021-07-28")
        .json(&serde_json::json!({"firstName": "Ada", "companyName": "Analytical Engines"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let exchanges = mock.take_exchanges();
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].status, 422);
}
