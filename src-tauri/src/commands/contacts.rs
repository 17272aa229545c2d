//! Contacts page: a searchable, paged list and one contact's unified timeline.

use bridge_core::BridgeError;
use bridge_sync::browse::search_contacts;
use bridge_sync::service::{self, ContactRow};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

/// The most rows one page may ask for (the list asks for what is on screen, plus a margin).
const MAX_PAGE: u32 = 500;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    pub id: String,
    pub ghl_contact_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
}

fn summary(row: &ContactRow) -> ContactSummary {
    let c = &row.contact;
    let name = [c.first_name.as_deref(), c.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    ContactSummary {
        id: row.id.clone(),
        ghl_contact_id: c.contact_id.clone(),
        name,
        email: c.email.clone(),
        phone: c.phone.clone(),
        tags: c.tags.iter().cloned().collect(),
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactPageView {
    /// Every contact matching the search (the list's full height).
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<ContactSummary>,
}

/// One page of the GHL location's contacts whose name, email or phone contains `search`.
#[tauri::command]
#[specta::specta]
pub fn list_contacts(
    state: State<'_, AppState>,
    search: String,
    offset: u32,
    limit: u32,
) -> Result<ContactPageView, BridgeError> {
    let store = state.store()?;
    let hubs = service::ghl_connections(&store)?;
    let Some(hub) = hubs.first() else {
        return Ok(ContactPageView {
            total: 0,
            offset,
            rows: Vec::new(),
        });
    };
    let page = search_contacts(&store, &hub.id, &search, offset, limit.min(MAX_PAGE))?;
    Ok(ContactPageView {
        total: u32::try_from(page.total).unwrap_or(u32::MAX),
        offset,
        rows: page.rows.iter().map(summary).collect(),
    })
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItem {
    /// ghl, novi, ninox, …
    pub system: String,
    /// task, note, appointment, tag or field.
    pub kind: String,
    pub occurred_at: String,
    pub title: String,
    pub body: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub run_id: Option<String>,
}

fn item(e: service::TimelineEvent) -> TimelineItem {
    TimelineItem {
        system: e.system,
        kind: e.kind,
        occurred_at: e.occurred_at,
        title: e.title,
        body: e.body,
        before_value: e.before_value,
        after_value: e.after_value,
        run_id: e.run_id,
    }
}

/// A contact's events whose title or body holds every word of `query` (full-text index).
#[tauri::command]
#[specta::specta]
pub fn search_timeline(
    state: State<'_, AppState>,
    contact_id: String,
    query: String,
) -> Result<Vec<TimelineItem>, BridgeError> {
    let store = state.store()?;
    Ok(service::search_contact_events(&store, &contact_id, &query)?
        .into_iter()
        .map(item)
        .collect())
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub system: String,
    pub connection_name: String,
    pub remote_id: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactDetail {
    pub contact: ContactSummary,
    /// The records in the other apps linked to this contact.
    pub links: Vec<LinkView>,
    /// Everything that happened to it, in every app, oldest first.
    pub events: Vec<TimelineItem>,
}

#[tauri::command]
#[specta::specta]
pub fn contact_timeline(
    state: State<'_, AppState>,
    contact_id: String,
) -> Result<ContactDetail, BridgeError> {
    let store = state.store()?;
    let row = service::contact(&store, &contact_id)?;
    let connections = service::connections(&store)?;
    let links = service::contact_links(&store, &contact_id)?
        .into_iter()
        .filter(|l| l.object_kind == "contact")
        .map(|l| {
            let connection = connections.iter().find(|c| c.id == l.connection_id);
            LinkView {
                system: connection
                    .map(|c| c.system.as_str().to_string())
                    .unwrap_or_default(),
                connection_name: connection
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| l.connection_id.clone()),
                remote_id: l.remote_id,
            }
        })
        .collect();
    let events = service::contact_events(&store, &contact_id)?
        .into_iter()
        .map(item)
        .collect();
    Ok(ContactDetail {
        contact: summary(&row),
        links,
        events,
    })
}
