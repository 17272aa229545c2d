//! Nifty labels ↔ GHL contact tags, both ways, per contact.
//!
//! Labels are workspace-wide objects; a contact "has" a label when any of its tasks in the
//! project carries it. Only tags named like an existing Nifty label take part (names compare
//! case-insensitively), or tags the tag groups rule's table names a label for ("gold" → the
//! label "VIP Members", and back): the sync never mints a workspace label for every GHL tag. A three-way
//! merge over the set both sides last agreed on (kept in the base of the contact's Nifty link)
//! decides: a label added in Nifty adds the tag in GHL; a tag added in GHL puts the label on
//! every task of the contact; a removal on either side removes it on the other.
//!
//! Every write is journaled (object `tag`) so a failure is a dead letter naming the contact or
//! task and Nifty's or GHL's own message. Both APIs' tag and label writes are idempotent, so a
//! write resent after a crash changes nothing twice.

use std::collections::{BTreeMap, BTreeSet};

use bridge_connectors::ghl::GhlClient;
use bridge_connectors::nifty::NiftyClient;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, links};
use bridge_store::Store;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::journal;
use crate::set_writes::{agreed_set, ghl_tags, needs_settling, SetStep, SetWrite};

/// The link base fields holding the agreed labels and how often they were settled.
const AGREED: &str = "labels";
const VERSION: &str = "labelsVersion";

/// What a tag-set step did (Nifty's labels, Novi AMS's committees).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelReport {
    /// Writes sent (GHL tag adds/removes, Nifty label adds/removes per task).
    pub writes: u64,
    pub tags_added_in_ghl: u64,
    pub tags_removed_in_ghl: u64,
    /// Labels added to and removed from Nifty tasks (or, for Novi AMS, committee seats).
    pub added_in_app: u64,
    pub removed_in_app: u64,
    pub dead: u64,
}

/// One contact's label changes, by lowercased label name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelMerge {
    pub ghl_add: BTreeSet<String>,
    pub ghl_remove: BTreeSet<String>,
    pub nifty_add: BTreeSet<String>,
    pub nifty_remove: BTreeSet<String>,
    pub agreed: BTreeSet<String>,
}

/// The three-way merge of one contact's labels: a removal on either side wins over keeping.
pub(crate) fn merge(
    base: &BTreeSet<String>,
    nifty: &BTreeSet<String>,
    ghl: &BTreeSet<String>,
) -> LabelMerge {
    let removed_in_nifty: BTreeSet<String> = base.difference(nifty).cloned().collect();
    let removed_in_ghl: BTreeSet<String> = base.difference(ghl).cloned().collect();
    let agreed: BTreeSet<String> = base
        .union(nifty)
        .chain(ghl.iter())
        .filter(|l| !removed_in_nifty.contains(*l) && !removed_in_ghl.contains(*l))
        .cloned()
        .collect();
    LabelMerge {
        ghl_add: agreed.difference(ghl).cloned().collect(),
        ghl_remove: removed_in_nifty.intersection(ghl).cloned().collect(),
        nifty_add: agreed.difference(nifty).cloned().collect(),
        nifty_remove: removed_in_ghl.intersection(nifty).cloned().collect(),
        agreed,
    }
}

/// What the label step needs.
pub(crate) struct LabelSync<'a> {
    pub ghl: &'a GhlClient,
    pub ghl_connection: &'a ConnectionRow,
    pub nifty: &'a NiftyClient,
    pub app: &'a ConnectionRow,
    pub run_id: &'a str,
    pub clock: &'a dyn Clock,
    pub breaker: crate::plan::Breaker,
    /// The tag groups rule's table (GHL tag → label name; empty when the rule is off): a tag
    /// in it goes by its label's name, and the label comes back as that tag.
    pub table: &'a BTreeMap<String, String>,
}

/// One contact's merge and the writes it needs.
struct ContactLabels<'c> {
    contact_id: &'c String,
    writes: Vec<LabelWrite>,
    merged: LabelMerge,
    base: Map<String, Value>,
}

/// One write of the label step.
struct LabelWrite {
    ghl_side: bool,
    add: bool,
    /// The GHL contact or the Nifty task.
    remote_id: String,
    /// Tag names (GHL) or label ids (Nifty).
    items: Vec<String>,
    /// Label names, for the journal and messages.
    names: Vec<String>,
}

