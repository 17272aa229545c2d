//! What each app's API can hold, and so what syncs which way: shown on its connection (the
//! capability matrix of reference/target-apps.md, as this release implements it).

use bridge_core::System;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    Both,
    ToApp,
    ToGhl,
    /// The app's API cannot hold it.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capability {
    /// contacts, tasks, notes, tags or appointments.
    pub object: &'static str,
    pub flow: Flow,
    /// How, or why not, in the operator's words.
    pub note: &'static str,
}

const fn cap(object: &'static str, flow: Flow, note: &'static str) -> Capability {
    Capability { object, flow, note }
}

/// The five objects, for one app.
pub fn capabilities(system: System) -> Vec<Capability> {
    use Flow::{Both, None, ToApp};
    match system {
        System::Ghl => vec![
            cap("contacts", Both, "the hub: every app links to its contacts"),
            cap(
                "tasks",
                Both,
                "per contact; seen through the location's task search",
            ),
            cap("notes", Both, "per contact; read when the contact changes"),
            cap("tags", Both, "on the contact"),
            cap("appointments", Both, "calendar events of the contact"),
        ],
        System::Novi => vec![
            cap(
                "contacts",
                Both,
                "members (people, not companies); a delete deactivates",
            ),
            cap(
                "tasks",
                Both,
                "activities of type Task, completion included",
            ),
            cap("notes", Both, "activities of type Note"),
            cap(
                "tags",
                None,
                "Novi AMS keeps groups and committees, not tags",
            ),
            cap(
                "appointments",
                None,
                "Novi AMS events belong to the association, not a member",
            ),
        ],
        System::Ninox => vec![
            cap(
                "contacts",
                Both,
                "rows of the table you chose, by mapped fields",
            ),
            cap("tasks", None, "Ninox keeps them only in tables you design"),
            cap("notes", None, "map a text field to a contact field instead"),
            cap(
                "tags",
                Both,
                "a multiple-choice field (its options must exist in Ninox)",
            ),
            cap(
                "appointments",
                ToApp,
                "the next GHL appointment, into an appointment field",
            ),
        ],
        System::Connectif => vec![
            cap(
                "contacts",
                Both,
                "keyed by email; read through the contacts export",
            ),
            cap(
                "tasks",
                ToApp,
                "custom event ghl-task (events cannot be read back)",
            ),
            cap("notes", ToApp, "custom event ghl-note"),
            cap(
                "tags",
                ToApp,
                "a checkbox custom field (its options must exist in Connectif)",
            ),
            cap("appointments", ToApp, "custom event ghl-appointment"),
        ],
        System::NiftyImages => vec![
            cap(
                "contacts",
                ToApp,
                "rows of a Custom Data Store, by its unique field; rows cannot be read back",
            ),
            cap("tasks", None, "a data store holds rows only"),
            cap("notes", None, "a data store holds rows only"),
            cap("tags", None, "a data store holds rows only"),
            cap(
                "appointments",
                None,
                "map the next appointment to a date field instead",
            ),
        ],
        System::Nifty => vec![
            cap(
                "contacts",
                None,
                "Nifty members are workspace users, not contacts",
            ),
            cap(
                "tasks",
                Both,
                "tasks of the project you chose, completion both ways; a task names its contact by a line \"Contact: <email>\"",
            ),
            cap(
                "notes",
                ToApp,
                "comments on the contact's \"Notes\" task; later edits stay in GHL",
            ),
            cap(
                "tags",
                Both,
                "labels of those tasks, for tags named like an existing label",
            ),
            cap("appointments", None, "Nifty has no calendar objects"),
        ],
    }
}

/// One line for a connection's card: what syncs, which way.
pub fn capability_line(system: System) -> String {
    capabilities(system)
        .iter()
        .map(|c| {
            let arrow = match c.flow {
                Flow::Both => "↔",
                Flow::ToApp => "→",
                Flow::ToGhl => "←",
                Flow::None => "✕",
            };
            format!("{} {arrow}", c.object)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_app_answers_for_the_five_objects() {
        for system in System::ALL {
            let objects: Vec<&str> = capabilities(system).iter().map(|c| c.object).collect();
            assert_eq!(
                objects,
                ["contacts", "tasks", "notes", "tags", "appointments"],
                "{system:?}"
            );
        }
        assert_eq!(
            capability_line(System::NiftyImages),
            "contacts → · tasks ✕ · notes ✕ · tags ✕ · appointments ✕"
        );
    }
}
