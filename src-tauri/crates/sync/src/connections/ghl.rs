//! GHL connections: by Private Integration Token or by OAuth, and the client of a stored one.

use std::sync::Arc;

use bridge_auth::ghl_oauth::{ghl_provider, GhlEndpoints};
use bridge_auth::{
    AccessTokenSource, LoopbackOptions, OAuthClient, Sensitive, StaticToken, TokenManager,
    TokenStore,
};
use bridge_connectors::ghl::GhlClient;
use bridge_connectors::http::RateBudget;
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{AuthKind, ConnectionRow, NewConnection};
use bridge_store::Store;
use url::Url;

use super::{
    client_secret_key, connection_id, ensure_name_free, insert_or_forget_secret, secret_key,
    FixedToken,
};

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
