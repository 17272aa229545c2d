//! `webhook_events`: GHL webhook events accepted by the receiver, each a pending hint until a
//! sync has read the records it names.

use bridge_core::BridgeError;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

/// How long an event is kept: far longer than the 5 minutes a replay can be told apart by its
/// timestamp, so a replayed `webhookId` is still found.
pub const RETENTION: Duration = Duration::days(7);

/// One accepted event, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    pub webhook_id: String,
    pub location_id: String,
    pub event_type: String,
    pub contact_id: Option<String>,
    pub record_id: Option<String>,
    pub sent_at: String,
    pub received_at: String,
    pub body: String,
    pub read_at: Option<String>,
}

/// What storing an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// An event with this `webhookId` is stored already: a replay.
    Duplicate,
}

/// Stores an accepted event (or finds its `webhookId` stored already), and forgets events
/// older than [`RETENTION`].
pub fn insert(
    conn: &Connection,
    event: &WebhookEvent,
    now: DateTime<Utc>,
) -> Result<Stored, BridgeError> {
    let inserted = conn
        .execute(
            "INSERT INTO webhook_events (webhook_id, location_id, event_type, contact_id, record_id,
                                         sent_at, received_at, body, read_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)
             ON CONFLICT (webhook_id) DO NOTHING",
            params![
                event.webhook_id,
                event.location_id,
                event.event_type,
                event.contact_id,
                event.record_id,
                event.sent_at,
                event.received_at,
                event.body,
            ],
        )
        .map_err(storage_error)?;
    let cutoff = now.checked_sub_signed(RETENTION).unwrap_or(now);
    conn.execute_cached(
        "DELETE FROM webhook_events WHERE received_at < ?1",
        params![timestamp(cutoff)],
    )
    .map_err(storage_error)?;
    Ok(if inserted == 1 {
        Stored::New
    } else {
        Stored::Duplicate
    })
}

/// The pending hints of one location: (webhook id, GHL contact id or none), oldest first.
pub fn pending(
    conn: &Connection,
    location_id: &str,
) -> Result<Vec<(String, Option<String>)>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT webhook_id, contact_id FROM webhook_events
             WHERE location_id = ?1 AND read_at IS NULL ORDER BY received_at, webhook_id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![location_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Marks these events read (their records were read by a sync).
pub fn mark_read(
    conn: &Connection,
    webhook_ids: &[String],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE webhook_events SET read_at = ?2 WHERE webhook_id = ?1 AND read_at IS NULL",
        )
        .map_err(storage_error)?;
    for id in webhook_ids {
        stmt.execute(params![id, timestamp(now)])
            .map_err(storage_error)?;
    }
    Ok(())
}

/// Every stored event, newest first (for tests and the operator).
pub fn list(conn: &Connection) -> Result<Vec<WebhookEvent>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT webhook_id, location_id, event_type, contact_id, record_id, sent_at,
                    received_at, body, read_at
             FROM webhook_events ORDER BY received_at DESC, webhook_id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([], |row| {
            Ok(WebhookEvent {
                webhook_id: row.get(0)?,
                location_id: row.get(1)?,
                event_type: row.get(2)?,
                contact_id: row.get(3)?,
                record_id: row.get(4)?,
                sent_at: row.get(5)?,
                received_at: row.get(6)?,
                body: row.get(7)?,
                read_at: row.get(8)?,
            })
        })
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::at;
    use crate::Store;

    fn event(id: &str, contact: Option<&str>, received: DateTime<Utc>) -> WebhookEvent {
        WebhookEvent {
            webhook_id: id.into(),
            location_id: "loc".into(),
            event_type: "NoteCreate".into(),
            contact_id: contact.map(str::to_string),
            record_id: Some("n1".into()),
            sent_at: timestamp(received),
            received_at: timestamp(received),
            body: "{}".into(),
            read_at: None,
        }
    }

    #[test]
    fn a_webhook_id_is_stored_once_and_read_hints_leave_the_pending_list() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert_eq!(
            insert(conn, &event("w1", Some("c1"), at(2)), at(2)).unwrap(),
            Stored::New
        );
        assert_eq!(
            insert(conn, &event("w1", Some("c9"), at(3)), at(3)).unwrap(),
            Stored::Duplicate
        );
        insert(conn, &event("w2", None, at(3)), at(3)).unwrap();
        assert_eq!(
            pending(conn, "loc").unwrap(),
            vec![("w1".into(), Some("c1".into())), ("w2".into(), None)]
        );
        assert!(pending(conn, "other").unwrap().is_empty());
        mark_read(conn, &["w1".into()], at(4)).unwrap();
        assert_eq!(pending(conn, "loc").unwrap(), vec![("w2".into(), None)]);
        assert_eq!(list(conn).unwrap().len(), 2);
    }

    #[test]
    fn events_past_the_retention_are_forgotten() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        insert(conn, &event("old", None, at(1)), at(1)).unwrap();
        let later = at(1) + RETENTION + Duration::hours(1);
        insert(conn, &event("new", None, later), later).unwrap();
        let ids: Vec<String> = list(conn)
            .unwrap()
            .into_iter()
            .map(|e| e.webhook_id)
            .collect();
        assert_eq!(ids, vec!["new".to_string()]);
    }
}
