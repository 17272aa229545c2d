//! The API-key apps' connections (Novi AMS, Ninox, Connectif, NiftyImages) and their clients.

use std::sync::Arc;

use bridge_auth::{AccessTokenSource, Sensitive, TokenStore};
use bridge_connectors::connectif::{rate_budget as connectif_rate_budget, ConnectifClient};
use bridge_connectors::niftyimages::{
    rate_budget as niftyimages_rate_budget, unique_field, NiftyImagesClient,
};
use bridge_connectors::ninox::v3::V3TablePath;
use bridge_connectors::ninox::{
    rate_budget as ninox_rate_budget, NinoxTable, NinoxV3Client, NinoxV4Client,
};
use bridge_connectors::novi::{rate_budget as novi_rate_budget, MemberQuery, NoviClient};
use bridge_core::{BridgeError, Clock, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::Store;

use super::{
    api_key, base_url, ensure_name_free, save_default_mapping, save_keyed_connection, stored_key,
    FixedToken, KeyedConnection,
};

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
