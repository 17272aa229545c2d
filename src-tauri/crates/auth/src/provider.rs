//! A provider's OAuth 2.0 settings and the token endpoint calls (RFC 6749 §4.1.3 and §6),
//! built by the `oauth2` crate: authorize URL, `state`, PKCE, code exchange and refresh.
//! Providers differ only in data: GHL sends the client secret in a form body, Nifty sends
//! it as HTTP Basic with a JSON body; both are a [`ProviderConfig`]. What a provider needs
//! beyond RFC 6749 is in [`crate::transport`] (Nifty's JSON body) and
//! [`crate::token_response`] (GHL's error DTOs).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, Clock, ErrorCode};
use chrono::{DateTime, Utc};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode as OAuthCode, ClientId, ClientSecret, CsrfToken,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenUrl,
};
use url::Url;

use crate::loopback::{AuthorizationCode, LoopbackOptions};
use crate::token_response::{
    token_error, token_set, unreadable_answer, Grant, TokenAnswer, TokenClient,
};
use crate::transport::{TokenRequestError, TokenTransport};
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
    /// The URL the browser opens, with a fresh `state` and, where the provider takes PKCE, a
    /// fresh S256 pair (both from the `oauth2` crate). Keeps any query the configured URL
    /// already has (a white-label install link may carry `version_id`).
    pub(crate) fn authorize_request(
        &self,
        redirect_uri: &str,
    ) -> Result<AuthorizeRequest, BridgeError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| BridgeError::internal(format!("bad redirect URI {redirect_uri}: {e}")))?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(self.authorize_url.clone()))
            .set_redirect_uri(redirect);
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new));
        let pkce_verifier = if self.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            Some(Sensitive::new(verifier.into_secret()))
        } else {
            None
        };
        for (key, value) in &self.extra_authorize_params {
            request = request.add_extra_param(key.as_str(), value.as_str());
        }
        let (url, state) = request.url();
        Ok(AuthorizeRequest {
            url,
            state: Sensitive::new(state.into_secret()),
            pkce_verifier,
        })
    }

    /// The `oauth2` client of the token endpoint. Nifty's Basic credentials are added by
    /// [`TokenTransport`] (see there why), so the crate puts them in the body for both.
    fn token_client(&self) -> TokenClient {
        let client: TokenClient = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()));
        client
    }
}

/// One sign-in attempt's authorize URL and what the callback and the code exchange need.
pub(crate) struct AuthorizeRequest {
    pub url: Url,
    pub state: Sensitive<String>,
    pub pkce_verifier: Option<Sensitive<String>>,
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
        let client = self.config.token_client();
        let redirect = RedirectUrl::new(code.redirect_uri.clone()).map_err(|e| {
            BridgeError::internal(format!("bad redirect URI {}: {e}", code.redirect_uri))
        })?;
        let mut request = client
            .exchange_code(OAuthCode::new(code.code.expose().clone()))
            .set_redirect_uri(Cow::Owned(redirect));
        if let Some(verifier) = &code.pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().clone()));
        }
        for (key, value) in &self.config.extra_token_params {
            request = request.add_extra_param(key.as_str(), value.as_str());
        }
        let mut secrets = vec![code.code.expose().as_str()];
        if let Some(verifier) = &code.pkce_verifier {
            secrets.push(verifier.expose());
        }
        let transport = self.transport();
        let issued_at = self.clock.now();
        let answer = request.request_async(&transport).await;
        self.read_answer(
            Grant::AuthorizationCode,
            answer,
            &transport,
            issued_at,
            &secrets,
        )
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
        let client = self.config.token_client();
        let token = RefreshToken::new(refresh_token.expose().clone());
        let mut request = client.exchange_refresh_token(&token);
        for (key, value) in &self.config.extra_token_params {
            request = request.add_extra_param(key.as_str(), value.as_str());
        }
        let transport = self.transport();
        let issued_at = self.clock.now();
        let answer = request.request_async(&transport).await;
        let fresh = self.read_answer(
            Grant::RefreshToken,
            answer,
            &transport,
            issued_at,
            &[refresh_token.expose()],
        )?;
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

    fn transport(&self) -> TokenTransport {
        TokenTransport::new(
            self.http.clone(),
            &self.config.name,
            self.config.client_auth,
            self.config.body_format,
        )
    }

    /// The crate's answer as a token set, or an error in the operator's words. Errors are
    /// read from the status and body the transport kept: the crate parses only RFC 6749
    /// error bodies, while GHL answers NestJS DTOs that must still mean "reconnect".
    fn read_answer(
        &self,
        grant: Grant,
        answer: Result<TokenAnswer, TokenRequestError>,
        transport: &TokenTransport,
        issued_at: DateTime<Utc>,
        secrets: &[&str],
    ) -> Result<TokenSet, BridgeError> {
        let name = &self.config.name;
        match answer {
            Ok(answer) => token_set(name, &answer, issued_at),
            Err(RequestTokenError::Request(e)) => Err(e.into_error()),
            Err(_) => match transport.answer() {
                Some((status, _)) if (200..300).contains(&status) => Err(unreadable_answer(name)),
                Some((status, body)) => {
                    let mut secrets = secrets.to_vec();
                    secrets.push(self.config.client_secret.expose());
                    Err(token_error(name, grant, status, &body, &secrets))
                }
                None => Err(BridgeError::internal(format!(
                    "the token request to {name} could not be prepared"
                ))),
            },
        }
    }
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

    fn pairs(url: &Url) -> Vec<(String, String)> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn authorize_url_has_the_documented_shape() {
        let request = config()
            .authorize_request("http://127.0.0.1:5173/callback")
            .unwrap();
        let url = &request.url;
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://marketplace.gohighlevel.com/oauth/chooselocation")
        );
        let pairs = pairs(url);
        for expected in [
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:5173/callback"),
            ("client_id", "client-1"),
            ("scope", "contacts.readonly contacts.write"),
            ("state", request.state.expose().as_str()),
        ] {
            assert!(
                pairs.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {url}"
            );
        }
        assert!(!pairs.iter().any(|(k, _)| k.starts_with("code_challenge")));
        assert!(request.pkce_verifier.is_none());
    }

    #[test]
    fn state_is_long_url_safe_and_new_each_time() {
        let a = config()
            .authorize_request("http://127.0.0.1:1/callback")
            .unwrap();
        let b = config()
            .authorize_request("http://127.0.0.1:1/callback")
            .unwrap();
        assert_ne!(a.state, b.state);
        assert!(a.state.expose().len() >= 22, "{}", a.state.expose());
        assert!(a
            .state
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn authorize_url_keeps_an_existing_query_and_adds_pkce_when_asked() {
        let mut config = config();
        config.authorize_url = Url::parse(
            "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation?version_id=v9",
        )
        .unwrap();
        config.pkce = true;
        let request = config
            .authorize_request("http://127.0.0.1:1/callback")
            .unwrap();
        let pairs = pairs(&request.url);
        assert_eq!(pairs[0], ("version_id".into(), "v9".into()));
        assert!(pairs.contains(&("code_challenge_method".into(), "S256".into())));
        // RFC 7636 §4.2: the challenge is BASE64URL(SHA256(verifier)).
        let verifier = request.pkce_verifier.expect("a verifier");
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.expose().clone(),
        ));
        assert!(pairs.contains(&("code_challenge".into(), challenge.as_str().to_string())));
        assert_eq!(challenge.as_str().len(), 43);
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
