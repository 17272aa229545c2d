//! Connecting accounts and building their clients: one path for the CLI and the desktop.
//! The connection row (in SQLite) holds a reference to its secret; the secret itself goes to
//! the token store (the OS keychain, or the CLI's 0600 file).

use std::sync::Arc;

use bridge_auth::ghl_oauth::{ghl_provider, GhlEndpoints};
use bridge_auth::{
    AccessTokenSource, LoopbackOptions, OAuthClient, Sensitive, StaticToken, TokenManager,
    TokenStore,
};
use bridge_connectors::connectif::{rate_budget as connectif_rate_budget, ConnectifClient};
use bridge_connectors::ghl::GhlClient;
use bridge_connectors::http::RateBudget;
use bridge_connectors::niftyimages::{
    rate_budget as niftyimages_rate_budget, unique_field, NiftyImagesClient,
};
use bridge_connectors::ninox::v3::V3TablePath;
use bridge_connectors::ninox::{
    rate_budget as ninox_rate_budget, NinoxTable, NinoxV3Client, NinoxV4Client,
};
use bridge_connectors::novi::{rate_budget as novi_rate_budget, MemberQuery, NoviClient};
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{self, AuthKind, ConnectionRow, NewConnection};
use bridge_store::Store;
use futures::future::BoxFuture;
use url::Url;

/// The scopes Contact Bridge asks GHL for: contacts with their tasks, notes and tags, the
/// location's custom fields, the location's calendars and their appointments (read
/// location-wide by time window, calendars.json), and the task search.
pub const GHL_SCOPES: &[&str] = &[
    "contacts.readonly",
    "contacts.write",
    "locations/customFields.readonly",
    "calendars.readonly",
    "calendars/events.readonly",
    "calendars/events.write",
    "locations/tasks.readonly",
];

/// A GHL connection by Private Integration Token.
pub struct GhlTokenConnect {
    pub name: Option<String>,
    pub location_id: String,
    pub base_url: String,
    pub token: Sensitive<String>,
}

/// A GHL connection by OAuth (the operator's own marketplace app).
pub struct GhlOauthConnect {
    pub name: Option<String>,
    pub base_url: String,
    /// The marketplace host whose `/v2/oauth/chooselocation` page signs in, or the full URL of
    /// another sign-in page (the older `/oauth/chooselocation` of a white label).
    pub auth_url: String,
    pub client_id: String,
    pub client_secret: Sensitive<String>,
    pub loopback: LoopbackOptions,
}

pub(crate) fn secret_key(connection_id: &str) -> String {
    format!("connection/{connection_id}")
}

pub(crate) fn client_secret_key(connection_id: &str) -> String {
    format!("connection/{connection_id}/client_secret")
}

/// Checks the token against GHL (one request), then saves the connection and its token.
pub async fn connect_ghl_token(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    request: GhlTokenConnect,
) -> Result<ConnectionRow, BridgeError> {
    let location_id = request.location_id.trim().to_string();
    if location_id.is_empty() {
        return Err(BridgeError::invalid_input(
            "GHL connection: --location-id is empty",
        ));
    }
    let token = Sensitive::new(request.token.expose().trim().to_string());
    if token.expose().is_empty() {
        return Err(BridgeError::invalid_input(
            "GHL connection: the Private Integration Token is empty",
        ));
    }
    let name = request.name.unwrap_or_else(|| format!("GHL {location_id}"));
    ensure_name_free(store, System::Ghl, &name)?;
    let probe = GhlClient::new(
        &request.base_url,
        location_id.clone(),
        Arc::new(FixedToken(token.clone())),
        Arc::new(RateBudget::ghl(&location_id)),
    )?;
    let fields = probe.list_custom_fields().await.map_err(|e| {
        BridgeError::new(
            e.code,
            format!("GHL refused the connection check: {}", e.message),
        )
    })?;

    let id = connection_id(System::Ghl, &name);
    tokens.set(&secret_key(&id), &token)?;
    let connection = insert_or_forget_secret(
        store,
        tokens.as_ref(),
        &NewConnection {
            system: System::Ghl,
            name,
            base_url: request.base_url,
            auth_kind: AuthKind::PrivateToken,
            account_id: location_id,
            secret_ref: secret_key(&id),
            settings: serde_json::json!({}),
        },
        clock,
    )?;
    // The check already fetched the custom field list: keep it for the first pull.
    crate::pull::ghl::save_custom_fields(store, &connection.id, &fields, clock)?;
    Ok(connection)
}

