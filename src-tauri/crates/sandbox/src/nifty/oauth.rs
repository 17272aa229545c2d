//! Nifty's OAuth 2.0 (reference/target-apps.md): an authorize page (nifty.pm/authorize) that
//! redirects back with a single-use code, and `POST /oauth/token` with the client id and
//! secret as HTTP Basic and a JSON body, answering 201. The `redirect_uri` must be one the app
//! registered (Pipedream's and Activepieces' setup steps register theirs in the Nifty app);
//! a token carries the requested scopes the app has enabled. // Guess: refresh tokens rotate,
//! each good once; PKCE parameters are accepted and not checked (Nifty documents none).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use url::Url;

use super::NiftyState;
use crate::ghl::oauth_page::escape;
use crate::ghl::shared::lock;

const CODE_LIFETIME: Duration = Duration::from_secs(600);
pub(crate) const APPROVE_PATH: &str = "/authorize/approve";

type Params = HashMap<String, String>;

pub(crate) struct CodeGrant {
    redirect_uri: String,
    scope: String,
    expires_at: Instant,
    used: bool,
}

pub(crate) struct RefreshGrant {
    scope: String,
    spent: bool,
}

/// What an access token allows, and until when.
pub(crate) struct TokenGrant {
    pub expires_at: Instant,
    pub scopes: Vec<String>,
}

#[derive(Default)]
pub(crate) struct OAuthState {
    pub codes: HashMap<String, CodeGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub access_tokens: HashMap<String, TokenGrant>,
}

/// The requested scopes the app has enabled, space-separated. // Guess: Nifty's consent grants
/// the intersection; its docs say only that the app's scopes must be enabled.
fn granted(nifty: &NiftyState, requested: &str) -> String {
    let enabled = lock(&nifty.app).1.clone();
    requested
        .split_whitespace()
        .filter(|s| enabled.iter().any(|e| e == s))
        .collect::<Vec<_>>()
        .join(" ")
}

fn registered(nifty: &NiftyState, redirect: &str) -> bool {
    lock(&nifty.app).0.iter().any(|r| r == redirect)
}

fn checked(
    nifty: &NiftyState,
    params: &Params,
) -> Result<(String, String, Option<String>), String> {
    let get = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    if get("response_type") != Some("code") {
        return Err("response_type must be code".into());
    }
    if get("client_id") != Some(nifty.client_id.as_str()) {
        return Err("Unknown client_id".into());
    }
    let redirect = get("redirect_uri").ok_or("redirect_uri is required")?;
    match Url::parse(redirect) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => return Err("redirect_uri must be an http(s) URL".into()),
    }
    if !registered(nifty, redirect) {
        return Err(format!(
            "redirect_uri {redirect} is not registered for this app: add it to the app's redirect URLs"
        ));
    }
    Ok((
        redirect.to_string(),
        get("scope").unwrap_or("").to_string(),
        params.get("state").cloned(),
    ))
}

fn bad_page(message: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization error</title></head><body><h1>Authorization error</h1><p>{}</p></body></html>\n",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        r#"<input type="hidden" name="{}" value="{}">"#,
        escape(name),
        escape(value)
    )
}

/// GET /authorize: the consent page, with Approve and Deny forms posting to [`APPROVE_PATH`].
pub(crate) async fn authorize(
    State(nifty): State<NiftyState>,
    Query(params): Query<Params>,
) -> Response {
    let (redirect, scope, state) = match checked(&nifty, &params) {
        Ok(request) => request,
        Err(message) => return bad_page(&message),
    };
    let mut fields = vec![
        hidden("response_type", "code"),
        hidden("client_id", &nifty.client_id),
        hidden("redirect_uri", &redirect),
        hidden("scope", &scope),
    ];
    if let Some(state) = &state {
        fields.push(hidden("state", state));
    }
    let fields = fields.join("");
    let page = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app</title></head>
<body>
<h1>Sandbox Workspace</h1>
<p>An app asks for access to your Nifty workspace with the scopes <code>{scope}</code>.</p>
<p>After you decide, you return to <code>{redirect}</code>.</p>
<form method="post" action="{action}">{fields}<button type="submit" name="decision" value="approve">Approve</button></form>
<form method="post" action="{action}">{fields}<button type="submit" name="decision" value="deny">Deny</button></form>
</body></html>
"#,
        scope = escape(&scope),
        redirect = escape(&redirect),
        action = escape(APPROVE_PATH),
    );
    Html(page).into_response()
}

/// POST /authorize/approve: redirects to the app with a code (or `error=access_denied`).
pub(crate) async fn approve(State(nifty): State<NiftyState>, bytes: Bytes) -> Response {
    let params: Params = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let (redirect, scope, state) = match checked(&nifty, &params) {
        Ok(request) => request,
        Err(message) => return bad_page(&message),
    };
    let Ok(mut target) = Url::parse(&redirect) else {
        return bad_page("redirect_uri must be an absolute URL");
    };
    if params.get("decision").map(String::as_str) == Some("deny") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied");
    } else {
        let code = nifty.new_secret();
        lock(&nifty.oauth).codes.insert(
            code.clone(),
            CodeGrant {
                redirect_uri: redirect,
                scope,
                expires_at: Instant::now() + CODE_LIFETIME,
                used: false,
            },
        );
        target.query_pairs_mut().append_pair("code", &code);
    }
    if let Some(state) = &state {
        target.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn basic_client(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// POST /oauth/token → 201 `{access_token, token_type, refresh_token, expires_in, scope}`.
pub(crate) async fn token(
    State(nifty): State<NiftyState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if basic_client(&headers) != Some((nifty.client_id.clone(), nifty.client_secret.clone())) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: send the client id and secret as HTTP Basic",
        );
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(body)) if is_json => body,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The body must be JSON (Content-Type: application/json)",
            )
        }
    };
    let get = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut oauth = lock(&nifty.oauth);
    let scope = match get("grant_type").as_str() {
        "authorization_code" => {
            let code = get("code");
            let Some(grant) = oauth.codes.get_mut(&code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid authorization code",
                );
            };
            if grant.used || grant.expires_at <= Instant::now() {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The authorization code was already used or has expired",
                );
            }
            if get("redirect_uri") != grant.redirect_uri || !registered(&nifty, &grant.redirect_uri)
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match",
                );
            }
            grant.used = true;
            granted(&nifty, &grant.scope)
        }
        "refresh_token" => {
            let presented = get("refresh_token");
            match oauth
                .refresh_tokens
                .get_mut(&presented)
                .filter(|g| !g.spent)
            {
                Some(grant) => {
                    grant.spent = true;
                    granted(&nifty, &grant.scope)
                }
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid refresh token",
                    )
                }
            }
        }
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            )
        }
        other => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other} is not supported"),
            )
        }
    };
    let access_token = nifty.new_secret();
    let refresh_token = nifty.new_secret();
    oauth.access_tokens.insert(
        access_token.clone(),
        TokenGrant {
            expires_at: Instant::now() + nifty.access_token_ttl,
            scopes: scope.split_whitespace().map(str::to_string).collect(),
        },
    );
    oauth.refresh_tokens.insert(
        refresh_token.clone(),
        RefreshGrant {
            scope: scope.clone(),
            spent: false,
        },
    );
    (
        StatusCode::CREATED,
        Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "refresh_token": refresh_token,
            "expires_in": nifty.access_token_ttl.as_secs(),
            "scope": scope,
        })),
    )
        .into_response()
}
