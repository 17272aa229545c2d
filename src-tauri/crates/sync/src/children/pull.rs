//! Reading an app's tasks and notes into the mirror.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::activities::{self, Change};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, links, timeline};
use bridge_store::Store;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use std::collections::HashSet;

use super::{app_activity, parents, AppChild, AppChildren, ChildKind, Parents};
use crate::timeline::{activity_event, ActivityChange};

/// What a children scan read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChildPull {
    /// Children of contacts the pair knows.
    pub read: u64,
    /// Children naming no contact GHL holds, for apps whose children name their contact by
    /// email (no marker, an unknown email, or an email several GHL contacts share).
    pub not_in_ghl: u64,
}

/// Reads every app task and note, keeps those of linked contacts, and puts what is new or
/// changed on the contact's timeline.
pub async fn pull_app_children(
    store: &mut Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    children: &dyn AppChildren,
    clock: &dyn Clock,
) -> Result<ChildPull, BridgeError> {
    let pages = children.scan();
    futures::pin_mut!(pages);
    let mut pull = ChildPull::default();
    let now = clock.now();
    let by_email = children.parents() == Parents::Emails;
    let mut listed: HashSet<(ChildKind, String)> = HashSet::new();
    while let Some(page) = pages.try_next().await? {
        listed.extend(page.iter().map(|c| (c.kind, c.remote_id.clone())));
        store.with_tx(|tx| {
            for child in &page {
                let parent = if by_email {
                    parents::contact_of_email(
                        tx,
                        ghl_connection_id,
                        &app.id,
                        &child.parent_remote_id,
                        now,
                    )?
                } else {
                    links::find_remote(tx, &app.id, "contact", &child.parent_remote_id)?
                        .map(|link| link.contact_id)
                };
                let Some(contact_id) = parent else {
                    pull.not_in_ghl += u64::from(by_email);
                    continue;
                };
                pull.read += 1;
                let child = match contacts::get(tx, &contact_id)? {
                    Some(row) => children.for_contact(child.clone(), &row.contact),
                    None => child.clone(),
                };
                store_app_child(tx, app, &contact_id, &child, now)?;
            }
            Ok(())
        })?;
    }
    // The scan ended without error: it listed every record of its kinds.
    store.with_tx(|tx| mark_unlisted_deleted(tx, app, children.scanned_kinds(), &listed, now))?;
    if by_email {
        // Contacts with GHL tasks take part too: their tasks go to the app.
        store
            .with_tx(|tx| parents::link_contacts_with_tasks(tx, ghl_connection_id, &app.id, now))?;
    }
    Ok(pull)
}

/// Marks deleted the stored records of `kinds` a complete scan did not list, each on its
/// contact's timeline.
fn mark_unlisted_deleted(
    tx: &bridge_store::Connection,
    app: &ConnectionRow,
    kinds: &[ChildKind],
    listed: &HashSet<(ChildKind, String)>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    for kind in kinds {
        for stored in activities::live_of_connection(tx, &app.id, kind.as_str())? {
            if listed.contains(&(*kind, stored.remote_id.clone())) {
                continue;
            }
            activities::mark_deleted(tx, &app.id, kind.as_str(), &stored.remote_id, now)?;
            timeline::append(
                tx,
                &activity_event(
                    app.system.as_str(),
                    &bridge_store::timestamp(now),
                    ActivityChange::Deleted,
                    Some(&stored),
                    &stored,
                ),
            )?;
        }
    }
    Ok(())
}

/// Stores one app child as a record of `contact_id`; what is new or changed goes on the
/// contact's timeline.
fn store_app_child(
    tx: &bridge_store::Connection,
    app: &ConnectionRow,
    contact_id: &str,
    child: &AppChild,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let activity = app_activity(
        &app.id,
        contact_id,
        child.kind,
        &child.remote_id,
        &child.values,
    );
    let event = match activities::upsert(tx, &activity, now)? {
        Change::Unchanged => None,
        Change::Created => Some((ActivityChange::Created, None)),
        Change::Updated { before } => Some((ActivityChange::Updated, Some(before))),
    };
    if let Some((change, before)) = event {
        timeline::append(
            tx,
            &activity_event(
                app.system.as_str(),
                &bridge_store::timestamp(now),
                change,
                before.as_deref(),
                &activity,
            ),
        )?;
    }
    Ok(())
}