/// Signs in through the browser (`opener` shows the authorize page), then saves the
/// connection, its tokens and the app's client secret (needed for every refresh).
pub async fn connect_ghl_oauth<F>(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: GhlOauthConnect,
    opener: F,
) -> Result<ConnectionRow, BridgeError>
where
    F: FnOnce(&Url) -> Result<(), BridgeError>,
{
    let endpoints = ghl_endpoints(&request.auth_url, &request.base_url)?;
    let provider = ghl_provider(
        &endpoints,
        request.client_id.clone(),
        request.client_secret.clone(),
        GHL_SCOPES.iter().map(|s| s.to_string()).collect(),
    );
    let client = OAuthClient::new(provider, clock.clone())?;
    let token_set = client.sign_in(&request.loopback, opener).await?;
    let location_id = token_set.location_id.clone().ok_or_else(|| {
        BridgeError::new(
            ErrorCode::Remote,
            "GHL signed in without naming a location: choose a sub-account (Location) on the \
             sign-in page",
        )
    })?;
    let name = request.name.unwrap_or_else(|| format!("GHL {location_id}"));
    ensure_name_free(store, System::Ghl, &name)?;
    let id = connection_id(System::Ghl, &name);
    tokens.set(&client_secret_key(&id), &request.client_secret)?;
    tokens.set(&secret_key(&id), &token_set.to_secret_json()?)?;
    insert_or_forget_secret(
        store,
        tokens.as_ref(),
        &NewConnection {
            system: System::Ghl,
            name,
            base_url: request.base_url,
            auth_kind: AuthKind::Oauth,
            account_id: location_id,
            secret_ref: secret_key(&id),
            settings: serde_json::json!({
                "clientId": request.client_id,
                "authUrl": request.auth_url,
                "scopes": token_set.scope,
            }),
        },
        clock.as_ref(),
    )
}

pub use crate::nifty::{connect_nifty_oauth, nifty_client, NiftyOauthConnect};

/// A Novi AMS tenant by API key.
pub struct NoviConnect {
    pub name: Option<String>,
    /// The tenant's API root, e.g. `https://www.myassociation.org/api`.
    pub base_url: String,
    pub api_key: Sensitive<String>,
    /// The tenant's allowed requests per second, when its plan differs from Novi's default.
    pub requests_per_second: Option<u32>,
}

/// Checks the key against the tenant (one request), then saves the connection and its key.
pub async fn connect_novi(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    request: NoviConnect,
) -> Result<ConnectionRow, BridgeError> {
    let key = api_key(&request.api_key, "Novi AMS")?;
    let tenant = base_url(&request.base_url)?
        .host_str()
        .unwrap_or_default()
        .to_string();
    let name = request.name.unwrap_or_else(|| format!("Novi {tenant}"));
    ensure_name_free(store, System::Novi, &name)?;
    let probe = NoviClient::new(
        &request.base_url,
        Arc::new(FixedToken(key.clone())),
        Arc::new(novi_rate_budget(&tenant, request.requests_per_second)),
    )?;
    let first_page = probe.list_members(MemberQuery {
        modified_since: None,
        page_size: 1,
    });
    futures::pin_mut!(first_page);
    futures::TryStreamExt::try_next(&mut first_page)
        .await
        .map_err(|e| {
            BridgeError::new(
                e.code,
                format!("Novi AMS refused the connection check: {}", e.message),
            )
        })?;
    save_keyed_connection(
        store,
        tokens.as_ref(),
        clock,
        &key,
        KeyedConnection {
            system: System::Novi,
            name,
            base_url: request.base_url,
            account_id: tenant,
            settings: serde_json::json!({ "requestsPerSecond": request.requests_per_second }),
        },
    )
}

