//! Match: which local contact a record of another app belongs to. In order: the link made
//! before, the normalized email, the E.164 phone, the GHL contact id the app keeps as an
//! external id. A key that finds more than one contact stops the search: the record goes to
//! the review queue, never to a guess.

use bridge_core::{normalize, BridgeError, Clock};
use bridge_store::table::contacts::{self, MatchKey};
use bridge_store::table::links;
use bridge_store::table::match_reviews::{self, NewReview};
use bridge_store::Connection;
use serde::Serialize;

/// What an app record offers to be matched by (raw: normalized here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordKeys {
    pub remote_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// A GHL contact id the app stored for this record.
    pub ghl_contact_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum MatchOutcome {
    Linked {
        contact_id: String,
        by: &'static str,
    },
    Ambiguous {
        by: &'static str,
        candidates: Vec<String>,
    },
    NotFound,
}

/// Matches one record of `app_connection_id` against the contacts of `ghl_connection_id`.
/// Ambiguous matches are queued for review.
pub fn match_record(
    conn: &Connection,
    ghl_connection_id: &str,
    app_connection_id: &str,
    keys: &RecordKeys,
    phone_region: &str,
    clock: &dyn Clock,
) -> Result<MatchOutcome, BridgeError> {
    if let Some(link) = links::find_remote(conn, app_connection_id, "contact", &keys.remote_id)? {
        return Ok(MatchOutcome::Linked {
            contact_id: link.contact_id,
            by: "link",
        });
    }
    let email = keys.email.as_deref().and_then(normalize::email);
    let phone = keys
        .phone
        .as_deref()
        .and_then(|raw| normalize::phone_e164(raw, phone_region).ok().flatten());
    for (key, by, value) in [
        (MatchKey::Email, "email", email.clone()),
        (MatchKey::Phone, "phone", phone),
    ] {
        let Some(value) = value else { continue };
        let found = contacts::find_by_match_key(conn, ghl_connection_id, key, &value)?;
        // A phone shared by two people is common (a family, a front desk): when both sides
        // have an email and the emails differ, the phone does not make them one person.
        let conflicting_email = |row: &contacts::ContactRow| {
            key == MatchKey::Phone
                && email.is_some()
                && row
                    .contact
                    .email
                    .as_deref()
                    .and_then(normalize::email)
                    .is_some_and(|e| Some(e) != email)
        };
        // One contact cannot be two records of the same app: a second member with the same
        // email as an already linked one is for the operator to sort out.
        let linked_elsewhere = |row: &contacts::ContactRow| -> Result<bool, BridgeError> {
            Ok(links::for_contact(conn, &row.id)?.iter().any(|l| {
                l.connection_id == app_connection_id
                    && l.object_kind == "contact"
                    && l.remote_id != keys.remote_id
            }))
        };
        match found.as_slice() {
            [] => continue,
            [one] if !conflicting_email(one) && !linked_elsewhere(one)? => {
                return Ok(MatchOutcome::Linked {
                    contact_id: one.id.clone(),
                    by,
                })
            }
            many => {
                let candidates: Vec<String> = many.iter().map(|c| c.id.clone()).collect();
                let summary = match candidates.len() {
                    1 => format!(
                        "record {} has the {by} {value} of a contact already linked to another record",
                        keys.remote_id
                    ),
                    n => format!("record {} has the {by} {value} of {n} contacts", keys.remote_id),
                };
                match_reviews::open(
                    conn,
                    &NewReview {
                        connection_id: app_connection_id,
                        object_kind: "contact",
                        remote_id: &keys.remote_id,
                        reason: match_reviews::AMBIGUOUS,
                        match_key: by,
                        candidates: &candidates,
                        contact_id: None,
                        summary: &summary,
                    },
                    clock.now(),
                )?;
                return Ok(MatchOutcome::Ambiguous { by, candidates });
            }
        }
    }
    if let Some(ghl_id) = &keys.ghl_contact_id {
        if let Some(row) = contacts::get_by_ghl_id(conn, ghl_connection_id, ghl_id)? {
            return Ok(MatchOutcome::Linked {
                contact_id: row.id,
                by: "external_id",
            });
        }
    }
    Ok(MatchOutcome::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::{Contact, FixedClock, System};
    use bridge_store::table::contacts::MatchKeys;
    use bridge_store::Store;
    use chrono::{TimeZone, Utc};

    fn clock() -> FixedClock {
        FixedClock(Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap())
    }

    fn connection(store: &Store, system: System, name: &str) -> String {
        crate::test_support::offline_connection(store, system, name, clock().0).id
    }

    fn contact(store: &Store, ghl: &str, id: &str, email: &str, phone: Option<&str>) -> String {
        let contact = Contact {
            contact_id: id.into(),
            email: Some(email.into()),
            ..Contact::default()
        };
        let keys = MatchKeys {
            email: normalize::email(email),
            phone: phone.map(str::to_string),
        };
        contacts::upsert_from_ghl(store.conn(), ghl, &contact, &keys, id, clock().0)
            .unwrap()
            .0
    }

    fn keys(remote_id: &str, email: Option<&str>, phone: Option<&str>) -> RecordKeys {
        RecordKeys {
            remote_id: remote_id.into(),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            ghl_contact_id: None,
        }
    }

    #[test]
    fn matches_by_link_then_email_then_phone_then_external_id() {
        let store = Store::open_in_memory().unwrap();
        let ghl = connection(&store, System::Ghl, "ghl");
        let novi = connection(&store, System::Novi, "novi");
        let ada = contact(&store, &ghl, "g1", "ada@example.com", Some("+14155550132"));
        let bob = contact(&store, &ghl, "g2", "bob@example.com", None);
        let m =
            |k: &RecordKeys| match_record(store.conn(), &ghl, &novi, k, "US", &clock()).unwrap();

        assert_eq!(
            m(&keys("n1", Some(" ADA@Example.com "), None)),
            MatchOutcome::Linked {
                contact_id: ada.clone(),
                by: "email"
            }
        );
        assert_eq!(
            m(&keys("n2", None, Some("(415) 555-0132"))),
            MatchOutcome::Linked {
                contact_id: ada.clone(),
                by: "phone"
            }
        );
        let mut external = keys("n3", None, None);
        external.ghl_contact_id = Some("g2".into());
        assert_eq!(
            m(&external),
            MatchOutcome::Linked {
                contact_id: bob.clone(),
                by: "external_id"
            }
        );
        assert_eq!(
            m(&keys("n4", Some("nobody@example.com"), None)),
            MatchOutcome::NotFound
        );

        links::insert_or_verify(
            store.conn(),
            &links::LinkRow {
                contact_id: bob.clone(),
                connection_id: novi.clone(),
                object_kind: "contact".into(),
                local_object_id: None,
                remote_id: "n1".into(),
                last_written_hash: None,
                last_seen_hash: None,
            },
            clock().0,
        )
        .unwrap();
        assert_eq!(
            m(&keys("n1", Some("ada@example.com"), None)),
            MatchOutcome::Linked {
                contact_id: bob,
                by: "link"
            }
        );
    }

    #[test]
    fn a_shared_phone_with_different_emails_is_reviewed_not_linked() {
        let store = Store::open_in_memory().unwrap();
        let ghl = connection(&store, System::Ghl, "ghl");
        let novi = connection(&store, System::Novi, "novi");
        contact(&store, &ghl, "g1", "mia@example.com", Some("+14159679972"));
        let outcome = match_record(
            store.conn(),
            &ghl,
            &novi,
            &keys("n5", Some("sophia@example.com"), Some("(415) 967-9972")),
            "US",
            &clock(),
        )
        .unwrap();
        assert!(
            matches!(outcome, MatchOutcome::Ambiguous { by: "phone", .. }),
            "{outcome:?}"
        );
        assert_eq!(
            match_reviews::list_open(store.conn()).unwrap()[0].remote_id,
            "n5"
        );
        // Without an email on the record, the phone alone still links.
        let outcome = match_record(
            store.conn(),
            &ghl,
            &novi,
            &keys("n6", None, Some("(415) 967-9972")),
            "US",
            &clock(),
        )
        .unwrap();
        assert!(
            matches!(outcome, MatchOutcome::Linked { by: "phone", .. }),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_second_record_for_an_already_linked_contact_is_reviewed() {
        let store = Store::open_in_memory().unwrap();
        let ghl = connection(&store, System::Ghl, "ghl");
        let novi = connection(&store, System::Novi, "novi");
        let ada = contact(&store, &ghl, "g1", "ada@example.com", None);
        links::insert_or_verify(
            store.conn(),
            &links::LinkRow {
                contact_id: ada,
                connection_id: novi.clone(),
                object_kind: "contact".into(),
                local_object_id: None,
                remote_id: "n1".into(),
                last_written_hash: None,
                last_seen_hash: None,
            },
            clock().0,
        )
        .unwrap();
        let outcome = match_record(
            store.conn(),
            &ghl,
            &novi,
            &keys("n2", Some("ada@example.com"), None),
            "US",
            &clock(),
        )
        .unwrap();
        assert!(
            matches!(outcome, MatchOutcome::Ambiguous { by: "email", .. }),
            "{outcome:?}"
        );
    }

    #[test]
    fn an_ambiguous_email_is_queued_for_review_not_guessed() {
        let store = Store::open_in_memory().unwrap();
        let ghl = connection(&store, System::Ghl, "ghl");
        let novi = connection(&store, System::Novi, "novi");
        contact(&store, &ghl, "g1", "team@example.com", None);
        contact(&store, &ghl, "g2", "team@example.com", Some("+14155550132"));
        let outcome = match_record(
            store.conn(),
            &ghl,
            &novi,
            &keys("n9", Some("team@example.com"), Some("+14155550132")),
            "US",
            &clock(),
        )
        .unwrap();
        match outcome {
            MatchOutcome::Ambiguous { by, candidates } => {
                assert_eq!(by, "email");
                assert_eq!(candidates.len(), 2);
            }
            other => panic!("expected an ambiguous match, got {other:?}"),
        }
        let reviews = match_reviews::list_open(store.conn()).unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].remote_id, "n9");
    }
}
