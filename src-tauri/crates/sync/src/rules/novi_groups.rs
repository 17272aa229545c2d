//! The tag groups rule for Novi AMS: a GHL tag in the rule's table ↔ a seat on the Novi
//! committee the table names for it (committees are the member groups Novi's API lets a client
//! write; its groups are read-only), both ways, per contact.
//!
//! Each sync reads the table's committees and their members, then merges every linked
//! contact's set three ways over the set both sides last agreed on (kept in the base of the
//! contact's Novi link), as Nifty's labels are merged ([`crate::nifty::merge_sets`]): a tag
//! added in GHL seats the member, a seat added in Novi adds the tag; a removal on either side
//! removes it on the other. GHL gets add/remove deltas through its tags endpoints.
//!
//! Every write is journaled (object `tag`). Seating is not idempotent in Novi (a second POST
//! makes a second seat), so a write is never resent blindly: an unfinished one is planned
//! again only from what the committees hold when the next merge reads them, which includes a
//! seat whose answer was lost.

use std::collections::{BTreeMap, BTreeSet};

use bridge_connectors::ghl::GhlClient;
use bridge_connectors::novi::NoviClient;
use bridge_core::{BridgeError, Clock};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{contacts, links};
use bridge_store::Store;
use serde_json::{Map, Value};

use crate::journal;
use crate::nifty::LabelReport;
use crate::set_writes::{agreed_set, ghl_tags, needs_settling, SetStep, SetWrite};

/// The link base fields holding the agreed committees (lowercased table tags) and how often
/// they were settled.
const AGREED: &str = "committees";
const VERSION: &str = "committeesVersion";

/// One committee the table names, and the tag it stands for.
struct Tracked {
    /// The tag as the table spells it.
    tag: String,
    committee_id: String,
    committee_name: String,
}

/// What the merge works with.
pub(crate) struct CommitteeSync<'a> {
    pub ghl: &'a GhlClient,
    pub ghl_connection: &'a ConnectionRow,
    pub novi: &'a NoviClient,
    pub app: &'a ConnectionRow,
    pub run_id: &'a str,
    pub clock: &'a dyn Clock,
    pub breaker: crate::plan::Breaker,
    /// The rule's table: GHL tag → committee name.
    pub table: &'a BTreeMap<String, String>,
}

/// One write of the merge.
struct Write {
    ghl_side: bool,
    add: bool,
    /// The GHL contact, or the Novi member.
    remote_id: String,
    /// GHL: tag names. Novi: one committee id (add) or one seat id (remove).
    items: Vec<String>,
    /// The committee a Novi write goes to.
    committee: Option<String>,
    /// What the write is about, by the table's tag names, for the journal and messages.
    names: Vec<String>,
}

struct ContactMerge {
    contact_id: String,
    writes: Vec<Write>,
    agreed: BTreeSet<String>,
    base: Map<String, Value>,
}

