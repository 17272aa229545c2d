//! A provider's OAuth 2.0 settings and the token endpoint calls (RFC 6749 §4.1.3 and §6).
//! Providers differ only in data: GHL sends the client secret in a form body, Nifty sends
//! it as HTTP Basic with a JSON body; both are a [`ProviderConfig`].

use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, Clock, ErrorCode};
use url::Url;

use crate::loopback::{AuthorizationCode, LoopbackOptions};
use crate::token_response::{parse_token_body, token_error, Grant};
use crate::{Sensitive, TokenSet};

/// How the app proves who it is to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as body parameters (GHL).
    RequestBody,
    /// `Authorization: Basic base64(client_id:client_secret)` (Nifty).
    BasicHeader,
}

/// How token request parameters are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 specifies (GHL).
    Form,
    /// `application/json` (Nifty).
    Json,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The provider's name as operators know it ("GHL"); used in messages.
    pub name: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Sensitive<String>,
    pub scopes: Vec<String>,
    /// Send a PKCE S256 challenge (RFC 7636). Only for providers that document it.
    pub pkce: bool,
    pub client_auth: ClientAuth,
    pub body_format: BodyFormat,
    /// Extra query parameters on the authorize URL.
    pub extra_authorize_params: Vec<(String, String)>,
    /// Extra parameters on every token request (GHL: `user_type=Location`).
    pub extra_token_params: Vec<(String, String)>,
}

impl ProviderConfig {
    /// The URL the browser opens. Keeps any query the configured URL already has
    /// (a white-label install link may carry `version_id`).
    pub fn authorize_url(
        &self,
        redirect_uri: &str,
        state: &str,
        pkce_challenge: Option<&str>,
    ) -> Url {
        let scope = self.scopes.join(" ");
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("redirect_uri", redirect_uri),
            ("client_id", &self.client_id),
        ];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        params.push(("state", state));
        if let Some(challenge) = pkce_challenge {
            params.push(("code_challenge", challenge));
            params.push(("code_challenge_method", "S256"));
        }
        params.extend(
            self.extra_authorize_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );

        let mut query: Vec<String> = self
            .authorize_url
            .query()
            .filter(|q| !q.is_empty())
            .map(|q| vec![q.to_string()])
            .unwrap_or_default();
        query.extend(
            params
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v))),
        );
        let mut url = self.authorize_url.clone();
        url.set_query(Some(&query.join("&")));
        url
    }
}

/// Query encoding with `%20` for spaces: every server decodes it, while `+` is only
/// understood by form decoders (the scope list is space-separated).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// An HTTP client for token endpoints: no redirects (a secret must not be re-posted to
/// another host), bounded waits.
pub fn oauth_http_client() -> Result<reqwest::Client, BridgeError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("ContactBridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| BridgeError::internal(format!("could not set up the HTTP client: {e}")))
}

/// Talks to one provider's token endpoint.
pub struct OAuthClient {
    config: ProviderConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl OAuthClient {
    pub fn new(config: ProviderConfig, clock: Arc<dyn Clock>) -> Result<Self, BridgeError> {
        Ok(Self::with_http_client(config, oauth_http_client()?, clock))
    }

    pub fn with_http_client(
        config: ProviderConfig,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            config,
            http,
            clock,
        }
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// The whole sign-in: browser + loopback callback, then the code exchange.
    pub async fn sign_in<F>(
        &self,
        options: &LoopbackOptions,
        opener: F,
    ) -> Result<TokenSet, BridgeError>
    where
        F: FnOnce(&Url) -> Result<(), BridgeError>,
    {
        let code = crate::loopback::authorize(&self.config, options, opener).await?;
        self.exchange_code(&code).await
    }

    /// Trades an authorization code for tokens (RFC 6749 §4.1.3).
    pub async fn exchange_code(&self, code: &AuthorizationCode) -> Result<TokenSet, BridgeError> {
        let mut params = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.code.expose().clone()),
            ("redirect_uri", code.redirect_uri.clone()),
        ];
        if let Some(verifier) = &code.pkce_verifier {
            params.push(("code_verifier", verifier.expose().clone()));
        }
        let mut secrets = vec![code.code.expose().as_str()];
        if let Some(verifier) = &code.pkce_verifier {
            secrets.push(verifier.expose());
        }
        self.token_request(Grant::AuthorizationCode, params, &secrets)
            .await
    }

    /// Trades the refresh token of `current` for a new token set (RFC 6749 §6). Fields the
    /// provider leaves out of its answer (the refresh token when it does not rotate, the
    /// location) are carried over from `current`.
    pub async fn refresh(&self, current: &TokenSet) -> Result<TokenSet, BridgeError> {
        let Some(refresh_token) = &current.refresh_token else {
            return Err(BridgeError::new(
                ErrorCode::ReconnectRequired,
                format!(
                    "this {} connection has no refresh token; reconnect the connection to sign in again",
                    self.config.name
                ),
            ));
        };
        let params = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.expose().clone()),
        ];
        let fresh = self
            .token_request(Grant::RefreshToken, params, &[refresh_token.expose()])
            .await?;
        Ok(TokenSet {
            refresh_token: fresh
                .refresh_token
                .or_else(|| current.refresh_token.clone()),
            scope: fresh.scope.or_else(|| current.scope.clone()),
            location_id: fresh.location_id.or_else(|| current.location_id.clone()),
            company_id: fresh.company_id.or_else(|| current.company_id.clone()),
            user_type: fresh.user_type.or_else(|| current.user_type.clone()),
            user_id: fresh.user_id.or_else(|| current.user_id.clone()),
            ..fresh
        })
    }

    async fn token_request(
        &self,
        grant: Grant,
        mut params: Vec<(&str, String)>,
        secrets: &[&str],
    ) -> Result<TokenSet, BridgeError> {
        let config = &self.config;
        let mut request = self
            .http
            .post(config.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        match config.client_auth {
            ClientAuth::RequestBody => {
                params.push(("client_id", config.client_id.clone()));
                params.push(("client_secret", config.client_secret.expose().clone()));
            }
            ClientAuth::BasicHeader => {
                request =
                    request.basic_auth(&config.client_id, Some(config.client_secret.expose()));
            }
        }
        for (key, value) in &config.extra_token_params {
            params.push((key.as_str(), value.clone()));
        }
        request = match config.body_format {
            BodyFormat::Form => request.form(&params),
            BodyFormat::Json => request.json(
                &params
                    .iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                    .collect::<serde_json::Map<_, _>>(),
            ),
        };

        let mut secrets = secrets.to_vec();
        secrets.push(config.client_secret.expose());
        let issued_at = self.clock.now();
        let (status, body) = send(&config.name, request).await?;
        if (200..300).contains(&status) {
            parse_token_body(&config.name, &body, issued_at)
        } else {
            Err(token_error(&config.name, grant, status, &body, &secrets))
        }
    }
}

