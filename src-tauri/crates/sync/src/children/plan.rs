//! Planning a pair's tasks and notes: pure over the store, nothing is written.

use std::collections::BTreeMap;

use bridge_core::BridgeError;
use bridge_store::table::activities::{self, Activity};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, cursors, links, operations, pending_deletes};
use bridge_store::Store;

use serde_json::{Map, Value};

use super::deletes::{Gone, SeenDelete};
use super::{merge, ChildAction, ChildKind, ChildOperation, ChildRules, ChildValues};
use crate::plan::Side;

/// Where the last children plan stopped (the `activities.updated_at` it covered).
pub(crate) const PLANNED_CURSOR: &str = "children.planned";

/// A children plan and how far it read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildPlan {
    pub operations: Vec<ChildOperation>,
    /// The newest change (activity, link or contact) stored when the plan began: what the
    /// plan covered. The cursor moves here once the plan is applied, never to "now".
    pub through: Option<String>,
    /// Linked records seen deleted on one side, their copy alive on the other: for the
    /// operator (the delete queue or a review), recorded when the plan is applied.
    pub seen_deletes: Vec<SeenDelete>,
    /// What arrived since the last plan, which a create only copies (a first fill the breaker
    /// does not count; see [`crate::plan::Breaker`]).
    pub fresh: FirstFill,
}

/// What arrived in a pair since its last children plan: contacts linked since (they bring the
/// children they already had), and records stored or changed since on either side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstFill {
    pub contacts: std::collections::BTreeSet<String>,
    /// Source record ids, by the side a create from them lands on.
    pub records: std::collections::BTreeSet<(Side, String)>,
}

impl FirstFill {
    /// Whether a create copies what arrived since the last plan.
    pub fn covers(&self, op: &ChildOperation) -> bool {
        self.contacts.contains(&op.contact_id)
            || self.records.contains(&(op.target, op.source_id.clone()))
    }

    fn read(
        store: &Store,
        ghl_connection_id: &str,
        app: &ConnectionRow,
        since: Option<&str>,
    ) -> Result<FirstFill, BridgeError> {
        let mut records = std::collections::BTreeSet::new();
        // On the first plan every contact is new to the pair, which covers every record.
        if let Some(since) = since {
            for (source, lands_on) in [(ghl_connection_id, Side::App), (app.id.as_str(), Side::Ghl)]
            {
                for id in activities::ids_changed_since(store.conn(), source, since)? {
                    records.insert((lands_on, id));
                }
            }
        }
        Ok(FirstFill {
            contacts: links::contacts_first_linked_since(store.conn(), &app.id, since)?,
            records,
        })
    }
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
    // And the contacts of deletes the operator approved since.
    for kind in [ChildKind::Task, ChildKind::Note] {
        due.extend(
            pending_deletes::approved(store.conn(), &app.id, kind.as_str())?
                .into_iter()
                .filter_map(|d| d.contact_id),
        );
    }
    let mut operations = Vec::new();
    let mut seen_deletes = Vec::new();
    let awaited = rule_writes_awaited(store, app)?;
    for contact_id in due {
        let mut out = Planned {
            operations: &mut operations,
            seen_deletes: &mut seen_deletes,
            awaited: &awaited,
        };
        plan_contact(store, ghl_connection_id, app, rules, &contact_id, &mut out)?;
    }
    let mut kept = Vec::with_capacity(operations.len());
    for op in operations {
        if !held_back(store, ghl_connection_id, &app.id, &op)? {
            kept.push(op);
        }
    }
    Ok(ChildPlan {
        operations: kept,
        fresh: FirstFill::read(store, ghl_connection_id, app, since.as_deref())?,
        through: through.max(since),
        seen_deletes,
    })
}

