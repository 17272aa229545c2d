//! What a sync leaves out because a connection's last check of it failed: one capability is
//! skipped (named in the run's result, with the check's sentence) and the rest of the pair
//! syncs. A failed sign-in or contacts check stops the whole pair instead (`service.rs`); a
//! failed GHL calendars check switches appointments to per-contact reads
//! (`pull/ghl_appointments.rs`) rather than refusing them.

use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::operations::OperationRow;
use bridge_store::Store;

use crate::children::ChildKind;

/// One part of the pair run a failed check switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Tasks or notes written between GHL and the app (children engine).
    Child(ChildKind),
    /// GHL's tasks, notes or appointments sent to the app as events (events engine), by the
    /// activity kind.
    Push(&'static str),
    /// GHL's location-wide task search.
    GhlTaskSearch,
    /// Tags written inside contact writes (the mapping's `tags` line): left out of the plan,
    /// the rest of each contact is written.
    Tags,
}

const ALL_PUSHES: &[Part] = &[
    Part::Push("task"),
    Part::Push("note"),
    Part::Push("appointment"),
];

/// The parts a failed check of `capability` (the doctor's own names) switches off.
fn parts(system: System, capability: &str) -> &'static [Part] {
    match (system, capability) {
        (System::Ghl, "tasks") => &[
            Part::Child(ChildKind::Task),
            Part::Push("task"),
            Part::GhlTaskSearch,
        ],
        (System::Novi, "tasks") => &[Part::Child(ChildKind::Task)],
        (System::Novi, "notes") => &[Part::Child(ChildKind::Note)],
        (System::Novi, "events") => &[Part::Child(ChildKind::Appointment)],
        (System::Connectif, "event type ghl-task") => &[Part::Push("task")],
        (System::Connectif, "event type ghl-note") => &[Part::Push("note")],
        (System::Connectif, "event type ghl-appointment") => &[Part::Push("appointment")],
        (System::Connectif, "custom events" | "event types") => ALL_PUSHES,
        // Nifty's notes are comments on a task, its tasks go to the chosen task group.
        (System::Nifty, "comments") => &[Part::Child(ChildKind::Note)],
        (System::Nifty, "task groups") => &[Part::Child(ChildKind::Task)],
        // A Ninox multiple-choice field or a Connectif checkbox without an option for a tag.
        (System::Ninox | System::Connectif, "tag options") => &[Part::Tags],
        _ => &[],
    }
}

/// One refused capability, as the run's result names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Refusal {
    sentence: String,
    /// The capability and its connection: `tasks of "Novi"`.
    what: String,
    parts: &'static [Part],
}

/// The capabilities of a pair's two connections that this sync leaves out.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    refused: Vec<Refusal>,
    /// The tags line's fields in each side's names (`tags` and the app's field), once known
    /// from the mapping ([`Capabilities::with_mapping`]).
    tag_fields: Vec<String>,
}

impl Capabilities {
    /// From the last stored checks of the pair's connections.
    pub fn of(store: &Store, connections: &[&ConnectionRow]) -> Result<Self, BridgeError> {
        let mut refused = Vec::new();
        for connection in connections {
            for check in super::refused_capabilities(store, connection)? {
                let parts = parts(connection.system, &check.capability);
                if parts.is_empty() {
                    continue;
                }
                let what = format!("{} of \"{}\"", check.capability, connection.name);
                refused.push(Refusal {
                    sentence: format!(
                        "{what} not synced: {} (run `bridge doctor --connection \"{}\"` once it is fixed)",
                        check.message, connection.name
                    ),
                    what,
                    parts,
                });
            }
        }
        Ok(Self {
            refused,
            tag_fields: Vec::new(),
        })
    }

    fn allows(&self, part: Part) -> bool {
        !self.refused.iter().any(|r| r.parts.contains(&part))
    }

    pub fn allows_child(&self, kind: ChildKind) -> bool {
        self.allows(Part::Child(kind))
    }

    /// Whether GHL activities of `kind` ("task", "note", "appointment") may be sent as events.
    pub fn allows_push(&self, kind: &str) -> bool {
        !self
            .refused
            .iter()
            .flat_map(|r| r.parts.iter())
            .any(|p| matches!(p, Part::Push(k) if *k == kind))
    }

