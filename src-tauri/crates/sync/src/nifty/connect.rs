//! Connecting a Nifty workspace by OAuth (the operator's own Nifty app) and building the
//! client of a stored connection. Tokens and the client secret go to the token store only;
//! the row keeps the client id, endpoints and the chosen project and task group.

use std::sync::Arc;

use bridge_auth::nifty_oauth::nifty_provider;
use bridge_auth::{LoopbackOptions, OAuthClient, Sensitive, TokenManager, TokenStore};
use bridge_connectors::nifty::{rate_budget, rate_budget_per_second, NiftyClient};
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::{AuthKind, ConnectionRow, NewConnection};
use bridge_store::Store;
use url::Url;

use super::tasks::{NiftyPlace, NiftyTasks};
use crate::connections::{
    client_secret_key, connection_id, ensure_name_free, insert_or_forget_secret, secret_key,
    FixedToken,
};

/// The scopes the pair needs: tasks and their groups, labels, comments, and projects to pick.
pub const NIFTY_SYNC_SCOPES: &[&str] = &["task", "task_group", "label", "message", "project"];

/// Nifty accepts only redirect URLs registered in the app, so the sign-in listens on a fixed
/// loopback port by default: register `http://127.0.0.1:53683/callback` (or choose another
/// port and register that one).
pub const NIFTY_REDIRECT_PORT: u16 = 53683;

/// The redirect URL to register in the Nifty app for a sign-in on `port`.
pub fn nifty_redirect_url(port: u16) -> String {
    format!(
        "http://127.0.0.1:{port}{}",
        bridge_auth::loopback::CALLBACK_PATH
    )
}

/// A Nifty connection by OAuth.
pub struct NiftyOauthConnect {
    pub name: Option<String>,
    /// The API root, `https://openapi.niftypm.com/api/v1.0` (or a sandbox's).
    pub base_url: String,
    /// The consent page, `https://nifty.pm/authorize`.
    pub auth_url: String,
    /// The token endpoint, `https://openapi.niftypm.com/oauth/token`.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Sensitive<String>,
    /// The project whose tasks sync with GHL.
    pub project_id: String,
    /// Where new tasks go; the project's first task group when `None`.
    pub task_group_id: Option<String>,
    /// Requests per second the sync allows itself (Nifty publishes no limit; default 10).
    pub requests_per_second: Option<u32>,
    pub loopback: LoopbackOptions,
}

fn parse(what: &str, text: &str) -> Result<Url, BridgeError> {
    Url::parse(text)
        .map_err(|e| BridgeError::invalid_input(format!("{what} '{text}' is not a URL: {e}")))
}

pub(crate) fn nifty_oauth(
    auth_url: &str,
    token_url: &str,
    client_id: String,
    client_secret: Sensitive<String>,
    clock: Arc<dyn Clock>,
) -> Result<OAuthClient, BridgeError> {
    let provider = nifty_provider(
        parse("--auth-url", auth_url)?,
        parse("--token-url", token_url)?,
        client_id,
        client_secret,
        NIFTY_SYNC_SCOPES.iter().map(|s| s.to_string()).collect(),
        // Nifty documents no PKCE.
        false,
    );
    OAuthClient::new(provider, clock)
}