/// The client of a stored Novi AMS connection.
pub fn novi_client(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
) -> Result<NoviClient, BridgeError> {
    NoviClient::new(
        &connection.base_url,
        stored_key(connection, tokens),
        Arc::new(novi_rate_budget(
            &connection.account_id,
            connection.settings["requestsPerSecond"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok()),
        )),
    )
}

/// Which Ninox table a connection syncs with: the classic v3 API (personal key) or the v4
/// workspace API (workspace key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NinoxTarget {
    V3 {
        /// `https://api.ninox.com/v1`, or a private cloud's `https://{name}.ninoxdb.de/v1`.
        base_url: String,
        team: String,
        database: String,
        table: String,
    },
    V4 {
        /// `https://go.ninox.com`.
        base_url: String,
        workspace: String,
        module: String,
        table: String,
    },
}

/// A Ninox table by API key.
pub struct NinoxConnect {
    pub name: Option<String>,
    pub api_key: Sensitive<String>,
    pub target: NinoxTarget,
}

fn ninox_target_settings(target: &NinoxTarget) -> serde_json::Value {
    match target {
        NinoxTarget::V3 {
            team,
            database,
            table,
            ..
        } => serde_json::json!({ "api": "v3", "team": team, "database": database, "table": table }),
        NinoxTarget::V4 {
            workspace,
            module,
            table,
            ..
        } => {
            serde_json::json!({ "api": "v4", "workspace": workspace, "module": module, "table": table })
        }
    }
}

fn build_ninox_table(
    base_url: &str,
    settings: &serde_json::Value,
    key: Arc<dyn AccessTokenSource>,
    budget_name: &str,
) -> Result<NinoxTable, BridgeError> {
    let setting = |name: &str| {
        settings[name].as_str().map(str::to_string).ok_or_else(|| {
            BridgeError::storage(format!("the Ninox connection's settings lack {name}"))
        })
    };
    let budget = Arc::new(ninox_rate_budget(budget_name));
    match settings["api"].as_str() {
        Some("v4") => Ok(NinoxTable::v4(
            NinoxV4Client::new(base_url, &setting("workspace")?, key, budget)?,
            setting("module")?,
            setting("table")?,
        )),
        _ => Ok(NinoxTable::v3(
            NinoxV3Client::new(base_url, key, budget)?,
            V3TablePath {
                team: setting("team")?,
                database: setting("database")?,
                table: setting("table")?,
            },
        )),
    }
}

/// Checks the key and the table (its fields are read), then saves the connection, its key and
/// a default mapping built from the table's fields.
pub async fn connect_ninox(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    request: NinoxConnect,
) -> Result<ConnectionRow, BridgeError> {
    let key = api_key(&request.api_key, "Ninox")?;
    let (base_url, table_name) = match &request.target {
        NinoxTarget::V3 {
            base_url, table, ..
        }
        | NinoxTarget::V4 {
            base_url, table, ..
        } => (base_url.clone(), table.clone()),
    };
    self::base_url(&base_url)?;
    let settings = ninox_target_settings(&request.target);
    let name = request
        .name
        .unwrap_or_else(|| format!("Ninox {table_name}"));
    ensure_name_free(store, System::Ninox, &name)?;
    let probe = build_ninox_table(
        &base_url,
        &settings,
        Arc::new(FixedToken(key.clone())),
        &name,
    )?;
    let fields: Vec<String> = probe
        .fields()
        .await
        .map_err(|e| {
            BridgeError::new(
                e.code,
                format!("Ninox refused the connection check: {}", e.message),
            )
        })?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let row = save_keyed_connection(
        store,
        tokens.as_ref(),
        clock,
        &key,
        KeyedConnection {
            system: System::Ninox,
            name,
            base_url,
            account_id: probe.describe(),
            settings,
        },
    )?;
    save_default_mapping(store, &row, &crate::app::ninox_mapping_for(&fields), clock)?;
    Ok(row)
}