    pub fn allows_ghl_task_search(&self) -> bool {
        self.allows(Part::GhlTaskSearch)
    }

    pub fn allows_tags(&self) -> bool {
        self.allows(Part::Tags)
    }

    /// The contact mapping this sync plans with: without its `tags` line while tags are
    /// refused (their base is kept, so they are planned once the check passes). Remembers the
    /// line's fields, to know the journaled writes that carry tags.
    pub fn with_mapping(mut self, mapping: &mut Mapping) -> Self {
        for line in mapping.fields.iter().filter(|line| line.ghl == "tags") {
            self.tag_fields.extend([line.ghl.clone(), line.app.clone()]);
        }
        if !self.allows_tags() {
            mapping.fields.retain(|line| line.ghl != "tags");
        }
        self
    }

    /// Whether recovery leaves `row` waiting rather than sending it again: an unfinished
    /// write of a refused capability (a task, note or appointment of a refused kind, or a
    /// contact write carrying one of `tag_fields` while tags are refused). It is neither sent
    /// nor made a dead letter; a later plan of the same intent takes it over, or it is sent
    /// once the check passes.
    pub fn holds(&self, row: &OperationRow) -> bool {
        self.holding(row).is_some()
    }

    /// The refusal holding `row` back, if one does.
    fn holding(&self, row: &OperationRow) -> Option<&Refusal> {
        let kind = row.op.object_kind.as_str();
        self.refused.iter().find(|r| {
            r.parts.iter().any(|part| match part {
                Part::Child(child) => child.as_str() == kind,
                Part::Push(push) => *push == kind,
                Part::GhlTaskSearch => false,
                Part::Tags => kind == "contact" && crate::apply::writes_any(row, &self.tag_fields),
            })
        })
    }

    /// One sentence per refused capability holding unfinished writes back, with how many.
    pub fn waiting(&self, rows: &[OperationRow]) -> Vec<String> {
        let mut counts = vec![0usize; self.refused.len()];
        for row in rows {
            if let Some(refusal) = self.holding(row) {
                if let Some(i) = self.refused.iter().position(|r| std::ptr::eq(r, refusal)) {
                    counts[i] += 1;
                }
            }
        }
        self.refused
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| {
                format!(
                    "{n} unfinished write{} of {} wait{} until the check passes (not sent again, not dead letters)",
                    if n == 1 { "" } else { "s" },
                    r.what,
                    if n == 1 { "s" } else { "" },
                )
            })
            .collect()
    }

    /// Whether anything is left out: the engines then keep their cursors where they were, so
    /// what was held back is planned once the check passes.
    pub fn any_refused(&self) -> bool {
        !self.refused.is_empty()
    }

    /// One sentence per refused capability, for the run's result.
    pub fn sentences(&self) -> Vec<String> {
        self.refused.iter().map(|r| r.sentence.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_switches_off_only_its_own_part() {
        let novi_tasks = Capabilities {
            tag_fields: Vec::new(),
            refused: vec![Refusal {
                sentence: String::new(),
                what: String::new(),
                parts: parts(System::Novi, "tasks"),
            }],
        };
        assert!(!novi_tasks.allows_child(ChildKind::Task));
        assert!(novi_tasks.allows_child(ChildKind::Note));
        assert!(novi_tasks.allows_push("task"));
        assert!(novi_tasks.allows_ghl_task_search());

        let event_type = Capabilities {
            tag_fields: Vec::new(),
            refused: vec![Refusal {
                sentence: String::new(),
                what: String::new(),
                parts: parts(System::Connectif, "event type ghl-note"),
            }],
        };
        assert!(!event_type.allows_push("note"));
        assert!(event_type.allows_push("task") && event_type.allows_push("appointment"));
        assert!(event_type.allows_child(ChildKind::Note));
    }

    #[test]
    fn checks_that_stop_the_pair_or_switch_a_read_refuse_no_part_here() {
        for (system, capability) in [
            (System::Ghl, "sign-in"),
            (System::Ghl, "contacts"),
            (System::Ghl, "calendars"),
            (System::Ghl, "appointments"),
            (System::Novi, "sign-in"),
        ] {
            assert!(parts(system, capability).is_empty(), "{capability}");
        }
    }
}
