//! Changed contacts, page by page: POST /contacts/search sorted by `dateUpdated` ascending,
//! filtered to `dateUpdated >= since`, paged with `searchAfter` (page+pageLimit stop at 10,000
//! records; searchAfter does not, and 100,000-contact locations are the norm).
//!
//! Paging. Each search hit carries `searchAfter`, the sort values of that hit (ghl#314); the
//! next page's `searchAfter` is the one of the last contact of this page, sent unchanged and
//! without `page`.
//! Fallback, when the last contact carries no `searchAfter`: the search is restarted from that
//! contact's `dateUpdated` (`>=`), and the contacts already yielded at exactly that instant are
//! skipped by id. It relies only on the documented filter and sort; it fails with a clear error
//! rather than loop if a whole page shares one `dateUpdated`.
//!
//! Why `>=` and not `>`: if a run stops after storing a page whose last contacts share their
//! `dateUpdated` with the first contacts of the next page, `>` would skip those forever. With
//! `>=` the boundary contacts come again and the engine drops them as unchanged (content hash).
//! The engine also starts `since` a little early, because GHL's search index lags a few seconds.
//!
//! A page shorter than `pageLimit` is the last one, so an exact multiple costs one extra
//! (empty) request and nothing else does.

use std::collections::HashSet;

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::Stream;
use serde_json::{json, Value};

use super::wire::{
    GhlContact, SearchContactsBody, SearchContactsEnvelope, SearchFilter, SearchSort,
};
use super::GhlClient;
use crate::http::{paginate, ApiRequest, Fetched, PageContent};

/// GHL's largest page.
pub const MAX_PAGE_LIMIT: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedContactsQuery {
    /// Contacts updated at or after this instant; `None` for every contact of the location.
    pub updated_since: Option<DateTime<Utc>>,
    /// Contacts per page, clamped to 1..=500. The default, 500, spends the fewest requests.
    pub page_limit: u32,
}

impl Default for ChangedContactsQuery {
    fn default() -> Self {
        Self {
            updated_since: None,
            page_limit: MAX_PAGE_LIMIT,
        }
    }
}

/// One page of contacts, in ascending `dateUpdated` order.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub contacts: Vec<GhlContact>,
    /// How many contacts match the search, when GHL says.
    pub total: Option<u64>,
}

impl SearchPage {
    /// Where to resume once this page is stored: the newest `dateUpdated` in it (the last
    /// contact's, since the page is sorted). Errors name the contact whose time is unreadable.
    pub fn cursor(&self) -> Result<Option<DateTime<Utc>>, BridgeError> {
        for contact in self.contacts.iter().rev() {
            if let Some(updated) = updated_at(contact)? {
                return Ok(Some(updated));
            }
        }
        if self.contacts.is_empty() {
            Ok(None)
        } else {
            Err(BridgeError::new(
                ErrorCode::Remote,
                "GHL contact search: no contact in the page carries dateUpdated, so the sync \
                 cursor cannot advance",
            ))
        }
    }
}

impl PageContent for SearchPage {
    fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }
}

/// Where the next page starts.
#[derive(Debug, Clone, Default)]
struct SearchCursor {
    since: Option<DateTime<Utc>>,
    search_after: Option<Vec<Value>>,
    /// Fallback paging only: the instant restarted from and the ids already yielded at it.
    boundary: Option<(DateTime<Utc>, HashSet<String>)>,
}

