//! The operator's decisions on reviews: records a sync could not place by itself (a key that
//! fits several contacts, the surviving copy of a record deleted on the other side, a write
//! that met "not found", a lost create whose lookup found other values). A decision is stored
//! like a sync's own work, under the sync lease, and the next sync carries it out.

use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::connections;
use bridge_store::table::match_reviews::{self, MatchReview};
use bridge_store::table::{contacts, links, remote_records};
use bridge_store::Store;
use serde::{Deserialize, Serialize};

/// What the operator decided about a waiting record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "decision")]
pub enum Resolution {
    /// The app record is this contact (its local id, GHL id or email): linked; the next sync
    /// syncs them.
    Link { contact: String },
    /// The app record is a person of its own: a new contact, created in GHL by the next sync.
    Create,
    /// Leave it as it is: the record stays unlinked (or the surviving copy stays where it
    /// is), and the review stays closed until its situation changes.
    Ignore,
}

impl Resolution {
    fn name(&self) -> &'static str {
        match self {
            Self::Link { .. } => "linked",
            Self::Create => "created",
            Self::Ignore => "ignored",
        }
    }
}

/// Settles review `id`. Holds the sync lease like a sync and fails at once, naming the sync,
/// while one runs. Linking and creating apply to app records waiting to be matched; linking
/// also to an app record whose GHL contact was deleted (a merge's survivor); any review can
/// be ignored.
pub fn resolve_review(
    store: &mut Store,
    id: i64,
    resolution: &Resolution,
    clock: &dyn Clock,
) -> Result<MatchReview, BridgeError> {
    let lease = crate::lease::Lease::take_now(store, "review")?;
    let settled = settle(store, id, resolution, clock);
    lease.release_after(store, settled)
}

fn settle(
    store: &mut Store,
    id: i64,
    resolution: &Resolution,
    clock: &dyn Clock,
) -> Result<MatchReview, BridgeError> {
    let review = match_reviews::get_open(store.conn(), id)?;
    let now = clock.now();
    let placeable = review.object_kind == "contact"
        && [match_reviews::AMBIGUOUS, match_reviews::MISMATCH].contains(&review.reason.as_str());
    // An app record whose GHL contact was deleted (a GHL merge leaves just that: the specs
    // name no survivor) can be linked to the contact the operator knows survived.
    let contact_gone = review.object_kind == "contact"
        && review.reason == match_reviews::DELETED
        && review.match_key == "app";
    let allowed = match resolution {
        Resolution::Ignore => true,
        Resolution::Link { .. } => placeable || contact_gone,
        Resolution::Create => placeable,
    };
    if !allowed {
        let can = if contact_gone {
            "can only be linked to a contact (--link) or ignored"
        } else {
            "can only be ignored: its record is not waiting for a contact"
        };
        return Err(BridgeError::invalid_input(format!(
            "review {id} ({} {}: {}) {can}",
            review.object_kind, review.remote_id, review.reason
        )));
    }
    let app = connections::get(store.conn(), &review.connection_id)?.ok_or_else(|| {
        BridgeError::internal(format!("review {id}: its pair's connection is gone"))
    })?;
    let mut mapping = crate::pair::contact_mapping(store, &app)?;
    // The contact a resolution makes comes back through the tag groups table, as in a sync.
    crate::rules::with_tag_groups(store, &app, &mut mapping)?;
    store.with_tx(|tx| {
        let contact_id = match resolution {
            Resolution::Ignore => None,
            Resolution::Link { contact } => Some(find_contact(tx, &review, contact)?),
            Resolution::Create => {
                let stored = stored_record(tx, &review)?;
                let (contact, keys) = crate::pair::pending_contact(&mapping, &stored.values);
                let ghl = ghl_connection_of(tx, &review)?;
                Some(contacts::insert_pending(tx, &ghl, &contact, &keys, now)?)
            }
        };
        if let Some(contact_id) = contact_id {
            let mut stored = stored_record(tx, &review)?;
            if contact_gone {
                // The record leaves its deleted contact; a survivor that holds a record of
                // its own in this app is refused below (one record per contact and pair).
                links::remove(tx, &review.connection_id, "contact", &review.remote_id)?;
            }
            links::insert_or_verify(
                tx,
                &links::LinkRow {
                    contact_id: contact_id.clone(),
                    connection_id: review.connection_id.clone(),
                    object_kind: "contact".into(),
                    local_object_id: None,
                    remote_id: review.remote_id.clone(),
                    last_written_hash: None,
                    last_seen_hash: None,
                },
                now,
            )?;
            // Linked and due: the next sync plans the pair of them.
            stored.contact_id = Some(contact_id);
            remote_records::upsert(tx, &stored, now)?;
        }
        match_reviews::resolve(
            tx,
            &review.connection_id,
            &review.object_kind,
            &review.remote_id,
            resolution.name(),
            now,
        )?;
        Ok(review)
    })
}