impl LabelSync<'_> {
    /// Merges the labels of every contact with tasks in the project: `tasks_by_contact` maps a
    /// contact to its tasks (id, label ids) as this run's scan saw them.
    pub async fn run(
        &self,
        store: &mut Store,
        tasks_by_contact: &BTreeMap<String, Vec<(String, Vec<String>)>>,
    ) -> Result<LabelReport, BridgeError> {
        let mut report = LabelReport::default();
        if tasks_by_contact.is_empty() {
            return Ok(report);
        }
        // Lowercased name → (id, name as Nifty spells it).
        let labels: BTreeMap<String, (String, String)> = self
            .nifty
            .list_labels()
            .await?
            .into_iter()
            .map(|l| (l.name.trim().to_lowercase(), (l.id, l.name)))
            .collect();
        // The table, lowercased: tag → label and label → the tag as the table spells it.
        let label_of_tag: BTreeMap<String, String> = self
            .table
            .iter()
            .map(|(tag, label)| (tag.trim().to_lowercase(), label.trim().to_lowercase()))
            .collect();
        let tag_of_label: BTreeMap<String, String> = self
            .table
            .iter()
            .map(|(tag, label)| (label.trim().to_lowercase(), tag.clone()))
            .collect();
        let name_of_id: BTreeMap<&str, &str> = labels
            .iter()
            .map(|(lower, (id, _))| (id.as_str(), lower.as_str()))
            .collect();
        // Label writes an earlier run left unfinished: this merge, made from what both sides
        // hold now, plans each again if it is still needed (and takes its journal row over).
        let earlier = journal::open_for_pair(
            store.conn(),
            &self.app.id,
            &["tag"],
            &journal::none_wait,
            self.clock.now(),
        )?;
        let mut taken_over = BTreeSet::new();
        // Every contact's merge is made first, so the breaker sees the whole step's writes.
        let mut planned = Vec::new();
        for (contact_id, tasks) in tasks_by_contact {
            let Some(row) = contacts::get(store.conn(), contact_id)? else {
                continue;
            };
            let ghl_id = row.contact.contact_id.clone();
            if ghl_id.is_empty() {
                continue;
            }
            // GHL tag spelling by lowercased label name, for tags that are labels (by name, or
            // by the tag groups table).
            let ghl_tags: BTreeMap<String, String> = row
                .contact
                .tags
                .iter()
                .map(|t| {
                    let lower = t.trim().to_lowercase();
                    (
                        label_of_tag.get(&lower).cloned().unwrap_or(lower),
                        t.clone(),
                    )
                })
                .filter(|(label, _)| labels.contains_key(label))
                .collect();
            let ghl: BTreeSet<String> = ghl_tags.keys().cloned().collect();
            let nifty: BTreeSet<String> = tasks
                .iter()
                .flat_map(|(_, ids)| ids.iter())
                .filter_map(|id| name_of_id.get(id.as_str()).map(|n| n.to_string()))
                .collect();
            let base = links::base(store.conn(), &self.app.id, contact_id)?;
            let merged = merge(&agreed_set(&base, AGREED), &nifty, &ghl);
            let mut writes = Vec::new();
            let display = |lower: &String| {
                labels
                    .get(lower)
                    .map_or_else(|| lower.clone(), |(_, name)| name.clone())
            };
            if !merged.ghl_add.is_empty() {
                let names: Vec<String> = merged.ghl_add.iter().map(display).collect();
                // A label of the table comes back as its tag; the others by their own name.
                let tags = merged
                    .ghl_add
                    .iter()
                    .map(|l| tag_of_label.get(l).cloned().unwrap_or_else(|| display(l)))
                    .collect();
                writes.push(LabelWrite {
                    ghl_side: true,
                    add: true,
                    remote_id: ghl_id.clone(),
                    items: tags,
                    names,
                });
            }
            if !merged.ghl_remove.is_empty() {
                writes.push(LabelWrite {
                    ghl_side: true,
                    add: false,
                    remote_id: ghl_id.clone(),
                    items: merged
                        .ghl_remove
                        .iter()
                        .filter_map(|l| ghl_tags.get(l).cloned())
                        .collect(),
                    names: merged.ghl_remove.iter().map(display).collect(),
                });
            }
            for (task_id, on_task) in tasks {
                let on_task: BTreeSet<&str> = on_task.iter().map(String::as_str).collect();
                let ids =
                    |wanted: &BTreeSet<String>, present: bool| -> (Vec<String>, Vec<String>) {
                        wanted
                            .iter()
                            .filter_map(|l| labels.get(l).map(|(id, name)| (id, name)))
                            .filter(|(id, _)| on_task.contains(id.as_str()) == present)
                            .map(|(id, name)| (id.clone(), name.clone()))
                            .unzip()
                    };
                for (add, (items, names)) in [
                    (true, ids(&merged.nifty_add, false)),
                    (false, ids(&merged.nifty_remove, true)),
                ] {
                    if !items.is_empty() {
                        writes.push(LabelWrite {
                            ghl_side: false,
                            add,
                            remote_id: task_id.clone(),
                            items,
                            names,
                        });
                    }
                }
            }
            planned.push(ContactLabels {
                contact_id,
                writes,
                merged,
                base,
            });
        }
        let tasks_merged = tasks_by_contact.values().map(Vec::len).sum();
        self.check_breaker(&planned, tasks_merged)?;
        let step = self.step();
        for ContactLabels {
            contact_id,
            writes,
            merged,
            base,
        } in planned
        {
            let mut all_done = true;
            for write in &writes {
                let (done, id) = self
                    .send(store, &step, contact_id, write, &mut report)
                    .await?;
                all_done &= done;
                taken_over.insert(id);
            }
            if all_done && needs_settling(&base, AGREED, &merged.agreed, !writes.is_empty()) {
                step.settle_agreed(store, contact_id, (AGREED, VERSION), &base, &merged.agreed)?;
            }
        }
        // The others are no longer needed: what they were to make true already holds.
        for row in earlier.iter().filter(|row| !taken_over.contains(&row.id)) {
            journal::no_longer_needed(store.conn(), row, self.run_id, self.clock.now())?;
        }
        Ok(report)
    }

    /// Refuses the step when its label changes (contacts whose tags change in GHL, tasks
    /// whose labels change in Nifty) are more than the breaker allows, measured against the
    /// contacts the step merges and their tasks. First meetings (no agreed set yet) fill, and
    /// are not counted.
    fn check_breaker(
        &self,
        planned: &[ContactLabels<'_>],
        tasks_merged: usize,
    ) -> Result<(), BridgeError> {
        let settled = planned.iter().filter(|c| c.base.contains_key(AGREED));
        let (mut ghl_writes, mut nifty_tasks) = (BTreeSet::new(), BTreeSet::new());
        for contact in settled {
            for write in &contact.writes {
                if write.ghl_side {
                    ghl_writes.insert(contact.contact_id.as_str());
                } else {
                    nifty_tasks.insert(write.remote_id.as_str());
                }
            }
        }
        self.breaker.check_writes(
            "label changes (contact tags)",
            "GHL",
            ghl_writes.len(),
            planned.len(),
        )?;
        self.breaker.check_writes(
            "label changes (task labels)",
            "Nifty",
            nifty_tasks.len(),
            tasks_merged,
        )
    }

    fn step(&self) -> SetStep<'_> {
        SetStep {
            ghl_connection: self.ghl_connection,
            app: self.app,
            run_id: self.run_id,
            clock: self.clock,
        }
    }

    /// Journals and sends one write ([`SetStep::send`]): whether it is done, and its journal
    /// id, so the step knows which earlier unfinished writes it took over. Both APIs' tag and
    /// label writes are idempotent: a write resent changes nothing twice.
    async fn send(
        &self,
        store: &mut Store,
        step: &SetStep<'_>,
        contact_id: &str,
        write: &LabelWrite,
        report: &mut LabelReport,
    ) -> Result<(bool, i64), BridgeError> {
        let id = write.remote_id.as_str();
        let items = write.items.as_slice();
        let request = async move {
            match (write.ghl_side, write.add) {
                (true, add) => ghl_tags(self.ghl, add, id, items).await,
                (false, true) => self
                    .nifty
                    .add_task_labels(id, items)
                    .await
                    .map(|()| Vec::new()),
                (false, false) => self
                    .nifty
                    .remove_task_labels(id, items)
                    .await
                    .map(|()| Vec::new()),
            }
        };
        let verb = if write.add { "add" } else { "remove" };
        let sent = SetWrite {
            ghl_side: write.ghl_side,
            add: write.add,
            remote_id: id,
            items,
            names: &write.names,
            local: format!("{contact_id}/{id}"),
            reason: if write.ghl_side {
                "label changed in Nifty".into()
            } else {
                "tag changed in GHL".into()
            },
            what: if write.ghl_side {
                format!("GHL {verb} tags {} on contact {id}", write.names.join(", "))
            } else {
                format!(
                    "Nifty {verb} labels {} on task {id}",
                    write.names.join(", ")
                )
            },
            app_system: "Nifty",
        };
        step.send(store, contact_id, sent, request, report).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_meeting_unites_both_sides() {
        let m = merge(&set(&[]), &set(&["vip"]), &set(&["renewal"]));
        assert_eq!(m.ghl_add, set(&["vip"]));
        assert_eq!(m.nifty_add, set(&["renewal"]));
        assert!(m.ghl_remove.is_empty() && m.nifty_remove.is_empty());
        assert_eq!(m.agreed, set(&["vip", "renewal"]));
    }

    #[test]
    fn a_removal_on_either_side_reaches_the_other() {
        let base = set(&["vip", "renewal"]);
        let m = merge(&base, &set(&["renewal"]), &set(&["vip"]));
        assert_eq!(m.ghl_remove, set(&["vip"]));
        assert_eq!(m.nifty_remove, set(&["renewal"]));
        assert!(m.agreed.is_empty());
    }

    #[test]
    fn agreement_means_no_change() {
        let base = set(&["vip"]);
        let m = merge(&base, &base, &base);
        assert_eq!(
            m,
            LabelMerge {
                agreed: base,
                ..LabelMerge::default()
            }
        );
    }
}