/// The table of a stored Ninox connection.
pub fn ninox_table(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
) -> Result<NinoxTable, BridgeError> {
    build_ninox_table(
        &connection.base_url,
        &connection.settings,
        stored_key(connection, tokens),
        &connection.name,
    )
}

/// A Connectif account by API key (`keyId:keySecret`).
pub struct ConnectifConnect {
    pub name: Option<String>,
    /// `https://api.connectif.cloud`.
    pub base_url: String,
    pub api_key: Sensitive<String>,
    /// The checkbox custom field (its id) GHL's tags go to.
    pub tags_field: Option<String>,
    /// The first wait between polls of an export (it doubles up to 30 s).
    pub export_poll_ms: Option<u64>,
}

/// Checks the key (one request: a contact lookup), then saves the connection, its key and
/// the default mapping.
pub async fn connect_connectif(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    request: ConnectifConnect,
) -> Result<ConnectionRow, BridgeError> {
    let key = api_key(&request.api_key, "Connectif")?;
    if !key.expose().contains(':') {
        return Err(BridgeError::invalid_input(
            "Connectif connection: the API key must be keyId:keySecret",
        ));
    }
    let host = base_url(&request.base_url)?
        .host_str()
        .unwrap_or_default()
        .to_string();
    let name = request.name.unwrap_or_else(|| format!("Connectif {host}"));
    ensure_name_free(store, System::Connectif, &name)?;
    let probe = ConnectifClient::new(
        &request.base_url,
        Arc::new(FixedToken(key.clone())),
        Arc::new(connectif_rate_budget(&name)),
    )?;
    probe
        .get_contact("connection-check@contactbridge.invalid")
        .await
        .map_err(|e| {
            BridgeError::new(
                e.code,
                format!("Connectif refused the connection check: {}", e.message),
            )
        })?;
    let row = save_keyed_connection(
        store,
        tokens.as_ref(),
        clock,
        &key,
        KeyedConnection {
            system: System::Connectif,
            name,
            base_url: request.base_url,
            account_id: host,
            settings: serde_json::json!({
                "tagsField": request.tags_field,
                "exportPollMs": request.export_poll_ms,
            }),
        },
    )?;
    save_default_mapping(
        store,
        &row,
        &crate::app::default_connectif_mapping(request.tags_field.as_deref()),
        clock,
    )?;
    Ok(row)
}

/// The client of a stored Connectif connection.
pub fn connectif_client(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
) -> Result<ConnectifClient, BridgeError> {
    ConnectifClient::new(
        &connection.base_url,
        stored_key(connection, tokens),
        Arc::new(connectif_rate_budget(&connection.name)),
    )
}

/// Sets how long the NiftyImages data store keeps a row after its last write (its record
/// TTL, set in NiftyImages; the API does not expose it): a row unchanged for most of it is
/// written again. `None` (the default): rows never expire.
pub fn set_niftyimages_record_ttl(
    store: &Store,
    connection: &ConnectionRow,
    seconds: Option<u64>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    if connection.system != System::NiftyImages {
        return Err(BridgeError::invalid_input(format!(
            "\"{}\" is not a NiftyImages connection: only data stores have a record TTL",
            connection.name
        )));
    }
    bridge_store::table::connections::set_setting(
        store.conn(),
        &connection.id,
        "recordTtlSeconds",
        seconds.map_or(serde_json::Value::Null, |s| serde_json::json!(s)),
        clock.now(),
    )
}

/// A NiftyImages Custom Data Store by its API key.
pub struct NiftyImagesConnect {
    pub name: Option<String>,
    /// `https://api.niftyimages.com/v1`.
    pub base_url: String,
    pub api_key: Sensitive<String>,
}