/// The app record of a review as the last pull stored it.
fn stored_record(
    conn: &bridge_store::Connection,
    review: &MatchReview,
) -> Result<remote_records::RemoteRecord, BridgeError> {
    remote_records::get(conn, &review.connection_id, "contact", &review.remote_id)?.ok_or_else(
        || {
            BridgeError::new(
                ErrorCode::NotFound,
                format!(
                    "review {}: record {} was not stored yet; the next sync reads it",
                    review.id, review.remote_id
                ),
            )
        },
    )
}

/// The live contact `reference` names: a local id, a GHL contact id or an email only one
/// contact of the location has.
fn find_contact(
    conn: &bridge_store::Connection,
    review: &MatchReview,
    reference: &str,
) -> Result<String, BridgeError> {
    let live = |row: &contacts::ContactRow| row.deleted_at.is_none();
    if let Some(row) = contacts::get(conn, reference)?.filter(live) {
        return Ok(row.id);
    }
    let ghl = ghl_connection_of(conn, review)?;
    if let Some(row) = contacts::get_by_ghl_id(conn, &ghl, reference)?.filter(live) {
        return Ok(row.id);
    }
    let by_email: Vec<_> = match bridge_core::normalize::email(reference) {
        Some(email) => contacts::find_by_match_key(conn, &ghl, contacts::MatchKey::Email, &email)?
            .into_iter()
            .filter(live)
            .collect(),
        None => Vec::new(),
    };
    match by_email.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(BridgeError::new(
            ErrorCode::NotFound,
            format!(
                "review {}: no contact is {reference} (a local id, GHL id or email)",
                review.id
            ),
        )),
        many => Err(BridgeError::invalid_input(format!(
            "review {}: {} contacts have the email {reference}; name one by its id",
            review.id,
            many.len()
        ))),
    }
}

