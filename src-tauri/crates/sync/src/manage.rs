//! Managing connections after they are added: rename, reconnect in place, remove (saying first
//! what stops), and leaving the sandbox. A connection's id never changes, so mappings, links,
//! journal rows and history stay with it through a rename or a reconnect.

use std::net::IpAddr;
use std::sync::Arc;

use bridge_auth::ghl_oauth::ghl_provider;
use bridge_auth::{LoopbackOptions, OAuthClient, Sensitive, TokenStore};
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{self, AuthKind, ConnectionRow};
use bridge_store::Store;
use serde::Serialize;
use url::Url;

use crate::connections::{client_secret_key, ghl_endpoints, secret_key};
use crate::doctor::{doctor, Check};
use crate::lease::Lease;

/// What removing a connection stops, for the operator to confirm first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovalImpact {
    pub connection: String,
    pub system: System,
    /// The pairs that stop syncing, by the app connection's name.
    pub pairs: Vec<String>,
    /// Saved field mappings removed with it.
    pub mappings: u64,
    /// Links between GHL records and this app's records that are forgotten (the records
    /// themselves stay in both apps).
    pub links: u64,
    /// A GHL location's contacts kept in this database (not in GHL: nothing is deleted there).
    pub contacts: u64,
}

/// Gives a connection another name (its mappings, links and history stay with it).
pub fn rename(store: &Store, clock: &dyn Clock, id: &str, name: &str) -> Result<(), BridgeError> {
    connections::rename(store.conn(), id, name, clock.now())
}

fn connection(store: &Store, id: &str) -> Result<ConnectionRow, BridgeError> {
    connections::get(store.conn(), id)?
        .ok_or_else(|| BridgeError::new(ErrorCode::NotFound, format!("no connection {id}")))
}

/// The app connections whose pair stops when `row` goes: its own pair for an app; every pair
/// of the location for a GHL connection.
fn pairs_stopping(store: &Store, row: &ConnectionRow) -> Result<Vec<String>, BridgeError> {
    if row.system != System::Ghl {
        return Ok(vec![row.name.clone()]);
    }
    Ok(paired_with(store, row)?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

/// The app connections paired with GHL connection `ghl` (their location, as
/// [`crate::pairs::location_of`] finds it).
fn paired_with(store: &Store, ghl: &ConnectionRow) -> Result<Vec<ConnectionRow>, BridgeError> {
    Ok(connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system != System::Ghl)
        .filter(|c| crate::pairs::location_of(store, c).is_ok_and(|l| l.id == ghl.id))
        .collect())
}

/// What removing connection `id` would stop and forget.
pub fn removal_impact(store: &Store, id: &str) -> Result<RemovalImpact, BridgeError> {
    let row = connection(store, id)?;
    let usage = connections::usage(store.conn(), id)?;
    let mut mappings = usage.mappings;
    let mut links = usage.links;
    if row.system == System::Ghl {
        // The location's pairs lose their hub: count what they hold too.
        for other in &paired_with(store, &row)? {
            let held = connections::usage(store.conn(), &other.id)?;
            mappings += held.mappings;
            links += held.links;
        }
    }
    Ok(RemovalImpact {
        connection: row.name.clone(),
        system: row.system,
        pairs: pairs_stopping(store, &row)?,
        mappings,
        links,
        contacts: usage.contacts,
    })
}

/// Removes connections and everything this database keeps for them, and their secrets from
/// the keychain. Holds the sync lease: nothing is removed under a running sync.
fn remove_all(
    store: &Store,
    tokens: &dyn TokenStore,
    rows: &[ConnectionRow],
) -> Result<(), BridgeError> {
    let lease = Lease::take_now(store, "remove")?;
    let mut removed = Vec::with_capacity(rows.len());
    let mut failure = None;
    for row in rows {
        match connections::delete(store.conn(), &row.id) {
            Ok(()) => removed.push(row),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let released = lease.release_after(store, failure.map_or(Ok(()), Err));
    // The rows removed are gone: secrets left behind would be unreachable, so a failed
    // keychain delete is logged, not raised.
    for row in removed {
        for key in [row.secret_ref.clone(), client_secret_key(&row.id)] {
            if let Err(e) = tokens.delete(&key) {
                tracing::warn!(connection = %row.id, "a secret stayed in the keychain: {}", e.message);
            }
        }
    }
    released
}

/// Removes one connection (see [`removal_impact`] for what stops).
pub fn remove(store: &Store, tokens: &dyn TokenStore, id: &str) -> Result<(), BridgeError> {
    let row = connection(store, id)?;
    remove_all(store, tokens, std::slice::from_ref(&row))
}

/// Whether a connection points at the built-in sandbox: the fakes serve only on loopback, and
/// no vendor's API does.
pub fn is_sandbox(row: &ConnectionRow) -> bool {
    Url::parse(&row.base_url)
        .ok()
        .and_then(|url| match url.host() {
            Some(url::Host::Domain(host)) => Some(host == "localhost"),
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip).is_loopback()),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip).is_loopback()),
            None => None,
        })
        .unwrap_or(false)
}