impl GhlClient {
    /// Streams the location's contacts changed since `query.updated_since`. Each page is
    /// fetched only when the caller asks for the next, so the caller can store a page and
    /// advance its cursor ([`SearchPage::cursor`]) before anything else is read.
    pub fn search_changed_contacts(
        &self,
        query: ChangedContactsQuery,
    ) -> impl Stream<Item = Result<SearchPage, BridgeError>> + Send + 'static {
        let client = self.clone();
        let page_limit = query.page_limit.clamp(1, MAX_PAGE_LIMIT);
        let first = SearchCursor {
            since: query.updated_since,
            ..SearchCursor::default()
        };
        paginate(first, move |cursor| {
            let client = client.clone();
            async move { client.search_page(page_limit, cursor).await }
        })
    }

    async fn search_page(
        &self,
        page_limit: u32,
        cursor: SearchCursor,
    ) -> Result<Fetched<SearchPage, SearchCursor>, BridgeError> {
        let body = SearchContactsBody {
            location_id: self.location_id().to_string(),
            page_limit,
            search_after: cursor.search_after.clone(),
            filters: cursor
                .since
                .map(|since| {
                    vec![SearchFilter {
                        field: "dateUpdated".into(),
                        operator: "range".into(),
                        value: Some(
                            json!({ "gte": since.to_rfc3339_opts(SecondsFormat::Millis, true) }),
                        ),
                    }]
                })
                .unwrap_or_default(),
            sort: vec![SearchSort {
                field: "dateUpdated".into(),
                direction: "asc".into(),
            }],
        };
        let context = match cursor.since {
            Some(since) => format!(
                "search GHL contacts updated since {}",
                since.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
            None => "search all GHL contacts".to_string(),
        };
        let envelope: SearchContactsEnvelope = self
            .send(
                ApiRequest::post(&["contacts", "search"])
                    .json(&body)?
                    // A search changes nothing: always safe to resend.
                    .idempotent(true)
                    .context(context.clone()),
            )
            .await?;

        let received = envelope.contacts.len();
        let total = envelope.total.as_ref().and_then(Value::as_u64);
        let last = envelope.contacts.last().cloned();
        let contacts = skip_already_yielded(envelope.contacts, cursor.boundary.as_ref())?;

        let next = match last {
            Some(last) if received >= page_limit as usize => {
                Some(next_cursor(&context, cursor, &last, &contacts)?)
            }
            // A short (or empty) page is the last one.
            _ => None,
        };
        Ok(Fetched {
            page: SearchPage { contacts, total },
            next,
        })
    }
}

/// The cursor after a full page ending with `last`.
fn next_cursor(
    context: &str,
    cursor: SearchCursor,
    last: &GhlContact,
    yielded: &[GhlContact],
) -> Result<SearchCursor, BridgeError> {
    if let Some(search_after) = last.search_after.clone().filter(|s| !s.is_empty()) {
        return Ok(SearchCursor {
            since: cursor.since,
            search_after: Some(search_after),
            boundary: None,
        });
    }

    // Fallback: restart from the last contact's dateUpdated.
    let last_id = last.id.as_deref().unwrap_or("(without id)");
    let at = updated_at(last)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::Remote,
            format!(
                "{context}: GHL contact {last_id} carries neither searchAfter nor dateUpdated, \
                 so the search cannot continue past it"
            ),
        )
    })?;
    if yielded.is_empty() {
        return Err(BridgeError::new(
            ErrorCode::Remote,
            format!(
                "{context}: a whole page of contacts shares dateUpdated {} and GHL sent no \
                 searchAfter, so the search cannot continue past them",
                at.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
        ));
    }
    let mut seen = match cursor.boundary {
        Some((boundary, seen)) if boundary == at => seen,
        _ => HashSet::new(),
    };
    for contact in yielded {
        if let (Some(id), Ok(Some(updated))) = (&contact.id, updated_at(contact)) {
            if updated == at {
                seen.insert(id.clone());
            }
        }
    }
    Ok(SearchCursor {
        since: Some(at),
        search_after: None,
        boundary: Some((at, seen)),
    })
}

/// Drops the contacts a fallback restart brings back: same id, same `dateUpdated` as yielded.
/// A contact updated again since then has a newer time and is kept.
fn skip_already_yielded(
    contacts: Vec<GhlContact>,
    boundary: Option<&(DateTime<Utc>, HashSet<String>)>,
) -> Result<Vec<GhlContact>, BridgeError> {
    let Some((at, seen)) = boundary else {
        return Ok(contacts);
    };
    let mut kept = Vec::with_capacity(contacts.len());
    for contact in contacts {
        let repeat = match &contact.id {
            Some(id) if seen.contains(id) => updated_at(&contact)? == Some(*at),
            _ => false,
        };
        if !repeat {
            kept.push(contact);
        }
    }
    Ok(kept)
}

