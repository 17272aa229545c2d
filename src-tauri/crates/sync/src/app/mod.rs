//! The app side of a pair: one trait over every app whose records the engine pulls, matches and
//! writes as contacts (Novi AMS members, rows of a Ninox table). The engine speaks only this
//! trait; each app module turns its API's shapes into field maps in the app's own names.

mod capabilities;
mod connectif;
mod niftyimages;
mod ninox;
mod novi;

use std::sync::Arc;

use bridge_auth::TokenStore;
use bridge_connectors::http::RequestCounts;
use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, ErrorCode, System};
use bridge_store::table::connections::ConnectionRow;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde_json::{Map, Value};

use crate::apply::RecordWriter;
use crate::children::AppChildren;
use crate::events::ActivityPush;

pub use capabilities::{capabilities, capability_line, Capability, Flow};
pub use connectif::{
    default_connectif_mapping, ConnectifSide, APPOINTMENT_EVENT, CONNECTIF_FIELDS, NOTE_EVENT,
    TASK_EVENT,
};
pub use niftyimages::{niftyimages_mapping_for, plan_keep_alive, record_ttl, NiftyImagesSide};
pub use ninox::{default_ninox_mapping, ninox_mapping_for, NinoxSide};
pub use novi::{default_novi_mapping, NoviSide, NOVI_MEMBER_FIELDS};

/// One record as the app holds it: its id, its fields by the app's names, and when it last
/// changed (the app's clock, RFC 3339).
#[derive(Debug, Clone, PartialEq)]
pub struct AppRecord {
    pub remote_id: String,
    pub values: Map<String, Value>,
    pub updated_at: Option<String>,
}

/// One page of a change scan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppPage {
    pub records: Vec<AppRecord>,
    /// The cursor covering every page so far; the engine stores the last page's cursor once
    /// the scan has ended without error (pages need not arrive in change order).
    pub cursor: Option<String>,
}

/// An app whose records sync with GHL contacts.
pub trait AppSide: RecordWriter {
    fn connection(&self) -> &ConnectionRow;
    /// Requests sent so far, for the run's summary.
    fn counts(&self) -> RequestCounts;
    /// Records changed since `cursor` (every record when `None`), page by page. Records that
    /// are not contacts (companies, deactivated members) are left out.
    fn changes(&self, cursor: Option<String>) -> BoxStream<'_, Result<AppPage, BridgeError>>;
    /// The field names a mapping can use on this side, from the live account where it has a
    /// schema.
    fn fields(&self) -> BoxFuture<'_, Result<Vec<String>, BridgeError>>;
    /// The options of the app's choice fields, from its live schema, where it lists them: a
    /// value outside them is a problem of its record and field at plan time.
    fn field_options(&self) -> BoxFuture<'_, Result<crate::plan::FieldOptions, BridgeError>> {
        Box::pin(async { Ok(crate::plan::FieldOptions::default()) })
    }
    /// Whether a scan from `cursor` lists every record, by the app's documentation (a full
    /// table read): then a stored record it left out may have been deleted
    /// ([`crate::pull::app_gone`]). False where a scan leaves records out (Novi AMS's inactive
    /// members) or reads changes only.
    fn complete_scan(&self, _cursor: Option<&str>) -> bool {
        false
    }
    /// Whether a read of the record by its id answers "not found": the only proof of a
    /// delete.
    fn is_gone<'a>(&'a self, _remote_id: &'a str) -> BoxFuture<'a, Result<bool, BridgeError>> {
        Box::pin(async { Ok(false) })
    }
    /// Whether the app holds contacts of its own, which the pair pulls, matches and writes.
    /// An app without (Nifty) syncs only its children and sets with GHL's contacts.
    fn holds_contacts(&self) -> bool {
        true
    }
    /// The app's tasks and notes per contact, where its API holds them.
    fn children(&self) -> Option<&dyn AppChildren> {
        None
    }
    /// A per-contact set the app keeps equal to GHL's tags element by element (Nifty's
    /// labels, Novi AMS's committees through the tag groups rule), merged after the children.
    fn tag_sets(&self) -> Option<&dyn TagSets> {
        None
    }
    /// Where GHL's tasks, notes and appointments go as events, for apps that take them so.
    fn activity_push(&self) -> Option<&dyn ActivityPush> {
        None
    }
    /// For apps that forget records not written for a while (NiftyImages' record TTL).
    fn expiring_rows(&self) -> Option<&dyn ExpiringRows> {
        None
    }
    /// What contacts did in the app, for the follow-up rule, where its API lists it per
    /// contact (Connectif's activities export).
    fn engagements(&self) -> Option<&dyn Engagements> {
        None
    }
}