/// The sandbox's connections, which "Leave the sandbox" removes.
pub fn sandbox_connections(store: &Store) -> Result<Vec<ConnectionRow>, BridgeError> {
    Ok(connections::list(store.conn())?
        .into_iter()
        .filter(is_sandbox)
        .collect())
}

/// Removes every sandbox connection and its data in one step; returns their names.
pub fn leave_sandbox(store: &Store, tokens: &dyn TokenStore) -> Result<Vec<String>, BridgeError> {
    let rows = sandbox_connections(store)?;
    remove_all(store, tokens, &rows)?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Reconnects a key or token connection in place with a new secret: the secret is swapped,
/// then every check runs with it. When not one check passes, the previous secret is put back
/// and the error names what the app said.
pub async fn reconnect_with_secret(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    id: &str,
    secret: Sensitive<String>,
) -> Result<Vec<Check>, BridgeError> {
    let row = connection(store, id)?;
    if row.auth_kind == AuthKind::Oauth {
        return Err(BridgeError::invalid_input(format!(
            "{} signs in through the browser: reconnect it without a key",
            row.name
        )));
    }
    let secret = Sensitive::new(secret.expose().trim().to_string());
    if secret.expose().is_empty() {
        return Err(BridgeError::invalid_input(format!(
            "{}: the new key is empty",
            row.name
        )));
    }
    let previous = tokens.get(&row.secret_ref)?;
    tokens.set(&row.secret_ref, &secret)?;
    let checks: Vec<Check> = doctor(store, tokens.clone(), clock.clone(), Some(&row.name), false)
        .await?
        .into_iter()
        .flat_map(|report| report.checks)
        .collect();
    if !checks.iter().any(|c| c.ok) {
        match previous {
            Some(old) => tokens.set(&row.secret_ref, &old)?,
            None => tokens.delete(&row.secret_ref)?,
        }
        // The stored checks are the refused key's: a sync trusts them, so check the kept one
        // again (its own result stands, whatever it is).
        doctor(store, tokens.clone(), clock.clone(), Some(&row.name), false).await?;
        let said = checks
            .first()
            .map(|c| c.message.clone())
            .unwrap_or_else(|| "no check could run".into());
        return Err(BridgeError::new(
            ErrorCode::Unauthorized,
            format!(
                "{} refused the new key, so the previous one was kept: {said}",
                row.system.display_name()
            ),
        ));
    }
    connections::reconnected(store.conn(), &row.id, &row.settings, clock.now())?;
    Ok(checks)
}

/// Reconnects an OAuth connection in place: signs in again through the browser with the app's
/// stored client id and secret. A GHL sign-in must choose the same location. Then every check
/// runs (a sync trusts the last checks), and their results are returned.
pub async fn reconnect_oauth<F>(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    id: &str,
    opener: F,
) -> Result<Vec<Check>, BridgeError>
where
    F: FnOnce(&Url) -> Result<(), BridgeError>,
{
    let row = connection(store, id)?;
    if row.auth_kind != AuthKind::Oauth {
        return Err(BridgeError::invalid_input(format!(
            "{} is connected by a key: reconnect it with a new one",
            row.name
        )));
    }
    let client_secret = tokens.get(&client_secret_key(&row.id))?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::ReconnectRequired,
            format!(
                "{}: the app's client secret is no longer in the keychain; remove the connection and add it again",
                row.name
            ),
        )
    })?;
    let setting = |key: &str| {
        row.settings[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| BridgeError::storage(format!("{}: its settings lack {key}", row.name)))
    };
    let (oauth, loopback) = match row.system {
        System::Ghl => {
            let endpoints = ghl_endpoints(&setting("authUrl")?, &row.base_url)?;
            let scopes = crate::connections::GHL_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect();
            let provider = ghl_provider(&endpoints, setting("clientId")?, client_secret, scopes);
            (
                OAuthClient::new(provider, clock.clone())?,
                LoopbackOptions::default(),
            )
        }
        System::Nifty => {
            let oauth = crate::nifty::nifty_oauth(
                &crate::nifty::nifty_setting(&row, "authUrl")?,
                &crate::nifty::nifty_setting(&row, "tokenUrl")?,
                crate::nifty::nifty_setting(&row, "clientId")?,
                client_secret,
                clock.clone(),
            )?;
            // Nifty accepts only the redirect URL registered in its app: the same port again.
            let port = row.settings["redirectUrl"]
                .as_str()
                .and_then(|u| Url::parse(u).ok())
                .and_then(|u| u.port())
                .unwrap_or(crate::nifty::NIFTY_REDIRECT_PORT);
            (
                oauth,
                LoopbackOptions {
                    port,
                    ..LoopbackOptions::default()
                },
            )
        }
        other => {
            return Err(BridgeError::internal(format!(
                "{} has no OAuth sign-in",
                other.display_name()
            )))
        }
    };
    let token_set = oauth.sign_in(&loopback, opener).await?;
    if row.system == System::Ghl {
        let chosen = token_set.location_id.clone().unwrap_or_default();
        if chosen != row.account_id {
            return Err(BridgeError::invalid_input(format!(
                "the sign-in chose location {chosen}, but {} is location {}: sign in again choosing {} (or add {chosen} as a new connection)",
                row.name, row.account_id, row.account_id
            )));
        }
    }
    tokens.set(&secret_key(&row.id), &token_set.to_secret_json()?)?;
    let mut settings = row.settings.clone();
    if let Some(scope) = token_set.scope {
        settings["scopes"] = serde_json::Value::String(scope);
    }
    connections::reconnected(store.conn(), &row.id, &settings, clock.now())?;
    Ok(doctor(store, tokens, clock, Some(&row.name), false)
        .await?
        .into_iter()
        .flat_map(|report| report.checks)
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bridge_auth::{MemoryStore, Sensitive, TokenStore};
    use bridge_core::{FixedClock, System};
    use bridge_store::table::connections::{self, AuthKind, NewConnection};
    use bridge_store::Store;

    use super::*;

    fn add(
        store: &Store,
        tokens: &dyn TokenStore,
        system: System,
        name: &str,
        base: &str,
    ) -> String {
        let id = format!("{}:{name}", system.as_str());
        tokens
            .set(&secret_key(&id), &Sensitive::new("s3cret".to_string()))
            .unwrap();
        connections::insert(
            store.conn(),
            &NewConnection {
                system,
                name: name.into(),
                base_url: base.into(),
                auth_kind: if system == System::Ghl {
                    AuthKind::PrivateToken
                } else {
                    AuthKind::ApiKey
                },
                account_id: "acct".into(),
                secret_ref: secret_key(&id),
                settings: serde_json::json!({}),
            },
            chrono::Utc::now(),
        )
        .unwrap()
        .id
    }

    #[test]
    fn removing_an_app_names_its_pair_and_forgets_its_secret() {
        let store = Store::open_in_memory().unwrap();
        let tokens = MemoryStore::new();
        add(
            &store,
            &tokens,
            System::Ghl,
            "Main",
            "https://services.leadconnectorhq.com",
        );
        let novi = add(
            &store,
            &tokens,
            System::Novi,
            "Members",
            "https://assoc.example/api",
        );
        let impact = removal_impact(&store, &novi).unwrap();
        assert_eq!(impact.pairs, vec!["Members".to_string()]);
        assert_eq!(impact.contacts, 0);
        remove(&store, &tokens, &novi).unwrap();
        assert!(connections::get(store.conn(), &novi).unwrap().is_none());
        assert!(tokens.get(&secret_key(&novi)).unwrap().is_none());
    }

    #[test]
    fn removing_the_location_stops_every_pair_of_it() {
        let store = Store::open_in_memory().unwrap();
        let tokens = MemoryStore::new();
        let ghl = add(
            &store,
            &tokens,
            System::Ghl,
            "Main",
            "https://services.leadconnectorhq.com",
        );
        add(
            &store,
            &tokens,
            System::Novi,
            "Members",
            "https://assoc.example/api",
        );
        add(
            &store,
            &tokens,
            System::Ninox,
            "Table",
            "https://api.ninox.com/v1",
        );
        let impact = removal_impact(&store, &ghl).unwrap();
        assert_eq!(
            impact.pairs,
            vec!["Table".to_string(), "Members".to_string()]
        );
    }

    #[test]
    fn leaving_the_sandbox_removes_only_loopback_connections() {
        let store = Store::open_in_memory().unwrap();
        let tokens = MemoryStore::new();
        add(
            &store,
            &tokens,
            System::Ghl,
            "Sandbox GHL",
            "http://127.0.0.1:40001",
        );
        add(
            &store,
            &tokens,
            System::Novi,
            "Sandbox Novi",
            "http://localhost:40002/api",
        );
        let real = add(
            &store,
            &tokens,
            System::Ninox,
            "Real",
            "https://api.ninox.com/v1",
        );
        let left = leave_sandbox(&store, &tokens).unwrap();
        assert_eq!(
            left,
            vec!["Sandbox GHL".to_string(), "Sandbox Novi".to_string()]
        );
        let remaining: Vec<String> = connections::list(store.conn())
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(remaining, vec![real]);
    }

    #[test]
    fn nothing_is_removed_while_a_sync_holds_the_lease() {
        let store = Store::open_in_memory().unwrap();
        let tokens = MemoryStore::new();
        let novi = add(
            &store,
            &tokens,
            System::Novi,
            "Members",
            "https://assoc.example/api",
        );
        let sync = Lease::take_now(&store, "cli").unwrap();
        assert!(remove(&store, &tokens, &novi).is_err());
        sync.release(&store).unwrap();
        assert!(connections::get(store.conn(), &novi).unwrap().is_some());
        assert!(tokens.get(&secret_key(&novi)).unwrap().is_some());
    }

    #[tokio::test]
    async fn a_refused_new_key_keeps_the_previous_one() {
        let store = Store::open_in_memory().unwrap();
        let tokens: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        // Nothing answers on this port: every check fails.
        let novi = add(
            &store,
            tokens.as_ref(),
            System::Novi,
            "Members",
            "http://127.0.0.1:9/api",
        );
        let clock: Arc<dyn bridge_core::Clock> = Arc::new(FixedClock(chrono::Utc::now()));
        let err = reconnect_with_secret(
            &store,
            tokens.clone(),
            clock,
            &novi,
            Sensitive::new("new".into()),
        )
        .await
        .unwrap_err();
        assert!(
            err.message.contains("previous one was kept"),
            "{}",
            err.message
        );
        assert_eq!(
            tokens.get(&secret_key(&novi)).unwrap().unwrap().expose(),
            "s3cret"
        );
    }
}
