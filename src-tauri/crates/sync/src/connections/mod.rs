//! Connecting accounts and building their clients: one path for the CLI and the desktop.
//! The connection row (in SQLite) holds a reference to its secret; the secret itself goes to
//! the token store (the OS keychain, or the CLI's 0600 file). GHL's connections are in
//! `ghl`, the API-key apps' in `apps` (Nifty's OAuth in `crate::nifty`); what they share is here.

mod apps;
mod ghl;

pub use apps::*;
pub use ghl::*;

use std::sync::Arc;

use bridge_auth::{AccessTokenSource, Sensitive, StaticToken, TokenStore};
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{self, AuthKind, ConnectionRow, NewConnection};
use bridge_store::Store;
use futures::future::BoxFuture;
use url::Url;

pub(crate) fn secret_key(connection_id: &str) -> String {
    format!("connection/{connection_id}")
}

pub(crate) fn client_secret_key(connection_id: &str) -> String {
    format!("connection/{connection_id}/client_secret")
}

/// A key as typed, trimmed; an empty one is refused naming the app.
fn api_key(raw: &Sensitive<String>, app: &str) -> Result<Sensitive<String>, BridgeError> {
    let key = Sensitive::new(raw.expose().trim().to_string());
    if key.expose().is_empty() {
        return Err(BridgeError::invalid_input(format!(
            "{app} connection: the API key is empty"
        )));
    }
    Ok(key)
}

fn save_default_mapping(
    store: &Store,
    connection: &ConnectionRow,
    mapping: &bridge_core::mapping::Mapping,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let spec = serde_json::to_value(mapping).map_err(|e| BridgeError::internal(e.to_string()))?;
    bridge_store::table::mappings::save(store.conn(), &connection.id, "contact", &spec, clock.now())
}

fn base_url(text: &str) -> Result<Url, BridgeError> {
    Url::parse(text)
        .map_err(|e| BridgeError::invalid_input(format!("--base-url '{text}' is not a URL: {e}")))
}

/// The stored API key of a connection, as its client's token source.
fn stored_key(connection: &ConnectionRow, tokens: Arc<dyn TokenStore>) -> Arc<StaticToken> {
    Arc::new(
        StaticToken::new(
            tokens,
            connection.secret_ref.clone(),
            format!(
                "{} connection \"{}\"",
                connection.system.display_name(),
                connection.name
            ),
        )
        .with_token_name("API key"),
    )
}

/// An API-key connection to save.
struct KeyedConnection {
    system: System,
    name: String,
    base_url: String,
    account_id: String,
    settings: serde_json::Value,
}

/// Saves an API-key connection: the key to the token store, the row (with a reference to
/// the key) to the database; the key is removed again if the row cannot be saved.
fn save_keyed_connection(
    store: &Store,
    tokens: &dyn TokenStore,
    clock: &dyn Clock,
    key: &Sensitive<String>,
    connection: KeyedConnection,
) -> Result<ConnectionRow, BridgeError> {
    let secret_ref = secret_key(&connection_id(connection.system, &connection.name));
    tokens.set(&secret_ref, key)?;
    let new = NewConnection {
        system: connection.system,
        name: connection.name,
        base_url: connection.base_url,
        auth_kind: AuthKind::ApiKey,
        account_id: connection.account_id,
        secret_ref,
        settings: connection.settings,
    };
    insert_or_forget_secret(store, tokens, &new, clock)
}

pub(crate) fn connection_id(system: System, name: &str) -> String {
    format!("{}:{}", system.as_str(), name)
}

pub(crate) fn ensure_name_free(
    store: &Store,
    system: System,
    name: &str,
) -> Result<(), BridgeError> {
    // A renamed connection keeps its first id: both the id and the name must be free.
    if connections::get(store.conn(), &connection_id(system, name))?.is_some()
        || connections::list(store.conn())?
            .iter()
            .any(|c| c.name == name)
    {
        return Err(BridgeError::new(
            ErrorCode::Conflict,
            format!(
                "a {} connection named \"{name}\" exists already: pick another --name",
                system.display_name()
            ),
        ));
    }
    Ok(())
}

/// Saves the row; if that fails, the secrets stored for it are removed again.
pub(crate) fn insert_or_forget_secret(
    store: &Store,
    tokens: &dyn TokenStore,
    new: &NewConnection,
    clock: &dyn Clock,
) -> Result<ConnectionRow, BridgeError> {
    let row = connections::insert(store.conn(), new, clock.now()).inspect_err(|_| {
        // The OAuth connections also stored their app's client secret beside the token.
        let id = connection_id(new.system, &new.name);
        for key in [new.secret_ref.clone(), client_secret_key(&id)] {
            let _ = tokens.delete(&key);
        }
    })?;
    // A new app is paired with the only location (several: the operator chooses); a first
    // location takes the apps that waited for one.
    crate::pairs::bind_defaults(store, clock.now())?;
    Ok(row)
}

/// A token checked before the connection exists (nothing stored yet).
pub(crate) struct FixedToken(pub(crate) Sensitive<String>);

impl AccessTokenSource for FixedToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }

    fn on_unauthorized<'a>(
        &'a self,
        _rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move {
            Err(BridgeError::new(
                ErrorCode::Unauthorized,
                "the app rejected the token or API key being checked: check it was copied whole \
                 and belongs to this account",
            ))
        })
    }
}