/// An app whose API lists what its contacts did (opened an email, clicked a link, a custom
/// event), by time range.
pub trait Engagements: Send + Sync {
    /// The engagements from `from` to `to` (at most [`Engagements::max_range`] apart) of the
    /// `kinds` (the app's activity type names; every kind when empty).
    fn engagements<'a>(
        &'a self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        kinds: &'a [String],
    ) -> BoxFuture<'a, Result<bridge_connectors::connectif::ActivityExport, BridgeError>>;
    /// The longest range one read may cover.
    fn max_range(&self) -> chrono::Duration;
}

/// What a tag-set merge works with.
pub struct TagRun<'a> {
    pub ghl: &'a bridge_connectors::ghl::GhlClient,
    pub ghl_connection: &'a ConnectionRow,
    pub app: &'a ConnectionRow,
    pub run_id: &'a str,
    pub clock: &'a dyn bridge_core::Clock,
    /// Refuses the step when it would change too many contacts' labels.
    pub breaker: crate::plan::Breaker,
}

/// An app's per-contact set merged with GHL's tags: both sides' additions and removals are
/// kept, and written as add/remove deltas through the journal.
pub trait TagSets: Send + Sync {
    /// What the merge did; `None` when the pair merges no set (its rule is off).
    fn merge_tags<'a>(
        &'a self,
        store: &'a mut bridge_store::Store,
        run: TagRun<'a>,
    ) -> BoxFuture<'a, Result<Option<crate::nifty::LabelReport>, BridgeError>>;
}

/// An app that forgets a record some time after its last write, unless it is written again.
pub trait ExpiringRows: Send + Sync {
    /// How long a record lives after its last write, when known. Rows near the end of it are
    /// planned as updates with their last written values ([`plan_keep_alive`]).
    fn ttl(&self) -> Option<chrono::Duration>;
}

/// How far a timestamp cursor may advance in one scan: to a little before the scan began. A
/// record changed while a long scan pages on may land on a page already read, with a stamp
/// older than the newest one seen; re-reading the last minutes each time (the content hash
/// drops what did not change) keeps it from being skipped. The margin also covers clocks a
/// few minutes apart.
pub(crate) fn cursor_ceiling() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::minutes(5)
}

/// The app side of a stored connection.
pub fn app_side(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn bridge_core::Clock>,
) -> Result<Box<dyn AppSide>, BridgeError> {
    match connection.system {
        System::Nifty => Ok(Box::new(crate::nifty::NiftySide::new(
            connection.clone(),
            crate::nifty::nifty_tasks(connection, tokens, clock)?,
        ))),
        System::Novi => Ok(Box::new(NoviSide::new(
            connection.clone(),
            crate::connections::novi_client(connection, tokens)?,
        ))),
        System::Ninox => Ok(Box::new(NinoxSide::new(
            connection.clone(),
            crate::connections::ninox_table(connection, tokens)?,
        ))),
        System::Connectif => Ok(Box::new(ConnectifSide::new(
            connection.clone(),
            crate::connections::connectif_client(connection, tokens)?,
        ))),
        System::NiftyImages => Ok(Box::new(NiftyImagesSide::new(
            connection.clone(),
            crate::connections::niftyimages_client(connection, tokens)?,
        )?)),
        other => Err(BridgeError::new(
            ErrorCode::InvalidInput,
            format!(
                "{} connections do not sync contacts with GHL",
                other.display_name()
            ),
        )),
    }
}

/// The mapping a new connection of `system` starts with.
pub fn default_mapping(system: System) -> Mapping {
    match system {
        System::Ninox => default_ninox_mapping(),
        System::Connectif => default_connectif_mapping(None),
        System::NiftyImages => niftyimages_mapping_for(&[], "email"),
        // Nifty holds no contacts: nothing to map.
        System::Nifty => Mapping {
            object: bridge_core::mapping::ObjectKind::Contact,
            fields: Vec::new(),
        },
        _ => default_novi_mapping(),
    }
}

/// Whether `system` pairs with GHL through [`AppSide`].
pub fn syncs_contacts(system: System) -> bool {
    matches!(
        system,
        System::Novi | System::Ninox | System::Connectif | System::NiftyImages
    )
}