/// Per contact, the kind and content of each rule write to GHL that may have happened but is
/// unfinished (its answer lost): the record it made is the rule's, adopted by the rule's
/// recovery. Copied to the app first, it would be linked as a record of GHL's own, the
/// recovery would no longer take it, and the rule would make it a second time.
fn rule_writes_awaited(store: &Store, app: &ConnectionRow) -> Result<Awaited, BridgeError> {
    let mut awaited = Awaited::new();
    for row in crate::journal::unfinished_for_pair(store.conn(), &app.id)? {
        if !crate::rules::is_rule_row(&row) || !matches!(row.state.as_str(), "sent" | "failed") {
            continue;
        }
        let Ok(op) = crate::journal::payload::<ChildOperation>(&row) else {
            continue;
        };
        if op.target == Side::Ghl && op.action == ChildAction::Create {
            awaited
                .entry(op.contact_id.clone())
                .or_default()
                .push((op.kind, op.values.hash(op.kind)));
        }
    }
    Ok(awaited)
}

type Awaited = BTreeMap<String, Vec<(ChildKind, String)>>;

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

/// Where one contact's plan goes.
pub(super) struct Planned<'p> {
    pub operations: &'p mut Vec<ChildOperation>,
    pub seen_deletes: &'p mut Vec<SeenDelete>,
    /// What unfinished rule writes may have made in GHL ([`rule_writes_awaited`]).
    awaited: &'p Awaited,
}

fn plan_contact(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    rules: ChildRules,
    contact_id: &str,
    out: &mut Planned<'_>,
) -> Result<(), BridgeError> {
    let contact_links = links::for_contact(store.conn(), contact_id)?;
    let Some(app_parent) = contact_links
        .iter()
        .find(|l| l.connection_id == app.id && l.object_kind == "contact")
        .map(|l| l.remote_id.clone())
    else {
        return Ok(());
    };
    let Some(contact) = contacts::get(store.conn(), contact_id)? else {
        return Ok(());
    };
    // A contact deleted in GHL plans nothing more: its app record waits in review.
    if contact.deleted_at.is_some() {
        return Ok(());
    }
    let ghl_parent = Some(contact.contact.contact_id).filter(|id| !id.is_empty());
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
    // A record a rule made to stay in GHL (a summary of this app's changes) is not copied.
    for made in bridge_store::table::rule_records::for_contact(store.conn(), contact_id)? {
        let stays = crate::rules::RuleName::parse(&made.rule).is_ok_and(|r| r.stays_in_ghl());
        if let (true, Some(kind)) = (stays, ChildKind::parse(&made.object_kind)) {
            ghl.remove(&(kind, made.remote_id));
        }
    }
    if let Some(awaited) = out.awaited.get(contact_id) {
        ghl.retain(|(kind, _), activity| {
            let hash = ChildValues::from_activity(activity).hash(*kind);
            !awaited.contains(&(*kind, hash))
        });
    }
    let child_links: Vec<_> = contact_links
        .iter()
        .filter(|l| l.connection_id == app.id)
        .filter_map(|l| Some((ChildKind::parse(&l.object_kind)?, l)))
        .collect();
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
            if *kind != ChildKind::Appointment {
                let gone = Gone {
                    kind: *kind,
                    contact_id,
                    link,
                    ghl_connection_id,
                    app,
                    ghl_parent: ghl_parent.as_deref(),
                    app_parent: &app_parent,
                };
                gone.plan(store, out)?;
            }
            continue;
        };
        let stored_base =
            links::record_base(store.conn(), &app.id, kind.as_str(), &link.remote_id)?;
        let linked = Linked {
            kind: *kind,
            contact_id,
            app_parent: &app_parent,
            ghl_parent: ghl_parent.as_deref(),
            app_name: app.system.display_name(),
            ghl: &g,
            app: &a,
            link,
            stored_base,
        };
        plan_linked(linked, &mut |op| out.operations.push(op));
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
        out.operations.push(ChildOperation {
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
            settles: Vec::new(),
            delete_id: None,
            rule: None,
        });
    }
    if let Some(parent) = &ghl_parent {
        for (kind, id, values) in app_only {
            if kind == ChildKind::Appointment
                || (kind == ChildKind::Note && rules.notes_to_app_once)
            {
                continue;
            }
            out.operations.push(ChildOperation {
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
                settles: Vec::new(),
                delete_id: None,
                rule: None,
            });
        }
    }
    Ok(())
}

/// One linked record and what both sides hold.
struct Linked<'a> {
    kind: ChildKind,
    contact_id: &'a str,
    app_parent: &'a str,
    ghl_parent: Option<&'a str>,
    app_name: &'a str,
    ghl: &'a Activity,
    app: &'a Activity,
    link: &'a links::LinkRow,
    /// The base kept per field on the link (empty before it was first settled so).
    stored_base: Map<String, Value>,
}

