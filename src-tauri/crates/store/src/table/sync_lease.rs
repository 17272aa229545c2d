//! `sync_lease`: the one row saying which process may sync this database now. Every change is
//! one statement that checks the holder it expects, so two processes racing for the row never
//! both win.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{storage_error, timestamp, Cached};

/// Who holds (or wants) the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// Unique to one holding.
    pub owner: String,
    pub trigger: String,
    pub pid: u32,
    pub host: String,
    pub started_at: String,
    pub renewed_at: String,
    pub expires_at: String,
}

/// The current holder, expired or not.
pub fn holder(conn: &Connection) -> Result<Option<LeaseRow>, BridgeError> {
    conn.query_row_cached(
        "SELECT owner, trigger, pid, host, started_at, renewed_at, expires_at FROM sync_lease WHERE id = 1",
        [],
        |row| {
            Ok(LeaseRow {
                owner: row.get(0)?,
                trigger: row.get(1)?,
                pid: row.get(2)?,
                host: row.get(3)?,
                started_at: row.get(4)?,
                renewed_at: row.get(5)?,
                expires_at: row.get(6)?,
            })
        },
    )
    .optional()
    .map_err(storage_error)
}

/// Takes the lease for `wanted` when it is free, expired at `now`, or held by `replacing` (a
/// holder the caller knows is gone). Returns whether `wanted` holds it now.
pub fn take(
    conn: &Connection,
    wanted: &LeaseRow,
    now: DateTime<Utc>,
    replacing: Option<&str>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "INSERT INTO sync_lease (id, owner, trigger, pid, host, started_at, renewed_at, expires_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET
                 owner = excluded.owner, trigger = excluded.trigger, pid = excluded.pid,
                 host = excluded.host, started_at = excluded.started_at,
                 renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
             WHERE sync_lease.expires_at <= ?8 OR sync_lease.owner = ?9",
            params![
                wanted.owner,
                wanted.trigger,
                wanted.pid,
                wanted.host,
                wanted.started_at,
                wanted.renewed_at,
                wanted.expires_at,
                timestamp(now),
                replacing,
            ],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Moves the expiry of `owner`'s lease to `expires_at`; false when `owner` no longer holds it
/// (it expired and another process took it over).
pub fn renew(
    conn: &Connection,
    owner: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE sync_lease SET renewed_at = ?2, expires_at = ?3 WHERE id = 1 AND owner = ?1",
            params![owner, timestamp(now), timestamp(expires_at)],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Gives the lease up, if `owner` still holds it.
pub fn release(conn: &Connection, owner: &str) -> Result<(), BridgeError> {
    conn.execute_cached(
        "DELETE FROM sync_lease WHERE id = 1 AND owner = ?1",
        [owner],
    )
    .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::at;
    use crate::Store;

    fn wanted(owner: &str, expires_hour: u32) -> LeaseRow {
        LeaseRow {
            owner: owner.into(),
            trigger: "cli".into(),
            pid: 42,
            host: "box".into(),
            started_at: timestamp(at(1)),
            renewed_at: timestamp(at(1)),
            expires_at: timestamp(at(expires_hour)),
        }
    }

    #[test]
    fn a_held_lease_is_taken_only_once_expired_or_by_naming_its_gone_holder() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert!(take(conn, &wanted("a", 3), at(1), None).unwrap());
        assert!(
            !take(conn, &wanted("b", 4), at(2), None).unwrap(),
            "a holds it"
        );
        assert_eq!(holder(conn).unwrap().unwrap().owner, "a");
        assert!(
            !take(conn, &wanted("b", 4), at(2), Some("c")).unwrap(),
            "naming another holder does not take it"
        );
        assert!(take(conn, &wanted("b", 4), at(2), Some("a")).unwrap());
        assert!(
            take(conn, &wanted("c", 6), at(4), None).unwrap(),
            "b expired at 4"
        );
        assert_eq!(holder(conn).unwrap().unwrap().owner, "c");
    }

    #[test]
    fn renewal_keeps_the_lease_and_a_lost_lease_cannot_be_renewed_or_released() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert!(take(conn, &wanted("a", 2), at(1), None).unwrap());
        assert!(renew(conn, "a", at(5), at(1)).unwrap());
        assert!(
            !take(conn, &wanted("b", 6), at(3), None).unwrap(),
            "renewed to 5"
        );
        assert!(take(conn, &wanted("b", 7), at(5), None).unwrap());
        assert!(!renew(conn, "a", at(9), at(5)).unwrap(), "b took it over");
        release(conn, "a").unwrap();
        assert_eq!(holder(conn).unwrap().unwrap().owner, "b");
        release(conn, "b").unwrap();
        assert_eq!(holder(conn).unwrap(), None);
    }
}