/// Signs in through the browser (`opener` shows Nifty's consent page), checks the project and
/// task group with the new token, then saves the connection, its tokens and the client secret.
pub async fn connect_nifty_oauth<F>(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: NiftyOauthConnect,
    opener: F,
) -> Result<ConnectionRow, BridgeError>
where
    F: FnOnce(&Url) -> Result<(), BridgeError>,
{
    let project_id = request.project_id.trim().to_string();
    if project_id.is_empty() {
        return Err(BridgeError::invalid_input(
            "Nifty connection: --project is empty",
        ));
    }
    parse("--base-url", &request.base_url)?;
    let oauth = nifty_oauth(
        &request.auth_url,
        &request.token_url,
        request.client_id.clone(),
        request.client_secret.clone(),
        clock.clone(),
    )?;
    let token_set = oauth.sign_in(&request.loopback, opener).await?;
    let probe = NiftyClient::new(
        &request.base_url,
        Arc::new(FixedToken(token_set.access_token.clone())),
        Arc::new(rate_budget("connection check")),
    )?;
    let refused = |e: BridgeError| {
        BridgeError::new(
            e.code,
            format!("Nifty refused the connection check: {}", e.message),
        )
    };
    let projects = probe.list_projects().await.map_err(refused)?;
    let project =
        projects
            .iter()
            .find(|p| p.id == project_id)
            .ok_or_else(|| {
                let known: Vec<String> = projects
                    .iter()
                    .map(|p| format!("{} ({})", p.id, p.name))
                    .collect();
                BridgeError::new(
                    ErrorCode::NotFound,
                    format!(
                    "Nifty connection: no project has the id {project_id}; this workspace has: {}",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                ),
                )
            })?;
    let groups = probe.list_task_groups(&project_id).await.map_err(refused)?;
    let group = match request.task_group_id.as_deref().map(str::trim) {
        Some(wanted) => groups.iter().find(|g| g.id == wanted).ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!(
                    "Nifty connection: project {} has no task group {wanted}; its groups: {}",
                    project.name,
                    groups
                        .iter()
                        .map(|g| format!("{} ({})", g.id, g.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        None => groups.first().ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!(
                    "Nifty connection: project {} has no open task group for new tasks",
                    project.name
                ),
            )
        })?,
    };
    let name = request
        .name
        .unwrap_or_else(|| format!("Nifty {}", project.name));
    ensure_name_free(store, System::Nifty, &name)?;
    let id = connection_id(System::Nifty, &name);
    tokens.set(&client_secret_key(&id), &request.client_secret)?;
    tokens.set(&secret_key(&id), &token_set.to_secret_json()?)?;
    insert_or_forget_secret(
        store,
        tokens.as_ref(),
        &NewConnection {
            system: System::Nifty,
            name,
            base_url: request.base_url,
            auth_kind: AuthKind::Oauth,
            account_id: project_id.clone(),
            secret_ref: secret_key(&id),
            settings: serde_json::json!({
                "clientId": request.client_id,
                "authUrl": request.auth_url,
                "tokenUrl": request.token_url,
                "scopes": token_set.scope,
                "projectId": project_id,
                "projectName": project.name,
                "taskGroupId": group.id,
                "taskGroupName": group.name,
                "requestsPerSecond": request.requests_per_second,
                // Port 0 (any free port) has no URL to register.
                "redirectUrl": (request.loopback.port != 0)
                    .then(|| nifty_redirect_url(request.loopback.port)),
            }),
        },
        clock.as_ref(),
    )
}

pub(crate) fn setting(connection: &ConnectionRow, key: &str) -> Result<String, BridgeError> {
    connection.settings[key]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| {
            BridgeError::storage(format!(
                "Nifty connection \"{}\": its settings lack {key}",
                connection.name
            ))
        })
}

/// The client of a stored Nifty connection: OAuth tokens refreshed on expiry or a 401, each
/// new refresh token stored before use.
pub fn nifty_client(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Result<NiftyClient, BridgeError> {
    let label = format!("Nifty connection \"{}\"", connection.name);
    let client_secret = tokens
        .get(&client_secret_key(&connection.id))?
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::ReconnectRequired,
                format!("{label}: the app's client secret is missing from the keychain; reconnect"),
            )
        })?;
    let oauth = nifty_oauth(
        &setting(connection, "authUrl")?,
        &setting(connection, "tokenUrl")?,
        setting(connection, "clientId")?,
        client_secret,
        clock.clone(),
    )?;
    let source = TokenManager::new(
        tokens,
        connection.secret_ref.clone(),
        label,
        Arc::new(oauth),
        clock,
    );
    let budget = match connection.settings["requestsPerSecond"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
    {
        Some(per_second) => rate_budget_per_second(&connection.name, per_second),
        None => rate_budget(&connection.name),
    };
    NiftyClient::new(&connection.base_url, Arc::new(source), Arc::new(budget))
}

/// The project's tasks of a stored Nifty connection, as the children engine writes them.
pub fn nifty_tasks(
    connection: &ConnectionRow,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Result<NiftyTasks, BridgeError> {
    Ok(NiftyTasks::new(
        nifty_client(connection, tokens, clock)?,
        NiftyPlace {
            project_id: setting(connection, "projectId")?,
            task_group_id: setting(connection, "taskGroupId")?,
        },
    ))
}