impl Linked<'_> {
    fn update(
        &self,
        target: Side,
        values: &ChildValues,
        settles: Vec<String>,
        reason: String,
    ) -> ChildOperation {
        let (parent, remote, source) = match target {
            Side::App => (self.app_parent, self.app, self.ghl),
            Side::Ghl => (self.ghl_parent.unwrap_or_default(), self.ghl, self.app),
        };
        ChildOperation {
            target,
            kind: self.kind,
            action: ChildAction::Update,
            contact_id: self.contact_id.to_string(),
            parent: parent.to_string(),
            remote_id: Some(remote.remote_id.clone()),
            source_id: source.remote_id.clone(),
            before: Some(ChildValues::from_activity(remote)),
            values: values.clone(),
            reason,
            base: self.link.last_seen_hash.clone(),
            settles,
            delete_id: None,
            rule: None,
        }
    }
}

/// Plans one linked record: merged field by field over its base, each side written only
/// where it lacks the merged value.
fn plan_linked(linked: Linked<'_>, push: &mut dyn FnMut(ChildOperation)) {
    let kind = linked.kind;
    let mut gv = ChildValues::from_activity(linked.ghl);
    let av = ChildValues::from_activity(linked.app);
    let mut stored_base = linked.stored_base.clone();
    // The due date GHL had to be given for a task that has none is no due date.
    if let Some(invented) = stored_base.remove(merge::INVENTED_DUE) {
        if gv.due.as_deref() == invented.as_str() {
            gv.due = None;
        }
    }
    let base = if stored_base.is_empty() {
        merge::base_from_hash(kind, linked.link.last_seen_hash.as_deref(), &gv, &av)
    } else {
        stored_base
    };
    let m = merge::merge(kind, &gv, &av, &base);
    if m.agreed() {
        // Agreed (an edit made on both sides, or a write whose answer was lost): that is the
        // new base, so the next change on one side is not taken for a conflict.
        if base != merge::base_of(&gv, merge::fields(kind).iter().copied()) {
            let mut op = linked.update(
                Side::App,
                &gv,
                Vec::new(),
                format!("{} agrees on both sides", kind.as_str()),
            );
            op.action = ChildAction::Link;
            op.before = None;
            push(op);
        }
        return;
    }
    if kind == ChildKind::Appointment {
        // One way: the app's copy follows GHL's changes, never the reverse.
        if !m.from_ghl.is_empty() || !m.both.is_empty() {
            let reason = format!("appointment changed in GHL ({})", m.from_ghl.join(", "));
            push(linked.update(Side::App, &gv, Vec::new(), reason));
        }
        return;
    }
    let reason = reason_of(kind, &m, linked.app_name);
    // What each write settles: the fields where the other side already holds the merged value.
    let settled_with = |other: &ChildValues| -> Vec<String> {
        merge::fields(kind)
            .iter()
            .filter(|name| merge::field(&m.merged, name) == merge::field(other, name))
            .map(|name| name.to_string())
            .collect()
    };
    if !merge::agree(kind, &m.merged, &av) {
        push(linked.update(Side::App, &m.merged, settled_with(&gv), reason.clone()));
    }
    if linked.ghl_parent.is_some() && !merge::agree(kind, &m.merged, &gv) {
        push(linked.update(Side::Ghl, &m.merged, settled_with(&av), reason));
    }
}

/// Which fields changed where, in the operator's words.
fn reason_of(kind: ChildKind, m: &merge::FieldMerge, app_name: &str) -> String {
    let mut parts = Vec::new();
    if !m.from_ghl.is_empty() {
        parts.push(format!("{} changed in GHL", m.from_ghl.join(", ")));
    }
    if !m.from_app.is_empty() {
        parts.push(format!("{} changed in {app_name}", m.from_app.join(", ")));
    }
    if !m.both.is_empty() {
        parts.push(format!(
            "{} changed on both sides; GHL's value wins",
            m.both.join(", ")
        ));
    }
    format!("{}: {}", kind.as_str(), parts.join("; "))
}
