//! The records Contact Bridge keeps in step. Ids are remote ids as text; times are UTC.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The apps a connection can point at. GHL is the hub; the others are spokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum System {
    Ghl,
    Nifty,
    NiftyImages,
    Connectif,
    Novi,
    Ninox,
}

impl System {
    pub const ALL: [System; 6] = [
        System::Ghl,
        System::Nifty,
        System::NiftyImages,
        System::Connectif,
        System::Novi,
        System::Ninox,
    ];

    /// The stable name used in the database, the CLI and IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Ghl => "ghl",
            System::Nifty => "nifty",
            System::NiftyImages => "niftyimages",
            System::Connectif => "connectif",
            System::Novi => "novi",
            System::Ninox => "ninox",
        }
    }

    /// The name operators know the app by.
    pub fn display_name(self) -> &'static str {
        match self {
            System::Ghl => "GoHighLevel",
            System::Nifty => "Nifty",
            System::NiftyImages => "NiftyImages",
            System::Connectif => "Connectif",
            System::Novi => "Novi AMS",
            System::Ninox => "Ninox",
        }
    }
}

impl std::str::FromStr for System {
    type Err = crate::BridgeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        System::ALL
            .into_iter()
            .find(|system| system.as_str() == s)
            .ok_or_else(|| {
                crate::BridgeError::invalid_input(format!(
                    "unknown app '{s}': expected one of ghl, nifty, niftyimages, connectif, novi, ninox"
                ))
            })
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A contact as the hub (one GHL location) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The GHL contact id; empty while the contact is about to be created in GHL.
    pub contact_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub tags: BTreeSet<String>,
    pub business_id: Option<String>,
    /// Custom field values by the field's key (e.g. `contact.membership_level`).
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    pub date_updated: Option<DateTime<Utc>>,
    /// GHL's do-not-disturb for every channel at once (`dnd`), when GHL said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    /// GHL's per-channel do-not-disturb status (`dndSettings`): channel (`Email`, `SMS`,
    /// `Call`, `WhatsApp`, `GMB`, `FB`) → `active`, `inactive` or `permanent`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dnd_settings: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub contact_id: String,
    pub title: String,
    pub body: Option<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    pub body: String,
    pub date_added: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    pub contact_id: String,
    pub calendar_id: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names_round_trip() {
        for system in System::ALL {
            let parsed: System = system.as_str().parse().unwrap();
            assert_eq!(parsed, system);
            assert_eq!(
                serde_json::to_value(system).unwrap(),
                serde_json::Value::String(system.as_str().into())
            );
        }
    }

    #[test]
    fn unknown_system_is_a_clear_error() {
        let err = "hubspot".parse::<System>().unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::InvalidInput);
        assert!(err.message.contains("hubspot"), "{}", err.message);
    }
}