/// The GHL location the record's candidates belong to, else the only one there is.
fn ghl_connection_of(
    conn: &bridge_store::Connection,
    review: &MatchReview,
) -> Result<String, BridgeError> {
    for candidate in &review.candidates {
        if let Some(row) = contacts::get(conn, candidate)? {
            return Ok(row.ghl_connection_id);
        }
    }
    let mut ghl: Vec<_> = connections::list(conn)?
        .into_iter()
        .filter(|c| c.system == bridge_core::System::Ghl)
        .collect();
    match (ghl.pop(), ghl.is_empty()) {
        (Some(only), true) => Ok(only.id),
        _ => Err(BridgeError::invalid_input(format!(
            "review {}: cannot tell which GHL location the new contact belongs to",
            review.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::{Contact, FixedClock, System};
    use bridge_store::table::connections::ConnectionRow;
    use bridge_store::table::contacts::MatchKeys;
    use bridge_store::table::match_reviews::NewReview;
    use chrono::TimeZone;
    use serde_json::json;

    fn clock() -> FixedClock {
        FixedClock(chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap())
    }

    fn connection(store: &Store, system: System, name: &str) -> ConnectionRow {
        crate::test_support::offline_connection(store, system, name, clock().0)
    }

    fn contact(store: &Store, ghl: &str, ghl_id: &str, email: &str) -> String {
        let contact = Contact {
            contact_id: ghl_id.into(),
            email: Some(email.into()),
            ..Contact::default()
        };
        let keys = MatchKeys {
            email: bridge_core::normalize::email(email),
            phone: None,
        };
        contacts::upsert_from_ghl(store.conn(), ghl, &contact, &keys, ghl_id, clock().0)
            .unwrap()
            .0
    }

    /// A Novi member waiting in review because its email is already `candidate`'s.
    fn waiting(store: &Store, novi: &str, member: &str, email: &str, candidate: &str) -> i64 {
        let values: serde_json::Map<String, serde_json::Value> = [
            ("Email".to_string(), json!(email)),
            ("FirstName".into(), json!("Ada")),
        ]
        .into_iter()
        .collect();
        remote_records::upsert(
            store.conn(),
            &remote_records::RemoteRecord {
                connection_id: novi.into(),
                object_kind: "contact".into(),
                remote_id: member.into(),
                contact_id: None,
                content_hash: bridge_core::hash::content_hash(&values),
                values,
                remote_updated_at: None,
            },
            clock().0,
        )
        .unwrap();
        match_reviews::open(
            store.conn(),
            &NewReview {
                connection_id: novi,
                object_kind: "contact",
                remote_id: member,
                reason: match_reviews::AMBIGUOUS,
                match_key: "email",
                candidates: &[candidate.to_string()],
                contact_id: None,
                summary: "",
            },
            clock().0,
        )
        .unwrap();
        match_reviews::list_open(store.conn())
            .unwrap()
            .into_iter()
            .find(|r| r.remote_id == member)
            .unwrap()
            .id
    }

    fn open_count(store: &Store, novi: &str) -> u64 {
        crate::service::overview(store)
            .unwrap()
            .into_iter()
            .find(|p| p.pair_id == novi)
            .unwrap()
            .reviews
    }

    #[test]
    fn a_review_links_creates_or_is_ignored_and_the_overview_counts_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("bridge.db")).unwrap();
        let ghl = connection(&store, System::Ghl, "Main");
        let novi = connection(&store, System::Novi, "Novi").id;
        let ada = contact(&store, &ghl.id, "g1", "ada@example.com");
        let bob = contact(&store, &ghl.id, "g2", "bob@example.com");

        let linked = waiting(&store, &novi, "m1", "ada@example.com", &ada);
        let created = waiting(&store, &novi, "m2", "ada@example.com", &ada);
        let ignored = waiting(&store, &novi, "m3", "ada@example.com", &ada);
        assert_eq!(open_count(&store, &novi), 3, "nothing waits silently");

        // Linked by the contact's email, to the contact the operator names.
        let link = Resolution::Link {
            contact: "BOB@example.com".into(),
        };
        resolve_review(&mut store, linked, &link, &clock()).unwrap();
        let link_row = links::find_remote(store.conn(), &novi, "contact", "m1")
            .unwrap()
            .unwrap();
        assert_eq!(link_row.contact_id, bob);
        let record = remote_records::get(store.conn(), &novi, "contact", "m1")
            .unwrap()
            .unwrap();
        assert_eq!(record.contact_id.as_deref(), Some(bob.as_str()));
        assert!(
            remote_records::dirty_contacts(store.conn(), &novi, "contact")
                .unwrap()
                .contains(&bob),
            "the next sync plans the pair of them"
        );

        // A contact of its own, waiting to be created in GHL.
        resolve_review(&mut store, created, &Resolution::Create, &clock()).unwrap();
        let link_row = links::find_remote(store.conn(), &novi, "contact", "m2")
            .unwrap()
            .unwrap();
        let new = contacts::get(store.conn(), &link_row.contact_id)
            .unwrap()
            .unwrap();
        assert!(new.contact.contact_id.is_empty(), "not in GHL yet");
        assert_eq!(new.contact.email.as_deref(), Some("ada@example.com"));
        assert_eq!(new.contact.first_name.as_deref(), Some("Ada"));
        assert_ne!(new.id, ada);

        // Ignored: closed, the record stays unlinked.
        resolve_review(&mut store, ignored, &Resolution::Ignore, &clock()).unwrap();
        assert!(links::find_remote(store.conn(), &novi, "contact", "m3")
            .unwrap()
            .is_none());
        assert_eq!(open_count(&store, &novi), 0);
        assert_eq!(
            resolve_review(&mut store, ignored, &Resolution::Ignore, &clock())
                .unwrap_err()
                .code,
            ErrorCode::NotFound,
            "a settled review is not settled twice"
        );
    }

    #[test]
    fn a_link_to_a_contact_already_linked_or_unknown_is_refused_and_the_review_waits() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("bridge.db")).unwrap();
        let ghl = connection(&store, System::Ghl, "Main");
        let novi = connection(&store, System::Novi, "Novi").id;
        let ada = contact(&store, &ghl.id, "g1", "ada@example.com");
        let first = waiting(&store, &novi, "m1", "ada@example.com", &ada);
        let second = waiting(&store, &novi, "m2", "ada@example.com", &ada);
        let to_ada = Resolution::Link {
            contact: "g1".into(),
        };
        resolve_review(&mut store, first, &to_ada, &clock()).unwrap();
        let refused = resolve_review(&mut store, second, &to_ada, &clock()).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Conflict, "{}", refused.message);
        let unknown = Resolution::Link {
            contact: "nobody@example.com".into(),
        };
        let refused = resolve_review(&mut store, second, &unknown, &clock()).unwrap_err();
        assert_eq!(refused.code, ErrorCode::NotFound, "{}", refused.message);
        assert_eq!(open_count(&store, &novi), 1, "still waiting");

        // A review about a deleted counterpart can only be ignored.
        match_reviews::open(
            store.conn(),
            &NewReview {
                connection_id: &novi,
                object_kind: "task",
                remote_id: "a1",
                reason: match_reviews::DELETED,
                match_key: "app",
                candidates: &[],
                contact_id: Some(&ada),
                summary: "task deleted in GHL",
            },
            clock().0,
        )
        .unwrap();
        let deleted = match_reviews::list_open(store.conn())
            .unwrap()
            .into_iter()
            .find(|r| r.remote_id == "a1")
            .unwrap();
        let refused =
            resolve_review(&mut store, deleted.id, &Resolution::Create, &clock()).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{}", refused.message);
        resolve_review(&mut store, deleted.id, &Resolution::Ignore, &clock()).unwrap();
    }
}
