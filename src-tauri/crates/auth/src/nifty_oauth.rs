//! Nifty's OAuth 2.0 as a [`ProviderConfig`]: authorize at nifty.pm, token requests with
//! `Authorization: Basic base64(client_id:client_secret)` and a JSON body.

use url::Url;

use crate::provider::{BodyFormat, ClientAuth, ProviderConfig};
use crate::Sensitive;

pub const NIFTY_AUTHORIZE_URL: &str = "https://nifty.pm/authorize";
pub const NIFTY_TOKEN_URL: &str = "https://openapi.niftypm.com/oauth/token";

/// Nifty's documented scopes; an app asks for the ones it needs.
pub const NIFTY_SCOPES: &[&str] = &[
    "file",
    "label",
    "doc",
    "milestone",
    "message",
    "subtask",
    "project",
    "task_group",
    "task",
    "subteam",
    "member",
    "folder",
];

/// `pkce`: Nifty's docs say nothing about PKCE, so the connection decides.
pub fn nifty_provider(
    authorize_url: Url,
    token_url: Url,
    client_id: impl Into<String>,
    client_secret: Sensitive<String>,
    scopes: Vec<String>,
    pkce: bool,
) -> ProviderConfig {
    ProviderConfig {
        name: "Nifty".into(),
        authorize_url,
        token_url,
        client_id: client_id.into(),
        client_secret,
        scopes,
        pkce,
        client_auth: ClientAuth::BasicHeader,
        body_format: BodyFormat::Json,
        extra_authorize_params: vec![],
        extra_token_params: vec![],
    }
}
