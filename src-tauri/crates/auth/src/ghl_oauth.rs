//! GHL's OAuth 2.0 as its docs describe it (docs/oauth/Authorization.md, apps/oauth.json):
//! authorize at the marketplace's `chooselocation` page, form-encoded token requests to
//! `services…/oauth/token` with the client secret in the body and `user_type=Location`
//! (no PKCE), refresh tokens that rotate on every use, and the agency → location exchange.

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use url::Url;

use crate::provider::{endpoint, BodyFormat, ClientAuth, ProviderConfig};
use crate::token_response::{parse_token_body, token_error, Grant};
use crate::transport::send;
use crate::{Sensitive, TokenSet};

pub const GHL_MARKETPLACE_URL: &str = "https://marketplace.gohighlevel.com";
pub const GHL_API_URL: &str = "https://services.leadconnectorhq.com";
/// The authorize page below a marketplace host (docs/oauth/Authorization.md, 2026-05-27).
pub const AUTHORIZE_PATH: &str = "v2/oauth/chooselocation";
/// The `Version` header of the oauth endpoints.
pub const GHL_API_VERSION: &str = "2021-07-28";

/// Where a GHL install lives: the official hosts, a white-label marketplace
/// (marketplace.leadconnectorhq.com) or the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GhlEndpoints {
    /// The page the browser opens: `/v2/oauth/chooselocation` (GHL's authorize path since
    /// 2026-05-27, highlevel-api-docs docs/oauth/Authorization.md), or whatever page the
    /// operator named (the older `/oauth/chooselocation` for a white label that needs it).
    pub authorize_url: Url,
    /// The API base; token requests go to `<api_base>/oauth/token`.
    pub api_base: Url,
}

impl GhlEndpoints {
    /// `marketplace` is a host (`https://marketplace.gohighlevel.com`, a white label's
    /// `https://marketplace.leadconnectorhq.com`): its `/v2/oauth/chooselocation` page signs
    /// in. A URL with a path names the page itself, e.g. the older
    /// `https://marketplace.leadconnectorhq.com/oauth/chooselocation`.
    pub fn new(marketplace: &Url, api_base: &Url) -> Self {
        let authorize_url = if marketplace.path().trim_matches('/').is_empty() {
            endpoint(marketplace, AUTHORIZE_PATH)
        } else {
            marketplace.clone()
        };
        Self {
            authorize_url,
            api_base: api_base.clone(),
        }
    }

    /// The official hosts; errors only if the constants stopped being URLs.
    pub fn official() -> Result<Self, BridgeError> {
        let parse = |s: &str| {
            Url::parse(s).map_err(|e| BridgeError::internal(format!("bad built-in URL {s}: {e}")))
        };
        Ok(Self::new(
            &parse(GHL_MARKETPLACE_URL)?,
            &parse(GHL_API_URL)?,
        ))
    }

    pub fn token_url(&self) -> Url {
        endpoint(&self.api_base, "oauth/token")
    }

    pub fn location_token_url(&self) -> Url {
        endpoint(&self.api_base, "oauth/locationToken")
    }
}

/// The provider settings of a GHL marketplace app, asking for a sub-account (Location) token.
/// The operator brings the app's client id and secret (RFC 8252 §8.5: a secret shipped in
/// the app would not be secret).
pub fn ghl_provider(
    endpoints: &GhlEndpoints,
    client_id: impl Into<String>,
    client_secret: Sensitive<String>,
    scopes: Vec<String>,
) -> ProviderConfig {
    ProviderConfig {
        name: "GHL".into(),
        authorize_url: endpoints.authorize_url.clone(),
        token_url: endpoints.token_url(),
        client_id: client_id.into(),
        client_secret,
        scopes,
        // Not documented by GHL, so not sent.
        pkce: false,
        client_auth: ClientAuth::RequestBody,
        body_format: BodyFormat::Form,
        extra_authorize_params: vec![],
        extra_token_params: vec![("user_type".into(), "Location".into())],
    }
}

/// Makes a sub-account token from an agency (Company) token: POST /oauth/locationToken.
/// The answer has no refresh token; when it expires, ask again with a fresh agency token.
pub async fn location_token(
    http: &reqwest::Client,
    endpoints: &GhlEndpoints,
    agency_token: &Sensitive<String>,
    company_id: &str,
    location_id: &str,
    now: DateTime<Utc>,
) -> Result<TokenSet, BridgeError> {
    let request = http
        .post(endpoints.location_token_url())
        .bearer_auth(agency_token.expose())
        .header("Version", GHL_API_VERSION)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[("companyId", company_id), ("locationId", location_id)]);
    // GHL's own grant (not RFC 6749): sent by hand, read like every token answer.
    let answer = send("GHL", request.send())
        .await
        .map_err(|e| e.into_error())?;
    if !(200..300).contains(&answer.status) {
        return Err(token_error(
            "GHL",
            Grant::LocationToken,
            answer.status,
            &answer.body,
            &[agency_token.expose()],
        ));
    }
    let set = parse_token_body("GHL", &answer.body, now)?;
    if set
        .location_id
        .as_deref()
        .is_some_and(|got| got != location_id)
    {
        return Err(BridgeError::new(
            ErrorCode::Remote,
            format!("GHL answered a location token request for {location_id} with a token of another location"),
        ));
    }
    Ok(TokenSet {
        refresh_token: None,
        location_id: Some(location_id.to_string()),
        company_id: Some(company_id.to_string()),
        user_type: Some("Location".into()),
        ..set
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_endpoints_match_the_docs() {
        let endpoints = GhlEndpoints::official().unwrap();
        assert_eq!(
            endpoints.authorize_url.as_str(),
            "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
        );
        assert_eq!(
            endpoints.token_url().as_str(),
            "https://services.leadconnectorhq.com/oauth/token"
        );
        assert_eq!(
            endpoints.location_token_url().as_str(),
            "https://services.leadconnectorhq.com/oauth/locationToken"
        );
    }

    #[test]
    fn white_label_hosts_are_honoured() {
        let endpoints = GhlEndpoints::new(
            &Url::parse("https://marketplace.leadconnectorhq.com").unwrap(),
            &Url::parse("http://127.0.0.1:8123/ghl").unwrap(),
        );
        let provider = ghl_provider(&endpoints, "id", Sensitive::new("s".into()), vec![]);
        assert_eq!(
            provider.authorize_url.as_str(),
            "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation"
        );
        assert_eq!(
            provider.token_url.as_str(),
            "http://127.0.0.1:8123/ghl/oauth/token"
        );
        assert!(!provider.pkce);
        assert_eq!(provider.client_auth, ClientAuth::RequestBody);
        assert_eq!(provider.body_format, BodyFormat::Form);
        assert_eq!(
            provider.extra_token_params,
            vec![("user_type".to_string(), "Location".to_string())]
        );
    }

    #[test]
    fn the_older_authorize_page_stays_usable_when_named() {
        let older =
            Url::parse("https://marketplace.leadconnectorhq.com/oauth/chooselocation").unwrap();
        let endpoints = GhlEndpoints::new(&older, &Url::parse(GHL_API_URL).unwrap());
        assert_eq!(endpoints.authorize_url, older);
    }
}
