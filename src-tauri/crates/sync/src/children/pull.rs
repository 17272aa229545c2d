//! Reading an app's tasks and notes into the mirror.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::activities::{self, Change};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{links, timeline};
use bridge_store::Store;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use super::{app_activity, AppChild, AppChildren};
use crate::timeline::{activity_event, ActivityChange};

/// Reads every app task and note, keeps those of linked members, and puts what is new or
/// changed on the contact's timeline. Returns how many were read.
pub async fn pull_app_children(
    store: &mut Store,
    app: &ConnectionRow,
    children: &dyn AppChildren,
    clock: &dyn Clock,
) -> Result<u64, BridgeError> {
    let pages = children.scan();
    futures::pin_mut!(pages);
    let mut read = 0;
    let now = clock.now();
    while let Some(page) = pages.try_next().await? {
        store.with_tx(|tx| {
            for child in &page {
                read += 1;
                let Some(parent) =
                    links::find_remote(tx, &app.id, "contact", &child.parent_remote_id)?
                else {
                    continue;
                };
                store_app_child(tx, app, &parent.contact_id, child, now)?;
            }
            Ok(())
        })?;
    }
    Ok(read)
}

/// Stores one app child as a record of `contact_id`; what is new or changed goes on the
/// contact's timeline.
pub(crate) fn store_app_child(
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