/// Sends a token request; returns the status and body text, or a Network error.
pub(crate) async fn send(
    provider: &str,
    request: reqwest::RequestBuilder,
) -> Result<(u16, String), BridgeError> {
    let network = |e: reqwest::Error| {
        BridgeError::new(
            ErrorCode::Network,
            format!("could not reach {provider}'s token endpoint: {e}"),
        )
    };
    let response = request.send().await.map_err(network)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(network)?;
    Ok((status, body))
}

/// `base` + `path`, keeping any path prefix `base` has (a sandbox mounted under /ghl).
pub(crate) fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
    url.set_query(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ProviderConfig {
        ProviderConfig {
            name: "GHL".into(),
            authorize_url: Url::parse("https://marketplace.gohighlevel.com/oauth/chooselocation")
                .unwrap(),
            token_url: Url::parse("https://services.leadconnectorhq.com/oauth/token").unwrap(),
            client_id: "client-1".into(),
            client_secret: Sensitive::new("secret-1".into()),
            scopes: vec!["contacts.readonly".into(), "contacts.write".into()],
            pkce: false,
            client_auth: ClientAuth::RequestBody,
            body_format: BodyFormat::Form,
            extra_authorize_params: vec![],
            extra_token_params: vec![],
        }
    }

    #[test]
    fn authorize_url_has_the_documented_shape() {
        let url = config().authorize_url("http://127.0.0.1:5173/callback", "st-1", None);
        assert_eq!(
            url.as_str(),
            "https://marketplace.gohighlevel.com/oauth/chooselocation?response_type=code\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcallback&client_id=client-1\
             &scope=contacts.readonly%20contacts.write&state=st-1"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("scope".into(), "contacts.readonly contacts.write".into())));
        assert!(!pairs.iter().any(|(k, _)| k.starts_with("code_challenge")));
    }

    #[test]
    fn authorize_url_keeps_an_existing_query_and_adds_pkce_when_asked() {
        let mut config = config();
        config.authorize_url = Url::parse(
            "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation?version_id=v9",
        )
        .unwrap();
        let url = config.authorize_url("http://127.0.0.1:1/callback", "s", Some("ch"));
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("version_id".into(), "v9".into()));
        assert!(pairs.contains(&("code_challenge".into(), "ch".into())));
        assert!(pairs.contains(&("code_challenge_method".into(), "S256".into())));
    }

    #[test]
    fn endpoint_keeps_a_base_path() {
        let base = Url::parse("http://127.0.0.1:9000/ghl/").unwrap();
        assert_eq!(
            endpoint(&base, "/oauth/token").as_str(),
            "http://127.0.0.1:9000/ghl/oauth/token"
        );
        let bare = Url::parse("https://services.leadconnectorhq.com").unwrap();
        assert_eq!(
            endpoint(&bare, "oauth/token").as_str(),
            "https://services.leadconnectorhq.com/oauth/token"
        );
    }
}
