//! Planning a pair's tasks and notes: pure over the store, nothing is written.

use std::collections::BTreeMap;

use bridge_core::BridgeError;
use bridge_store::table::activities::{self, Activity};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, cursors, links, operations};
use bridge_store::Store;

use super::{ChildAction, ChildKind, ChildOperation, ChildRules, ChildValues};
use crate::plan::Side;

/// Where the last children plan stopped (the `activities.updated_at` it covered).
const PLANNED_CURSOR: &str = "children.planned";

/// A children plan and how far it read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildPlan {
    pub operations: Vec<ChildOperation>,
    /// The newest change (activity, link or contact) stored when the plan began: what the
    /// plan covered. The cursor moves here once the plan is applied, never to "now".
    pub through: Option<String>,
}

/// Plans the children of the contacts whose tasks or notes changed on either side since the
/// last plan. Pure over the store: nothing is written. A write the app refused (a dead
/// letter) with the same values is held back: it waits for the operator's retry or a new
/// change of its record, and holds back nothing else.
pub fn plan_children(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    rules: ChildRules,
) -> Result<ChildPlan, BridgeError> {
    let since = cursors::get(store.conn(), &app.id, PLANNED_CURSOR)?;
    // Taken before the changes are read: whatever is stored later is read by the next plan.
    let through = activities::newest_update(store.conn(), [ghl_connection_id, &app.id])?
        .max(links::newest_change(store.conn(), &app.id)?);
    let mut due: std::collections::BTreeSet<String> = activities::contacts_changed_since(
        store.conn(),
        [ghl_connection_id, &app.id],
        since.as_deref(),
    )?
    .into_iter()
    .collect();
    // A contact linked since then brings the children it already had.
    due.extend(links::contacts_linked_since(
        store.conn(),
        &app.id,
        since.as_deref(),
    )?);
    let mut operations = Vec::new();
    for contact_id in due {
        plan_contact(
            store,
            ghl_connection_id,
            app,
            rules,
            &contact_id,
            &mut operations,
        )?;
    }
    let mut kept = Vec::with_capacity(operations.len());
    for op in operations {
        if !held_back(store, ghl_connection_id, &app.id, &op)? {
            kept.push(op);
        }
    }
    Ok(ChildPlan {
        operations: kept,
        through: through.max(since),
    })
}

/// Whether the newest operation of this write's intent is a dead letter that carried the same
/// values: sending them again would meet the same refusal.
fn held_back(
    store: &Store,
    ghl_connection_id: &str,
    app_id: &str,
    op: &ChildOperation,
) -> Result<bool, BridgeError> {
    if op.action == ChildAction::Link {
        return Ok(false);
    }
    let target = match op.target {
        Side::Ghl => ghl_connection_id,
        Side::App => app_id,
    };
    let intent = super::child_intent(app_id, target, op);
    let Some(row) = operations::latest_by_intent(store.conn(), &intent.key())? else {
        return Ok(false);
    };
    if row.state != "dead" {
        return Ok(false);
    }
    Ok(crate::journal::payload::<ChildOperation>(&row).is_ok_and(|dead| dead.values == op.values))
}

/// Moves the plan cursor to what an applied plan covered.
pub fn mark_planned(
    store: &Store,
    app_connection_id: &str,
    plan: &ChildPlan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), BridgeError> {
    match &plan.through {
        Some(through) => cursors::set(
            store.conn(),
            app_connection_id,
            PLANNED_CURSOR,
            through,
            now,
        ),
        None => Ok(()),
    }
}