fn updated_at(contact: &GhlContact) -> Result<Option<DateTime<Utc>>, BridgeError> {
    match &contact.date_updated {
        None => Ok(None),
        Some(time) => time.parse().map_err(|why| {
            BridgeError::new(
                ErrorCode::Remote,
                format!(
                    "GHL contact {}: dateUpdated {why}",
                    contact.id.as_deref().unwrap_or("(without id)")
                ),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::wire::RemoteTime;
    use super::*;

    fn contact(id: &str, updated: &str) -> GhlContact {
        GhlContact {
            id: Some(id.into()),
            date_updated: Some(RemoteTime(json!(updated))),
            ..Default::default()
        }
    }

    #[test]
    fn cursor_is_the_last_date_updated() {
        let page = SearchPage {
            contacts: vec![
                contact("a", "2024-01-01T00:00:00.000Z"),
                contact("b", "2024-01-02T00:00:00.000Z"),
            ],
            total: None,
        };
        assert_eq!(
            page.cursor().unwrap(),
            Some(Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap())
        );
        let bad = SearchPage {
            contacts: vec![contact("c9", "yesterday")],
            total: None,
        };
        let err = bad.cursor().unwrap_err();
        assert!(err.message.contains("c9") && err.message.contains("dateUpdated"));
        let empty = SearchPage {
            contacts: vec![],
            total: None,
        };
        assert_eq!(empty.cursor().unwrap(), None);
    }

    #[test]
    fn next_cursor_prefers_the_last_contacts_search_after() {
        let mut last = contact("b", "2024-01-02T00:00:00.000Z");
        last.search_after = Some(vec![json!(1704153600000_i64), json!("b")]);
        let next = next_cursor("ctx", SearchCursor::default(), &last, &[last.clone()]).unwrap();
        assert_eq!(
            next.search_after,
            Some(vec![json!(1704153600000_i64), json!("b")])
        );
        assert!(next.boundary.is_none());
        assert_eq!(next.since, None);
    }

    #[test]
    fn fallback_restarts_from_the_last_time_and_skips_repeats() {
        let page = vec![
            contact("a", "2024-01-01T00:00:00.000Z"),
            contact("b", "2024-01-02T00:00:00.000Z"),
            contact("c", "2024-01-02T00:00:00.000Z"),
        ];
        let next = next_cursor("ctx", SearchCursor::default(), &page[2], &page).unwrap();
        let at = Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(next.since, Some(at));
        assert_eq!(next.search_after, None);
        let (boundary, seen) = next.boundary.clone().unwrap();
        assert_eq!(boundary, at);
        assert_eq!(seen, HashSet::from(["b".to_string(), "c".to_string()]));

        // The restart brings b and c back (skipped), plus c updated again and d (kept).
        let again = vec![
            contact("b", "2024-01-02T00:00:00.000Z"),
            contact("c", "2024-01-02T00:00:00.000Z"),
            contact("d", "2024-01-02T00:00:00.000Z"),
            contact("c", "2024-01-03T00:00:00.000Z"),
        ];
        let kept = skip_already_yielded(again, next.boundary.as_ref()).unwrap();
        let ids: Vec<(&str, String)> = kept
            .iter()
            .map(|c| {
                (
                    c.id.as_deref().unwrap(),
                    c.date_updated.as_ref().unwrap().0.to_string(),
                )
            })
            .collect();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].0, "d");
        assert_eq!(ids[1].0, "c");
        assert!(ids[1].1.contains("2024-01-03"));
    }

    #[test]
    fn fallback_fails_clearly_when_it_cannot_progress() {
        let last = contact("z", "2024-01-02T00:00:00.000Z");
        let err =
            next_cursor("search GHL contacts", SearchCursor::default(), &last, &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::Remote);
        assert!(err
            .message
            .contains("shares dateUpdated 2024-01-02T00:00:00.000Z"));

        let no_time = GhlContact {
            id: Some("q1".into()),
            ..Default::default()
        };
        let err = next_cursor(
            "ctx",
            SearchCursor::default(),
            &no_time,
            std::slice::from_ref(&no_time),
        )
        .unwrap_err();
        assert!(err.message.contains("q1"));
        assert!(err.message.contains("neither searchAfter nor dateUpdated"));
    }
}