impl CommitteeSync<'_> {
    /// Reads the table's committees by name (without case); a name no committee has is
    /// refused, naming it, so a typo never looks like every member leaving.
    async fn tracked(&self) -> Result<BTreeMap<String, Tracked>, BridgeError> {
        let committees: BTreeMap<String, (String, String)> = self
            .novi
            .list_committees()
            .await?
            .into_iter()
            .filter_map(|c| {
                let name = c.name?;
                Some((name.trim().to_lowercase(), (c.unique_id?, name)))
            })
            .collect();
        let mut tracked = BTreeMap::new();
        for (tag, group) in self.table {
            let Some((id, name)) = committees.get(&group.trim().to_lowercase()) else {
                return Err(BridgeError::invalid_input(format!(
                    "the tag groups rule of \"{}\" names the group \"{group}\" for the tag \
                     \"{tag}\", and Novi AMS has no committee of that name (add it in Novi, or \
                     correct the table)",
                    self.app.name
                )));
            };
            tracked.insert(
                tag.trim().to_lowercase(),
                Tracked {
                    tag: tag.clone(),
                    committee_id: id.clone(),
                    committee_name: name.clone(),
                },
            );
        }
        Ok(tracked)
    }

    pub async fn run(&self, store: &mut Store) -> Result<LabelReport, BridgeError> {
        let mut report = LabelReport::default();
        let tracked = self.tracked().await?;
        // member → lowercased tag → that member's seats on the tag's committee.
        let mut seats: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for (tag, committee) in &tracked {
            for seat in self.novi.committee_members(&committee.committee_id).await? {
                let (Some(seat_id), Some(member), false) = (
                    seat.unique_id,
                    seat.member_unique_id,
                    seat.inherited.unwrap_or(false),
                ) else {
                    continue;
                };
                seats
                    .entry(member)
                    .or_default()
                    .entry(tag.clone())
                    .or_default()
                    .push(seat_id);
            }
        }
        // Writes an earlier run left unfinished: this merge, made from what both sides hold
        // now, plans each again if it is still needed (and takes its journal row over).
        let earlier = journal::open_for_pair(
            store.conn(),
            &self.app.id,
            &["tag"],
            &journal::none_wait,
            self.clock.now(),
        )?;
        let mut planned = Vec::new();
        for linked in links::contacts_with_bases(store.conn(), &self.app.id)? {
            let links::LinkedContact {
                contact_id,
                remote_id: member,
                base,
            } = linked;
            let member_seats = seats.remove(&member).unwrap_or_default();
            let agreed = agreed_set(&base, AGREED);
            let Some(row) = contacts::get(store.conn(), &contact_id)? else {
                continue;
            };
            let ghl_id = row.contact.contact_id.clone();
            // GHL's spelling of each table tag the contact has.
            let ghl_tags: BTreeMap<String, String> = row
                .contact
                .tags
                .iter()
                .map(|t| (t.trim().to_lowercase(), t.clone()))
                .filter(|(lower, _)| tracked.contains_key(lower))
                .collect();
            if ghl_id.is_empty()
                || (ghl_tags.is_empty() && member_seats.is_empty() && agreed.is_empty())
            {
                continue;
            }
            let ghl: BTreeSet<String> = ghl_tags.keys().cloned().collect();
            let novi: BTreeSet<String> = member_seats.keys().cloned().collect();
            let merged = crate::nifty::merge_sets(&agreed, &novi, &ghl);
            let name = |lower: &String| tracked[lower].tag.clone();
            let mut writes = Vec::new();
            if !merged.ghl_add.is_empty() {
                let names: Vec<String> = merged.ghl_add.iter().map(name).collect();
                writes.push(Write {
                    ghl_side: true,
                    add: true,
                    remote_id: ghl_id.clone(),
                    items: names.clone(),
                    committee: None,
                    names,
                });
            }
            if !merged.ghl_remove.is_empty() {
                writes.push(Write {
                    ghl_side: true,
                    add: false,
                    remote_id: ghl_id.clone(),
                    items: merged
                        .ghl_remove
                        .iter()
                        .filter_map(|l| ghl_tags.get(l).cloned())
                        .collect(),
                    committee: None,
                    names: merged.ghl_remove.iter().map(name).collect(),
                });
            }
            for tag in &merged.nifty_add {
                let committee = &tracked[tag];
                writes.push(Write {
                    ghl_side: false,
                    add: true,
                    remote_id: member.clone(),
                    items: vec![committee.committee_id.clone()],
                    committee: Some(committee.committee_id.clone()),
                    names: vec![committee.tag.clone()],
                });
            }
            for tag in &merged.nifty_remove {
                let committee = &tracked[tag];
                for seat in member_seats.get(tag).into_iter().flatten() {
                    writes.push(Write {
                        ghl_side: false,
                        add: false,
                        remote_id: member.clone(),
                        items: vec![seat.clone()],
                        committee: Some(committee.committee_id.clone()),
                        names: vec![committee.tag.clone()],
                    });
                }
            }
            planned.push(ContactMerge {
                contact_id,
                writes,
                agreed: merged.agreed,
                base,
            });
        }
        self.check_breaker(&planned)?;
        let mut taken_over = BTreeSet::new();
        let step = self.step();
        for contact in planned {
            let mut all_done = true;
            for write in &contact.writes {
                let (done, id) = self
                    .send(
                        store,
                        &step,
                        &contact.contact_id,
                        write,
                        &tracked,
                        &mut report,
                    )
                    .await?;
                all_done &= done;
                taken_over.insert(id);
            }
            if all_done
                && needs_settling(
                    &contact.base,
                    AGREED,
                    &contact.agreed,
                    !contact.writes.is_empty(),
                )
            {
                step.settle_agreed(
                    store,
                    &contact.contact_id,
                    (AGREED, VERSION),
                    &contact.base,
                    &contact.agreed,
                )?;
            }
        }
        for row in earlier.iter().filter(|row| !taken_over.contains(&row.id)) {
            journal::no_longer_needed(store.conn(), row, self.run_id, self.clock.now())?;
        }
        Ok(report)
    }

    /// Refuses the step when more contacts would change than the breaker allows, measured
    /// against the contacts the step merges. First meetings (no agreed set yet) fill, and are
    /// not counted.
    fn check_breaker(&self, planned: &[ContactMerge]) -> Result<(), BridgeError> {
        let settled = planned.iter().filter(|c| c.base.contains_key(AGREED));
        let (mut ghl, mut novi) = (0, 0);
        for contact in settled {
            ghl += usize::from(contact.writes.iter().any(|w| w.ghl_side));
            novi += usize::from(contact.writes.iter().any(|w| !w.ghl_side));
        }
        self.breaker
            .check_writes("group changes (contact tags)", "GHL", ghl, planned.len())?;
        self.breaker.check_writes(
            "group changes (committee seats)",
            "Novi AMS",
            novi,
            planned.len(),
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
    /// id.
    async fn send(
        &self,
        store: &mut Store,
        step: &SetStep<'_>,
        contact_id: &str,
        write: &Write,
        tracked: &BTreeMap<String, Tracked>,
        report: &mut LabelReport,
    ) -> Result<(bool, i64), BridgeError> {
        let id = write.remote_id.as_str();
        let items = write.items.as_slice();
        let committee = write.committee.as_deref().unwrap_or_default();
        let request = async move {
            match (write.ghl_side, write.add) {
                (true, add) => ghl_tags(self.ghl, add, id, items).await,
                (false, true) => self
                    .novi
                    .add_committee_member(committee, id)
                    .await
                    .map(|_| Vec::new()),
                (false, false) => {
                    let seat = items.first().map_or("", String::as_str);
                    self.novi
                        .remove_committee_member(committee, seat)
                        .await
                        .map(|()| Vec::new())
                }
            }
        };
        let what = if write.ghl_side {
            format!(
                "GHL {} tags {} on contact {id}",
                if write.add { "add" } else { "remove" },
                write.names.join(", "),
            )
        } else {
            let committee_name = write
                .names
                .first()
                .and_then(|tag| tracked.get(&tag.trim().to_lowercase()))
                .map_or(committee, |t| t.committee_name.as_str());
            format!(
                "Novi AMS {} member {id} {} committee \"{committee_name}\"",
                if write.add { "seat" } else { "unseat" },
                if write.add { "on" } else { "from" },
            )
        };
        let sent = SetWrite {
            ghl_side: write.ghl_side,
            add: write.add,
            remote_id: id,
            items,
            names: &write.names,
            // Keyed by what it changes, so a later merge that needs the same write takes the row.
            local: match &write.committee {
                Some(committee) => format!("{contact_id}/{id}/{committee}"),
                None => format!("{contact_id}/{id}"),
            },
            reason: if write.ghl_side {
                "by rule: tag groups (committee changed in Novi AMS)".into()
            } else {
                "by rule: tag groups (tag changed in GHL)".into()
            },
            what,
            app_system: "Novi AMS",
        };
        step.send(store, contact_id, sent, request, report).await
    }
}