/// Reads the store's schema with the key (one request), then saves the connection, its key
/// and a one-way mapping onto the store's fields. The store must have a unique field: rows
/// are written and updated by it.
pub async fn connect_niftyimages(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    request: NiftyImagesConnect,
) -> Result<ConnectionRow, BridgeError> {
    let key = api_key(&request.api_key, "NiftyImages")?;
    base_url(&request.base_url)?;
    let name = request
        .name
        .unwrap_or_else(|| "NiftyImages data store".to_string());
    ensure_name_free(store, System::NiftyImages, &name)?;
    let probe = NiftyImagesClient::new(
        &request.base_url,
        Arc::new(FixedToken(key.clone())),
        Arc::new(niftyimages_rate_budget(&name)),
    )?;
    let fields = probe.store_fields().await.map_err(|e| {
        BridgeError::new(
            e.code,
            format!("NiftyImages refused the connection check: {}", e.message),
        )
    })?;
    let unique = unique_field(&fields)
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            BridgeError::invalid_input(
                "this NiftyImages data store has no unique field: mark one (e.g. email) unique \
                 in NiftyImages so rows can be updated",
            )
        })?;
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    let row = save_keyed_connection(
        store,
        tokens.as_ref(),
        clock,
        &key,
        KeyedConnection {
            system: System::NiftyImages,
            name,
            base_url: request.base_url,
            account_id: unique.clone(),
            settings: serde_json::json!({ "uniqueField": unique }),
        },
    )?;
    save_default_mapping(
        store,
        &row,
        &crate::app::niftyimages_mapping_for(&names, &unique),
        clock,
    )?;
    Ok(row)
}

/// The client of a stored NiftyImages connection.
pub fn niftyimages_client(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
) -> Result<NiftyImagesClient, BridgeError> {
    NiftyImagesClient::new(
        &connection.base_url,
        stored_key(connection, tokens),
        Arc::new(niftyimages_rate_budget(&connection.name)),
    )
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

/// The client of a stored GHL connection, with the token source its auth kind needs.
pub fn ghl_client(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Result<GhlClient, BridgeError> {
    let label = format!("GHL connection \"{}\"", connection.name);
    let source: Arc<dyn AccessTokenSource> = match connection.auth_kind {
        AuthKind::Oauth => {
            let setting = |key: &str| {
                connection.settings[key]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| {
                        BridgeError::storage(format!("{label}: its settings lack {key}"))
                    })
            };
            let client_secret = tokens.get(&client_secret_key(&connection.id))?.ok_or_else(|| {
                BridgeError::new(
                    ErrorCode::ReconnectRequired,
                    format!("{label}: the app's client secret is missing from the keychain; reconnect"),
                )
            })?;
            let endpoints = ghl_endpoints(&setting("authUrl")?, &connection.base_url)?;
            let provider = ghl_provider(&endpoints, setting("clientId")?, client_secret, vec![]);
            let oauth = Arc::new(OAuthClient::new(provider, clock.clone())?);
            Arc::new(TokenManager::new(
                tokens,
                connection.secret_ref.clone(),
                label,
                oauth,
                clock,
            ))
        }
        AuthKind::PrivateToken | AuthKind::ApiKey => Arc::new(StaticToken::new(
            tokens,
            connection.secret_ref.clone(),
            label,
        )),
    };
    GhlClient::new(
        &connection.base_url,
        connection.account_id.clone(),
        source,
        Arc::new(RateBudget::ghl(&connection.account_id)),
    )
}

pub(crate) fn ghl_endpoints(auth_url: &str, base_url: &str) -> Result<GhlEndpoints, BridgeError> {
    let parse = |what: &str, s: &str| {
        Url::parse(s)
            .map_err(|e| BridgeError::invalid_input(format!("{what} '{s}' is not a URL: {e}")))
    };
    Ok(GhlEndpoints::new(
        &parse("--auth-url", auth_url)?,
        &parse("--base-url", base_url)?,
    ))
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