fn plan_contact(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    rules: ChildRules,
    contact_id: &str,
    operations: &mut Vec<ChildOperation>,
) -> Result<(), BridgeError> {
    let contact_links = links::for_contact(store.conn(), contact_id)?;
    let Some(app_parent) = contact_links
        .iter()
        .find(|l| l.connection_id == app.id && l.object_kind == "contact")
        .map(|l| l.remote_id.clone())
    else {
        return Ok(());
    };
    let ghl_parent = contacts::get(store.conn(), contact_id)?
        .map(|row| row.contact.contact_id)
        .filter(|id| !id.is_empty());
    type ByKey = BTreeMap<(ChildKind, String), Activity>;
    let mut ghl: ByKey = BTreeMap::new();
    let mut theirs: ByKey = BTreeMap::new();
    for activity in activities::for_contact(store.conn(), contact_id)? {
        let Some(kind) = ChildKind::parse(&activity.kind) else {
            continue;
        };
        let key = (kind, activity.remote_id.clone());
        if activity.connection_id == ghl_connection_id {
            ghl.insert(key, activity);
        } else if activity.connection_id == app.id {
            theirs.insert(key, activity);
        }
    }
    let child_links: Vec<_> = contact_links
        .iter()
        .filter(|l| l.connection_id == app.id)
        .filter_map(|l| Some((ChildKind::parse(&l.object_kind)?, l)))
        .collect();
    let mut push = |op: ChildOperation| operations.push(op);
    for (kind, link) in &child_links {
        let Some(ghl_id) = &link.local_object_id else {
            continue;
        };
        if *kind == ChildKind::Note && rules.notes_to_app_once
            || *kind == ChildKind::Appointment && !rules.appointments
        {
            continue;
        }
        let (Some(g), Some(a)) = (
            ghl.remove(&(*kind, ghl_id.clone())),
            theirs.remove(&(*kind, link.remote_id.clone())),
        ) else {
            continue;
        };
        let (gv, av) = (
            ChildValues::from_activity(&g),
            ChildValues::from_activity(&a),
        );
        let (gh, ah) = (gv.hash(*kind), av.hash(*kind));
        let base = link.last_seen_hash.as_deref();
        if gh == ah {
            // Agreed (an edit made on both sides, or a write whose answer was lost): that is
            // the new base, so the next change on one side is not taken for a conflict.
            if base != Some(gh.as_str()) {
                push(ChildOperation {
                    target: Side::App,
                    kind: *kind,
                    action: ChildAction::Link,
                    contact_id: contact_id.to_string(),
                    parent: app_parent.clone(),
                    remote_id: Some(a.remote_id.clone()),
                    source_id: g.remote_id.clone(),
                    before: None,
                    values: gv,
                    reason: format!("{} agrees on both sides", kind.as_str()),
                    base: base.map(str::to_string),
                });
            }
            continue;
        }
        let app_changed_only = Some(gh.as_str()) == base;
        if app_changed_only && *kind == ChildKind::Appointment {
            // One way: the app's copy follows GHL's, never the reverse.
            continue;
        }
        if app_changed_only {
            if let Some(parent) = &ghl_parent {
                push(ChildOperation {
                    target: Side::Ghl,
                    kind: *kind,
                    action: ChildAction::Update,
                    contact_id: contact_id.to_string(),
                    parent: parent.clone(),
                    remote_id: Some(g.remote_id.clone()),
                    source_id: a.remote_id.clone(),
                    before: Some(gv),
                    values: av,
                    reason: format!("{} changed in {}", kind.as_str(), app.system.display_name()),
                    base: base.map(str::to_string),
                });
            }
        } else {
            // GHL changed, or both did and GHL (the hub) wins.
            push(ChildOperation {
                target: Side::App,
                kind: *kind,
                action: ChildAction::Update,
                contact_id: contact_id.to_string(),
                parent: app_parent.clone(),
                remote_id: Some(a.remote_id.clone()),
                source_id: g.remote_id.clone(),
                before: Some(av),
                values: gv,
                reason: if Some(ah.as_str()) == base {
                    format!("{} changed in GHL", kind.as_str())
                } else {
                    format!(
                        "{} changed on both sides; GHL's version wins",
                        kind.as_str()
                    )
                },
                base: base.map(str::to_string),
            });
        }
    }
    // What is left has no link. The same content unlinked on both sides (created on each, or
    // our create whose answer was lost) is one record: linked, not created again.
    let linked_ghl: Vec<(ChildKind, &str)> = child_links
        .iter()
        .filter_map(|(k, l)| Some((*k, l.local_object_id.as_deref()?)))
        .collect();
    let linked_app: Vec<(ChildKind, &str)> = child_links
        .iter()
        .map(|(k, l)| (*k, l.remote_id.as_str()))
        .collect();
    let mut app_only: Vec<(ChildKind, &String, ChildValues)> = theirs
        .iter()
        .filter(|((kind, id), _)| !linked_app.contains(&(*kind, id.as_str())))
        .map(|((kind, id), a)| (*kind, id, ChildValues::from_activity(a)))
        .collect();
    for ((kind, id), g) in &ghl {
        if linked_ghl.contains(&(*kind, id.as_str()))
            || *kind == ChildKind::Appointment && !rules.appointments
        {
            continue;
        }
        let values = ChildValues::from_activity(g);
        let hash = values.hash(*kind);
        let twin = app_only
            .iter()
            .position(|(k, _, v)| k == kind && v.hash(*kind) == hash);
        let (action, remote_id, reason) = match twin {
            Some(at) => {
                let (_, app_id, _) = app_only.remove(at);
                (
                    ChildAction::Link,
                    Some(app_id.clone()),
                    format!("{} is the same on both sides", kind.as_str()),
                )
            }
            None => (
                ChildAction::Create,
                None,
                format!("{} exists only in GHL", kind.as_str()),
            ),
        };
        push(ChildOperation {
            target: Side::App,
            kind: *kind,
            action,
            contact_id: contact_id.to_string(),
            parent: app_parent.clone(),
            remote_id,
            source_id: id.clone(),
            before: None,
            values,
            reason,
            base: None,
        });
    }
    if let Some(parent) = &ghl_parent {
        for (kind, id, values) in app_only {
            if kind == ChildKind::Appointment
                || (kind == ChildKind::Note && rules.notes_to_app_once)
            {
                continue;
            }
            push(ChildOperation {
                target: Side::Ghl,
                kind,
                action: ChildAction::Create,
                contact_id: contact_id.to_string(),
                parent: parent.clone(),
                remote_id: None,
                source_id: id.clone(),
                before: None,
                values,
                reason: format!(
                    "{} exists only in {}",
                    kind.as_str(),
                    app.system.display_name()
                ),
                base: None,
            });
        }
    }
    Ok(())
}
